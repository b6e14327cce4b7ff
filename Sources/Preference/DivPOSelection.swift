/// Options of the DivPO baseline as Chung et al. implemented it (`--rho`, `--max_pair_num`).
public struct DivPOOptions: Hashable, Sendable {
    /// Percentage of a prompt's responses in each of the high and low pools (ρ).
    public var rho: Double
    /// Maximum number of pairs per prompt.
    public var maxPairs: Int
    public init(rho: Double = 25, maxPairs: Int = 2) { self.rho = rho; self.maxPairs = maxPairs }
}

/// DivPO pair selection (Lanchantin et al. 2025) as implemented in
/// `DiversityTuning:scripts_dataset_cleaner/4_data_prep_for_divpo.py` (docs/methods.md §7),
/// on the responses that appear in a prompt's pairs (docs/methods.md §2.1):
/// ```
/// m = int(min(max(maxPairs, n·ρ/100), n/2));   k = min(maxPairs, m)
/// HIGH = top m by score,  LOW = bottom m by score          (stable: ties keep input order)
/// chosen   = the k MOST diverse of HIGH, rejected = the k LEAST diverse of LOW
///            (diversity u = deviation recomputed inside each pool, ``Deviation``)
/// shuffle both lists; pair chosen[i] with rejected[i]
/// ```
/// Paper Table 5 (ρ 25, maxPairs 3): n = 4, 8, 12, 16 → m = 2, 3, 3, 4 per pool → 2, 3, 3, 3 pairs.
/// Deviation: a pair whose two scores are equal (possible when many responses tie) is dropped,
/// since it carries no preference; the reference keeps it.
enum DivPOSelection {
    /// Pool sizes and the two pools (indices into `scores`, pools in score order).
    static func pools(scores: [Double], options: DivPOOptions) -> (high: [Int], low: [Int], pairs: Int) {
        let n = scores.count
        var m = max(Double(options.maxPairs), Double(n) * options.rho / 100)
        if m > Double(n) / 2 { m = Double(n) / 2 }
        let size = Int(m)
        let pairs = min(options.maxPairs, size)
        let descending = scores.indices.sorted { (scores[$0], $1) > (scores[$1], $0) }
        return (Array(descending.prefix(size)), Array(descending.suffix(size).reversed()), pairs)
    }

    /// `k` positions of `diversity` ranked most diverse first (or least diverse first), ties by position.
    static func rank(_ diversity: [Double], mostDiverse: Bool, take k: Int) -> [Int] {
        let order = diversity.indices.sorted {
            diversity[$0] != diversity[$1] ? (mostDiverse ? diversity[$0] > diversity[$1] : diversity[$0] < diversity[$1]) : $0 < $1
        }
        return Array(order.prefix(k))
    }
}
