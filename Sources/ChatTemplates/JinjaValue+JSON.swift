/// JSON in and out: an order-preserving reader (tool schemas must print back in their written
/// key order) and `json.dumps` as transformers' `tojson` filter calls it
/// (`json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)`).
extension JinjaValue {
    /// Parses a JSON document, keeping object key order (RFC 8259; integers that fit `Int` stay ints).
    public init(json text: String) throws {
        var reader = JSONReader(scalars: Array(text.unicodeScalars))
        self = try reader.document()
    }

    /// Python `json.dumps` formatting.
    /// - `indent`: nil for one line (`", "` and `": "` separators); n spaces (or a string) per level otherwise,
    ///   with `","` between items.
    /// - `maxBytes`: the output may not grow past this (indentation multiplies with depth).
    func json(ensureASCII: Bool = false, indent: String? = nil, separators: (item: String, key: String)? = nil,
              sortKeys: Bool = false, maxBytes: Int = .max) throws -> String {
        let item = separators?.item ?? (indent == nil ? ", " : ",")
        let key = separators?.key ?? ": "
        var out = ""
        try writeJSON(into: &out, ensureASCII: ensureASCII, indent: indent, item: item, key: key, sortKeys: sortKeys, level: 0,
                      maxBytes: maxBytes)
        return out
    }

    private func writeJSON(into out: inout String, ensureASCII: Bool, indent: String?, item: String, key: String,
                           sortKeys: Bool, level: Int, maxBytes: Int) throws {
        func newline(_ depth: Int) throws {
            guard let indent else { return }
            let width = indent.utf8.count.multipliedReportingOverflow(by: depth)
            guard !width.overflow, out.utf8.count + width.partialValue < maxBytes else {
                throw ChatTemplateError.limitExceeded("tojson output would be larger than \(maxBytes) bytes")
            }
            out += "\n" + String(repeating: indent, count: depth)
        }
        switch self {
        case .undefined: throw ChatTemplateError.runtime("Object of type Undefined is not JSON serializable")
        case .none: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d):
            out += d.isNaN ? "NaN" : d.isInfinite ? (d < 0 ? "-Infinity" : "Infinity") : PythonString.formatDouble(d)
        case let .string(s): Self.writeJSONString(s, into: &out, ensureASCII: ensureASCII)
        case let .array(a):
            guard !a.isEmpty else { out += "[]"; return }
            out += "["
            for (i, element) in a.enumerated() {
                if i > 0 { out += item }
                try newline(level + 1)
                try element.writeJSON(into: &out, ensureASCII: ensureASCII, indent: indent, item: item, key: key, sortKeys: sortKeys,
                                      level: level + 1, maxBytes: maxBytes)
            }
            try newline(level)
            out += "]"
        case let .object(o):
            guard !o.isEmpty else { out += "{}"; return }
            out += "{"
            let keys = sortKeys ? o.keys.sorted(by: PythonString.less) : o.keys
            for (i, k) in keys.enumerated() {
                if i > 0 { out += item }
                try newline(level + 1)
                Self.writeJSONString(k, into: &out, ensureASCII: ensureASCII)
                out += key
                try (o[k] ?? .none).writeJSON(into: &out, ensureASCII: ensureASCII, indent: indent, item: item, key: key, sortKeys: sortKeys,
                                              level: level + 1, maxBytes: maxBytes)
            }
            try newline(level)
            out += "}"
        }
    }

    /// Python's `json` string escaping: `\" \\ \n \r \t \b \f`, other controls as `\u00XX`;
    /// with `ensureASCII`, everything above 0x7F as `\uXXXX` (UTF-16 surrogate pairs beyond the BMP).
    static func writeJSONString(_ s: String, into out: inout String, ensureASCII: Bool) {
        func hex4(_ v: UInt32) -> String {
            let digits = String(v, radix: 16)
            return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        }
        out += "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if c.value < 0x20 {
                    out += hex4(c.value)
                } else if ensureASCII && c.value > 0x7E {
                    if c.value > 0xFFFF {
                        let v = c.value - 0x10000
                        out += hex4(0xD800 + (v >> 10)) + hex4(0xDC00 + (v & 0x3FF))
                    } else {
                        out += hex4(c.value)
                    }
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        out += "\""
    }
}

/// A small recursive-descent JSON reader over Unicode scalars.
private struct JSONReader {
    let scalars: [Unicode.Scalar]
    var i = 0

    func fail(_ reason: String) -> ChatTemplateError { .runtime("invalid JSON at offset \(i): \(reason)") }

    mutating func skipSpace() { while i < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[i]) { i += 1 } }

    mutating func document() throws -> JinjaValue {
        let v = try value(depth: 0)
        skipSpace()
        guard i == scalars.count else { throw fail("trailing characters") }
        return v
    }

    mutating func literal(_ word: String, _ v: JinjaValue) throws -> JinjaValue {
        for s in word.unicodeScalars {
            guard i < scalars.count, scalars[i] == s else { throw fail("expected \(word)") }
            i += 1
        }
        return v
    }

    mutating func value(depth: Int) throws -> JinjaValue {
        guard depth < 512 else { throw fail("nesting too deep") }
        skipSpace()
        guard i < scalars.count else { throw fail("unexpected end") }
        switch scalars[i] {
        case "{":
            i += 1
            var object = JinjaObject()
            skipSpace()
            if i < scalars.count, scalars[i] == "}" { i += 1; return .object(object) }
            while true {
                skipSpace()
                guard i < scalars.count, scalars[i] == "\"" else { throw fail("expected a key") }
                let key = try string()
                skipSpace()
                guard i < scalars.count, scalars[i] == ":" else { throw fail("expected ':'") }
                i += 1
                object[key] = try value(depth: depth + 1)
                skipSpace()
                guard i < scalars.count else { throw fail("unterminated object") }
                if scalars[i] == "," { i += 1; continue }
                guard scalars[i] == "}" else { throw fail("expected ',' or '}'") }
                i += 1
                return .object(object)
            }
        case "[":
            i += 1
            var items: [JinjaValue] = []
            skipSpace()
            if i < scalars.count, scalars[i] == "]" { i += 1; return .array(items) }
            while true {
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard i < scalars.count else { throw fail("unterminated array") }
                if scalars[i] == "," { i += 1; continue }
                guard scalars[i] == "]" else { throw fail("expected ',' or ']'") }
                i += 1
                return .array(items)
            }
        case "\"": return .string(try string())
        case "t": return try literal("true", .bool(true))
        case "f": return try literal("false", .bool(false))
        case "n": return try literal("null", .none)
        default: return try number()
        }
    }

    mutating func number() throws -> JinjaValue {
        let start = i
        var isFloat = false
        while i < scalars.count, "0123456789+-.eE".unicodeScalars.contains(scalars[i]) {
            if ".eE".unicodeScalars.contains(scalars[i]) { isFloat = true }
            i += 1
        }
        let text = PythonString.string(scalars[start..<i])
        if !isFloat, let n = Int(text) { return .int(n) }
        guard !text.isEmpty, let d = Double(text) else { throw fail("bad number '\(text)'") }
        return .double(d)
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= scalars.count, let v = UInt32(PythonString.string(scalars[i..<(i + 4)]), radix: 16) else { throw fail("bad \\u escape") }
        i += 4
        return v
    }

    mutating func string() throws -> String {
        i += 1
        var out = String.UnicodeScalarView()
        while i < scalars.count, scalars[i] != "\"" {
            guard scalars[i] == "\\" else { out.append(scalars[i]); i += 1; continue }
            i += 1
            guard i < scalars.count else { break }
            let e = scalars[i]
            i += 1
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "u":
                var v = try hex4()
                if (0xD800..<0xDC00).contains(v), i + 1 < scalars.count, scalars[i] == "\\", scalars[i + 1] == "u" {
                    i += 2
                    let low = try hex4()
                    v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                }
                out.append(Unicode.Scalar(v) ?? "\u{FFFD}")
            default: out.append(e)
            }
        }
        guard i < scalars.count else { throw fail("unterminated string") }
        i += 1
        return String(out)
    }
}
