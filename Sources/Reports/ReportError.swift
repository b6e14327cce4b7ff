/// Errors of the Reports target; each names the file (and line or field) at fault.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    /// A file could not be read.
    case unreadable(path: String, reason: String)
    /// A file was read but its content is not what the format requires.
    case invalidContent(path: String, reason: String)
    /// A file could not be written.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "cannot read \(path): \(reason)"
        case let .invalidContent(path, reason): return "\(path): \(reason)"
        case let .writeFailed(path, reason): return "cannot write \(path): \(reason)"
        }
    }
}
