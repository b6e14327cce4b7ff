import Embeddings

/// The two spaces diversity is measured in, with the names `metrics.json` records for them
/// (a model folder, or the built-in stylometric vector).
public struct EmbeddingSpaces {
    public var semantic: TextEmbedder
    public var style: TextEmbedder
    public var semanticName: String
    public var styleName: String

    public init(semantic: TextEmbedder, semanticName: String, style: TextEmbedder, styleName: String) {
        self.semantic = semantic
        self.semanticName = semanticName
        self.style = style
        self.styleName = styleName
    }
}
