/// Errors of template parsing and rendering, with the template position where known.
public enum ChatTemplateError: Error, CustomStringConvertible, Equatable {
    case syntax(line: Int, column: Int, reason: String)
    case runtime(String)
    /// The template called `raise_exception(message)` (e.g. roles that do not alternate).
    case raised(String)

    public var description: String {
        switch self {
        case let .syntax(line, column, reason): return "chat template syntax error at \(line):\(column): \(reason)"
        case let .runtime(reason): return "chat template error: \(reason)"
        case let .raised(message): return "chat template raised an exception: \(message)"
        }
    }
}
