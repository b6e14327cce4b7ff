import Foundation

/// A value inside a template: what Python objects are to jinja2. Objects keep key order (templates
/// iterate them and `tojson` prints them in insertion order, like Python dicts).
public enum JinjaValue: Sendable {
    /// jinja2's default `Undefined`: falsy, renders as "", iterates as empty.
    case undefined
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JinjaValue])
    case object(JinjaObject)

    /// An object from ordered pairs (later duplicates replace earlier values in place).
    public static func object(_ pairs: [(String, JinjaValue)]) -> JinjaValue { .object(JinjaObject(pairs)) }

    /// Python truthiness (`bool(x)`).
    public var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case let .bool(b): return b
        case let .int(i): return i != 0
        case let .double(d): return d != 0
        case let .string(s): return !s.isEmpty
        case let .array(a): return !a.isEmpty
        case let .object(o): return !o.isEmpty
        }
    }

    /// `{{ value }}`: Python's `str()`.
    public var rendered: String {
        switch self {
        case .undefined: return ""
        case let .string(s): return s
        default: return repr
        }
    }

    /// Python's `repr()`, used when containers are printed (`['a', 1, None]`).
    public var repr: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "None"
        case let .bool(b): return b ? "True" : "False"
        case let .int(i): return String(i)
        case let .double(d): return PythonString.formatDouble(d)
        case let .string(s): return PythonString.repr(s)
        case let .array(a): return "[" + a.map(\.repr).joined(separator: ", ") + "]"
        case let .object(o): return "{" + o.map { PythonString.repr($0.key) + ": " + $0.value.repr }.joined(separator: ", ") + "}"
        }
    }

    /// The Python type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .object: return "dict"
        }
    }

    var isUndefined: Bool { if case .undefined = self { return true }; return false }
    var isNumber: Bool {
        switch self { case .int, .double: return true; default: return false }
    }
    var stringValue: String? { if case let .string(s) = self { return s }; return nil }

    /// Numeric value for arithmetic (bools count as 0/1, as in Python).
    var number: Double? {
        switch self {
        case let .int(i): return Double(i)
        case let .double(d): return d
        case let .bool(b): return b ? 1 : 0
        default: return nil
        }
    }
}

// MARK: Python equality

extension JinjaValue: Equatable {
    /// Python `==`: numbers and bools compare by value (`1 == 1.0 == True`), strings by code
    /// point, dicts regardless of key order, `Undefined` only equals `Undefined`.
    public static func == (a: JinjaValue, b: JinjaValue) -> Bool {
        switch (a, b) {
        case (.undefined, .undefined), (.none, .none): return true
        case let (.string(x), .string(y)): return PythonString.equal(x, y)
        case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy { $0 == $1 }
        case let (.object(x), .object(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        default:
            guard let x = a.number, let y = b.number else { return false }
            return x == y
        }
    }
}

// MARK: Literals

extension JinjaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JinjaValue...) { self = .array(elements) }
    /// Dictionary literals keep their written order.
    public init(dictionaryLiteral elements: (String, JinjaValue)...) { self = .object(JinjaObject(elements)) }
}

// MARK: Conversions

extension JinjaValue {
    /// Converts `JSONSerialization` output or Swift values (`String`, `Int`, `Double`, `Bool`,
    /// arrays, `[String: Any]` — whose keys come out sorted, since Swift dictionaries are unordered;
    /// use `JinjaValue(json:)` to keep a document's key order). Unknown types become `.undefined`.
    public init(any value: Any?) {
        switch value {
        case nil, is NSNull: self = .none
        case let v as JinjaValue: self = v
        case let s as String: self = .string(s)
        case let n as NSNumber:
            // JSONSerialization's numbers (and bridged Swift scalars): the ObjC type code tells
            // booleans ("c"/"B") and floating point ("f"/"d") from integers.
            switch String(cString: n.objCType) {
            case "c", "B": self = .bool(n.boolValue)
            case "f", "d": self = .double(n.doubleValue)
            default: self = .int(n.intValue)
            }
        case let b as Bool: self = .bool(b)
        case let i as Int: self = .int(i)
        case let d as Double: self = .double(d)
        case let a as [Any?]: self = .array(a.map { JinjaValue(any: $0) })
        case let o as [String: Any?]: self = .object(JinjaObject(o.keys.sorted().map { ($0, JinjaValue(any: o[$0] ?? nil)) }))
        default: self = .undefined
        }
    }
}
