import Base
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
        let units: [[Double]]
        do { units = try UnitVectors.normalize(embeddings) } catch {
            throw EvaluationError.invalidEmbeddings(reason: "\(error)")
        }
        var sum = 0.0
        for i in 0..<n {
            for j in (i + 1)..<n {
                sum += 1 - UnitVectors.dot(units[i], units[j])
            }
        }
        return sum / Double(n * (n - 1) / 2)
    }
}
