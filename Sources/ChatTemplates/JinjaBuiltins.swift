import Foundation

/// Operators, filters, tests and methods of the Jinja subset (Python semantics where templates
/// depend on them: `in`, slicing, `str.strip`, `split`, …).
enum JinjaBuiltins {
    static func fail(_ s: String) -> ChatTemplateError { .runtime(s) }

    static func binary(_ op: String, _ a: JinjaValue, _ b: JinjaValue) throws -> JinjaValue {
        switch op {
        case "==": return .bool(equal(a, b))
        case "!=": return .bool(!equal(a, b))
        case "~": return .string(a.rendered + b.rendered)
        case "in":
            switch b {
            case let .string(s): return .bool(s.contains(a.rendered))
            case let .array(items): return .bool(items.contains { equal($0, a) })
            case let .object(keys, _): return .bool(keys.contains(a.rendered))
            default: return .bool(false)
            }
        case "+":
            if case let .string(x) = a, case let .string(y) = b { return .string(x + y) }
            if case let .array(x) = a, case let .array(y) = b { return .array(x + y) }
        default: break
        }
        if ["<", ">", "<=", ">="].contains(op) {
            if case let .string(x) = a, case let .string(y) = b {
                return .bool(op == "<" ? x < y : op == ">" ? x > y : op == "<=" ? x <= y : x >= y)
            }
            guard let x = number(a), let y = number(b) else { throw fail("cannot compare \(a.rendered) and \(b.rendered)") }
            return .bool(op == "<" ? x < y : op == ">" ? x > y : op == "<=" ? x <= y : x >= y)
        }
        if case let .int(x) = a, case let .int(y) = b {
            switch op {
            case "+": return .int(x + y)
            case "-": return .int(x - y)
            case "*": return .int(x * y)
            case "//": guard y != 0 else { throw fail("division by zero") }; return .int(Int((Double(x) / Double(y)).rounded(.down)))
            case "%": guard y != 0 else { throw fail("division by zero") }; return .int(((x % y) + y) % y)
            case "/": guard y != 0 else { throw fail("division by zero") }; return .double(Double(x) / Double(y))
            case "**": return .int(Int(pow(Double(x), Double(y))))
            default: break
            }
        }
        if case let .string(s) = a, op == "*", case let .int(n) = b { return .string(String(repeating: s, count: max(0, n))) }
        guard let x = number(a), let y = number(b) else { throw fail("unsupported operands for \(op): \(a.pythonRepr), \(b.pythonRepr)") }
        switch op {
        case "+": return .double(x + y)
        case "-": return .double(x - y)
        case "*": return .double(x * y)
        case "/": return .double(x / y)
        case "//": return .double((x / y).rounded(.down))
        case "%": return .double(x.truncatingRemainder(dividingBy: y))
        case "**": return .double(pow(x, y))
        default: throw fail("unknown operator \(op)")
        }
    }

    static func number(_ v: JinjaValue) -> Double? {
        switch v {
        case let .int(i): return Double(i)
        case let .double(d): return d
        case let .bool(b): return b ? 1 : 0
        default: return nil
        }
    }

    static func equal(_ a: JinjaValue, _ b: JinjaValue) -> Bool {
        if let x = number(a), let y = number(b), !(a.isString || b.isString) { return x == y }
        if case .undefined = a, case .none = b { return false }
        return a == b
    }

    static func subscriptValue(_ base: JinjaValue, _ key: JinjaValue) throws -> JinjaValue {
        switch (base, key) {
        case let (.array(a), .int(i)):
            let index = i < 0 ? a.count + i : i
            return a.indices.contains(index) ? a[index] : .undefined
        case let (.string(s), .int(i)):
            let chars = Array(s)
            let index = i < 0 ? chars.count + i : i
            return chars.indices.contains(index) ? .string(String(chars[index])) : .undefined
        case let (.object(_, values), k): return values[k.rendered] ?? .undefined
        default: return .undefined
        }
    }

    static func slice(_ base: JinjaValue, _ start: JinjaValue?, _ stop: JinjaValue?, _ step: JinjaValue?) throws -> JinjaValue {
        func items() -> [JinjaValue]? {
            if case let .array(a) = base { return a }
            if case let .string(s) = base { return s.map { .string(String($0)) } }
            return nil
        }
        guard let all = items() else { return .undefined }
        let n = all.count
        let stepValue: Int = { if case let .int(s)? = step { return s }; return 1 }()
        guard stepValue != 0 else { throw fail("slice step cannot be zero") }
        func bound(_ v: JinjaValue?, _ fallback: Int) -> Int {
            guard case let .int(i)? = v else { return fallback }
            let x = i < 0 ? i + n : i
            return stepValue > 0 ? min(max(x, 0), n) : min(max(x, -1), n - 1)
        }
        let lo = bound(start, stepValue > 0 ? 0 : n - 1), hi = bound(stop, stepValue > 0 ? n : -1)
        let picked = Swift.stride(from: lo, to: hi, by: stepValue).map { all[$0] }
        if case .string = base { return .string(picked.map(\.rendered).joined()) }
        return .array(picked)
    }

    static func filter(_ name: String, _ v: JinjaValue, _ args: [JinjaValue], _ named: [(String, JinjaValue)]) throws -> JinjaValue {
        func arg(_ i: Int, _ key: String) -> JinjaValue? { i < args.count ? args[i] : named.first { $0.0 == key }?.1 }
        switch name {
        case "trim": return .string(v.rendered.trimmingCharacters(in: .whitespacesAndNewlines))
        case "length", "count":
            switch v {
            case let .string(s): return .int(s.count)
            case let .array(a): return .int(a.count)
            case let .object(keys, _): return .int(keys.count)
            default: return .int(0)
            }
        case "tojson":
            let indent: Int? = { if case let .int(i)? = arg(0, "indent") { return i }; return nil }()
            return .string(v.json(indent: indent))
        case "upper": return .string(v.rendered.uppercased())
        case "lower": return .string(v.rendered.lowercased())
        case "title": return .string(v.rendered.capitalized)
        case "capitalize": let s = v.rendered; return .string(s.prefix(1).uppercased() + s.dropFirst().lowercased())
        case "replace": return .string(v.rendered.replacingOccurrences(of: arg(0, "old")?.rendered ?? "", with: arg(1, "new")?.rendered ?? ""))
        case "default", "d":
            if case .undefined = v { return arg(0, "default_value") ?? .string("") }
            if arg(1, "boolean")?.truthy == true && !v.truthy { return arg(0, "default_value") ?? .string("") }
            return v
        case "first": if case let .array(a) = v { return a.first ?? .undefined }; return v.rendered.first.map { .string(String($0)) } ?? .undefined
        case "last": if case let .array(a) = v { return a.last ?? .undefined }; return v.rendered.last.map { .string(String($0)) } ?? .undefined
        case "join":
            guard case let .array(a) = v else { return v }
            return .string(a.map(\.rendered).joined(separator: arg(0, "d")?.rendered ?? ""))
        case "list": if case let .array(a) = v { return .array(a) }; return .array(v.rendered.map { .string(String($0)) })
        case "reverse": if case let .array(a) = v { return .array(a.reversed()) }; return .string(String(v.rendered.reversed()))
        case "string": return .string(v.rendered)
        case "int": return .int(Int(number(v) ?? Double(v.rendered) ?? 0))
        case "float": return .double(number(v) ?? Double(v.rendered) ?? 0)
        case "abs": if case let .int(i) = v { return .int(abs(i)) }; return .double(abs(number(v) ?? 0))
        case "safe", "e", "escape": return v
        case "items": if case let .object(keys, values) = v { return .array(keys.map { .array([.string($0), values[$0]!]) }) }; return .array([])
        case "map":
            guard case let .array(a) = v else { return .array([]) }
            if let attribute = named.first(where: { $0.0 == "attribute" })?.1.rendered {
                return .array(a.map { if case let .object(_, values) = $0 { return values[attribute] ?? .undefined }; return .undefined })
            }
            if let f = arg(0, "") { return .array(try a.map { try filter(f.rendered, $0, Array(args.dropFirst()), []) }) }
            return v
        case "select", "reject":
            guard case let .array(a) = v else { return .array([]) }
            return .array(try a.filter { item in
                let passes = try arg(0, "").map { try test($0.rendered, item, Array(args.dropFirst())) } ?? item.truthy
                return name == "select" ? passes : !passes
            })
        case "selectattr", "rejectattr":
            guard case let .array(a) = v, let attribute = arg(0, "")?.rendered else { return .array([]) }
            return .array(try a.filter { item in
                let value: JinjaValue = { if case let .object(_, values) = item { return values[attribute] ?? .undefined }; return .undefined }()
                let passes = try args.count > 1 ? test(args[1].rendered, value, Array(args.dropFirst(2))) : value.truthy
                return name == "selectattr" ? passes : !passes
            })
        case "unique":
            guard case let .array(a) = v else { return v }
            var seen: [JinjaValue] = []
            for x in a where !seen.contains(x) { seen.append(x) }
            return .array(seen)
        default: throw fail("unknown filter '\(name)'")
        }
    }

    static func test(_ name: String, _ v: JinjaValue, _ args: [JinjaValue]) throws -> Bool {
        switch name {
        case "defined": if case .undefined = v { return false }; return true
        case "undefined": if case .undefined = v { return true }; return false
        case "none": if case .none = v { return true }; return false
        case "string": return v.isString
        case "number": if case .int = v { return true }; if case .double = v { return true }; return false
        case "integer": if case .int = v { return true }; return false
        case "float": if case .double = v { return true }; return false
        case "boolean": if case .bool = v { return true }; return false
        case "true": return v == .bool(true)
        case "false": return v == .bool(false)
        case "mapping": if case .object = v { return true }; return false
        case "sequence", "iterable":
            switch v { case .array, .string, .object: return true; default: return false }
        case "equalto", "eq", "sameas": return equal(v, args.first ?? .undefined)
        case "ne": return !equal(v, args.first ?? .undefined)
        case "odd": if case let .int(i) = v { return i % 2 != 0 }; return false
        case "even": if case let .int(i) = v { return i % 2 == 0 }; return false
        case "in": return try binary("in", v, args.first ?? .undefined).truthy
        default: throw fail("unknown test '\(name)'")
        }
    }

    static func method(_ name: String, on v: JinjaValue, _ args: [JinjaValue], _ named: [(String, JinjaValue)]) throws -> JinjaValue {
        switch (v, name) {
        case let (.string(s), "strip"): return .string(strip(s, args.first?.rendered, leading: true, trailing: true))
        case let (.string(s), "lstrip"): return .string(strip(s, args.first?.rendered, leading: true, trailing: false))
        case let (.string(s), "rstrip"): return .string(strip(s, args.first?.rendered, leading: false, trailing: true))
        case let (.string(s), "upper"): return .string(s.uppercased())
        case let (.string(s), "lower"): return .string(s.lowercased())
        case let (.string(s), "title"): return .string(s.capitalized)
        case let (.string(s), "startswith"): return .bool(args.contains { s.hasPrefix($0.rendered) })
        case let (.string(s), "endswith"): return .bool(args.contains { s.hasSuffix($0.rendered) })
        case let (.string(s), "replace"):
            return .string(s.replacingOccurrences(of: args.first?.rendered ?? "", with: args.count > 1 ? args[1].rendered : ""))
        case let (.string(s), "split"):
            if let sep = args.first, case .string(let separator) = sep {
                return .array(s.components(separatedBy: separator).map { .string($0) })
            }
            return .array(s.split(whereSeparator: { $0.isWhitespace }).map { .string(String($0)) })
        case let (.object(_, values), "get"): return values[args.first?.rendered ?? ""] ?? (args.count > 1 ? args[1] : .none)
        case let (.object(keys, values), "items"): return .array(keys.map { .array([.string($0), values[$0]!]) })
        case let (.object(keys, _), "keys"): return .array(keys.map { .string($0) })
        case let (.object(keys, values), "values"): return .array(keys.map { values[$0]! })
        default: throw fail("unknown method '\(name)' on \(v.pythonRepr.prefix(40))")
        }
    }

    /// Python str.strip([chars]).
    static func strip(_ s: String, _ chars: String?, leading: Bool, trailing: Bool) -> String {
        let set = chars.map { Set($0) }
        func removable(_ c: Character) -> Bool { set.map { $0.contains(c) } ?? c.isWhitespace }
        var sub = Substring(s)
        if leading { sub = sub.drop(while: removable) }
        if trailing { while let last = sub.last, removable(last) { sub = sub.dropLast() } }
        return String(sub)
    }

    /// strftime → DateFormatter pattern for the directives chat templates use.
    static func dateFormat(fromStrftime f: String) -> String {
        let table: [Character: String] = ["Y": "yyyy", "m": "MM", "d": "dd", "B": "MMMM", "b": "MMM", "H": "HH", "M": "mm", "S": "ss", "A": "EEEE", "a": "EEE", "y": "yy"]
        var out = "", percent = false
        for c in f {
            if percent { out += table[c] ?? String(c); percent = false } else if c == "%" { percent = true } else { out += c.isLetter ? "'\(c)'" : String(c) }
        }
        return out
    }
}

extension JinjaValue {
    var isString: Bool { if case .string = self { return true }; return false }
}
