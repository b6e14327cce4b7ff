import Base
import Testing
@testable import TensorEngine

/// The encoder's copy-free attention against the engine's masked attention on split heads.
@Suite struct PackedSelfAttentionTests {
    @Test(arguments: [1, 2])
    func matchesMaskedAttentionOnRealRows(threads: Int) throws {
        let saved = EngineThreads.count
        EngineThreads.configure(threads)
        defer { EngineThreads.configure(saved) }
        let (b, t, heads, d) = (3, 9, 4, 8)
        let h = heads * d
        let lengths = [9, 4, 1]
        var rng = SeededGenerator(seed: 11)
        let qkv = Tensor.randomNormal([b, t, 3 * h], std: 1, using: &rng)
        let packed = try Tensor.withNoGrad { try packedSelfAttention(qkv, heads: heads, lengths: lengths) }.scalars

        let split = try permute(reshape(qkv, [b, t, 3, heads, d]), [2, 0, 3, 1, 4])
        func part(_ i: Int) throws -> Tensor { try reshape(slice(split, axis: 0, range: i..<(i + 1)), [b, heads, t, d]) }
        let padding = lengths.map { n in (0..<t).map { $0 < n } }
        let reference = try reshape(permute(scaledDotProductAttention(query: part(0), key: part(1), value: part(2), causal: false,
                                                                      keyPadding: padding), [0, 2, 1, 3]), [b, t, h]).scalars
        for bi in 0..<b {
            for ti in 0..<t {
                for j in 0..<h {
                    let i = (bi * t + ti) * h + j
                    if ti < lengths[bi] {
                        #expect(abs(packed[i] - reference[i]) < 1e-5, "b\(bi) t\(ti) j\(j)")
                    } else {
                        #expect(packed[i] == 0, "padded row b\(bi) t\(ti) is zero")
                    }
                }
            }
        }
    }

    @Test func refusesAutogradAndBadShapes() throws {
        let qkv = Tensor.zeros([1, 2, 24])
        #expect(throws: TensorError.self) { try packedSelfAttention(qkv, heads: 2, lengths: [2]) }
        try Tensor.withNoGrad {
            #expect(throws: TensorError.self) { try packedSelfAttention(qkv, heads: 5, lengths: [2]) }
            #expect(throws: TensorError.self) { try packedSelfAttention(qkv, heads: 2, lengths: [3]) }
            #expect(throws: TensorError.self) { try packedSelfAttention(qkv, heads: 2, lengths: [2, 2]) }
        }
    }
}
