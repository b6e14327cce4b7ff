import Foundation

/// Which embedder defined a diversity space, and whether it is the one the papers used
/// (docs/methods.md §3.3): jina-embeddings-v3 without a task adapter for the semantic space,
/// AnnaWegmann/Style-Embedding for the style space. Anything else — the default all-MiniLM-L6-v2,
/// the built-in stylometric features, another model, jina with a task — is a substitute, and
/// numbers measured with it are not comparable with the papers'.
///
/// Recognition goes by architecture, not by name where the architecture is distinctive: jina is
/// the XLM-RoBERTa with rotary positions and LoRA task adapters. Style-Embedding is a plain
/// RoBERTa, so besides its layout (mean pooling, no normalization, 512 tokens) its folder path
/// must name it (`Style-Embedding`, as a hub download or cache folder does).
public struct EmbedderProvenance: Sendable, Equatable, CustomStringConvertible {
    public enum Space: String, Sendable { case semantic, style }

    public var space: Space
    /// The folder given, or the built-in embedder's name.
    public var source: String
    /// What the embedder is: "jina-embeddings-v3", "Style-Embedding", "stylometric features", or the folder's name.
    public var model: String
    public var task: String?
    public var matchesPaper: Bool

    public init(space: Space, source: String, model: String, task: String? = nil, matchesPaper: Bool) {
        self.space = space
        self.source = source
        self.model = model
        self.task = task
        self.matchesPaper = matchesPaper
    }

    /// The built-in style space (``StylometricEmbedder``).
    public static let stylometric = EmbedderProvenance(space: .style, source: "stylometric (built-in)",
                                                       model: "stylometric features", matchesPaper: false)

    /// What `embedder`, loaded from `source`, is in `space`.
    public init(_ embedder: SentenceEmbedder, space: Space, source: String) {
        let c = embedder.encoder.configuration
        let isJina = c.modelType == "xlm-roberta" && c.positions != .absolute && !c.loraTasks.isEmpty
        let isStyleEmbedding = c.modelType == "roberta" && c.positions == .absolute && embedder.pooling == [.mean]
            && !embedder.normalizes && embedder.maxSequenceLength == 512
            && embedder.directory.standardizedFileURL.path.lowercased().contains("style-embedding")
        let model = isJina ? "jina-embeddings-v3" : isStyleEmbedding ? "Style-Embedding" : embedder.directory.standardizedFileURL.lastPathComponent
        let matches = space == .semantic ? isJina && embedder.task == nil : isStyleEmbedding
        self.init(space: space, source: source, model: model, task: embedder.task, matchesPaper: matches)
    }

    /// `SOURCE (MODEL[, task T]; the paper's | substitute, not comparable with the paper)`, as runs record it.
    public var description: String {
        let task = self.task.map { ", task \($0)" } ?? ""
        let verdict = matchesPaper ? "the paper's \(space) embedder" : "substitute, not comparable with the paper"
        return "\(source) (\(model)\(task); \(verdict))"
    }
}
