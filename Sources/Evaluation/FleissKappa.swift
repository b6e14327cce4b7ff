/// Fleiss' κ for a fixed number of raters per subject (Fleiss 1971; docs/human-evaluation.md §4):
/// with n raters per subject, N subjects and n_ij the raters putting subject i in category j,
/// P_i = (Σ_j n_ij² − n)/(n(n−1)), P̄ the mean of P_i, p_j = Σ_i n_ij/(Nn), P̄e = Σ_j p_j², and
/// κ = (P̄ − P̄e)/(1 − P̄e) — statsmodels' `fleiss_kappa(table, method="fleiss")`.
public enum FleissKappa {
    /// `counts[i][j]`: raters who put subject i in category j. Every row must have the same
    /// total ≥ 2 and the same length. nil when κ is undefined: every rating in one category
    /// (P̄e = 1).
    public static func kappa(counts: [[Int]]) throws -> Double? {
        guard let first = counts.first else { throw EvaluationError.invalidArgument(name: "Fleiss' κ table", reason: "has no subjects") }
        let categories = first.count, raters = first.reduce(0, +)
        guard raters >= 2 else { throw EvaluationError.invalidArgument(name: "Fleiss' κ table", reason: "needs ≥ 2 ratings per subject, row 0 has \(raters)") }
        for (i, row) in counts.enumerated() {
            guard row.count == categories else {
                throw EvaluationError.invalidArgument(name: "Fleiss' κ table", reason: "row \(i) has \(row.count) categories, row 0 has \(categories)")
            }
            guard row.allSatisfy({ $0 >= 0 }), row.reduce(0, +) == raters else {
                throw EvaluationError.invalidArgument(name: "Fleiss' κ table",
                                                      reason: "row \(i) has \(row.reduce(0, +)) ratings, row 0 has \(raters) (Fleiss' κ needs the same number per subject)")
            }
        }
        let n = Double(raters), subjects = Double(counts.count)
        var categoryTotals = [Double](repeating: 0, count: categories)
        var agreement = 0.0
        for row in counts {
            var squares = 0.0
            for (j, c) in row.enumerated() {
                categoryTotals[j] += Double(c)
                squares += Double(c * c)
            }
            agreement += (squares - n) / (n * (n - 1))
        }
        let observed = agreement / subjects
        let expected = categoryTotals.reduce(0) { $0 + ($1 / (subjects * n)) * ($1 / (subjects * n)) }
        guard expected < 1 else { return nil }
        return (observed - expected) / (1 - expected)
    }
}
