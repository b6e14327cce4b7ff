/// The five diversity metrics, each named by its JSON key: the one vocabulary of `metrics.json`,
/// `prompt_metrics.jsonl`, `evaluate diversity`'s result and the reports (docs/methods.md §10,
/// docs/formats.md §4.8–§4.9). `allCases` is the order tables list them in.
public enum DiversityMetric: String, CaseIterable, CodingKey, Sendable {
    /// Mean pairwise cosine distance of the semantic embeddings (higher = more diverse).
    case semanticDiversity = "semantic_diversity"
    /// The same on the style embeddings.
    case styleDiversity = "style_diversity"
    /// Text bytes over gzip bytes (higher = more repetitive).
    case compressionRatio = "compression_ratio"
    /// ROUGE-L similarity between samples (higher = more homogeneous).
    case homogenizationRougel = "homogenization_rougel"
    /// Σ_{n=1..4} distinct/total n-grams (higher = more diverse).
    case ngramDiversity = "ngram_diversity"
}

extension DiversityMetric {
    /// Writes `value(metric)` under every metric's key, JSON null where it is undefined, so a
    /// record always carries all five keys.
    static func encode(_ value: (DiversityMetric) -> Double?, to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: DiversityMetric.self)
        for metric in allCases { try container.encode(value(metric), forKey: metric) }
    }

    /// The metrics present (not null) in a record written by ``encode(_:to:)``.
    static func decode(from decoder: Decoder) throws -> [DiversityMetric: Double] {
        let container = try decoder.container(keyedBy: DiversityMetric.self)
        var values: [DiversityMetric: Double] = [:]
        for metric in allCases { values[metric] = try container.decodeIfPresent(Double.self, forKey: metric) }
        return values
    }
}
