import Foundation

/// A problem with a file DivTune reads or writes, naming the file and, where there is one, the
/// 1-based line and the field: `data.jsonl:7: field "score": must be a finite number`.
public struct FileError: LocalizedError, CustomStringConvertible, Equatable, Sendable {
    public var path: String
    public var line: Int?
    public var field: String?
    public var reason: String

    public init(path: String, line: Int? = nil, field: String? = nil, reason: String) {
        self.path = path
        self.line = line
        self.field = field
        self.reason = reason
    }

    public var errorDescription: String? { description }

    public var description: String {
        let place = line.map { "\(path):\($0)" } ?? path
        return field.map { "\(place): field \"\($0)\": \(reason)" } ?? "\(place): \(reason)"
    }
}
