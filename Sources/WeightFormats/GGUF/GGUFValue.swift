/// A GGUF metadata value (`gguf_metadata_value_type`).
public enum GGUFValue: Sendable, Equatable {
    case uint(UInt64), int(Int64), float(Double), bool(Bool), string(String)
    indirect case array([GGUFValue])

    public var intValue: Int? {
        switch self {
        case let .uint(v): return v <= UInt64(Int.max) ? Int(v) : nil
        case let .int(v): return Int(v)
        case let .bool(v): return v ? 1 : 0
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case let .float(v): return v
        case let .uint(v): return Double(v)
        case let .int(v): return Double(v)
        default: return nil
        }
    }

    public var stringValue: String? { if case let .string(s) = self { return s } else { return nil } }
    public var boolValue: Bool? {
        switch self {
        case let .bool(b): return b
        case let .uint(v): return v != 0
        case let .int(v): return v != 0
        default: return nil
        }
    }
    public var arrayValue: [GGUFValue]? { if case let .array(a) = self { return a } else { return nil } }

    /// Compact rendering for `divtune inspect` (long arrays abbreviated).
    public var summary: String {
        switch self {
        case let .uint(v): return "\(v)"
        case let .int(v): return "\(v)"
        case let .float(v): return "\(v)"
        case let .bool(v): return "\(v)"
        case let .string(s): return s.count > 80 ? "\"\(s.prefix(77).replacingOccurrences(of: "\n", with: "\\n"))…\" (\(s.count) chars)" : "\"\(s.replacingOccurrences(of: "\n", with: "\\n"))\""
        case let .array(a):
            let head = a.prefix(5).map(\.summary).joined(separator: ", ")
            return a.count > 5 ? "[\(head), …] (\(a.count) items)" : "[\(head)]"
        }
    }
}

import Foundation
