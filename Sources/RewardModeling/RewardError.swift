/// Errors of reward modelling; each names the file, line or field at fault.
public enum RewardError: Error, CustomStringConvertible, Equatable {
    case invalidData(location: String, reason: String)
    case invalidOption(name: String, reason: String)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidData(location, reason): return "\(location): \(reason)"
        case let .invalidOption(name, reason): return "invalid \(name): \(reason)"
        case let .unreadable(path, reason): return "cannot read \(path): \(reason)"
        }
    }
}
