/// Errors building a tokenizer. Each names the file (or metadata source) and the field at fault,
/// e.g. `tokenizer.json: invalid 'model.merges[12]': expected "a b" or ["a", "b"]`.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The file does not exist or cannot be read.
    case missingFile(path: String)
    /// A field is absent, mistyped or inconsistent (`field` is a dotted JSON path or a GGUF key).
    case invalid(source: String, field: String, reason: String)
    /// A well-formed component DivTune does not implement (e.g. a `Metaspace` pre-tokenizer).
    case unsupported(source: String, field: String, what: String)

    public var description: String {
        switch self {
        case let .missingFile(path): return "\(path): tokenizer file not found or unreadable"
        case let .invalid(source, field, reason): return "\(source): invalid '\(field)': \(reason)"
        case let .unsupported(source, field, what): return "\(source): unsupported '\(field)': \(what)"
        }
    }

    /// The same error attributed to `source` (errors raised while decoding JSON have no file yet).
    func attributed(to source: String) -> TokenizerError {
        switch self {
        case .missingFile: return self
        case let .invalid(_, field, reason): return .invalid(source: source, field: field, reason: reason)
        case let .unsupported(_, field, what): return .unsupported(source: source, field: field, what: what)
        }
    }

    /// A `DecodingError` from `JSONDecoder` as an error naming the JSON path.
    static func from(_ error: Error, source: String) -> TokenizerError {
        if let error = error as? TokenizerError { return error.attributed(to: source) }
        guard let error = error as? DecodingError else {
            return .invalid(source: source, field: "(root)", reason: "\(error)")
        }
        switch error {
        case let .keyNotFound(key, context):
            return .invalid(source: source, field: jsonPath(context.codingPath + [key]), reason: "missing")
        case let .typeMismatch(type, context):
            return .invalid(source: source, field: jsonPath(context.codingPath), reason: "expected \(type)")
        case let .valueNotFound(type, context):
            return .invalid(source: source, field: jsonPath(context.codingPath), reason: "null where \(type) is required")
        case let .dataCorrupted(context):
            return .invalid(source: source, field: jsonPath(context.codingPath), reason: context.debugDescription)
        @unknown default:
            return .invalid(source: source, field: "(root)", reason: "\(error)")
        }
    }

    /// `model.merges[3]` from a coding path.
    static func jsonPath(_ path: [CodingKey]) -> String {
        var out = ""
        for key in path {
            if let index = key.intValue { out += "[\(index)]" } else { out += out.isEmpty ? key.stringValue : "." + key.stringValue }
        }
        return out.isEmpty ? "(root)" : out
    }
}
