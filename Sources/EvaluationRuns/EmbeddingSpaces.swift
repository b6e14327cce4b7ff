import Embeddings

/// The two spaces diversity is measured in, with the names `metrics.json` records for them
/// (a model folder, or the built-in stylometric vector, and whether it is the paper's embedder:
/// ``EmbedderProvenance``).
public struct EmbeddingSpaces {
    public var semantic: TextEmbedder
    public var style: TextEmbedder
    public var semanticName: String
    public var styleName: String
    /// Both spaces are the papers' (jina-embeddings-v3 without a task, Style-Embedding).
    public var matchesPaper: Bool

    public init(semantic: TextEmbedder, semanticName: String, style: TextEmbedder, styleName: String, matchesPaper: Bool = false) {
        self.semantic = semantic
        self.semanticName = semanticName
        self.style = style
        self.styleName = styleName
        self.matchesPaper = matchesPaper
    }

    /// The spaces named by their provenance.
    public init(semantic: TextEmbedder, _ semanticProvenance: EmbedderProvenance, style: TextEmbedder, _ styleProvenance: EmbedderProvenance) {
        self.init(semantic: semantic, semanticName: semanticProvenance.description, style: style, styleName: styleProvenance.description,
                  matchesPaper: semanticProvenance.matchesPaper && styleProvenance.matchesPaper)
    }
}
