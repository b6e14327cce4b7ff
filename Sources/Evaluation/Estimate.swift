/// A mean with its confidence interval (95% in our reports), as stored in `metrics.json`:
/// `{"mean": m, "ci95": [lower, upper]}`.
public struct Estimate: Codable, Hashable, Sendable {
    public var mean: Double
    public var lower: Double
    public var upper: Double

    public init(mean: Double, lower: Double, upper: Double) {
        self.mean = mean
        self.lower = lower
        self.upper = upper
    }

    /// A value without uncertainty (the interval collapses to the mean).
    public init(exactly value: Double) { self.init(mean: value, lower: value, upper: value) }

    public init(_ interval: ConfidenceInterval) {
        self.init(mean: interval.mean, lower: interval.lower, upper: interval.upper)
    }

    enum CodingKeys: String, CodingKey { case mean, ci95 }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mean = try c.decode(Double.self, forKey: .mean)
        let ci = try c.decode([Double].self, forKey: .ci95)
        guard ci.count == 2 else {
            throw DecodingError.dataCorruptedError(forKey: .ci95, in: c, debugDescription: "ci95 must be [lower, upper], got \(ci.count) numbers")
        }
        guard ci[0] <= mean, mean <= ci[1] else {
            throw DecodingError.dataCorruptedError(forKey: .ci95, in: c, debugDescription: "ci95 [\(ci[0]), \(ci[1])] does not contain the mean \(mean)")
        }
        lower = ci[0]
        upper = ci[1]
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mean, forKey: .mean)
        try c.encode([lower, upper], forKey: .ci95)
    }
}
