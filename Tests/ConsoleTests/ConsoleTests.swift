import Base
import Foundation
import Testing
@testable import Console

@Suite struct ConsoleTests {
    @Test func barShowsCountRateAndETA() {
        let bar = ProgressBar("train", total: 10, unit: "steps", enabled: false)
        bar.advance(by: 4, detail: "loss 0.5")
        let line = bar.line(now: Date().addingTimeInterval(2))
        #expect(line.hasPrefix("train "))
        #expect(line.contains("4/10"))
        #expect(line.contains("steps/s"))
        #expect(line.contains("ETA "))
        #expect(line.hasSuffix("loss 0.5"))
        #expect(ProgressBar.clock(3725) == "1:02:05")
        #expect(ProgressBar.clock(65) == "1:05")
        #expect(ProgressBar.clock(.infinity) == "--:--")
    }

    @Test func logAppendsWholeLinesAndNullsNonFiniteNumbers() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-log-\(UUID().uuidString)/m.jsonl")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        do {
            let log = try JSONLinesLog(url: url)
            try log.append(["step": 1, "loss": 0.5])
            try log.append(["step": 2, "loss": Double.nan])
        }
        let again = try JSONLinesLog(url: url)
        try again.append(["step": 3])
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(lines == [#"{"loss":0.5,"step":1}"#, #"{"loss":null,"step":2}"#, #"{"step":3}"#])
    }

    @Test func aFailedLogWriteThrowsNamingTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-log-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // /dev/full accepts the open and fails every write with ENOSPC, as a full disk does.
        let url = folder.appendingPathComponent("m.jsonl")
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: "/dev/full")
        let log = try JSONLinesLog(url: url)
        #expect(throws: FileError.self) { try log.append(["step": 1]) }
        do { try log.append(["step": 1]) } catch let error as FileError { #expect(error.path == url.path) }
    }
}
