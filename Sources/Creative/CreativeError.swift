/// Errors of the Creative target that are not about one line of a file (those are `FileError`s).
public enum CreativeError: Error, CustomStringConvertible, Equatable {
    /// An option is out of range or contradicts another.
    case invalidOption(name: String, reason: String)
    /// The labelled data cannot give what was asked (no pairs, one class only).
    case insufficientData(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidOption(name, reason): return "--\(name): \(reason)"
        case let .insufficientData(path, reason): return "\(path): \(reason)"
        }
    }
}
