import Foundation

/// A Jinja value. Objects keep key order (templates iterate them and `tojson` prints them).
public indirect enum JinjaValue: Sendable, Equatable {
    case undefined, none
    case bool(Bool), int(Int), double(Double), string(String)
    case array([JinjaValue])
    case object(keys: [String], values: [String: JinjaValue])

    public static func object(_ pairs: [(String, JinjaValue)]) -> JinjaValue {
        .object(keys: pairs.map(\.0), values: Dictionary(pairs, uniquingKeysWith: { _, b in b }))
    }

    /// Converts JSON-like Swift values (from JSONSerialization or literals).
    public static func from(_ any: Any?) -> JinjaValue {
        switch any {
        case nil, is NSNull: return .none
        case let v as JinjaValue: return v
        case let b as Bool: return .bool(b)
        case let i as Int: return .int(i)
        case let d as Double: return d == d.rounded() && abs(d) < 1e15 && !(any is Double) ? .int(Int(d)) : .double(d)
        case let s as String: return .string(s)
        case let a as [Any]: return .array(a.map(from))
        case let o as [String: Any]: return .object(o.keys.sorted().map { ($0, from(o[$0])) })
        default: return .string("\(any!)")
        }
    }

    var truthy: Bool {
        switch self {
        case .undefined, .none: return false
        case let .bool(b): return b
        case let .int(i): return i != 0
        case let .double(d): return d != 0
        case let .string(s): return !s.isEmpty
        case let .array(a): return !a.isEmpty
        case let .object(keys, _): return !keys.isEmpty
        }
    }

    /// `{{ value }}` rendering (Python's str()).
    var rendered: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case let .bool(b): return b ? "True" : "False"
        case let .int(i): return String(i)
        case let .double(d): return d == d.rounded() && abs(d) < 1e16 ? String(format: "%.1f", d) : String(d)
        case let .string(s): return s
        case .array, .object: return pythonRepr
        }
    }

    /// Python's repr(), used when containers are printed.
    var pythonRepr: String {
        switch self {
        case let .string(s): return "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
        case let .array(a): return "[" + a.map(\.pythonRepr).joined(separator: ", ") + "]"
        case let .object(keys, values): return "{" + keys.map { "'\($0)': \(values[$0]!.pythonRepr)" }.joined(separator: ", ") + "}"
        default: return rendered
        }
    }

    /// Python `json.dumps(value, ensure_ascii=False, indent=indent)` as transformers' `tojson` does.
    func json(indent: Int?, level: Int = 0) -> String {
        let pad = indent.map { String(repeating: " ", count: $0 * (level + 1)) }
        let closePad = indent.map { String(repeating: " ", count: $0 * level) }
        switch self {
        case .undefined, .none: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .int(i): return String(i)
        case let .double(d): return d == d.rounded() && abs(d) < 1e16 ? String(format: "%.1f", d) : String(d)
        case let .string(s): return Self.jsonString(s)
        case let .array(a):
            if a.isEmpty { return "[]" }
            let items = a.map { $0.json(indent: indent, level: level + 1) }
            guard let pad, let closePad else { return "[" + items.joined(separator: ", ") + "]" }
            return "[\n" + items.map { pad + $0 }.joined(separator: ",\n") + "\n" + closePad + "]"
        case let .object(keys, values):
            if keys.isEmpty { return "{}" }
            let items = keys.map { Self.jsonString($0) + ": " + values[$0]!.json(indent: indent, level: level + 1) }
            guard let pad, let closePad else { return "{" + items.joined(separator: ", ") + "}" }
            return "{\n" + items.map { pad + $0 }.joined(separator: ",\n") + "\n" + closePad + "}"
        }
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
