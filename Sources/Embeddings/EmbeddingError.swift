/// Errors of the Embeddings target; each names the embedder, file or byte offset at fault so the
/// CLI can print it verbatim.
public enum EmbeddingError: Error, CustomStringConvertible, Equatable {
    /// An embedder broke the ``TextEmbedder`` contract: a wrong number of vectors, vectors of
    /// differing length, or non-finite values.
    case invalidEmbeddings(reason: String)
    /// A cache file could not be read.
    case unreadable(file: String, reason: String)
    /// A cache file could not be written.
    case unwritable(file: String, reason: String)
    /// An embedding cache file is corrupt or truncated.
    case corruptCache(file: String, offset: Int, reason: String)

    public var description: String {
        switch self {
        case let .invalidEmbeddings(reason): return "invalid embeddings: \(reason)"
        case let .unreadable(file, reason): return "cannot read \(file): \(reason)"
        case let .unwritable(file, reason): return "cannot write \(file): \(reason)"
        case let .corruptCache(file, offset, reason): return "corrupt embedding cache \(file) at byte \(offset): \(reason)"
        }
    }
}
