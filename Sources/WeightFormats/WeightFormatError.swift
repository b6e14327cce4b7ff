/// Errors reading or writing weight files; every case names the file and what is wrong.
public enum WeightFormatError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case truncated(path: String, offset: Int, needed: Int, size: Int)
    case invalid(path: String, reason: String)
    case unsupportedType(path: String, tensor: String, type: String)
    case missingTensor(path: String, name: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "\(path): cannot open: \(reason)"
        case let .truncated(path, offset, needed, size):
            return "\(path): truncated or corrupt: needs \(needed) bytes at offset \(offset) but the file has \(size)"
        case let .invalid(path, reason): return "\(path): \(reason)"
        case let .unsupportedType(path, tensor, type): return "\(path): tensor '\(tensor)' has unsupported type \(type)"
        case let .missingTensor(path, name): return "\(path): no tensor named '\(name)'"
        case let .writeFailed(path, reason): return "\(path): write failed: \(reason)"
        }
    }
}
