import Foundation
import Testing
@testable import WeightFormats

@Suite struct GGUFTests {
    struct Expected: Decodable { let type: String; let shape: [Int]; let values: [Float] }

    @Test func dequantizesEveryTypeLikeGGUFPy() throws {
        let file = try GGUFFile(url: fixtureURL("quants", "gguf"))
        let expected = try JSONDecoder().decode([String: Expected].self, from: Data(contentsOf: fixtureURL("quants", "json")))
        #expect(expected.count == 11)
        for (name, e) in expected {
            let info = try #require(file.tensorInfo(named: name), "\(name) missing")
            #expect(info.type.name == e.type, "\(name) type")
            #expect(info.shape == e.shape)
            let values = try file.dequantize(named: name)
            let worst = zip(values, e.values).map { abs($0 - $1) / max(abs($1), 1e-3) }.max() ?? 0
            #expect(worst < 1e-6, "\(name): worst relative error \(worst)")
            // Row ranges give the same numbers.
            var row = [Float](repeating: 0, count: info.rowLength)
            try row.withUnsafeMutableBufferPointer { try file.dequantizeRows(info, rows: 1..<2, into: $0) }
            #expect(row == Array(values[info.rowLength...]))
        }
    }

    @Test func readsEveryMetadataType() throws {
        let f = try GGUFFile(url: fixtureURL("quants", "gguf"))
        #expect(f.version == 3)
        #expect(f.string("general.architecture") == "llama")
        #expect(f.int("test.u8") == 200 && f.int("test.i8") == -100 && f.int("test.u16") == 60000 && f.int("test.i16") == -30000)
        #expect(f.int("test.u32") == 4_000_000_000 && f.int("test.i32") == -2_000_000_000)
        #expect(f.int("test.u64") == 1 << 40 && f.int("test.i64") == -(1 << 40))
        #expect(f.double("test.f32") == 0.25 && f.double("test.f64") == 1e-300)
        #expect(f.bool("test.bool") == true)
        #expect(f.string("test.string") == "héllo ✓")
        #expect(f.strings("test.strings") == ["a", "bc", ""])
        #expect(f.ints("test.ints") == [1, -2, 3])
    }

    @Test func corruptFilesFailWithClearErrors() throws {
        let data = try Data(contentsOf: fixtureURL("quants", "gguf"))
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Truncated at many cut points: always an error, never a crash.
        for cut in [3, 8, 23, 40, 100, 400, 1000, data.count / 2, data.count - 100] {
            let url = dir.appendingPathComponent("cut\(cut).gguf")
            try data.prefix(cut).write(to: url)
            #expect(throws: WeightFormatError.self, "cut at \(cut)") { try GGUFFile(url: url) }
        }
        var bad = data
        bad[0] = 0x58
        let badMagic = dir.appendingPathComponent("magic.gguf")
        try bad.write(to: badMagic)
        #expect { try GGUFFile(url: badMagic) } throws: { "\($0)".contains("bad magic") && "\($0)".contains("magic.gguf") }
        // An absurd tensor count.
        var huge = data
        huge.replaceSubrange(8..<16, with: withUnsafeBytes(of: UInt64(1 << 60).littleEndian) { Data($0) })
        let hugeURL = dir.appendingPathComponent("huge.gguf")
        try huge.write(to: hugeURL)
        #expect(throws: WeightFormatError.self) { try GGUFFile(url: hugeURL) }
        #expect(throws: WeightFormatError.self) { try GGUFFile(path: dir.appendingPathComponent("missing.gguf").path) }
    }

    @Test func qkPermutationRoundTripsAndMatchesTheConverter() {
        // 2 heads of dimension 4, 1 column: HF rows [h0: 0 1 2 3 | h1: 4 5 6 7].
        let hf: [Float] = [0, 1, 2, 3, 4, 5, 6, 7]
        let gguf = LlamaQKPermutation.permute(hf, rowCount: 8, columns: 1, heads: 2)
        // reshape(2, 2, 2).swapaxes(1, 2): rows (0,2,1,3) per head.
        #expect(gguf == [0, 2, 1, 3, 4, 6, 5, 7])
        #expect(LlamaQKPermutation.unpermute(gguf, rowCount: 8, columns: 1, heads: 2) == hf)
    }

    @Test func realSmolLM2MetadataAndTensors() throws {
        let path = smolLM2Path()
        try #require(FileManager.default.fileExists(atPath: path), "run scripts/fetch-models.sh first")
        let f = try GGUFFile(path: path)
        #expect(f.string("general.architecture") == "llama")
        #expect(f.int("llama.block_count") == 30 && f.int("llama.embedding_length") == 576)
        #expect(f.int("llama.attention.head_count") == 9 && f.int("llama.attention.head_count_kv") == 3)
        #expect(f.strings("tokenizer.ggml.tokens")?.count == 49152)
        struct Rows: Decodable { let type: String; let rows: [Int]; let head: [[Float]]; let sums: [Double] }
        let expected = try JSONDecoder().decode([String: Rows].self, from: Data(contentsOf: fixtureURL("smollm2_rows", "json")))
        for (name, e) in expected {
            let info = try #require(f.tensorInfo(named: name))
            #expect(info.type.name == e.type)
            for (k, r) in e.rows.enumerated() {
                var row = [Float](repeating: 0, count: info.rowLength)
                try row.withUnsafeMutableBufferPointer { try f.dequantizeRows(info, rows: r..<(r + 1), into: $0) }
                #expect(Array(row.prefix(64)) == e.head[k], "\(name) row \(r)")
                #expect(abs(row.reduce(0.0) { $0 + Double($1) } - e.sums[k]) < 1e-4)
            }
        }
    }
}
