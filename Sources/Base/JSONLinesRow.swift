import Foundation

/// One line of a JSON Lines file parsed as an object, with typed field access whose errors name
/// the file, the line and the field.
public struct JSONLinesRow: Sendable {
    public let path: String
    public let line: Int
    public let object: [String: JSONValue]

    public init(path: String, line: Int, object: [String: JSONValue]) {
        self.path = path
        self.line = line
        self.object = object
    }

    /// Parses one line's bytes: invalid UTF-8, malformed JSON and non-objects are errors.
    public init(path: String, line: Int, bytes: Data, decoder: JSONDecoder = JSONDecoder()) throws {
        guard String(data: bytes, encoding: .utf8) != nil else {
            throw FileError(path: path, line: line, reason: "invalid UTF-8")
        }
        let value: JSONValue
        do { value = try JSONValue.parse(bytes, decoder: decoder) } catch {
            throw FileError(path: path, line: line, reason: "\(error)")
        }
        guard case .object(let object) = value else {
            throw FileError(path: path, line: line, reason: "expected a JSON object, found \(value.typeName)")
        }
        self.init(path: path, line: line, object: object)
    }

    /// An error about this line (and `field`, when given).
    public func error(_ reason: String, field: String? = nil) -> FileError {
        FileError(path: path, line: line, field: field, reason: reason)
    }

    /// The value of `key`; JSON null counts as absent.
    public func value(_ key: String) -> JSONValue? {
        guard let v = object[key], v != .null else { return nil }
        return v
    }

    /// A required string field.
    public func string(_ key: String) throws -> String {
        guard let v = value(key) else { throw error("missing", field: key) }
        guard case .string(let s) = v else { throw error("must be a string, found \(v.typeName)", field: key) }
        return s
    }

    /// A required list of strings.
    public func strings(_ key: String) throws -> [String] {
        guard let v = value(key) else { throw error("missing", field: key) }
        guard case .array(let items) = v else { throw error("must be a list of strings, found \(v.typeName)", field: key) }
        return try items.enumerated().map { i, item in
            guard case .string(let s) = item else { throw error("must be a string, found \(item.typeName)", field: "\(key)[\(i)]") }
            return s
        }
    }

    /// An optional finite number (nil when absent).
    public func finiteNumber(_ key: String) throws -> Double? {
        guard let v = value(key) else { return nil }
        guard case .number(let d) = v else { throw error("must be a number, found \(v.typeName)", field: key) }
        guard d.isFinite else { throw error("must be a finite number", field: key) }
        return d
    }

    /// A list of `{"role", "content"}` messages with string values.
    public func messages(_ key: String) throws -> [(role: String, content: String)] {
        guard let v = value(key) else { throw error("missing", field: key) }
        return try Self.messages(v, field: key, row: self)
    }

    /// `value` as a list of `{"role", "content"}` messages; errors name `field` and the index.
    public static func messages(_ value: JSONValue, field: String, row: JSONLinesRow) throws -> [(role: String, content: String)] {
        guard case .array(let list) = value else {
            throw row.error("expected a list of {\"role\", \"content\"} messages, found \(value.typeName)", field: field)
        }
        return try list.enumerated().map { i, m in
            guard case .string(let role)? = m["role"], case .string(let content)? = m["content"] else {
                throw row.error("a message needs string 'role' and 'content'", field: "\(field)[\(i)]")
            }
            return (role, content)
        }
    }
}
