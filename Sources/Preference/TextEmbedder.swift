/// Anything that turns texts into fixed-length vectors: a sentence-embedding model supplied by
/// the caller (semantic space, e.g. jina-embeddings-v3 or all-MiniLM-L6-v2 in the paper's and our
/// pipelines), ``StylometricEmbedder`` (offline style space), or an ``EmbeddingCache`` around either.
///
/// Contract: one vector per input text, in order, all of the same length, finite values.
public protocol TextEmbedder {
    func embed(_ texts: [String]) throws -> [[Float]]
}

extension TextEmbedder {
    /// `embed` with the contract checked, so a misbehaving embedder surfaces as an error instead
    /// of a silently wrong weight.
    func checkedEmbed(_ texts: [String], role: String) throws -> [[Float]] {
        let vectors = try embed(texts)
        guard vectors.count == texts.count else {
            throw PreferenceError.invalidEmbeddings(reason: "\(role) embedder returned \(vectors.count) vectors for \(texts.count) texts")
        }
        if let dim = vectors.first?.count {
            if let bad = vectors.firstIndex(where: { $0.count != dim }) {
                throw PreferenceError.invalidEmbeddings(reason: "\(role) vector #\(bad) has length \(vectors[bad].count), expected \(dim)")
            }
            if let bad = vectors.firstIndex(where: { !$0.allSatisfy(\.isFinite) }) {
                throw PreferenceError.invalidEmbeddings(reason: "\(role) vector #\(bad) has non-finite values")
            }
        }
        return vectors
    }
}
