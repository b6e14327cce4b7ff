import Base
import Foundation
import Testing
import Training
@testable import Monitor

/// The event file a run writes: named and framed as TensorBoard's writer does, every event on disk
/// as soon as it is written, a record cut by a kill skipped, and resumed runs cut back.
struct TensorBoardWriterTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-tb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func writesANewVersionedFileAndEachEventAtOnce() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = { Date(timeIntervalSince1970: 1_700_000_000.5) }
        let writer = try TensorBoardWriter(logDirectory: dir, clock: clock)
        let name = writer.url.lastPathComponent
        #expect(name.hasPrefix("events.out.tfevents.1700000000.") && name.hasSuffix(".\(ProcessInfo.processInfo.processIdentifier).0"))
        #expect(try TensorBoardEventFiles.read(writer.url) == [.init(wallTime: 1_700_000_000.5, step: 0, content: .fileVersion("brain.Event:2"))])

        try writer.scalars(["b": 2, "a": 0.1], step: 7)
        // On disk before the writer is closed: a live reader (or one after a kill) sees it.
        #expect(try TensorBoardEventFiles.read(writer.url).last
                == .init(wallTime: 1_700_000_000.5, step: 7, content: .summary([.init(tag: "a", value: .scalar(0.1)), .init(tag: "b", value: .scalar(2))])))
        try writer.text("hello", tag: "args", step: 0)
        #expect(try TensorBoardEventFiles.read(writer.url).last?.content == .summary([.init(tag: "args/text_summary", value: .text("hello"))]))

        // A second writer in the same second never reopens the first file.
        let second = try TensorBoardWriter(logDirectory: dir, clock: clock)
        #expect(second.url.lastPathComponent == String(name.dropLast()) + "1")
        #expect(try TensorBoardEventFiles.urls(in: dir) == [writer.url, second.url])
    }

    @Test func aRecordCutOffByAKillIsSkippedAndDamageIsAnError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let golden = try Data(contentsOf: TensorBoardEventTests.goldenURL)
        let lastRecordStart = golden.count - TFRecord.frame(TensorBoardEventTests.goldenEvents.last!.encoded()).count
        let file = dir.appendingPathComponent("events.out.tfevents.cut")
        // Cut anywhere inside the last record: the reader returns every event before it.
        for length in lastRecordStart..<golden.count {
            try golden.prefix(length).write(to: file)
            #expect(try TensorBoardEventFiles.read(file) == Array(TensorBoardEventTests.goldenEvents.dropLast()), "cut at \(length)")
        }
        var damaged = golden
        damaged[lastRecordStart + 14] ^= 0x01
        try damaged.write(to: file)
        #expect(throws: FileError(path: file.path, reason: "the record at byte \(lastRecordStart) is damaged (its checksum does not match)")) {
            try TensorBoardEventFiles.read(file)
        }
    }

    @Test func aResumedRunCutsTheFilesBackToItsCheckpoint() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try TensorBoardWriter(logDirectory: dir)
        for step in 1...5 { try writer.scalars(["loss": Double(step)], step: step) }
        // The killed run's last record was cut short.
        let handle = try FileHandle(forWritingTo: writer.url)
        handle.seekToEndOfFile()
        handle.write(TFRecord.frame(TensorBoardEvent(wallTime: 1, step: 6, content: .summary([])).encoded()).prefix(9))
        try handle.close()

        try TensorBoardEventFiles.cut(dir, afterStep: 3)
        let steps = try TensorBoardEventFiles.read(writer.url).map(\.step)
        #expect(steps == [0, 1, 2, 3])
        // A file with nothing past the step is left as it is.
        let before = try Data(contentsOf: writer.url)
        try TensorBoardEventFiles.cut(dir, afterStep: 3)
        #expect(try Data(contentsOf: writer.url) == before)
    }

    @Test func metricsRecordsBecomeTransformersTags() throws {
        #expect(TrainingTensorBoard.tag(for: "loss") == "train/loss")
        #expect(TrainingTensorBoard.tag(for: "rewards/chosen") == "train/rewards/chosen")
        #expect(TrainingTensorBoard.tag(for: "epoch") == "train/epoch")
        #expect(TrainingTensorBoard.tag(for: "eval_loss") == "eval/loss")
        #expect(TrainingTensorBoard.tag(for: "eval_rewards/margins") == "eval/rewards/margins")
    }
}
