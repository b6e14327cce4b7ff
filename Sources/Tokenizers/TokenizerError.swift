/// Errors building a tokenizer; each names the file and the field at fault.
public enum TokenizerError: Error, CustomStringConvertible {
    case missingFile(path: String)
    case invalid(source: String, field: String, reason: String)
    case unsupported(source: String, what: String)

    public var description: String {
        switch self {
        case let .missingFile(path): return "\(path): tokenizer file not found"
        case let .invalid(source, field, reason): return "\(source): invalid '\(field)': \(reason)"
        case let .unsupported(source, what): return "\(source): unsupported \(what)"
        }
    }
}
