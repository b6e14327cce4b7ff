import Foundation
import Testing
@testable import TensorEngine

/// Parity with PyTorch: fixtures from `scripts/reference/engine_llama_block.py` (float64 math,
/// rounded once to Float32). The engine runs in Float32, so values are compared with
/// |actual − expected| ≤ 1e-4 · max(|expected|, 0.05 · max|expected|): relative 1e-4, with a floor
/// for entries near zero where Float32 cancellation dominates.
@Suite struct ReferenceParityTests {
    struct F32: Decodable {
        let shape: [Int]
        let f32: String
        var values: [Float] {
            let data = Data(base64Encoded: f32) ?? Data()
            return (0..<(data.count / 4)).map { i in
                Float(bitPattern: UInt32(littleEndian: data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self) }))
            }
        }
        func tensor() throws -> Tensor { try Tensor(values, shape: shape) }
    }

    struct Block: Decodable {
        let hidden, heads, kv_heads, head_dim, ffn, layers, weight_scale: Int
        let eps, rope_theta: Float
        let padding: [[Bool]]
        let weights: [String: String]   // base64 int8 k; the weight is k / weight_scale
        let shapes: [String: [Int]]
        let x, r, y, dx: F32
        let gradients: [String: F32]
    }

    struct Attention: Decodable {
        let query_offset: Int
        let key_padding: [[Bool]]
        let q, k, v, r, out, dq, dk, dv: F32
    }

    struct Rope: Decodable {
        let head_dim: Int
        let theta, factor, low_freq_factor, high_freq_factor: Float
        let original_max_position_embeddings: Int
        let inverse_frequencies, x, rotate_half, interleaved: F32
        let positions: [Int]
    }

    struct Fixture: Decodable {
        let block: Block
        let attention: Attention
        let rope: Rope
    }

    static func load() throws -> Fixture {
        let url = try #require(Bundle.module.url(forResource: "engine_reference", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    func expectClose(_ actual: [Float], _ expected: [Float], _ name: String, rtol: Float = 1e-4) {
        #expect(actual.count == expected.count, "\(name): \(actual.count) values, expected \(expected.count)")
        let scale = expected.map(abs).max() ?? 0
        var worst: (Int, Float) = (0, 0)
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            let excess = abs(a - e) / (rtol * max(abs(e), 0.05 * scale))
            if excess > worst.1 { worst = (i, excess) }
        }
        #expect(worst.1 <= 1, "\(name)[\(worst.0)]: \(actual[worst.0]) vs \(expected[worst.0]) (error \(worst.1)× the tolerance)")
    }

    @Test("Two Llama blocks: output and every gradient match PyTorch")
    func llamaBlocks() throws {
        let f = try Self.load().block
        var params: [String: Tensor] = [:]
        for (name, base64) in f.weights {
            let ints = try #require(Data(base64Encoded: base64)).map { Int8(bitPattern: $0) }
            let w = try Tensor(ints.map { Float($0) / Float(f.weight_scale) }, shape: try #require(f.shapes[name]))
            w.requiresGrad = true
            params[name] = w
        }
        let x = try f.x.tensor()
        x.requiresGrad = true
        let (b, t) = (f.x.shape[0], f.x.shape[1])
        let rope = try RotaryEmbedding(headDim: f.head_dim, theta: f.rope_theta, layout: .rotateHalf)
        let positions = Array(0..<t)
        func p(_ layer: Int, _ name: String) throws -> Tensor { try #require(params["layers.\(layer).\(name)"]) }
        func heads(_ y: Tensor, _ n: Int) throws -> Tensor { try permute(reshape(y, [b, t, n, f.head_dim]), [0, 2, 1, 3]) }

        var h = x
        for layer in 0..<f.layers {
            let a = try rmsNorm(h, weight: p(layer, "input_layernorm"), eps: f.eps)
            let q = try rope.apply(heads(linear(a, weight: p(layer, "q_proj")), f.heads), positions: positions)
            let k = try rope.apply(heads(linear(a, weight: p(layer, "k_proj")), f.kv_heads), positions: positions)
            let v = try heads(linear(a, weight: p(layer, "v_proj")), f.kv_heads)
            let o = try scaledDotProductAttention(query: q, key: k, value: v, causal: true, keyPadding: f.padding)
            h = try h + linear(reshape(permute(o, [0, 2, 1, 3]), [b, t, f.heads * f.head_dim]), weight: p(layer, "o_proj"))
            let m = try rmsNorm(h, weight: p(layer, "post_attention_layernorm"), eps: f.eps)
            let gated = try silu(linear(m, weight: p(layer, "gate_proj"))) * linear(m, weight: p(layer, "up_proj"))
            h = try h + linear(gated, weight: p(layer, "down_proj"))
        }
        expectClose(h.scalars, f.y.values, "y")
        try sum(h * f.r.tensor()).backward()
        expectClose(try #require(x.grad).scalars, f.dx.values, "dL/dx")
        #expect(params.count == f.gradients.count)
        for (name, expected) in f.gradients {
            expectClose(try #require(params[name]?.grad, "\(name) has no gradient").scalars, expected.values, "dL/d\(name)")
        }
    }

    @Test("Fused attention equals softmax(QKᵀ/√d + mask)·V with GQA, padding and a query offset")
    func fusedAttention() throws {
        let f = try Self.load().attention
        let (q, k, v) = (try f.q.tensor(), try f.k.tensor(), try f.v.tensor())
        for t in [q, k, v] { t.requiresGrad = true }
        let out = try scaledDotProductAttention(query: q, key: k, value: v, causal: true, queryOffset: f.query_offset, keyPadding: f.key_padding)
        expectClose(out.scalars, f.out.values, "attention out")
        try sum(out * f.r.tensor()).backward()
        expectClose(try #require(q.grad).scalars, f.dq.values, "dq")
        expectClose(try #require(k.grad).scalars, f.dk.values, "dk")
        expectClose(try #require(v.grad).scalars, f.dv.values, "dv")
        // No-grad inference gives the same values.
        let inference = try Tensor.withNoGrad {
            try scaledDotProductAttention(query: q, key: k, value: v, causal: true, queryOffset: f.query_offset, keyPadding: f.key_padding)
        }
        #expect(inference.scalars == out.scalars)
    }

    @Test("Llama-3 rope scaling matches transformers; both layouts match their references")
    func rotaryEmbedding() throws {
        let f = try Self.load().rope
        let scaling = RopeScaling.llama3(factor: f.factor, lowFreqFactor: f.low_freq_factor, highFreqFactor: f.high_freq_factor,
                                         originalMaxPositionEmbeddings: f.original_max_position_embeddings)
        let half = try RotaryEmbedding(headDim: f.head_dim, theta: f.theta, scaling: scaling, layout: .rotateHalf)
        expectClose(half.inverseFrequencies, f.inverse_frequencies.values, "llama3 inverse frequencies", rtol: 2e-6)
        let x = try f.x.tensor()
        expectClose(try half.apply(x, positions: f.positions).scalars, f.rotate_half.values, "rotate-half rope")
        let interleaved = try RotaryEmbedding(headDim: f.head_dim, theta: f.theta, scaling: scaling, layout: .interleaved)
        expectClose(try interleaved.apply(x, positions: f.positions).scalars, f.interleaved.values, "interleaved rope")
    }
}
