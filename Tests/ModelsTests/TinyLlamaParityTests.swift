import Foundation
import Testing
import TensorEngine
@testable import Models

/// A tiny two-layer Llama (RMSNorm, RoPE, GQA 4/2 heads, SwiGLU) against transformers'
/// LlamaForCausalLM in Float64 (scripts/reference/engine_llama_block.py): logits, a masked
/// log-likelihood loss on a right-padded batch, and the gradient of every parameter.
@Suite struct TinyLlamaParityTests {
    struct Fixture: Decodable {
        let config: LlamaConfiguration
        let ids: [[Int]]
        let mask: [[Int]]
        let coefficients: [[Float]]
        let weights: [String: [Float]]
        let shapes: [String: [Int]]
        let logits: [Float]
        let loss: Double
        let gradients: [String: [Float]]
    }

    static func fixture() throws -> Fixture {
        let url = try #require(Bundle.module.url(forResource: "tiny_llama_reference", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    /// max |a − b| / max(max |b|, 1e-3)
    func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        let scale = max(b.map(abs).max() ?? 0, 1e-3)
        return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    @Test func forwardAndGradientsMatchTransformers() throws {
        let f = try Self.fixture()
        var parameters: [String: Tensor] = [:]
        for (name, values) in f.weights {
            let t = try Tensor(values, shape: f.shapes[name]!)
            t.requiresGrad = true
            parameters[name] = t
        }
        let model = try LlamaModel(configuration: f.config, weights: InMemoryWeights(parameters))
        let padding = f.mask.map { $0.map { $0 == 1 } }
        let logits = try model(f.ids, keyPadding: padding)
        #expect(logits.shape == [2, 7, f.config.vocabSize])
        #expect(relativeError(logits.scalars, f.logits) < 1e-5, "logits")

        let t = f.ids[0].count
        let targets = f.ids.map { Array($0[1...]) }
        let logp = try tokenLogProbs(logits: slice(logits, axis: 1, range: 0..<(t - 1)), targets: targets)
        let weights = try Tensor(zip(f.mask, f.coefficients).flatMap { m, c in zip(m[1...], c).map { Float($0) * $1 } }, shape: [2, t - 1])
        let loss = try sum(mul(logp, weights))
        #expect(abs(Double(loss.item) - f.loss) < 1e-4 * max(1, abs(f.loss)), "loss \(loss.item) vs \(f.loss)")
        try loss.backward()
        for (name, expected) in f.gradients.sorted(by: { $0.key < $1.key }) {
            let grad = try #require(parameters[name]?.grad, "no gradient for \(name)")
            #expect(relativeError(grad.scalars, expected) < 1e-4, "gradient of \(name)")
        }
    }

    @Test func incrementalDecodingWithCacheEqualsFullForward() throws {
        let f = try Self.fixture()
        var parameters: [String: Tensor] = [:]
        for (name, values) in f.weights { parameters[name] = try Tensor(values, shape: f.shapes[name]!) }
        let model = try LlamaModel(configuration: f.config, weights: InMemoryWeights(parameters))
        let ids = f.ids[0]
        try Tensor.withNoGrad {
            let full = try model([ids]).scalars
            let cache = model.makeCache()
            var stepwise: [Float] = try model([Array(ids[..<3])], cache: cache).scalars
            for i in 3..<ids.count { stepwise += try model([[ids[i]]], cache: cache).scalars }
            #expect(relativeError(stepwise, full) < 1e-5)
            #expect(cache.length == ids.count)
        }
    }

    @Test func leftPaddedBatchEqualsSeparateSequences() throws {
        let f = try Self.fixture()
        var parameters: [String: Tensor] = [:]
        for (name, values) in f.weights { parameters[name] = try Tensor(values, shape: f.shapes[name]!) }
        let model = try LlamaModel(configuration: f.config, weights: InMemoryWeights(parameters))
        let short = [4, 9, 13], long = [3, 17, 5, 21, 8]
        try Tensor.withNoGrad {
            let alone = try model([short], logits: .last).scalars
            // Left padding: the short prompt sits at the end with positions 0..<3.
            let batch = try model([[0, 0] + short, long], positions: [[0, 0, 0, 1, 2], [0, 1, 2, 3, 4]],
                                  keyPadding: [[false, false, true, true, true], Array(repeating: true, count: 5)], logits: .last)
            let v = f.config.vocabSize
            #expect(relativeError(Array(batch.scalars[..<v]), alone) < 1e-5)
            #expect(relativeError(Array(batch.scalars[v...]), try model([long], logits: .last).scalars) < 1e-5)
        }
    }
}
