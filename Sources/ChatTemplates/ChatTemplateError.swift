/// Errors from parsing and rendering chat templates.
public enum ChatTemplateError: Error, CustomStringConvertible, Equatable {
    /// The template source is malformed (bad tag, unknown statement, unbalanced brackets…).
    case syntax(line: Int, column: Int, reason: String)
    /// Rendering failed: an unsupported operation, an unknown filter, a type error…
    case runtime(String)
    /// The template called `raise_exception(message)` (e.g. roles that do not alternate).
    case raised(String)
    /// The template went past one of its `TemplateLimits` (nesting, loop iterations, value or
    /// output size, time): a template built to exhaust the machine rather than to format a chat.
    case limitExceeded(String)

    public var description: String {
        switch self {
        case let .syntax(line, column, reason): return "chat template syntax error at \(line):\(column): \(reason)"
        case let .runtime(reason): return "chat template error: \(reason)"
        case let .raised(message): return "chat template raised an exception: \(message)"
        case let .limitExceeded(reason): return "chat template exceeds a limit: \(reason)"
        }
    }

    static func syntax(_ location: SourceLocation, _ reason: String) -> ChatTemplateError {
        .syntax(line: location.line, column: location.column, reason: reason)
    }
}

/// A rendering failure without a position yet; the interpreter attaches the location of the
/// expression or statement it was evaluating and rethrows it as `ChatTemplateError.runtime`.
struct TemplateFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
