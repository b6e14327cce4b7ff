/// Summary statistics of a sample, as pandas' `describe` gives them: count, mean, standard
/// deviation (n − 1 in the denominator), min, the 25%, 50% and 75% quantiles and max — quantiles
/// by linear interpolation between order statistics (numpy's default).
public struct Distribution: Hashable, Sendable, Codable {
    public var count: Int
    public var mean: Double
    /// nil for a single value (n − 1 = 0).
    public var std: Double?
    public var min: Double
    public var q25: Double
    public var median: Double
    public var q75: Double
    public var max: Double

    /// nil for no values.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let n = Double(values.count)
        count = values.count
        mean = values.reduce(0, +) / n
        let mean = self.mean
        std = values.count > 1 ? (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot() : nil
        min = sorted[0]
        max = sorted[sorted.count - 1]
        q25 = Self.quantile(sorted: sorted, 0.25)
        median = Self.quantile(sorted: sorted, 0.5)
        q75 = Self.quantile(sorted: sorted, 0.75)
    }

    /// The `q` quantile of sorted values, interpolating linearly between order statistics.
    public static func quantile(sorted values: [Double], _ q: Double) -> Double {
        let position = q * Double(values.count - 1)
        let lo = Int(position.rounded(.down)), hi = Swift.min(lo + 1, values.count - 1)
        return values[lo] + (values[hi] - values[lo]) * (position - Double(lo))
    }
}
