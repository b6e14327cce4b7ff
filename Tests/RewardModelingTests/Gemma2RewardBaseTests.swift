import Foundation
import Models
import TensorEngine
import Testing
@testable import RewardModeling

/// Gemma 2 as the reward model's base (the paper's Gemma-2-2B reward model, docs/methods.md §6.3):
/// on the tiny random Gemma 2 of scripts/reference/gemma2_olmo2_fixtures.py (soft-capped, sliding
/// window 3) with the score head transformers' Gemma2ForSequenceClassification used, the rewards —
/// one sequence at a time, right-padded and padding-free batches — equal transformers' to 1e-4.
/// A fresh adapter (B = 0, as PEFT starts) leaves the body unchanged.
@Suite struct Gemma2RewardBaseTests {
    struct Reference: Decodable {
        struct Gemma: Decodable {
            struct Reward: Decodable { let head: [Float]; let rewards: [Float] }
            let reward: Reward
        }
        let ids: [[Int]]
        let mask: [[Int]]
        let gemma2: Gemma
    }

    /// The Models tests' fixtures (one copy of the checkpoint in the repository).
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelsTests/Fixtures")

    @Test func rewardsOnGemma2MatchTransformers() throws {
        let r = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("gemma2_olmo2_reference.json")))
        let model = try LanguageModel.load(path: Self.fixtures.appendingPathComponent("tiny_gemma2").path).model
        #expect(model.configuration.architecture == .gemma2)
        let adapter = try LoRAAdapter(configuration: LoRAConfiguration(rank: 2, alpha: 4, dropout: 0), model: model, seed: 1)
        let head = try Tensor(r.gemma2.reward.head, shape: [1, model.configuration.hiddenSize])
        let reward = try RewardModel(model: model, adapter: adapter, head: head, bias: Tensor.full(0, shape: [1]))
        // transformers scores each row's last real token.
        let sequences = zip(r.ids, r.mask).map { ids, mask in Array(ids.prefix(mask.filter { $0 == 1 }.count)) }
        let expected = r.gemma2.reward.rewards
        let alone = try reward.scores(sequences)
        for (got, want) in zip(alone, expected) { #expect(abs(Float(got) - want) < 1e-4 * max(1, abs(want)), "alone: \(got) vs \(want)") }
        for paddingFree in [false, true] {
            let batch = try Tensor.withNoGrad { try reward.rewards(sequences, paddingFree: paddingFree).rewards.scalars }
            for (got, want) in zip(batch, expected) {
                #expect(abs(got - want) < 1e-4 * max(1, abs(want)), "paddingFree \(paddingFree): \(got) vs \(want)")
            }
        }
    }
}
