import Foundation

/// `evaluate diversity`'s result: every prompt's row, and per metric the mean over prompts with a
/// 95% percentile-bootstrap interval (null where no prompt has the metric):
/// `{"per_prompt": [...], "mean": {metric: x}, "ci95": {metric: [low, high]}}`, plus the embedders
/// that measured it as `metrics.json` names them (docs/formats.md §4.9).
public struct DiversityReport: Codable, Hashable, Sendable {
    public var perPrompt: [PromptDiversityRow]
    /// Metrics defined for at least one prompt.
    public var estimates: [DiversityMetric: Estimate]
    /// Which embedders produced the semantic and style numbers (``EmbedderProvenance``'s
    /// description: a substitute says it is not comparable with the paper), and whether both are the
    /// paper's; nil in reports written before they were recorded.
    public var embedder: String?
    public var styleEmbedder: String?
    public var embeddersMatchPaper: Bool?

    public init(perPrompt: [PromptDiversityRow], estimates: [DiversityMetric: Estimate]) {
        self.perPrompt = perPrompt
        self.estimates = estimates
    }

    /// The report of `rows`, intervals from `resamples` bootstrap resamples seeded with `seed`.
    /// Rows are stored without their partial-file index.
    public init(rows: [PromptDiversityRow], resamples: Int, seed: UInt64) throws {
        var estimates: [DiversityMetric: Estimate] = [:]
        for metric in DiversityMetric.allCases {
            let values = rows.map { $0.diversity[metric] }
            if let interval = try Bootstrap.confidenceInterval(values, resamples: resamples, confidence: 0.95, seed: seed) {
                estimates[metric] = Estimate(interval)
            }
        }
        self.init(perPrompt: rows.map { row in var row = row; row.index = nil; return row }, estimates: estimates)
    }

    /// The report as `evaluate diversity` writes and prints it: pretty-printed, keys sorted, one
    /// line end.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    enum CodingKeys: String, CodingKey {
        case mean, ci95, embedder
        case perPrompt = "per_prompt"
        case styleEmbedder = "style_embedder"
        case embeddersMatchPaper = "embedders_match_paper"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        perPrompt = try c.decode([PromptDiversityRow].self, forKey: .perPrompt)
        embedder = try c.decodeIfPresent(String.self, forKey: .embedder)
        styleEmbedder = try c.decodeIfPresent(String.self, forKey: .styleEmbedder)
        embeddersMatchPaper = try c.decodeIfPresent(Bool.self, forKey: .embeddersMatchPaper)
        let means = try c.nestedContainer(keyedBy: DiversityMetric.self, forKey: .mean)
        let intervals = try c.nestedContainer(keyedBy: DiversityMetric.self, forKey: .ci95)
        estimates = [:]
        for metric in DiversityMetric.allCases {
            guard let mean = try means.decodeIfPresent(Double.self, forKey: metric),
                  let interval = try intervals.decodeIfPresent([Double].self, forKey: metric) else { continue }
            guard interval.count == 2 else {
                throw DecodingError.dataCorruptedError(forKey: metric, in: intervals, debugDescription: "must be [lower, upper]")
            }
            estimates[metric] = Estimate(mean: mean, lower: interval[0], upper: interval[1])
        }
    }

    /// Every metric key is written under `mean` and `ci95`, `null` where undefined.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(perPrompt, forKey: .perPrompt)
        try c.encodeIfPresent(embedder, forKey: .embedder)
        try c.encodeIfPresent(styleEmbedder, forKey: .styleEmbedder)
        try c.encodeIfPresent(embeddersMatchPaper, forKey: .embeddersMatchPaper)
        var means = c.nestedContainer(keyedBy: DiversityMetric.self, forKey: .mean)
        var intervals = c.nestedContainer(keyedBy: DiversityMetric.self, forKey: .ci95)
        for metric in DiversityMetric.allCases {
            try means.encode(estimates[metric]?.mean, forKey: metric)
            try intervals.encode(estimates[metric].map { [$0.lower, $0.upper] }, forKey: metric)
        }
    }
}
