import Foundation

/// Any JSON value, decoded strictly: `true` is never a number and `1` is never a Bool, so a field
/// of the wrong type is reported as such instead of being coerced.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        // Most values in data files are strings, then numbers: try those first (each failed try
        // builds an error). JSONDecoder keeps booleans and numbers apart on every platform.
        if c.decodeNil() { self = .null }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The JSON type's name, for error messages ("expected a string, found a number").
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "an object"
        }
    }

    /// `self[key]` of an object; nil for a missing key or a value that is no object.
    public subscript(key: String) -> JSONValue? {
        if case let .object(o) = self { return o[key] }
        return nil
    }

    /// Parses `bytes` as one JSON value; the error says what is wrong in words.
    /// A key repeated in one object is refused too (``JSONDuplicateKeys``).
    public static func parse(_ bytes: Data, decoder: JSONDecoder = JSONDecoder()) throws -> JSONValue {
        let value: JSONValue
        do { value = try decoder.decode(JSONValue.self, from: bytes) } catch {
            throw JSONSyntaxError(detail: describe(error))
        }
        if let key = JSONDuplicateKeys.first(in: bytes) { throw JSONSyntaxError(detail: "key \"\(key)\" appears twice") }
        return value
    }

    /// The readable part of a decoding error (Foundation wraps the parser's message).
    public static func describe(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return (context.underlyingError as NSError?)?.localizedDescription ?? context.debugDescription
        }
        return "\(error)"
    }
}

/// Text that is not JSON.
public struct JSONSyntaxError: Error, CustomStringConvertible, Sendable {
    public var detail: String
    public var description: String { "malformed JSON (\(detail))" }
}
