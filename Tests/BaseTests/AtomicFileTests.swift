import Base
import Foundation
import Synchronization
import Testing

@Suite struct AtomicFileTests {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func replacesWholeAndLeavesNoTemporaryFiles() throws {
        let dir = try folder()
        let url = dir.appendingPathComponent("out.txt")
        try AtomicFile.write(Data("old".utf8), to: url)
        try AtomicFile.write(to: url, chunks: { sink in
            try sink(Data("new ".utf8))
            try sink(Data("text".utf8))
        })
        #expect(String(decoding: try Data(contentsOf: url), as: UTF8.self) == "new text")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.txt"])
    }

    @Test func aFailedWriteKeepsTheOldFile() throws {
        struct Interrupted: Error {}
        let dir = try folder()
        let url = dir.appendingPathComponent("out.txt")
        try AtomicFile.write(Data("old".utf8), to: url)
        #expect(throws: Interrupted.self) {
            try AtomicFile.write(to: url, chunks: { sink in
                try sink(Data("half".utf8))
                throw Interrupted()
            })
        }
        #expect(String(decoding: try Data(contentsOf: url), as: UTF8.self) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.txt"])
    }

    /// A killed writer's `.NAME.UUID.tmp` (no lock held) goes with the next write of NAME; the
    /// temporary files of other names, and one a live writer holds locked, stay.
    @Test func theNextWriteRemovesAKilledWritersTemporaryFileOnly() throws {
        let dir = try folder()
        let url = dir.appendingPathComponent("out.txt")
        func temporary(_ name: String) throws -> String {
            let entry = ".\(name).\(UUID().uuidString).tmp"
            try Data("partial".utf8).write(to: dir.appendingPathComponent(entry))
            return entry
        }
        let killed = try temporary("out.txt"), otherTarget = try temporary("out.txt.gz"), otherFile = try temporary("notes.txt")
        let live = try temporary("out.txt")
        let fd = open(dir.appendingPathComponent(live).path, O_RDONLY)
        try #require(fd >= 0 && flock(fd, LOCK_EX) == 0)
        defer { close(fd) }
        try AtomicFile.write(Data("new".utf8), to: url)
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        #expect(!left.contains(killed))
        #expect(left == ["out.txt", otherTarget, otherFile, live])
        #expect(AtomicFile.removeAbandonedTemporaries(in: dir).sorted() == [otherTarget, otherFile].sorted())
    }

    /// Writers of the same file in parallel never take each other's temporary files for a killed
    /// writer's: every write succeeds and none is left behind.
    @Test func concurrentWritersOfOneFileAllSucceed() throws {
        let dir = try folder()
        let url = dir.appendingPathComponent("shared.json")
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { writer in
            for i in 0..<50 {
                do { try AtomicFile.write(Data("writer \(writer) write \(i)".utf8), to: url) } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(String(decoding: try Data(contentsOf: url), as: UTF8.self).hasSuffix("write 49"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["shared.json"])
    }

    @Test func anUnwritablePlaceIsAnErrorNamingIt() throws {
        let dir = try folder()
        let blocker = dir.appendingPathComponent("file")
        try Data().write(to: blocker)
        let url = blocker.appendingPathComponent("out.txt")  // a folder that is a file
        #expect { try AtomicFile.write(Data("x".utf8), to: url) } throws: { "\($0)".hasPrefix("\(url.path): cannot write") }
    }
}

@Suite struct ModelCacheTests {
    @Test func theEnvironmentWinsAndAMissingModelSaysHowToFetchIt() throws {
        #expect(ModelCache(root: URL(fileURLWithPath: "/r"), environment: ["DIVTUNE_CACHE": "/c"]).directory.path == "/c")
        #expect(ModelCache(root: URL(fileURLWithPath: "/r"), environment: [:]).directory.path == "/r/.cache/models")
        let empty = ModelCache(root: FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString), environment: [:])
        #expect { try empty.require(ModelCache.smolLM2) } throws: { "\($0)".contains("run `make models`") }
        let repository = ModelCache.forRepository(containing: #filePath)
        #expect(FileManager.default.fileExists(atPath: repository.directory.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Package.swift").path) || ProcessInfo.processInfo.environment["DIVTUNE_CACHE"] != nil)
    }
}
