/// Errors of model loading and running; each names the file, key or tensor at fault.
public enum ModelError: Error, CustomStringConvertible {
    case invalidConfiguration(key: String, reason: String)
    case unsupportedArchitecture(file: String, architecture: String)
    case missingFile(path: String, what: String)
    case missingTensor(file: String, name: String)
    case tensorShape(name: String, expected: [Int], got: [Int])
    case unreadable(file: String, reason: String)
    case contextOverflow(tokens: Int, limit: Int)
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(key, reason): return "invalid model configuration '\(key)': \(reason)"
        case let .unsupportedArchitecture(file, arch): return "\(file): unsupported architecture '\(arch)' (supported: \(ModelArchitecture.supportedNames))"
        case let .missingFile(path, what): return "\(path): missing \(what)"
        case let .missingTensor(file, name): return "\(file): missing tensor '\(name)'"
        case let .tensorShape(name, expected, got): return "tensor '\(name)' has shape \(got), expected \(expected)"
        case let .unreadable(file, reason): return "\(file): \(reason)"
        case let .contextOverflow(tokens, limit): return "the sequence needs \(tokens) positions but the context holds \(limit)"
        case let .invalidInput(reason): return reason
        }
    }
}
