/// Holm's step-down adjustment of p-values for m comparisons made together (Holm 1979): sort the
/// p-values ascending, multiply the k-th smallest by (m − k + 1), carry the running maximum so the
/// order is kept, cap at 1. Rejecting where the adjusted value is below α keeps the chance of any
/// false claim among the m at most α, without Bonferroni's loss of power (docs/methods.md §9).
public enum HolmAdjustment {
    /// Adjusted p-values in the order of `pValues`.
    public static func adjust(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        var adjusted = [Double](repeating: 1, count: m)
        var running = 0.0
        for (rank, index) in pValues.indices.sorted(by: { pValues[$0] < pValues[$1] }).enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }
}
