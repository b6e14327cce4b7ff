/// Errors of the Evaluation target.
public enum EvaluationError: Error, CustomStringConvertible, Equatable {
    /// Embeddings do not match the samples (count, length, non-finite values).
    case invalidEmbeddings(reason: String)
    /// zlib reported an error.
    case compression(code: Int32, stage: String)
    /// An argument is out of range.
    case invalidArgument(name: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidEmbeddings(reason): return "invalid embeddings: \(reason)"
        case let .compression(code, stage): return "zlib error \(code) in \(stage)"
        case let .invalidArgument(name, reason): return "invalid \(name): \(reason)"
        }
    }
}
