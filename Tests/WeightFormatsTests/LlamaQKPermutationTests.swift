import Foundation
import Testing
@testable import WeightFormats

@Suite struct LlamaQKPermutationTests {
    struct Case: Decodable { let heads: Int; let rows: Int; let columns: Int; let hf: [Float]; let gguf: [Float] }

    /// numpy's `reshape(h, 2, D/2, …).swapaxes(1, 2)` (convert_hf_to_gguf) on q- and k-shaped
    /// matrices, including GQA (k with fewer heads) and a bias-like single column.
    @Test func matchesTheConverterInBothDirections() throws {
        let cases: [Case] = try fixtureJSON("permutation")
        #expect(cases.count == 6)
        for c in cases {
            #expect(LlamaQKPermutation.permute(c.hf, rowCount: c.rows, columns: c.columns, heads: c.heads) == c.gguf, "permute \(c.rows)×\(c.columns)/\(c.heads)")
            #expect(LlamaQKPermutation.unpermute(c.gguf, rowCount: c.rows, columns: c.columns, heads: c.heads) == c.hf, "unpermute \(c.rows)×\(c.columns)/\(c.heads)")
        }
    }

    @Test func roundTripsAndIsNotTheIdentity() {
        // 2 heads of dimension 4, 1 column: HF rows [h0: 0 1 2 3 | h1: 4 5 6 7] → pairs (i, i + 2) interleaved.
        let hf: [Float] = [0, 1, 2, 3, 4, 5, 6, 7]
        let gguf = LlamaQKPermutation.permute(hf, rowCount: 8, columns: 1, heads: 2)
        #expect(gguf == [0, 2, 1, 3, 4, 6, 5, 7])
        #expect(LlamaQKPermutation.unpermute(gguf, rowCount: 8, columns: 1, heads: 2) == hf)
        let wide = (0..<(64 * 9)).map(Float.init)
        let there = LlamaQKPermutation.permute(wide, rowCount: 64, columns: 9, heads: 4)
        #expect(there != wide && LlamaQKPermutation.unpermute(there, rowCount: 64, columns: 9, heads: 4) == wide)
        // Reading GGUF rows in `ggufRows` order is unpermuting them.
        #expect(LlamaQKPermutation.ggufRows(rowCount: 64, heads: 4).flatMap { there[($0 * 9)..<(($0 + 1) * 9)] } == wide)
        #expect(LlamaQKPermutation.isValid(rowCount: 12, heads: 3) && !LlamaQKPermutation.isValid(rowCount: 9, heads: 3))
    }
}
