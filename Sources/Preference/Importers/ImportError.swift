import Foundation

/// A record an importer cannot use, with where it is: file, line, column (CSV) and field.
public struct ImportError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int
    /// 1-based column in characters (CSV only).
    public var column: Int?
    /// The field at fault, e.g. `score`, `chosen[0].content`.
    public var field: String?
    public var reason: String

    public init(file: String, line: Int, column: Int? = nil, field: String? = nil, reason: String) {
        self.file = file; self.line = line; self.column = column; self.field = field; self.reason = reason
    }

    /// `file:line[:column]: [field 'x': ]reason` — the form compilers use, so editors can jump to it.
    public var description: String {
        var place = "\(file):\(line)"
        if let column { place += ":\(column)" }
        return place + ": " + (field.map { "field '\($0)': " } ?? "") + reason
    }

    var skipped: SkippedLine {
        SkippedLine(file: file, line: line, reason: (column.map { "column \($0): " } ?? "") + (field.map { "field '\($0)': " } ?? "") + reason)
    }
}
