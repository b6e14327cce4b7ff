import ChatTemplates
import Generation
import Models
import Sampling

/// The chain's model in this process: replies from ``Generator`` (batched, sample i with seed + i)
/// and the judge's answer from the model's own next-token logits (``AnswerScorer``).
public struct LocalChainModel: ChainModel {
    public let scorer: AnswerScorer
    let generator: Generator
    let maxBatch: Int

    public var template: JudgeTemplate { scorer.template }

    public init(scorer: AnswerScorer, maxBatch: Int = Generator.defaultMaxBatch) {
        self.scorer = scorer
        self.maxBatch = maxBatch
        generator = Generator(model: scorer.model)
    }

    public func write(_ conversations: [[ChatMessage]], seeds: [UInt64], count: Int, maxTokens: Int,
                      sampling: SamplingParameters) throws -> [[String]] {
        let prompts = try zip(conversations, seeds).map { messages, seed in
            Generator.Prompt(ids: try scorer.renderer.ids(messages: messages), seed: seed)
        }
        let parameters = GenerationParameters(maxTokens: maxTokens, sampling: sampling, seed: seeds.first ?? 0)
        return try generator.generate(prompts: prompts, count: count, parameters: parameters, maxBatch: maxBatch)
            .map { $0.map(\.text) }
    }

    public func judge(_ messages: [ChatMessage]) throws -> Double {
        try scorer.answer(messages: messages).probability
    }
}
