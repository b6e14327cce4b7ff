import Base
import Foundation
import Models
import TensorEngine
import Testing
import Tokenizers
@testable import RewardModeling

private struct MetricsCase: Decodable {
    var name: String
    var predictions: [Double]
    var targets: [Double]
    var spearman: Double?
    var r2: Double
    var mae: Double
    var ranks: [Double]
}

/// A small random Llama (vocab 24, hidden 16, 2 layers) from a seed.
func tinyModel(seed: UInt64 = 1, vocab: Int = 24) throws -> LlamaModel {
    let c = LlamaConfiguration(hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 2, numAttentionHeads: 4,
                               numKeyValueHeads: 2, vocabSize: vocab, maxPositionEmbeddings: 128)
    var rng = SeededGenerator(seed: seed)
    var w: [String: Tensor] = [:]
    func put(_ name: String, _ shape: [Int], norm: Bool = false) {
        w[name] = norm ? Tensor.full(1, shape: shape) : Tensor.randomNormal(shape, std: 0.3, using: &rng)
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

/// Toy regression: 8 tokens from 2…23; the target is the share of "low" tokens (< 8) mapped to [-1, 1].
func toyData(count: Int, seed: UInt64) -> [(ids: [Int], target: Double)] {
    var rng = SeededGenerator(seed: seed)
    return (0..<count).map { _ in
        let ids = [1] + (0..<8).map { _ in 2 + Int(rng.next() % 22) }
        let low = ids.dropFirst().filter { $0 < 8 }.count
        return (ids, 2 * Double(low) / 8 - 1)
    }
}

@Suite struct RegressionMetricsTests {
    /// A validation split of one example has no Spearman: it is written as null (JSON has no NaN)
    /// and read back as NaN, instead of failing the save of reward_config.json.
    @Test func undefinedMetricsAreWrittenAsNull() throws {
        let metrics = try RegressionMetrics(predictions: [0.3], targets: [0.5])
        #expect(metrics.spearman.isNaN)
        let config = RewardConfig(baseModel: "m", maxLength: 8, loss: "mse", scoreMinimum: nil, scoreMaximum: nil, validation: metrics)
        let data = try JSONEncoder().encode(config)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""spearman":null"#), "\(text)")
        let back = try JSONDecoder().decode(RewardConfig.self, from: data).validation
        #expect(back?.spearman.isNaN == true && back?.mae == metrics.mae && back?.count == 1)
        #expect(back?.r2 == metrics.r2 || (back?.r2.isNaN == true && metrics.r2.isNaN))
    }

    @Test func matchesScipyAndSklearn() throws {
        let url = try #require(Bundle.module.url(forResource: "regression_metrics", withExtension: "json", subdirectory: "Fixtures"))
        let cases = try JSONDecoder().decode([MetricsCase].self, from: Data(contentsOf: url))
        #expect(cases.count == 5)
        for c in cases {
            let m = try RegressionMetrics(predictions: c.predictions, targets: c.targets)
            #expect(RegressionMetrics.ranks(c.predictions) == c.ranks, "\(c.name)")
            if let rho = c.spearman { #expect(abs(m.spearman - rho) < 1e-12, "\(c.name): \(m.spearman) vs \(rho)") } else { #expect(m.spearman.isNaN, "\(c.name)") }
            #expect(abs(m.r2 - c.r2) < 1e-12, "\(c.name): \(m.r2) vs \(c.r2)")
            #expect(abs(m.mae - c.mae) < 1e-12, "\(c.name)")
        }
        #expect(throws: RewardError.self) { try RegressionMetrics(predictions: [1], targets: [1, 2]) }
    }
}

@Suite struct RewardModelTests {
    @Test func inputLayoutIsThePapers() {
        #expect(RewardExample.text(prompt: "Title\nBody", response: "Story") == "<prompt>Title\nBody</prompt><response>Story</response>")
    }

    @Test func splitIsSeededAndDisjoint() {
        let (train, validation) = RewardTrainer.split(count: 50, validationFraction: 0.2, seed: 3)
        #expect(train.count == 40 && validation.count == 10 && Set(train + validation).count == 50)
        #expect(RewardTrainer.split(count: 50, validationFraction: 0.2, seed: 3).validation == validation)
        #expect(RewardTrainer.split(count: 2, validationFraction: 0.01, seed: 3).validation.count == 1)
    }

    @Test func validationSpearmanRisesOnAToyTask() throws {
        let reward = try RewardModel(model: tinyModel(), lora: LoRAConfiguration(rank: 4, alpha: 8, dropout: 0), seed: 2)
        let train = toyData(count: 160, seed: 11), validation = toyData(count: 60, seed: 12)
        let trainer = try RewardTrainer(model: reward, options: .init(epochs: 6, learningRate: 1e-2, batchSize: 8, loss: .l1, seed: 4))
        let before = try trainer.evaluate(validation)
        var stepLosses: [[Double]] = Array(repeating: [], count: 6)   // per epoch
        var spearmans: [Double] = []   // per epoch
        let after = try trainer.train(train, validation: validation) { event in
            switch event {
            case let .step(step): stepLosses[Int(step.epoch.rounded(.up)) - 1].append(step.metrics["loss"] ?? .nan)
            case let .evaluation(evaluation): spearmans.append(evaluation.metrics["spearman"] ?? .nan)
            default: break
            }
        }
        let rho = try #require(after.validation).spearman
        let mean = { (losses: [Double]) in losses.reduce(0, +) / Double(losses.count) }
        #expect(spearmans.count == 6 && spearmans.last == rho)
        #expect(mean(stepLosses[5]) < mean(stepLosses[0]))
        #expect(rho > 0.4 && rho > before.spearman + 0.3, "Spearman \(before.spearman) → \(rho)")
        print("toy reward model: validation Spearman \(before.spearman) → \(rho)")
        #expect(after.validation!.mae < before.mae)
    }

    /// `maxSteps` stops within an epoch (the demo's short reward model); that epoch's validation
    /// still runs and its loss averages the examples seen. Without it every epoch runs whole.
    @Test func maxStepsStopsWithinAnEpochAndStillValidates() throws {
        let reward = try RewardModel(model: tinyModel(), lora: LoRAConfiguration(rank: 2, alpha: 4, dropout: 0), seed: 3)
        let trainer = try RewardTrainer(model: reward, options: .init(epochs: 3, learningRate: 1e-2, batchSize: 4, loss: .l1, maxSteps: 5))
        #expect(trainer.totalSteps(trainingOn: 16) == 5)
        var steps: [Int] = [], evaluations: [Int] = [], finished: [Int] = []
        let last = try trainer.train(toyData(count: 16, seed: 1), validation: toyData(count: 6, seed: 2)) { event in
            switch event {
            case let .step(step): steps.append(step.step)
            case let .evaluation(evaluation): evaluations.append(evaluation.step)
            case let .finished(end): finished.append(end.step)
            default: break
            }
        }
        // 4 steps fill epoch 1; the 5th is the first of epoch 2, whose validation ends the run.
        #expect(steps == [1, 2, 3, 4, 5] && evaluations == [4, 5] && finished == [5])
        #expect(last.epoch == 2 && last.trainLoss.isFinite && last.validation != nil)
        let whole = try RewardTrainer(model: reward, options: .init(epochs: 2, batchSize: 4))
        #expect(whole.totalSteps(trainingOn: 16) == 8)
    }

    @Test func savedModelScoresTheSameAfterLoading() throws {
        let reward = try RewardModel(model: tinyModel(), lora: LoRAConfiguration(rank: 2, alpha: 4, dropout: 0), seed: 3)
        let trainer = try RewardTrainer(model: reward, options: .init(epochs: 1, learningRate: 1e-2, batchSize: 4, loss: .mse))
        _ = try trainer.train(toyData(count: 16, seed: 1), validation: [])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reward-\(UUID().uuidString)")
        let config = RewardConfig(baseModel: "tiny", maxLength: 64, loss: "mse", scoreMinimum: 1, scoreMaximum: 100, validation: nil)
        try reward.save(directory: folder, config: config)
        let (loaded, loadedConfig) = try RewardModel.load(directory: folder, model: tinyModel())
        let probe = toyData(count: 5, seed: 99).map(\.ids)
        #expect(try loaded.scores(probe) == reward.scores(probe))
        #expect(loadedConfig == config)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files == ["adapter_config.json", "adapter_model.safetensors", "reward_config.json", "reward_head.safetensors"])
        #expect(throws: RewardError.self) { try RewardModel.load(directory: folder.appendingPathComponent("none"), model: tinyModel()) }
    }

    /// A reward model records its base's vocabulary fingerprint and refuses a base whose tokenizer
    /// differs (the same tokens in another order map text to other ids); the right base loads.
    @Test func aBaseWithAnotherTokenizerIsRefused() throws {
        func tokenizer(_ tokens: [String]) throws -> PreTrainedTokenizer {
            let vocab = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, $0) })
            return try PreTrainedTokenizer(data: JSONSerialization.data(withJSONObject: ["model": ["type": "BPE", "vocab": vocab, "merges": [String]()]]))
        }
        let trainedOn = try tokenizer(["a", "b", "c"]), other = try tokenizer(["a", "c", "b"])
        #expect(trainedOn.vocabularyFingerprint == (try tokenizer(["a", "b", "c"])).vocabularyFingerprint)
        #expect(trainedOn.vocabularyFingerprint != other.vocabularyFingerprint)
        let reward = try RewardModel(model: tinyModel(), lora: LoRAConfiguration(rank: 2, alpha: 4, dropout: 0), seed: 3)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reward-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try reward.save(directory: folder, config: RewardConfig(baseModel: "tiny", maxLength: 64, loss: "mse", scoreMinimum: nil,
                                                                scoreMaximum: nil, validation: nil, tokenizer: trainedOn))
        let json = try String(contentsOf: folder.appendingPathComponent(RewardModel.configFile), encoding: .utf8)
        #expect(json.contains("\"tokenizer_sha256\" : \"\(trainedOn.vocabularyFingerprint)\"") && json.contains("\"tokenizer_vocabulary_size\" : 3"))
        let (_, config) = try RewardModel.load(directory: folder, model: tinyModel(), tokenizer: trainedOn)
        #expect(config.tokenizerFingerprint == trainedOn.vocabularyFingerprint)
        do {
            _ = try RewardModel.load(directory: folder, model: tinyModel(), tokenizer: other)
            Issue.record("a base with another tokenizer was accepted")
        } catch {
            let message = "\(error)"
            #expect(message.contains("reward_config.json") && message.contains("tokenizer") && message.contains("differs")
                    && message.contains("--reward-base-model"), "\(message)")
        }
    }
}

/// Padding-free reward batches (docs/methods.md §6.4): one packed row gives each sequence's
/// reward alone and the per-example trainer's loss and gradients. Tolerances (Float32): rewards and
/// losses to 1e-5 relative, each trainable tensor's gradient to 1e-5 of its largest entry.
@Suite struct PaddingFreeRewardTests {
    /// A reward model whose LoRA B is random too (so every trainable tensor gets a gradient).
    static func model() throws -> RewardModel {
        let reward = try RewardModel(model: tinyModel(), lora: LoRAConfiguration(rank: 2, alpha: 4, dropout: 0), seed: 3)
        var rng = SeededGenerator(seed: 8)
        for (_, l) in reward.adapter.layers { l.b.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = 0.2 * rng.nextGaussian() } } }
        return reward
    }

    /// Sequences of different lengths (`scale` stretches them past a 128-token context together).
    static func data(scale: Int) -> [(ids: [Int], target: Double)] {
        var rng = SeededGenerator(seed: 21)
        return (0..<6).map { i in
            let ids = [1] + (0..<(scale * (3 + (i * 5) % 7))).map { _ in 2 + Int(rng.next() % 22) }
            return (ids, Double(i % 3) - 1)
        }
    }

    @Test(arguments: [1, 6])
    func packedRowEqualsPaddedBatchAndSingleSequences(scale: Int) throws {
        let batch = Self.data(scale: scale)
        let lengths = batch.map(\.ids.count)
        var expectedSplits = 0, filled = 0
        for l in lengths { if filled + l > 128 { expectedSplits += 1; filled = 0 }; filled += l }
        #expect(scale == 1 ? expectedSplits == 0 : expectedSplits >= 1 && lengths.allSatisfy { $0 <= 128 })

        let reward = try Self.model()
        let alone = try reward.scores(batch.map(\.ids))
        let (free, splits) = try Tensor.withNoGrad { try reward.rewards(batch.map(\.ids), paddingFree: true) }
        let (padded, none) = try Tensor.withNoGrad { try reward.rewards(batch.map(\.ids), paddingFree: false) }
        #expect(splits == expectedSplits && none == 0)
        for (i, r) in alone.enumerated() {
            #expect(abs(Double(free.scalars[i]) - r) <= 1e-5 * max(abs(r), 1e-3), "sequence \(i): \(free.scalars[i]) vs \(r)")
            #expect(abs(Double(padded.scalars[i]) - r) <= 1e-5 * max(abs(r), 1e-3), "sequence \(i): \(padded.scalars[i]) vs \(r)")
        }

        // The trainer's mini-batch loss and gradients: one packed pass against one pass per example.
        func accumulate(_ paddingFree: Bool) throws -> (loss: Double, splits: Int, gradients: [[Float]]) {
            let reward = try Self.model()
            let trainer = try RewardTrainer(model: reward, options: .init(loss: .l1, paddingFree: paddingFree))
            let (loss, splits) = try trainer.accumulate(batch)
            return (loss, splits, try reward.trainableParameters.map { try #require($0.grad).scalars })
        }
        let (packed, separate) = (try accumulate(true), try accumulate(false))
        #expect(abs(packed.loss - separate.loss) <= 1e-5 * abs(separate.loss))
        #expect(packed.splits == expectedSplits && separate.splits == 0)
        for (i, (p, s)) in zip(packed.gradients, separate.gradients).enumerated() {
            let scale = s.map(abs).max() ?? 0, worst = zip(p, s).map { abs($0 - $1) }.max() ?? 0
            #expect(scale > 0 && worst <= 1e-5 * scale, "gradient \(i) differs by \(worst) (largest entry \(scale))")
        }
    }

    @Test func emptySequenceIsRefusedByIndex() throws {
        let reward = try Self.model()
        #expect(throws: RewardError.invalidData(location: "sequence 1 of the batch", reason: "an empty token sequence has no last token")) {
            try reward.rewards([[1, 2], [], [3]], paddingFree: true)
        }
    }
}
