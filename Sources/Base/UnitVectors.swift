import Foundation

/// Embedding vectors scaled to unit length in Float64, for cosine similarities: the dot product of
/// two unit vectors is their cosine. A zero vector stays zero (cosine 0 to everything).
public enum UnitVectors {
    /// Why a set of vectors cannot be compared.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Every vector divided by its Euclidean norm; all must have the same length and be finite.
    public static func normalize(_ embeddings: [[Float]]) throws -> [[Double]] {
        let dim = embeddings.first?.count ?? 0
        return try embeddings.enumerated().map { index, v in
            guard v.count == dim else { throw Problem(description: "vector #\(index) has length \(v.count), expected \(dim)") }
            let d = v.map(Double.init)
            let norm = sqrt(d.reduce(0) { $0 + $1 * $1 })
            guard norm.isFinite else { throw Problem(description: "vector #\(index) is not finite") }
            return norm > 0 ? d.map { $0 / norm } : d
        }
    }

    /// The dot product (the cosine, for unit vectors).
    public static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }
}
