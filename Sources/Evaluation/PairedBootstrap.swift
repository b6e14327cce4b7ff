import Base

/// The difference a − b between two runs on the same prompts, with its paired-bootstrap interval
/// and two-sided p-value (docs/methods.md §9).
public struct PairedDifference: Hashable, Sendable {
    /// Mean over prompts of a_i − b_i.
    public var difference: Double
    public var lower: Double
    public var upper: Double
    /// The smallest α at which the (1 − α) percentile interval of the bootstrap means excludes 0:
    /// 2 · min(share of means ≤ 0, share ≥ 0), at most 1.
    public var pValue: Double
    /// Prompts with a value in both runs; prompts where either is undefined are skipped.
    public var pairs: Int
    public var skipped: Int
    public var confidence: Double

    /// The interval lies on one side of zero.
    public var excludesZero: Bool { lower > 0 || upper < 0 }
}

/// Paired bootstrap over prompts (Efron & Tibshirani 1993, ch. 16; Koehn 2004 for comparing
/// systems on one test set): resample prompts with replacement and average the per-prompt
/// differences, so the prompt-to-prompt variation both runs share cancels — two runs whose
/// unpaired intervals overlap can still differ, and the reverse. Draws as ``Bootstrap`` does
/// (`SeededGenerator`, `next(below:)`, numpy's linear percentile), so a seed reproduces it.
public enum PairedBootstrap {
    public static func compare(_ a: [Double?], _ b: [Double?], resamples: Int = 10_000, confidence: Double = 0.95,
                               seed: UInt64 = 0) throws -> PairedDifference? {
        guard a.count == b.count else {
            throw EvaluationError.invalidArgument(name: "values", reason: "paired runs need one value per prompt in each (\(a.count) vs \(b.count))")
        }
        let differences = zip(a, b).compactMap { x, y in x.flatMap { x in y.map { x - $0 } } }
        if let bad = differences.first(where: { !$0.isFinite }) {
            throw EvaluationError.invalidArgument(name: "values", reason: "non-finite difference \(bad)")
        }
        guard let interval = try Bootstrap.confidenceInterval(differences, resamples: resamples, confidence: confidence, seed: seed,
                                                              collectMeans: { means in pValue(means) }) else { return nil }
        return PairedDifference(difference: interval.interval.mean, lower: interval.interval.lower, upper: interval.interval.upper,
                                pValue: interval.extra, pairs: differences.count, skipped: a.count - differences.count,
                                confidence: confidence)
    }

    /// 2 · min(share ≤ 0, share ≥ 0) of the bootstrap means, capped at 1.
    static func pValue(_ means: [Double]) -> Double {
        let atMost = means.count { $0 <= 0 }, atLeast = means.count { $0 >= 0 }
        return min(1, 2 * Double(min(atMost, atLeast)) / Double(means.count))
    }
}
