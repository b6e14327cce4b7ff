import Base
import Foundation

/// A mean with a percentile-bootstrap confidence interval.
public struct ConfidenceInterval: Hashable, Sendable, CustomStringConvertible {
    public var mean: Double
    public var lower: Double
    public var upper: Double
    /// Values used (non-nil) and values skipped (nil).
    public var count: Int
    public var skipped: Int
    public var confidence: Double

    public var description: String {
        String(format: "%.4f [%.4f, %.4f]", mean, lower, upper) + " (n=\(count)" + (skipped > 0 ? ", \(skipped) skipped)" : ")")
    }
}

/// Percentile bootstrap over prompts (Efron & Tibshirani 1993, ch. 13): draw `resamples` samples
/// of size n with replacement from the per-prompt values, take each sample's mean, and report the
/// `(1−c)/2` and `(1+c)/2` quantiles of those means (linear interpolation between order
/// statistics, numpy's default). nil values (undefined metrics) are skipped and counted.
/// Seeded with our own generator (`SeededGenerator`), so intervals are reproducible (not numpy's stream).
public enum Bootstrap {
    public static func confidenceInterval(_ values: [Double?], resamples: Int = 1000, confidence: Double = 0.95,
                                          seed: UInt64 = 0) throws -> ConfidenceInterval? {
        try confidenceInterval(values, resamples: resamples, confidence: confidence, seed: seed) { _ in () }?.interval
    }

    /// The interval and what `collectMeans` makes of the sorted bootstrap means (a p-value, ``PairedBootstrap``).
    static func confidenceInterval<Extra>(_ values: [Double?], resamples: Int, confidence: Double, seed: UInt64,
                                          collectMeans: ([Double]) -> Extra) throws -> (interval: ConfidenceInterval, extra: Extra)? {
        guard resamples >= 1 else { throw EvaluationError.invalidArgument(name: "resamples", reason: "must be ≥ 1") }
        guard confidence > 0, confidence < 1 else { throw EvaluationError.invalidArgument(name: "confidence", reason: "must lie in (0, 1)") }
        let present = values.compactMap { $0 }
        guard !present.isEmpty else { return nil }
        if let bad = present.first(where: { !$0.isFinite }) {
            throw EvaluationError.invalidArgument(name: "values", reason: "non-finite value \(bad)")
        }
        let n = present.count
        let mean = present.reduce(0, +) / Double(n)
        var rng = SeededGenerator(seed: seed)
        var means = [Double](repeating: 0, count: resamples)
        present.withUnsafeBufferPointer { v in
            for r in 0..<resamples {
                var s = 0.0
                for _ in 0..<n { s += v[rng.next(below: n)] }
                means[r] = s / Double(n)
            }
        }
        means.sort()
        let alpha = (1 - confidence) / 2
        return (ConfidenceInterval(mean: mean, lower: percentile(sorted: means, alpha), upper: percentile(sorted: means, 1 - alpha), count: n,
                                   skipped: values.count - n, confidence: confidence), collectMeans(means))
    }

    /// The `q` quantile of sorted values, interpolating linearly between order statistics (numpy's default).
    static func percentile(sorted values: [Double], _ q: Double) -> Double {
        Distribution.quantile(sorted: values, q)
    }
}
