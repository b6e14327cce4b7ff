import Foundation

/// Pearson's χ² goodness-of-fit test (docs/methods.md §6.5, where task mixtures are checked with it): observed counts of k categories
/// against the proportions expected, X² = Σ (O − E)² / E with E = n·pᵢ, and the p-value
/// P(χ²_{k−1} ≥ X²) = Q((k−1)/2, X²/2), the regularized upper incomplete gamma function — scipy's
/// `chisquare(f_obs, f_exp).pvalue`. Categories expected with probability 0 must not be observed
/// and are left out of the degrees of freedom.
public struct ChiSquareTest: Hashable, Sendable {
    public var statistic: Double
    public var degreesOfFreedom: Int
    public var pValue: Double

    /// `expected` are proportions (any positive scale; they are normalised).
    public init(observed: [Int], expected: [Double]) throws {
        func bad(_ reason: String) -> EvaluationError { .invalidArgument(name: "chi-square counts", reason: reason) }
        guard observed.count == expected.count else { throw bad("\(observed.count) observed counts for \(expected.count) expected proportions") }
        guard observed.allSatisfy({ $0 >= 0 }) else { throw bad("counts must be ≥ 0, got \(observed)") }
        guard expected.allSatisfy({ $0 >= 0 && $0.isFinite }) else { throw bad("proportions must be finite and ≥ 0, got \(expected)") }
        let total = expected.reduce(0, +), n = Double(observed.reduce(0, +))
        guard total > 0, n > 0 else { throw bad("needs a positive total count and proportion") }
        var x2 = 0.0, categories = 0
        for (o, p) in zip(observed, expected) {
            if p == 0 {
                guard o == 0 else { throw bad("\(o) observed in a category expected with probability 0") }
                continue
            }
            let e = n * p / total
            x2 += (Double(o) - e) * (Double(o) - e) / e
            categories += 1
        }
        guard categories >= 2 else { throw bad("needs at least two categories with positive proportions") }
        statistic = x2
        degreesOfFreedom = categories - 1
        pValue = Self.upperRegularizedGamma(Double(degreesOfFreedom) / 2, x2 / 2)
    }

    /// Q(a, x) = Γ(a, x)/Γ(a): the series of P(a, x) for x < a + 1, else the continued fraction of
    /// Q (modified Lentz), as in Numerical Recipes §6.2; relative error ~1e-14 in double precision.
    public static func upperRegularizedGamma(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0 && x >= 0, "Q(a, x) needs a > 0 and x ≥ 0")
        if x == 0 { return 1 }
        let logPrefix = a * log(x) - x - lgamma(a)
        if x < a + 1 {
            var term = 1 / a, sum = term, ap = a
            for _ in 0..<10_000 {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return max(0, 1 - sum * exp(logPrefix))
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return exp(logPrefix) * h
    }
}
