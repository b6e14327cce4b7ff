import Foundation

/// Any JSON value, for importers whose rows vary in shape (optional keys, strings or message lists).
/// Decoded with `JSONDecoder`, which keeps booleans and numbers apart on every platform.
enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        // Most values are strings, then numbers: try those first (each failed try builds an error).
        if c.decodeNil() { self = .null }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// What the value is, for error messages ("expected a string, found a number").
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "an object"
        }
    }

    subscript(key: String) -> JSONValue? {
        if case let .object(o) = self { return o[key] }
        return nil
    }

    /// Parses one JSONL line into an object, or says why it is none.
    static func object(from line: Data, decoder: JSONDecoder) -> Result<[String: JSONValue], ImportProblem> {
        let value: JSONValue
        do { value = try decoder.decode(JSONValue.self, from: line) } catch {
            let detail = ((error as? DecodingError).flatMap { e -> String? in
                if case let .dataCorrupted(context) = e { return (context.underlyingError as NSError?)?.localizedDescription ?? context.debugDescription }
                return nil
            }) ?? "\(error)"
            return .failure(ImportProblem(field: nil, reason: "malformed JSON (\(detail))"))
        }
        guard case let .object(object) = value else {
            return .failure(ImportProblem(field: nil, reason: "expected a JSON object, found \(value.kind)"))
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
        case let other?: throw ImportProblem(field: field, reason: "expected a number, found \(other.kind)")
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
