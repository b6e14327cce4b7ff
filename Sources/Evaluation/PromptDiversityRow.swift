import Foundation

/// One prompt in `evaluate diversity`'s result: the prompt, how many samples it has, and the
/// five diversity values (null where undefined, e.g. for a single sample). In the partial file of
/// a run in progress each line also carries the prompt's `index` in the input (docs/formats.md §4.9).
public struct PromptDiversityRow: Codable, Hashable, Sendable {
    /// The prompt's position in the input; only in the partial file.
    public var index: Int?
    public var prompt: String
    public var samples: Int
    /// The diversity metrics that are defined for this prompt.
    public var diversity: [DiversityMetric: Double]

    public init(index: Int? = nil, prompt: String, samples: Int, diversity: [DiversityMetric: Double]) {
        self.index = index
        self.prompt = prompt
        self.samples = samples
        self.diversity = diversity
    }

    enum CodingKeys: String, CodingKey { case index, prompt, samples }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        index = try c.decodeIfPresent(Int.self, forKey: .index)
        prompt = try c.decode(String.self, forKey: .prompt)
        samples = try c.decode(Int.self, forKey: .samples)
        diversity = try DiversityMetric.decode(from: decoder)
    }

    /// `index` is written only when set; every metric key always (null where undefined).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(index, forKey: .index)
        try c.encode(prompt, forKey: .prompt)
        try c.encode(samples, forKey: .samples)
        try DiversityMetric.encode({ diversity[$0] }, to: encoder)
    }
}
