/// Errors the engine reports to callers: shape and dtype mismatches carry the shapes involved,
/// so a wrong model configuration surfaces as a readable message, never as a silent wrong result.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(op: String, shapes: [[Int]], reason: String)
    case invalidArgument(op: String, reason: String)
    case dtypeMismatch(op: String, expected: String, got: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, shapes, reason):
            let list = shapes.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" }.joined(separator: " and ")
            return "\(op): shape mismatch between \(list): \(reason)"
        case let .invalidArgument(op, reason):
            return "\(op): \(reason)"
        case let .dtypeMismatch(op, expected, got):
            return "\(op): expected dtype \(expected), got \(got)"
        }
    }
}
