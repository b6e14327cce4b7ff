/// Jinja filters, `value | name(args)` (`jinja2/filters.py`), plus `tojson` as transformers
/// defines it (`json.dumps(x, ensure_ascii=False, indent=indent, separators=separators,
/// sort_keys=sort_keys)`; positional arguments in that order after the value).
enum Filters {
    /// Positional-or-keyword argument lookup, Python style.
    struct Arguments {
        let positional: [JinjaValue]
        let keywords: [(String, JinjaValue)]
        func callAsFunction(_ index: Int, _ name: String) -> JinjaValue? {
            index < positional.count ? positional[index] : keywords.first { $0.0 == name }?.1
        }
    }

    /// `budget` bounds what a filter builds before its result can be checked (padding, joins, replacements).
    static func apply(_ name: String, _ v: JinjaValue, _ positional: [JinjaValue], _ keywords: [(String, JinjaValue)],
                      budget: RenderBudget) throws -> JinjaValue {
        let arg = Arguments(positional: positional, keywords: keywords)
        switch name {
        case "trim": return .string(PythonString.strip(v.rendered, arg(0, "chars")?.stringValue))
        case "length", "count": return .int(try length(v))
        case "string": return .string(v.rendered)
        case "upper": return .string(v.rendered.uppercased())
        case "lower": return .string(v.rendered.lowercased())
        case "title": return .string(PythonString.jinjaTitle(v.rendered))
        case "capitalize": return .string(PythonString.capitalize(v.rendered))
        case "replace":
            guard let old = arg(0, "old"), let new = arg(1, "new") else { throw TemplateFailure("replace needs 'old' and 'new'") }
            let count = arg(2, "count").flatMap(Operators.integer) ?? -1
            try budget.checkLength(PythonString.replacedLength(v.rendered, old.rendered, new.rendered, count: count))
            return .string(PythonString.replace(v.rendered, old.rendered, new.rendered, count: count))
        case "default", "d":
            let fallback = arg(0, "default_value") ?? .string("")
            if v.isUndefined || (arg(1, "boolean")?.isTruthy == true && !v.isTruthy) { return fallback }
            return v
        case "first", "last":
            let items = try sequence(v)
            return (name == "first" ? items.first : items.last) ?? .undefined
        case "join":
            var items = try sequence(v)
            if let attribute = arg(1, "attribute") { items = items.map { path($0, attribute) } }
            return .string(try joined(items.map(\.rendered), separator: arg(0, "d")?.rendered ?? "", budget: budget))
        case "list": return .array(try sequence(v))
        case "reverse":
            if case let .string(s) = v { return .string(PythonString.string(s.unicodeScalars.reversed())) }
            return .array(try sequence(v).reversed())
        case "unique": return .array(unique(try sequence(v)))
        case "items":
            switch v {
            case let .object(o): return .array(o.map { .array([.string($0.key), $0.value]) })
            case .undefined: return .array([])
            default: throw TemplateFailure("items filter needs a mapping, got \(v.typeName)")
            }
        case "dictsort":
            guard case let .object(o) = v else { throw TemplateFailure("dictsort needs a mapping, got \(v.typeName)") }
            let byValue = arg(1, "by")?.stringValue == "value"
            let pairs = try o.map { ($0.key, $0.value) }.sorted { l, r in
                try Operators.compare("<", byValue ? l.1 : .string(l.0.lowercased()), byValue ? r.1 : .string(r.0.lowercased()))
            }
            let ordered = arg(2, "reverse")?.isTruthy == true ? pairs.reversed() : pairs
            return .array(ordered.map { .array([.string($0.0), $0.1]) })
        case "sort":
            let attribute = arg(2, "attribute")
            let caseSensitive = arg(1, "case_sensitive")?.isTruthy ?? false
            func key(_ x: JinjaValue) -> JinjaValue {
                let k = attribute.map { path(x, $0) } ?? x
                if !caseSensitive, case let .string(s) = k { return .string(s.lowercased()) }
                return k
            }
            let sorted = try sequence(v).sorted { try Operators.compare("<", key($0), key($1)) }
            return .array(arg(0, "reverse")?.isTruthy == true ? sorted.reversed() : sorted)
        case "int": return int(v, default: arg(0, "default") ?? .int(0))
        case "float":
            switch v {
            case let .double(d): return .double(d)
            case .int, .bool: return .double(v.number ?? 0)
            case let .string(s): return Double(PythonString.strip(s)).map { .double($0) } ?? (arg(0, "default") ?? .double(0))
            default: return arg(0, "default") ?? .double(0)
            }
        case "abs":
            switch v {
            case let .int(i) where i != .min: return .int(abs(i))
            case let .double(d): return .double(abs(d))
            case let .bool(b): return .int(b ? 1 : 0)
            default: throw TemplateFailure("bad operand type for abs(): '\(v.typeName)'")
            }
        case "round":
            guard let x = v.number else { throw TemplateFailure("round needs a number") }
            let precision = arg(0, "precision").flatMap(Operators.integer) ?? 0
            let method = arg(1, "method")?.stringValue ?? "common"
            let scale = pow10(precision)
            let scaled = x * scale
            let rounded = method == "ceil" ? scaled.rounded(.up) : method == "floor" ? scaled.rounded(.down) : scaled.rounded(.toNearestOrEven)
            return .double(rounded / scale)
        case "sum":
            var total: JinjaValue = arg(1, "start") ?? .int(0)
            for x in try sequence(v) {
                total = try budget.checkedCount(try Operators.binary("+", total, arg(0, "attribute").map { path(x, $0) } ?? x))
            }
            return total
        case "min", "max":
            let items = try sequence(v)
            guard var best = items.first else { return .undefined }
            for x in items.dropFirst() where try Operators.compare(name == "min" ? "<" : ">", x, best) { best = x }
            return best
        case "safe", "e", "escape", "forceescape":
            guard name != "safe", case let .string(s) = v else { return name == "safe" ? v : .string(escapeHTML(v.rendered)) }
            return .string(escapeHTML(s))
        case "indent": return .string(try indent(v.rendered, width: arg(0, "width") ?? .int(4), first: arg(1, "first")?.isTruthy ?? false,
                                                blank: arg(2, "blank")?.isTruthy ?? false, budget: budget))
        case "wordcount": return .int(try PythonString.split(v.rendered, nil).count)
        case "tojson":
            let ensureASCII = arg(0, "ensure_ascii")?.isTruthy ?? false
            let indentText: String?
            switch arg(1, "indent") {
            case nil, .none?: indentText = nil
            case let .int(n)?:
                try budget.checkLength(n)
                indentText = String(repeating: " ", count: max(0, n))
            case let .string(s)?: indentText = s
            case let other?: throw TemplateFailure("tojson indent must be an int or a string, got \(other.typeName)")
            }
            var separators: (String, String)?
            if case let .array(pair)? = arg(2, "separators"), pair.count == 2, case let .string(i) = pair[0], case let .string(k) = pair[1] {
                separators = (i, k)
            }
            return .string(try v.json(ensureASCII: ensureASCII, indent: indentText, separators: separators,
                                      sortKeys: arg(3, "sort_keys")?.isTruthy ?? false, maxBytes: budget.limits.maxValueSize))
        case "map": return try map(v, arg, budget: budget)
        case "select", "reject":
            return .array(try sequence(v).filter { item in
                let passes = try arg(0, "").map { try Tests.apply($0.rendered, item, Array(positional.dropFirst())) } ?? item.isTruthy
                return passes == (name == "select")
            })
        case "selectattr", "rejectattr":
            guard let attribute = arg(0, "") else { throw TemplateFailure("\(name) needs an attribute name") }
            return .array(try sequence(v).filter { item in
                let value = path(item, attribute)
                let passes = positional.count > 1 ? try Tests.apply(positional[1].rendered, value, Array(positional.dropFirst(2))) : value.isTruthy
                return passes == (name == "selectattr")
            })
        default:
            throw TemplateFailure("no filter named '\(name)'")
        }
    }

    static func length(_ v: JinjaValue) throws -> Int {
        switch v {
        case let .string(s): return s.unicodeScalars.count
        case let .array(a): return a.count
        case let .object(o): return o.count
        case .undefined: return 0
        default: throw TemplateFailure("object of type '\(v.typeName)' has no len()")
        }
    }

    /// `list(value)`: list items, dict keys, string characters; Undefined is empty.
    static func sequence(_ v: JinjaValue) throws -> [JinjaValue] {
        switch v {
        case let .array(a): return a
        case let .object(o): return o.keys.map { .string($0) }
        case let .string(s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        default: throw TemplateFailure("'\(v.typeName)' object is not iterable")
        }
    }

    /// `attribute="a.b.0"` lookups as `map`, `selectattr`, `sort` do (`jinja2.filters.make_attrgetter`).
    static func path(_ v: JinjaValue, _ attribute: JinjaValue) -> JinjaValue {
        if case let .int(i) = attribute { return Interpreter.item(v, .int(i)) }
        var current = v
        for part in attribute.rendered.split(separator: ".", omittingEmptySubsequences: false) {
            if let i = Int(part), case .array = current { current = Interpreter.item(current, .int(i)); continue }
            current = Interpreter.item(current, .string(String(part)))
        }
        return current
    }

    static func map(_ v: JinjaValue, _ arg: Arguments, budget: RenderBudget) throws -> JinjaValue {
        let items = try sequence(v)
        if let attribute = arg.keywords.first(where: { $0.0 == "attribute" })?.1 {
            let fallback = arg.keywords.first { $0.0 == "default" }?.1
            return .array(items.map { item in
                let value = path(item, attribute)
                return value.isUndefined ? fallback ?? .undefined : value
            })
        }
        guard let filter = arg.positional.first?.stringValue else { throw TemplateFailure("map needs a filter name or attribute=") }
        let rest = Array(arg.positional.dropFirst())
        return .array(try items.map { try apply(filter, $0, rest, arg.keywords, budget: budget) })
    }

    /// jinja2 `do_int`: ints, floats truncated, numeric strings (also "4.5" → 4), else the default.
    static func int(_ v: JinjaValue, default fallback: JinjaValue) -> JinjaValue {
        switch v {
        case let .int(i): return .int(i)
        case let .bool(b): return .int(b ? 1 : 0)
        case let .double(d): return d.isFinite && abs(d) < 9.2e18 ? .int(Int(d)) : fallback
        case let .string(s):
            let t = PythonString.strip(s).replacingOccurrences(of: "_", with: "")
            if let i = Int(t) { return .int(i) }
            if let d = Double(t), d.isFinite, abs(d) < 9.2e18 { return .int(Int(d)) }
            return fallback
        default: return fallback
        }
    }

    static func pow10(_ n: Int) -> Double {
        var x = 1.0
        for _ in 0..<min(abs(n), 308) { x *= 10 }
        return n < 0 ? 1 / x : x
    }

    /// Items without later duplicates (Python `==`), first occurrences in order. Strings and
    /// integral numbers go through a set, so distinct scalars cost O(n) rather than O(n²).
    static func unique(_ items: [JinjaValue]) -> [JinjaValue] {
        enum Key: Hashable { case string([UInt32]), int(Int), double(Double) }
        var seenKeys = Set<Key>(), seenOthers: [JinjaValue] = [], out: [JinjaValue] = []
        for x in items {
            let key: Key?
            switch x {
            case let .string(s): key = .string(s.unicodeScalars.map(\.value))
            case let .int(i): key = .int(i)
            case let .bool(b): key = .int(b ? 1 : 0)   // True == 1 == 1.0
            case let .double(d): key = d.isNaN ? nil : Int(exactly: d).map { .int($0) } ?? .double(d)
            default: key = nil
            }
            if let key {
                if seenKeys.insert(key).inserted { out.append(x) }
            } else if !seenOthers.contains(x) {
                seenOthers.append(x)
                out.append(x)
            }
        }
        return out
    }

    /// `markupsafe.escape`: `& < > ' "`.
    static func escapeHTML(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "'": out += "&#39;"
            case "\"": out += "&#34;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// `parts` joined, once their total length is known to be within the budget.
    static func joined(_ parts: [String], separator: String, budget: RenderBudget) throws -> String {
        let separators = separator.utf8.count.multipliedReportingOverflow(by: max(parts.count - 1, 0))
        try budget.checkLength(separators.overflow ? .max : parts.reduce(separators.partialValue) { $0 + $1.utf8.count })
        return parts.joined(separator: separator)
    }

    /// jinja2 `do_indent`: indents every line after the first (or also the first / blank lines).
    static func indent(_ s: String, width: JinjaValue, first: Bool, blank: Bool, budget: RenderBudget) throws -> String {
        let pad: String
        if case let .string(w) = width {
            pad = w
        } else {
            let count = max(0, Operators.integer(width) ?? 4)
            try budget.checkLength(count)
            pad = String(repeating: " ", count: count)
        }
        var lines = s.components(separatedBy: "\n")
        let padding = pad.utf8.count.multipliedReportingOverflow(by: lines.count)
        try budget.checkLength(padding.overflow ? .max : s.utf8.count + padding.partialValue)
        for i in lines.indices where i == 0 ? first : blank || !lines[i].isEmpty {
            lines[i] = pad + lines[i]
        }
        return lines.joined(separator: "\n")
    }
}
