/// A GGUF metadata value (`gguf_metadata_value_type`, ggml `docs/gguf.md`).
///
/// The twelve wire types collapse to five scalar cases: `UINT8…UINT64` → ``uint(_:)``,
/// `INT8…INT64` → ``int(_:)``, `FLOAT32`/`FLOAT64` → ``float(_:)`` (widened to Double), `BOOL`,
/// `STRING`; `ARRAY` → ``array(_:)`` (nestable). Readers should accept a count stored as u32 or u64
/// alike — which is what ``intValue`` does.
public enum GGUFValue: Sendable, Equatable {
    case uint(UInt64), int(Int64), float(Double), bool(Bool), string(String)
    indirect case array([GGUFValue])

    /// Any integer (or bool as 0/1) that fits an `Int`.
    public var intValue: Int? {
        switch self {
        case let .uint(v): return v <= UInt64(Int.max) ? Int(v) : nil
        case let .int(v): return Int(exactly: v)
        case let .bool(v): return v ? 1 : 0
        default: return nil
        }
    }

    /// Any number, as Double.
    public var doubleValue: Double? {
        switch self {
        case let .float(v): return v
        case let .uint(v): return Double(v)
        case let .int(v): return Double(v)
        default: return nil
        }
    }

    /// Any number, as Float.
    public var floatValue: Float? { doubleValue.map(Float.init) }

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

    /// The elements of an array when every one converts with `transform`; nil otherwise (a
    /// mistyped element is never silently dropped).
    func elements<T>(_ transform: (GGUFValue) -> T?) -> [T]? {
        guard let items = arrayValue else { return nil }
        var out: [T] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let v = transform(item) else { return nil }
            out.append(v)
        }
        return out
    }

    /// One-line rendering for `divtune inspect`: long strings and arrays abbreviated.
    public var summary: String {
        switch self {
        case let .uint(v): return "\(v)"
        case let .int(v): return "\(v)"
        case let .float(v): return "\(v)"
        case let .bool(v): return "\(v)"
        case let .string(s):
            let escaped = s.prefix(80).replacingOccurrences(of: "\n", with: "\\n")
            return s.count > 80 ? "\"\(escaped)…\" (\(s.count) chars)" : "\"\(escaped)\""
        case let .array(a):
            let head = a.prefix(5).map(\.summary).joined(separator: ", ")
            return a.count > 5 ? "[\(head), …] (\(a.count) items)" : "[\(head)]"
        }
    }

    /// A JSON-serializable rendering (for `JSONSerialization`); arrays longer than `arrayLimit` are
    /// cut to their first `arrayLimit` items followed by a `"… (N items)"` marker string.
    public func jsonObject(arrayLimit: Int = .max) -> Any {
        switch self {
        case let .uint(v): return v
        case let .int(v): return v
        case let .float(v): return v.isFinite ? v as Any : "\(v)"
        case let .bool(v): return v
        case let .string(s): return s
        case let .array(a):
            var items = a.prefix(arrayLimit).map { $0.jsonObject(arrayLimit: arrayLimit) }
            if a.count > arrayLimit { items.append("… (\(a.count) items)") }
            return items
        }
    }
}
