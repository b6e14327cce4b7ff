import Base
/// Random disjoint preference pairs per prompt (Chung et al. 2025,
/// `DiversityTuning:models/utils.py:sample_pairs_with_gap`, docs/methods.md §2.1):
///
/// ```
/// available = responses sorted by score
/// while |available| ≥ 2:
///     valid = {(a, b) ⊂ available : score(a) ≠ score(b) and |score(a) − score(b)| ≥ gap}
///     if valid = ∅: valid = {(a, b) : score(a) ≠ score(b)}        # the gap is a preference
///     if valid = ∅: stop
///     draw (a, b) uniformly from valid; chosen = higher score; remove a and b
/// ```
///
/// Every response is used at most once (≤ ⌊n/2⌋ pairs) and ties are never paired. The draw is
/// uniform over the valid pairs, like the reference's `random.choice(valid)`, but driven by
/// ``SeededGenerator`` (the Python sequence is not reproduced). Counting the valid pairs with
/// two pointers over the sorted scores makes each draw O(n) instead of enumerating O(n²) pairs.
public struct PairBuilder: Sendable {
    /// A pair of indices into the scores handed to ``pairs(for:using:)``.
    public struct IndexPair: Hashable, Sendable {
        public var chosen: Int
        public var rejected: Int
        public init(chosen: Int, rejected: Int) { self.chosen = chosen; self.rejected = rejected }
    }

    /// Preferred minimum score difference (the reference's `--gap`, default 5).
    public var minimumGap: Double

    public init(minimumGap: Double = 5) { self.minimumGap = minimumGap }

    /// Disjoint pairs for one prompt, in drawing order. `scores` must be finite.
    public func pairs(for scores: [Double], using generator: inout SeededGenerator) -> [IndexPair] {
        // Ascending by score, ties by index (the reference sorts by score; the order only fixes
        // which index a draw maps to).
        var available = scores.indices.sorted { (scores[$0], $0) < (scores[$1], $1) }
        var result: [IndexPair] = []
        while available.count >= 2 {
            let values = available.map { scores[$0] }
            var draw = Self.draw(values, gap: minimumGap, using: &generator)
            if draw == nil { draw = Self.draw(values, gap: -.infinity, using: &generator) }
            guard let (low, high) = draw else { break }
            result.append(IndexPair(chosen: available[high], rejected: available[low]))
            available.remove(at: high)      // high > low: remove it first
            available.remove(at: low)
        }
        return result
    }

    /// Draws a uniformly random valid pair (positions `low < high` in the ascending `values`), or
    /// nil if none is valid. Valid: `values[high] > values[low]` and `values[high] − values[low] ≥ gap`.
    /// For fixed `low` validity is monotone in `high`, and the first valid `high` is non-decreasing
    /// in `low`, so one sweep counts all valid pairs.
    static func draw(_ values: [Double], gap: Double, using generator: inout SeededGenerator) -> (Int, Int)? {
        let n = values.count
        func valid(_ i: Int, _ j: Int) -> Bool { values[j] > values[i] && values[j] - values[i] >= gap }
        var first = [Int](repeating: n, count: n)
        var total = 0
        var j = 1
        for i in 0..<n {
            j = max(j, i + 1)
            while j < n && !valid(i, j) { j += 1 }
            first[i] = j
            total += n - j
        }
        guard total > 0 else { return nil }
        var r = generator.next(below: total)
        for i in 0..<n {
            let count = n - first[i]
            if r < count { return (i, first[i] + r) }
            r -= count
        }
        return nil
    }
}
