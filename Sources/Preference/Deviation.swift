import Base
import Foundation

/// Which embedding spaces the deviation δ uses (the reference's `--score_process`).
public enum DeviationMode: String, Sendable, CaseIterable {
    /// No deviation: every weight is 1 (plain DPO/ORPO data).
    case none
    /// Semantic space only (DDPO-sem / DORPO-sem).
    case semantic
    /// Style space only (DDPO-sty / DORPO-sty).
    case style
    /// Geometric mean of both (DDPO-both / DORPO-both).
    case both
}

/// Per-response deviation of one prompt's response set and the resulting loss weights.
public struct DeviationResult: Equatable, Sendable {
    /// `d_i^k`: mean cosine distance to the other responses, one array per space.
    public var distances: [[Double]]
    /// `s_i^k ∈ [-1, 1]`: per-prompt min–max normalised distances, one array per space.
    public var normalized: [[Double]]
    /// `u_i ∈ [0, 1]`: geometric mean of `(s_i^k + 1)/2` over the spaces.
    public var combined: [Double]
    /// `δ_i = w_i − 1 ∈ [−1, N−1]`.
    public var deviations: [Double]
    /// `w_i = u_i / mean_j u_j` (mean 1 over the prompt's responses; see ``Deviation``).
    public var weights: [Double]
}

/// The deviation δ of Chung et al. 2025 (`DiversityTuning:models/diversity_model.py:get_diversity`,
/// `scripts_dataset_cleaner/3_data_prep_for_diversified_training.py`; docs/methods.md §3.2).
///
/// For each space k with embeddings e_1…e_N of one prompt's responses (computed in Float64):
/// ```
/// d_i^k = 1/(N−1) · Σ_{j≠i} (1 − cos(e_i, e_j))                       mean cosine distance
/// s_i^k = 2 (d_i^k − min_j d_j^k) / (max_j d_j^k − min_j d_j^k) − 1     (all equal → 0)
/// u_i   = Π_k ((s_i^k + 1)/2)^(1/K)                                     K = number of spaces
/// w_i   = u_i / mean_j u_j,   δ_i = w_i − 1                            if the u_i are not all equal
/// w_i   = 2 u_i,              δ_i = 2 u_i − 1                          if they are (reference branch)
/// ```
/// (the reference writes δ_i = (s_i N − Σ s_j)/(N + Σ s_j) with s = 2u − 1, which is the same).
/// The least deviating response gets weight 0; with two spaces, so does the minimum of either.
/// A zero vector has cosine 0 to everything (distance 1); N = 1 gives d = 0, w = 1.
public enum Deviation {
    /// `d_i`: mean cosine distance of each vector to the others.
    public static func meanCosineDistances(_ embeddings: [[Float]]) throws -> [Double] {
        let n = embeddings.count
        guard n > 1 else { return [Double](repeating: 0, count: n) }
        let units: [[Double]]
        do { units = try UnitVectors.normalize(embeddings) } catch {
            throw PreferenceError.invalidEmbeddings(reason: "\(error)")
        }
        var sums = [Double](repeating: 0, count: n)
        for i in 0..<n {
            for j in (i + 1)..<n {
                let distance = 1 - UnitVectors.dot(units[i], units[j])
                sums[i] += distance
                sums[j] += distance
            }
        }
        return sums.map { $0 / Double(n - 1) }
    }

    /// Per-prompt min–max normalisation onto [-1, 1]; all-equal input maps to zeros.
    public static func normalize(_ values: [Double]) -> [Double] {
        guard let lo = values.min(), let hi = values.max(), hi != lo else { return values.map { _ in 0 } }
        return values.map { 2 * ($0 - lo) / (hi - lo) - 1 }
    }

    /// Deviation over one or more spaces; `spaces[k][i]` is response i's embedding in space k.
    public static func compute(spaces: [[[Float]]]) throws -> DeviationResult {
        guard let n = spaces.first?.count, spaces.allSatisfy({ $0.count == n }) else {
            throw PreferenceError.invalidEmbeddings(reason: "every space needs one embedding per response")
        }
        let distances = try spaces.map(meanCosineDistances)
        let normalized = distances.map(normalize)
        let k = Double(spaces.count)
        let combined = (0..<n).map { i in
            normalized.reduce(1.0) { product, s in product * pow((s[i] + 1) / 2, 1 / k) }
        }
        let weights: [Double]
        if let lo = combined.min(), let hi = combined.max(), lo != hi {
            let mean = combined.reduce(0, +) / Double(n)
            weights = combined.map { $0 / mean }
        } else {
            weights = combined.map { 2 * $0 }
        }
        return DeviationResult(distances: distances, normalized: normalized, combined: combined,
                               deviations: weights.map { $0 - 1 }, weights: weights)
    }

    /// Convenience for the two named spaces; at least one must be given.
    public static func compute(semantic: [[Float]]?, style: [[Float]]?) throws -> DeviationResult {
        let spaces = [semantic, style].compactMap { $0 }
        guard !spaces.isEmpty else { throw PreferenceError.missingEmbedder("semantic or style") }
        return try compute(spaces: spaces)
    }
}
