/// Cohen's κ between two raters' labels of the same items (unweighted, as scikit-learn's
/// `cohen_kappa_score`): κ = (p_o − p_e) / (1 − p_e), p_o the share of items both label alike and
/// p_e the agreement expected by chance from each rater's label frequencies (docs/creative.md §4).
public enum CohenKappa {
    /// κ of `a` against `b`; nil where it is undefined (p_e = 1: both raters use one and the same
    /// label throughout), as scikit-learn gives NaN there.
    public static func value<Label: Hashable>(_ a: [Label], _ b: [Label]) throws -> Double? {
        guard a.count == b.count else {
            throw EvaluationError.invalidArgument(name: "labels", reason: "the raters labelled \(a.count) and \(b.count) items")
        }
        guard !a.isEmpty else { throw EvaluationError.invalidArgument(name: "labels", reason: "no items") }
        let n = Double(a.count)
        var countsA: [Label: Double] = [:], countsB: [Label: Double] = [:]
        var agreed = 0.0
        for (x, y) in zip(a, b) {
            countsA[x, default: 0] += 1
            countsB[y, default: 0] += 1
            if x == y { agreed += 1 }
        }
        let observed = agreed / n
        let expected = countsA.reduce(0.0) { $0 + $1.value * (countsB[$1.key] ?? 0) } / (n * n)
        guard expected < 1 else { return nil }
        return (observed - expected) / (1 - expected)
    }
}
