import Foundation

/// One line of a run's `samples.jsonl`: every sample of one prompt, written as soon as the
/// prompt is done so an interrupted run resumes where it stopped.
public struct SampleRecord: Codable, Hashable, Sendable {
    public var promptIndex: Int
    public var prompt: String
    public var samples: [String]
    /// Generated tokens per sample.
    public var tokens: [Int]
    /// Mean log-probability per generated token under the model, per sample (nil when no tokens).
    public var logprobPerToken: [Double?]
    /// `stop` or `length`, per sample.
    public var finishReasons: [String]
    /// Reward-model scores per sample, when a reward model was given.
    public var rewards: [Double]?

    public init(promptIndex: Int, prompt: String, samples: [String], tokens: [Int], logprobPerToken: [Double?],
                finishReasons: [String], rewards: [Double]? = nil) {
        self.promptIndex = promptIndex
        self.prompt = prompt
        self.samples = samples
        self.tokens = tokens
        self.logprobPerToken = logprobPerToken
        self.finishReasons = finishReasons
        self.rewards = rewards
    }

    enum CodingKeys: String, CodingKey {
        case prompt, samples, tokens, rewards
        case promptIndex = "prompt_index", logprobPerToken = "logprob_per_token", finishReasons = "finish_reasons"
    }

    public static let fileName = "samples.jsonl"
}
