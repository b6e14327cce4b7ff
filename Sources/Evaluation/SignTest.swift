import Foundation

/// The exact two-sided sign test (docs/human-evaluation.md §4): under H₀ each untied comparison
/// prefers A or B with probability ½, so the count of A-preferences is Binomial(n, ½) with n the
/// untied comparisons. The p-value is the probability of an outcome at most as likely as the one
/// seen, which for p = ½ is min(1, 2·P(X ≤ min(k, n−k))) — scipy's `binomtest(k, n).pvalue`.
/// Ties ("hard to decide") carry no sign and are left out before calling.
public struct SignTest: Hashable, Sendable {
    /// Comparisons that preferred A, and B.
    public var a: Int
    public var b: Int
    public var pValue: Double

    /// Throws for negative counts; with no untied comparison the p-value is 1 (no evidence).
    public init(a: Int, b: Int) throws {
        guard a >= 0, b >= 0 else { throw EvaluationError.invalidArgument(name: "sign test counts", reason: "must be ≥ 0, got \(a) and \(b)") }
        self.a = a
        self.b = b
        let n = a + b, tail = min(a, b)
        if n == 0 || 2 * tail == n {
            pValue = 1
            return
        }
        // P(X ≤ tail) summed in log space so large n neither overflows nor underflows early.
        let logHalf = Double(n) * log(0.5)
        var logTerms: [Double] = []
        logTerms.reserveCapacity(tail + 1)
        for i in 0...tail { logTerms.append(Self.logChoose(n, i) + logHalf) }
        let top = logTerms.max()!
        let cdf = exp(top) * logTerms.reduce(0) { $0 + exp($1 - top) }
        pValue = min(1, 2 * cdf)
    }

    static func logChoose(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n) + 1) - lgamma(Double(k) + 1) - lgamma(Double(n - k) + 1)
    }
}
