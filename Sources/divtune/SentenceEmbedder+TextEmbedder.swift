import Models
import Preference

/// The encoder as Preference's embedding space (semantic deviation, DivPO, diversity metrics).
extension SentenceEmbedder: TextEmbedder {
    public func embed(_ texts: [String]) throws -> [[Float]] { try embed(texts, batchSize: 32) }
}
