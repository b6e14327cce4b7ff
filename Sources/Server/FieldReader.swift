import Base
import Foundation

/// Typed, range-checked access to a request object's fields; every failure is a 400 naming the field.
struct FieldReader {
    let object: [String: JSONValue]
    /// Prefix for nested fields in messages (e.g. "messages[2].").
    var path: String = ""

    /// Parses a request body that must be one JSON object.
    static func parse(body: Data) throws -> FieldReader {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: body)
        } catch {
            throw APIError(status: .badRequest, message: "The request body is not valid JSON: \(Self.describe(error))",
                           code: "invalid_json")
        }
        guard case .object(let object) = value else {
            throw APIError(status: .badRequest, message: "The request body must be a JSON object, got \(value.typeName).",
                           code: "invalid_json")
        }
        // Clients' JSON libraries disagree on which value of a repeated key counts (docs/bad-inputs.md).
        if let key = JSONDuplicateKeys.first(in: body) {
            throw APIError(status: .badRequest, message: "The request body names '\(key)' twice; send each field once.",
                           param: key, code: "duplicate_key")
        }
        return FieldReader(object: object)
    }

    private static func describe(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return (context.underlyingError.map { "\($0.localizedDescription)" }) ?? context.debugDescription
        }
        return "\(error)"
    }

    func name(_ key: String) -> String { path + key }

    /// The value of `key`, treating JSON null like an absent field.
    func value(_ key: String) -> JSONValue? {
        guard let v = object[key], v != .null else { return nil }
        return v
    }

    func typeError(_ key: String, expected: String, got: JSONValue) -> APIError {
        .invalid(name(key), "must be \(expected), got \(got.typeName)")
    }

    func string(_ key: String) throws -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw typeError(key, expected: "a string", got: v) }
        return s
    }

    func bool(_ key: String) throws -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .bool(let b) = v else { throw typeError(key, expected: "a boolean", got: v) }
        return b
    }

    func number(_ key: String, in range: ClosedRange<Double>? = nil, above lower: Double? = nil) throws -> Double? {
        guard let v = value(key) else { return nil }
        guard case .number(let d) = v, d.isFinite else { throw typeError(key, expected: "a number", got: v) }
        if let range, !range.contains(d) {
            throw APIError.invalid(name(key), "must be in [\(format(range.lowerBound)), \(format(range.upperBound))], got \(format(d))")
        }
        if let lower, d <= lower { throw APIError.invalid(name(key), "must be > \(format(lower)), got \(format(d))") }
        return d
    }

    func integer(_ key: String, in range: ClosedRange<Int>? = nil) throws -> Int? {
        guard let v = value(key) else { return nil }
        guard case .number(let d) = v, d.isFinite, d.rounded() == d, abs(d) < 9.0e18 else {
            throw typeError(key, expected: "an integer", got: v)
        }
        let i = Int(d)
        if let range, !range.contains(i) {
            throw APIError.invalid(name(key), "must be in [\(range.lowerBound), \(range.upperBound)], got \(i)")
        }
        return i
    }

    /// A string naming one of `choices` (the enum's raw values).
    func choice<T: RawRepresentable>(_ key: String, _ type: T.Type, aliases: [String: T] = [:]) throws -> T?
        where T.RawValue == String, T: CaseIterable {
        guard let s = try string(key) else { return nil }
        if let t = T(rawValue: s) ?? aliases[s] { return t }
        let names = T.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        throw APIError.invalid(name(key), "must be one of \(names), got '\(s)'")
    }

    private func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }
}
