/// Krippendorff's α for nominal data (Krippendorff 2011, "Computing Krippendorff's alpha-reliability";
/// docs/human-evaluation.md §4), which, unlike Fleiss' κ, takes any number of ratings per unit.
/// Each unit with m_u ≥ 2 ratings adds every ordered pair of its ratings (c, k) to the coincidence
/// matrix with weight 1/(m_u − 1); with n_c = Σ_k o_ck and n = Σ_c n_c,
/// α = 1 − (n − 1)·Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k — the `krippendorff` package's
/// `alpha(level_of_measurement="nominal")`. Units with fewer than two ratings are not pairable and drop out.
public enum KrippendorffAlpha {
    /// `units[u]`: the category of each rating unit u got (any hashable labels). nil when α is
    /// undefined: fewer than two pairable ratings, or a single category among them (no expected disagreement).
    public static func nominal<Category: Hashable>(units: [[Category]]) -> Double? {
        var index: [Category: Int] = [:]
        var pairable: [[Int]] = []
        for unit in units where unit.count >= 2 {
            pairable.append(unit.map { category in
                if let i = index[category] { return i }
                index[category] = index.count
                return index.count - 1
            })
        }
        let k = index.count
        guard k >= 2 else { return nil }
        var coincidences = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for unit in pairable {
            var counts = [Double](repeating: 0, count: k)
            for c in unit { counts[c] += 1 }
            let weight = 1 / Double(unit.count - 1)
            for c in 0..<k where counts[c] > 0 {
                for d in 0..<k where counts[d] > 0 {
                    // Ordered pairs of distinct ratings: m_c·m_d across categories, m_c·(m_c − 1) within one.
                    coincidences[c][d] += (c == d ? counts[c] * (counts[c] - 1) : counts[c] * counts[d]) * weight
                }
            }
        }
        let totals = coincidences.map { $0.reduce(0, +) }
        let n = totals.reduce(0, +)
        var observed = 0.0, expected = 0.0
        for c in 0..<k {
            for d in 0..<k where d != c {
                observed += coincidences[c][d]
                expected += totals[c] * totals[d]
            }
        }
        guard expected > 0 else { return nil }
        return 1 - (n - 1) * observed / expected
    }
}
