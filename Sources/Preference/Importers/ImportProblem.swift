import Base
import Foundation

extension JSONValue {
    /// Parses one JSONL line into an object, or says why it is none.
    static func object(from line: Data, decoder: JSONDecoder) -> Result<[String: JSONValue], ImportProblem> {
        let value: JSONValue
        do { value = try JSONValue.parse(line, decoder: decoder) } catch {
            return .failure(ImportProblem(field: nil, reason: "\(error)"))
        }
        guard case let .object(object) = value else {
            return .failure(ImportProblem(field: nil, reason: "expected a JSON object, found \(value.typeName)"))
        }
        return .success(object)
    }
}

/// Why a record is unusable, before the file and line are attached.
struct ImportProblem: Error {
    var field: String?
    var reason: String
}

/// The score rule shared by the importers: a finite JSON number, or a numeric string (CSV cells,
/// some dumps store scores as text).
enum ScoreValue {
    static func parse(_ value: JSONValue?, field: String) throws -> Double {
        switch value {
        case nil: throw ImportProblem(field: field, reason: "missing")
        case let .number(d)?: return try finite(d, field: field)
        case let .string(s)?: return try parse(text: s, field: field)
        case let other?: throw ImportProblem(field: field, reason: "expected a number, found \(other.typeName)")
        }
    }

    static func parse(text: String, field: String) throws -> Double {
        let trimmed = text.utf8.first == 0x20 || text.utf8.last == 0x20 ? text.trimmingCharacters(in: .whitespaces) : text
        guard let d = Double(trimmed) else {
            throw ImportProblem(field: field, reason: "expected a number, found \"\(text.prefix(40))\"")
        }
        return try finite(d, field: field)
    }

    private static func finite(_ d: Double, field: String) throws -> Double {
        guard d.isFinite else { throw ImportProblem(field: field, reason: "not a finite number") }
        return d
    }
}
