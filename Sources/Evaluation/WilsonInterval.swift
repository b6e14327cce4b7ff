import Foundation

/// A binomial proportion with its Wilson score interval (Wilson 1927; docs/human-evaluation.md §4):
/// with p̂ = k/n and z the normal quantile of (1+c)/2, the bounds are
/// (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n). Unlike the normal approximation it stays
/// inside [0, 1] and is not degenerate at k = 0 or k = n, which small human studies hit.
public struct WilsonInterval: Hashable, Sendable, CustomStringConvertible {
    public var successes: Int
    public var trials: Int
    public var confidence: Double
    public var proportion: Double
    public var lower: Double
    public var upper: Double

    /// Throws for `trials` < 1, `successes` outside 0…trials, or a confidence outside (0, 1).
    public init(successes: Int, trials: Int, confidence: Double = 0.95) throws {
        guard trials >= 1 else { throw EvaluationError.invalidArgument(name: "trials", reason: "must be ≥ 1, got \(trials)") }
        guard (0...trials).contains(successes) else {
            throw EvaluationError.invalidArgument(name: "successes", reason: "must lie in 0…\(trials), got \(successes)")
        }
        let z = try StandardNormal.quantile((1 + confidence) / 2)
        let n = Double(trials), p = Double(successes) / n
        let denominator = 1 + z * z / n
        let center = (p + z * z / (2 * n)) / denominator
        let half = z / denominator * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()
        self.successes = successes
        self.trials = trials
        self.confidence = confidence
        self.proportion = p
        self.lower = max(0, center - half)
        self.upper = min(1, center + half)
    }

    public var description: String { String(format: "%.3f [%.3f, %.3f] (%d/%d)", proportion, lower, upper, successes, trials) }
}

/// The standard normal distribution's quantile, for interval widths at any confidence.
enum StandardNormal {
    /// Φ⁻¹(q) by bisection on Φ(x) = erfc(−x/√2)/2, to the last bit of a Double.
    static func quantile(_ q: Double) throws -> Double {
        guard q > 0.5, q < 1 else { throw EvaluationError.invalidArgument(name: "confidence", reason: "must lie in (0, 1)") }
        var low = 0.0, high = 40.0
        for _ in 0..<200 {
            let mid = (low + high) / 2
            if mid == low || mid == high { break }
            if erfc(-mid / 2.0.squareRoot()) / 2 < q { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }
}
