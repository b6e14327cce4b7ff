import Foundation

/// Appends one JSON object per line to a file (machine-readable logs: `metrics.jsonl`,
/// per-prompt results). Each record is written with a single `write` and flushed, so a killed run
/// leaves only whole lines behind; a write that fails (a full disk) throws a `FileError` naming
/// the file.
public final class JSONLinesLog: @unchecked Sendable {
    public var url: URL { file.url }
    private let file: AppendOnlyFile

    /// Opens `url` for appending, creating it (and its folder) when missing.
    public init(url: URL) throws {
        file = try AppendOnlyFile(url: url)
    }

    /// Writes `record` as one line (keys sorted, so lines are stable and diffable).
    public func append(_ record: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: Self.sanitized(record), options: [.sortedKeys, .withoutEscapingSlashes])
        try write(data + Data("\n".utf8))
    }

    /// Writes an `Encodable` value as one line.
    public func append<T: Encodable>(encodable value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        try write(data + Data("\n".utf8))
    }

    private func write(_ line: Data) throws {
        do { try file.append(line) } catch let error as FileError {
            throw FileError(path: url.path, reason: "cannot append a line (\(error.reason))")
        }
    }

    /// JSON has no NaN or infinity: such numbers become null rather than failing the whole record.
    static func sanitized(_ value: Any) -> Any {
        switch value {
        case let d as Double: return d.isFinite ? d : NSNull()
        case let f as Float: return f.isFinite ? Double(f) : NSNull()
        case let dict as [String: Any]: return dict.mapValues(sanitized)
        case let array as [Any]: return array.map(sanitized)
        default: return value
        }
    }
}
