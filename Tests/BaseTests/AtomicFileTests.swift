import Base
import Foundation
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
