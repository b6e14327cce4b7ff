import Base

extension Bootstrap {
    /// Percentile bootstrap of a statistic over `items` paired observations (Cohen's κ, ROC-AUC,
    /// accuracy of a judge): each resample draws `items` indices with replacement and `statistic`
    /// computes the value on them; the interval is the `(1−c)/2` and `(1+c)/2` quantiles as in
    /// ``confidenceInterval(_:resamples:confidence:seed:)``. `mean` is the statistic on all items.
    /// Resamples where the statistic is undefined (nil: e.g. one class only) are left out and
    /// counted in `skipped`; nil when the statistic is undefined on all items.
    public static func confidenceInterval(items: Int, resamples: Int = 1000, confidence: Double = 0.95, seed: UInt64 = 0,
                                          statistic: ([Int]) throws -> Double?) throws -> ConfidenceInterval? {
        guard resamples >= 1 else { throw EvaluationError.invalidArgument(name: "resamples", reason: "must be ≥ 1") }
        guard confidence > 0, confidence < 1 else { throw EvaluationError.invalidArgument(name: "confidence", reason: "must lie in (0, 1)") }
        guard items > 0, let estimate = try statistic(Array(0..<items)) else { return nil }
        var rng = SeededGenerator(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        var indices = [Int](repeating: 0, count: items)
        for _ in 0..<resamples {
            for k in 0..<items { indices[k] = rng.next(below: items) }
            if let v = try statistic(indices) { values.append(v) }
        }
        guard !values.isEmpty else { return nil }
        values.sort()
        let alpha = (1 - confidence) / 2
        return ConfidenceInterval(mean: estimate, lower: percentile(sorted: values, alpha), upper: percentile(sorted: values, 1 - alpha),
                                  count: items, skipped: resamples - values.count, confidence: confidence)
    }
}
