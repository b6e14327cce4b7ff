import Base
@testable import Embeddings
import Foundation
import Testing

/// Records what it was asked to embed; a text's vector is `salt` followed by its first seven
/// UTF-8 bytes (zero-padded), so equal texts get equal vectors and different ones differ.
final class FakeEmbedder: TextEmbedder {
    var calls = 0
    var texts: [String] = []
    let salt: Float
    init(salt: Float) { self.salt = salt }
    func embed(_ texts: [String]) throws -> [[Float]] {
        calls += 1
        self.texts += texts
        return texts.map { text in
            let bytes = text.utf8.prefix(7).map(Float.init)
            return [salt] + bytes + [Float](repeating: 0, count: 7 - bytes.count)
        }
    }
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-embeddings-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct EmbeddingCacheTests {
    @Test func sha256KnownVectors() {
        func hex(_ s: String) -> String { SHA256.hash(Array(s.utf8)).map { String(format: "%02x", $0) }.joined() }
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func cachesAndPersists() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("cache.bin")
        let base = FakeEmbedder(salt: 9)
        let cache = try EmbeddingCache(wrapping: base, modelID: "fake", file: file)
        let first = try cache.embed(["a", "b", "a"])
        #expect(first[0] == first[2] && base.texts == ["a", "b"])
        _ = try cache.embed(["b", "c"])
        #expect(base.texts == ["a", "b", "c"] && cache.hits == 2 && cache.misses == 3)
        try cache.save()

        let other = FakeEmbedder(salt: 9)
        let reloaded = try EmbeddingCache(wrapping: other, modelID: "fake", file: file)
        #expect(reloaded.count == 3)
        #expect(try reloaded.embed(["c", "a"]) == [try base.embed(["c"])[0], first[0]] && other.calls == 0)
        let otherModel = try EmbeddingCache(wrapping: other, modelID: "other", file: file)
        _ = try otherModel.embed(["a"])
        #expect(other.calls == 1, "the model id is part of the key")
    }

    @Test func autosaveWritesTheFileWhileEmbedding() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("cache.bin")
        let cache = try EmbeddingCache(wrapping: FakeEmbedder(salt: 1), modelID: "fake", file: file)
        _ = try cache.embed(["a"])
        #expect(!FileManager.default.fileExists(atPath: file.path), "without autosaveRatio only save() writes")
        cache.autosaveRatio = 0
        _ = try cache.embed(["b", "c"])
        #expect(try EmbeddingCache(wrapping: FakeEmbedder(salt: 1), modelID: "fake", file: file).count == 3)
        _ = try cache.embed(["d"])
        let reloaded = try EmbeddingCache(wrapping: FakeEmbedder(salt: 1), modelID: "fake", file: file)
        #expect(reloaded.count == 4)
        // A ratio no embedding can reach after a save leaves the file as it was.
        cache.autosaveRatio = 1e12
        _ = try cache.embed(["e"])
        #expect(try EmbeddingCache(wrapping: FakeEmbedder(salt: 1), modelID: "fake", file: file).count == 4)
        try cache.save()
        #expect(try EmbeddingCache(wrapping: FakeEmbedder(salt: 1), modelID: "fake", file: file).count == 5)
    }

    @Test func corruptFilesAreReported() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("cache.bin")
        try Data("garbage".utf8).write(to: file)
        #expect(throws: EmbeddingError.self) { try EmbeddingCache(wrapping: FakeEmbedder(salt: 0), modelID: "m", file: file) }
        var data = Data("DTEMBC01".utf8) + Data(repeating: 1, count: 32)
        data += Data([0xFF, 0xFF, 0, 0]) + Data(repeating: 0, count: 8)
        try data.write(to: file)
        do {
            _ = try EmbeddingCache(wrapping: FakeEmbedder(salt: 0), modelID: "m", file: file)
            Issue.record("truncated vector accepted")
        } catch let EmbeddingError.corruptCache(_, offset, _) {
            #expect(offset == 40)
        }
    }
}
