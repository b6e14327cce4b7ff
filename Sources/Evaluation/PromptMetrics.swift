import Base
import Foundation

/// One line of a run's `prompt_metrics.jsonl`: a prompt's five diversity values (null where
/// undefined), what its quality was computed from, and its warnings (docs/formats.md §4.8).
public struct PromptMetrics: Codable, Hashable, Sendable {
    public var promptIndex: Int
    /// The diversity metrics that are defined for this prompt.
    public var diversity: [DiversityMetric: Double]
    /// Mean log-prob per generated token of the samples that have tokens.
    public var logprobPerToken: [Double]
    public var tokens: [Int]
    public var rewards: [Double]?
    public var warnings: [String]

    public init(promptIndex: Int, diversity: [DiversityMetric: Double], logprobPerToken: [Double], tokens: [Int],
                rewards: [Double]?, warnings: [String]) {
        self.promptIndex = promptIndex
        self.diversity = diversity
        self.logprobPerToken = logprobPerToken
        self.tokens = tokens
        self.rewards = rewards
        self.warnings = warnings
    }

    /// The line for `record`, measured as `measured`.
    public init(_ record: SampleRecord, measured: PromptDiversity) {
        var diversity: [DiversityMetric: Double] = [:]
        for metric in DiversityMetric.allCases { diversity[metric] = measured.value(metric) }
        self.init(promptIndex: record.promptIndex, diversity: diversity, logprobPerToken: record.logprobPerToken.compactMap { $0 },
                  tokens: record.tokens, rewards: record.rewards, warnings: measured.warnings)
    }

    enum CodingKeys: String, CodingKey {
        case tokens, rewards, warnings
        case promptIndex = "prompt_index", logprobPerToken = "logprob_per_token"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        promptIndex = try c.decode(Int.self, forKey: .promptIndex)
        diversity = try DiversityMetric.decode(from: decoder)
        logprobPerToken = try c.decode([Double].self, forKey: .logprobPerToken)
        tokens = try c.decode([Int].self, forKey: .tokens)
        rewards = try c.decodeIfPresent([Double].self, forKey: .rewards)
        warnings = try c.decode([String].self, forKey: .warnings)
    }

    /// Every key is written; absent values as `null`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(promptIndex, forKey: .promptIndex)
        try DiversityMetric.encode({ diversity[$0] }, to: encoder)
        try c.encode(logprobPerToken, forKey: .logprobPerToken)
        try c.encode(tokens, forKey: .tokens)
        try c.encode(rewards, forKey: .rewards)
        try c.encode(warnings, forKey: .warnings)
    }

    public static let fileName = "prompt_metrics.jsonl"

    /// Writes `prompt_metrics.jsonl` into `runDirectory` atomically, one line per prompt (keys sorted).
    public static func write(_ lines: [PromptMetrics], runDirectory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = Data()
        for line in lines { data += try encoder.encode(line) + Data("\n".utf8) }
        try AtomicFile.write(data, to: runDirectory.appendingPathComponent(fileName))
    }
}
