import Base
import Foundation
import Testing
@testable import WeightFormats

/// The real SmolLM2-135M-Instruct GGUF (Q4_1 matrices, Q8_0 tied embeddings, F32 norms) against
/// values gguf-py read from the same file (scripts/reference/formats_fixtures.py).
@Suite struct SmolLM2Tests {
    struct Rows: Decodable {
        let type: String; let rows: [Int]; let head: [[Float]]; let sums: [Double]
        let matvec_head: [Double]?; let matvec_sum: Double?
    }

    func open() throws -> GGUFFile {
        let path = try smolLM2Path()
        try #require(FileManager.default.fileExists(atPath: path), "run scripts/fetch-models.sh first")
        return try GGUFFile(path: path)
    }

    @Test func metadata() throws {
        let f = try open()
        #expect(f.version == 3 && f.string("general.architecture") == "llama")
        #expect(f.int("llama.block_count") == 30 && f.int("llama.embedding_length") == 576)
        #expect(f.int("llama.attention.head_count") == 9 && f.int("llama.attention.head_count_kv") == 3)
        #expect(f.stringArray("tokenizer.ggml.tokens")?.count == 49152)
        #expect(f.stringArray("tokenizer.ggml.merges")?.isEmpty == false)
        #expect(f.intArray("tokenizer.ggml.token_type")?.count == 49152)
        #expect(f.string("tokenizer.chat_template")?.contains("<|im_start|>") == true)
        let q = try f.tensor(named: "blk.0.attn_q.weight")
        #expect(q.type == .q4_1 && q.shape == [576, 576])
        #expect(try f.tensor(named: "token_embd.weight").shape == [49152, 576])
        #expect(f.tensors.count == 30 * 9 + 2)
    }

    @Test func rowsMatchGGUFPy() throws {
        let f = try open()
        let expected: [String: Rows] = try fixtureJSON("smollm2_rows")
        #expect(Set(expected.values.map(\.type)) == ["Q4_1", "Q8_0", "F32"])
        for (name, e) in expected {
            let info = try f.tensor(named: name)
            #expect(info.type.name == e.type)
            for (k, r) in e.rows.enumerated() {
                var row = [Float](repeating: 0, count: info.rowLength)
                try row.withUnsafeMutableBufferPointer { try f.dequantizeRows(named: name, rows: r..<(r + 1), into: $0) }
                #expect(Array(row.prefix(64)) == e.head[k], "\(name) row \(r)")
                #expect(abs(row.reduce(0.0) { $0 + Double($1) } - e.sums[k]) < 1e-4, "\(name) row \(r) sum")
            }
        }
    }

    @Test func quantizedMatVecMatchesGGUFPy() throws {
        let f = try open()
        let expected: [String: Rows] = try fixtureJSON("smollm2_rows")
        var checked = 0
        for (name, e) in expected {
            guard let head = e.matvec_head, let sum = e.matvec_sum else { continue }
            let w = try f.quantizedMatrix(named: name)
            let y = w.multiply(probe(w.columns), int8Activations: false)
            for (i, v) in head.enumerated() { #expect(abs(Double(y[i]) - v) <= 1e-4 * max(1, abs(v)), "\(name)[\(i)]") }
            #expect(abs(y.reduce(0.0) { $0 + Double($1) } - sum) <= 1e-4 * Double(w.rowCount), "\(name) sum")
            checked += 1
        }
        #expect(checked == 3)
    }
}
