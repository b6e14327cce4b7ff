import Base
import Foundation
import Models
import TensorEngine
import WeightFormats
@testable import Training

enum Support {
    static func fixtureURL(_ name: String) throws -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw TrainingError.invalidOption(name: "fixture", reason: "missing \(name)")
        }
        return url
    }

    /// The tiny Llama of scripts/reference/trl_parity.py.
    static func parityModel(_ folder: String = "trl_parity_model") throws -> LlamaModel {
        let dir = try fixtureURL(folder)
        let config = try JSONDecoder().decode(LlamaConfiguration.self, from: Data(contentsOf: dir.appendingPathComponent("config.json")))
        return try LlamaModel(configuration: config, weights: SafetensorsWeights(checkpoint: SafetensorsCheckpoint(directory: dir)))
    }

    /// A small random Llama (vocab 24, hidden 16, 2 layers) from a seed.
    static func tinyModel(seed: UInt64 = 1, vocab: Int = 24) throws -> LlamaModel {
        let c = LlamaConfiguration(hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 2, numAttentionHeads: 4,
                                   numKeyValueHeads: 2, vocabSize: vocab, maxPositionEmbeddings: 128)
        var rng = SeededGenerator(seed: seed)
        var w: [String: Tensor] = [:]
        func put(_ name: String, _ shape: [Int], norm: Bool = false) {
            w[name] = norm ? Tensor.make(shape) { b in for i in b.indices { b[i] = 1 + 0.1 * rng.nextGaussian() } }
                           : Tensor.randomNormal(shape, std: 0.3, using: &rng)
        }
        put("model.embed_tokens.weight", [vocab, 16]); put("model.norm.weight", [16], norm: true); put("lm_head.weight", [vocab, 16])
        for i in 0..<2 {
            let p = "model.layers.\(i)."
            put(p + "input_layernorm.weight", [16], norm: true); put(p + "post_attention_layernorm.weight", [16], norm: true)
            put(p + "self_attn.q_proj.weight", [16, 16]); put(p + "self_attn.k_proj.weight", [8, 16])
            put(p + "self_attn.v_proj.weight", [8, 16]); put(p + "self_attn.o_proj.weight", [16, 16])
            put(p + "mlp.gate_proj.weight", [24, 16]); put(p + "mlp.up_proj.weight", [24, 16]); put(p + "mlp.down_proj.weight", [16, 24])
        }
        return try LlamaModel(configuration: c, weights: InMemoryWeights(w))
    }

    /// An adapter whose B is random too (so every LoRA tensor gets a gradient).
    static func randomAdapter(model: LlamaModel, rank: Int = 2, dropout: Float = 0, seed: UInt64 = 5, targets: [String] = LoRAConfiguration.allLinearTargets) throws -> LoRAAdapter {
        let adapter = try LoRAAdapter(configuration: LoRAConfiguration(rank: rank, alpha: 4, dropout: dropout, targetModules: targets), model: model, seed: seed)
        var rng = SeededGenerator(seed: seed &+ 1)
        for (_, l) in adapter.layers {
            l.b.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = 0.2 * rng.nextGaussian() } }
        }
        return adapter
    }

    /// Toy preference pairs over a 24-token vocabulary: the chosen completion counts up from the
    /// prompt's last token, the rejected one repeats it.
    static func toyPairs(count: Int, seed: UInt64 = 9) -> [TrainingExample] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { i in
            let start = 2 + Int(rng.next() % 10)
            let prompt = [1, start, start + 1]
            let chosen = (2...5).map { start + $0 } + [0]
            let rejected = [start, start, start, start, 0]
            return TrainingExample(prompt: prompt, chosen: chosen, rejected: rejected, weight: 0.5 + Float(i % 3) * 0.5, index: i)
        }
    }

    static func relativeError(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-6) }

    /// An SFT trainer on the tiny model (seed 2) with a fresh LoRA adapter of `rank` (alpha 2·rank,
    /// dropout 0.1, seed 3), learning rate 5e-3, batch 2, a log line every step; `configure` sets
    /// what a test varies beyond the steps and the validation split.
    static func sftTrainer(output: URL, examples: [TrainingExample], rank: Int, steps: Int, split: Double = 0,
                           configure: (inout TrainingConfiguration) throws -> Void = { _ in }) throws -> Trainer {
        let model = try tinyModel(seed: 2)
        let adapter = try LoRAAdapter(configuration: LoRAConfiguration(rank: rank, alpha: Float(2 * rank), dropout: 0.1), model: model, seed: 3)
        try model.attach(adapter)
        var c = TrainingConfiguration()
        c.method = .sft
        c.learningRate = 5e-3
        c.maxSteps = steps
        c.batchSize = 2
        c.loggingSteps = 1
        c.validationSplit = split
        try configure(&c)
        return try Trainer(model: model, adapter: adapter, objective: c.makeObjective(), configuration: c, examples: examples, output: output)
    }
}
