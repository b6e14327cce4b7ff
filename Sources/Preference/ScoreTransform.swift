import Foundation

/// The upvote → [-1, 1] transform of Chung et al. 2025 (`DiversityTuning:models/utils.py:transform_scores`,
/// docs/methods.md §1), used as the reward-model target. Pairs use the raw scores.
///
/// With L(x) = ln(1 + x) and Lᵏ its k-fold iterate (k = `compressionFactor`, 100 in the paper),
/// computed in Float64 (after 100 iterations all values sit near 0.02 and differ in the 4th–5th
/// significant digit), and `s_min`, `s_max` the **global** minimum and maximum of all scores:
///
/// - `.consistentShift` (default, the intended map): `t(s) = 2·(Lᵏ(s − s_min + 1) − Lᵏ(1)) /
///   (Lᵏ(s_max − s_min + 1) − Lᵏ(1)) − 1`, a monotone map of [s_min, s_max] onto [-1, 1] for any minimum.
/// - `.reference` (the released code): `t(s) = 2·(Lᵏ(s − s_min + 1) − Lᵏ(s_min)) / (Lᵏ(s_max) − Lᵏ(s_min)) − 1`.
///   The data are shifted but the bounds are not, so it is a proper map onto [-1, 1] only when
///   `s_min = 1` (e.g. `s_min = 0, s_max = 100` maps 0 → 0.94); it is undefined for `s_min ≤ −1`.
///
/// Both agree exactly when `s_min = 1`, as in the paper's data (min 1, max 23079; golden table in
/// docs/methods.md §1.3). If all scores are equal every score maps to 0.
public enum ScoreTransform {
    public enum Variant: String, Sendable, CaseIterable {
        case consistentShift = "consistent-shift", reference
    }

    /// Transforms `scores` with their own global min/max.
    public static func transform(_ scores: [Double], variant: Variant = .consistentShift,
                                 compressionFactor: Int = 100) throws -> [Double] {
        guard let lo = scores.min(), let hi = scores.max() else { return [] }
        return try transform(scores, minimum: lo, maximum: hi, variant: variant, compressionFactor: compressionFactor)
    }

    /// Transforms `scores` with explicit global bounds (e.g. computed over the whole dataset before a split).
    public static func transform(_ scores: [Double], minimum: Double, maximum: Double,
                                 variant: Variant = .consistentShift, compressionFactor: Int = 100) throws -> [Double] {
        guard minimum.isFinite, maximum.isFinite, minimum <= maximum else {
            throw PreferenceError.invalidScores(reason: "bounds [\(minimum), \(maximum)] are not finite and ordered")
        }
        guard compressionFactor >= 0 else {
            throw PreferenceError.invalidOption(name: "compressionFactor", reason: "must be ≥ 0")
        }
        if let bad = scores.firstIndex(where: { !$0.isFinite || $0 < minimum || $0 > maximum }) {
            throw PreferenceError.invalidScores(reason: "score #\(bad) = \(scores[bad]) is not finite or outside [\(minimum), \(maximum)]")
        }
        if variant == .reference && minimum <= -1 {
            throw PreferenceError.invalidScores(reason: "the reference variant needs a minimum > -1 (ln(1 + min)); got \(minimum)")
        }
        func iterate(_ x: Double) -> Double {
            var v = x
            for _ in 0..<compressionFactor { v = log(1 + v) }   // as the reference: log(x + 1), not log1p
            return v
        }
        let (low, high): (Double, Double) = variant == .reference
            ? (iterate(minimum), iterate(maximum))
            : (iterate(1), iterate(maximum - minimum + 1))
        guard high > low else { return scores.map { _ in 0 } }
        return scores.map { 2 * (iterate($0 - minimum + 1) - low) / (high - low) - 1 }
    }
}
