import Foundation

/// Semantic / style diversity of a prompt's samples (Chung et al. 2025 eval,
/// `get_diversity` averaged over the samples, docs/methods.md §10.1): the mean pairwise cosine
/// distance `2/(n(n−1)) Σ_{i<j} (1 − cos(e_i, e_j))`, equal to the mean over samples of each
/// sample's mean distance to the others. Computed in Float64; a zero vector has cosine 0 to
/// everything. Needs n ≥ 2 (nil otherwise).
public enum EmbeddingDiversity {
    public static func meanPairwiseCosineDistance(_ embeddings: [[Float]]) throws -> Double? {
        let n = embeddings.count
        guard n >= 2 else { return nil }
        let dim = embeddings[0].count
        let units: [[Double]] = try embeddings.enumerated().map { index, v in
            guard v.count == dim else {
                throw EvaluationError.invalidEmbeddings(reason: "vector #\(index) has length \(v.count), expected \(dim)")
            }
            let d = v.map(Double.init)
            let norm = sqrt(d.reduce(0) { $0 + $1 * $1 })
            guard norm.isFinite else { throw EvaluationError.invalidEmbeddings(reason: "vector #\(index) is not finite") }
            return norm > 0 ? d.map { $0 / norm } : d
        }
        var sum = 0.0
        for i in 0..<n {
            for j in (i + 1)..<n {
                var dot = 0.0
                for k in 0..<dim { dot += units[i][k] * units[j][k] }
                sum += 1 - dot
            }
        }
        return sum / Double(n * (n - 1) / 2)
    }
}
