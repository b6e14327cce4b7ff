/// Anything that turns texts into fixed-length vectors: a sentence-transformers model
/// (``SentenceEmbedder``: the semantic space, e.g. all-MiniLM-L6-v2, or a style model), the
/// offline ``StylometricEmbedder`` (the default style space), or an ``EmbeddingCache`` around
/// either. Preference weights pairs and the evaluation runs measure diversity in these spaces.
///
/// Contract: one vector per input text, in order, all of the same length, finite values.
public protocol TextEmbedder {
    func embed(_ texts: [String]) throws -> [[Float]]
}

extension TextEmbedder {
    /// `embed` with the contract checked, so a misbehaving embedder surfaces as an error naming
    /// its `role` (semantic, style) instead of a silently wrong weight or metric.
    public func checkedEmbed(_ texts: [String], role: String) throws -> [[Float]] {
        let vectors = try embed(texts)
        guard vectors.count == texts.count else {
            throw EmbeddingError.invalidEmbeddings(reason: "\(role) embedder returned \(vectors.count) vectors for \(texts.count) texts")
        }
        if let dim = vectors.first?.count {
            if let bad = vectors.firstIndex(where: { $0.count != dim }) {
                throw EmbeddingError.invalidEmbeddings(reason: "\(role) vector #\(bad) has length \(vectors[bad].count), expected \(dim)")
            }
            if let bad = vectors.firstIndex(where: { !$0.allSatisfy(\.isFinite) }) {
                throw EmbeddingError.invalidEmbeddings(reason: "\(role) vector #\(bad) has non-finite values")
            }
        }
        return vectors
    }
}
