/// Python methods templates call on values: `str.strip()`, `str.split()`, `dict.get()`,
/// `dict.items()`… (the read-only ones jinja2's `ImmutableSandboxedEnvironment` allows).
enum Methods {
    static func call(_ name: String, on v: JinjaValue, _ args: [JinjaValue], _ keywords: [(String, JinjaValue)],
                     budget: RenderBudget) throws -> JinjaValue {
        let arg = Filters.Arguments(positional: args, keywords: keywords)
        switch v {
        case let .string(s): return try stringMethod(name, s, arg, budget: budget)
        case let .object(o): return try objectMethod(name, o, arg)
        case let .array(a):
            switch name {
            case "index":
                guard let x = arg(0, "value"), let i = a.firstIndex(of: x) else { throw TemplateFailure("value is not in list") }
                return .int(i)
            case "count":
                guard let x = arg(0, "value") else { throw TemplateFailure("count() takes exactly one argument") }
                return .int(a.filter { $0 == x }.count)
            default: break
            }
        case .undefined: throw TemplateFailure("cannot call '\(name)' on an undefined value")
        default: break
        }
        throw TemplateFailure("'\(v.typeName)' object has no method '\(name)'")
    }

    static func stringMethod(_ name: String, _ s: String, _ arg: Filters.Arguments, budget: RenderBudget) throws -> JinjaValue {
        func text(_ i: Int, _ key: String) -> String? { arg(i, key).flatMap { $0.stringValue } }
        /// `startswith`/`endswith` take one string or a tuple (list) of them.
        func candidates() -> [String] {
            switch arg(0, "prefix") ?? arg(0, "suffix") {
            case let .string(x)?: return [x]
            case let .array(xs)?: return xs.compactMap(\.stringValue)
            default: return []
            }
        }
        switch name {
        case "strip": return .string(PythonString.strip(s, text(0, "chars")))
        case "lstrip": return .string(PythonString.strip(s, text(0, "chars"), trailing: false))
        case "rstrip": return .string(PythonString.strip(s, text(0, "chars"), leading: false))
        case "upper": return .string(s.uppercased())
        case "lower": return .string(s.lowercased())
        case "title": return .string(PythonString.title(s))
        case "capitalize": return .string(PythonString.capitalize(s))
        case "startswith": return .bool(candidates().contains { PythonString.hasPrefix(s, $0) })
        case "endswith": return .bool(candidates().contains { PythonString.hasSuffix(s, $0) })
        case "split", "rsplit":
            let separator = text(0, "sep")
            let maxSplit = arg(1, "maxsplit").flatMap(Operators.integer) ?? -1
            guard name == "rsplit", maxSplit >= 0 else {
                return .array(try PythonString.split(s, separator, maxSplit: maxSplit).map { .string($0) })
            }
            // rsplit with a limit: split the reversed text with the reversed separator.
            let reversed = PythonString.string(s.unicodeScalars.reversed())
            let parts = try PythonString.split(reversed, separator.map { PythonString.string($0.unicodeScalars.reversed()) }, maxSplit: maxSplit)
            return .array(parts.reversed().map { .string(PythonString.string($0.unicodeScalars.reversed())) })
        case "splitlines":
            let unified = PythonString.replace(PythonString.replace(s, "\r\n", "\n"), "\r", "\n")
            var lines = try PythonString.split(unified, "\n")
            if lines.last == "" { lines.removeLast() }
            return .array(lines.map { .string($0) })
        case "replace":
            guard let old = text(0, "old"), let new = text(1, "new") else { throw TemplateFailure("replace() needs two strings") }
            let count = arg(2, "count").flatMap(Operators.integer) ?? -1
            try budget.checkLength(PythonString.replacedLength(s, old, new, count: count))
            return .string(PythonString.replace(s, old, new, count: count))
        case "find", "count":
            guard let needle = text(0, "sub") else { throw TemplateFailure("\(name)() needs a string") }
            let hay = Array(s.unicodeScalars), n = Array(needle.unicodeScalars)
            if name == "find" { return .int(PythonString.find(n, in: hay) ?? -1) }
            if n.isEmpty { return .int(hay.count + 1) }
            var count = 0, from = 0
            while let hit = PythonString.find(n, in: hay, from: from) { count += 1; from = hit + n.count }
            return .int(count)
        case "join":
            guard let items = arg(0, "iterable") else { throw TemplateFailure("join() takes exactly one argument") }
            let parts = try Filters.sequence(items).map { item in
                guard case let .string(x) = item else { throw TemplateFailure("sequence item: expected str instance, \(item.typeName) found") }
                return x
            }
            return .string(try Filters.joined(parts, separator: s, budget: budget))
        case "isdigit": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType == .decimal || $0.properties.numericType == .digit })
        case "isalpha": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(\.properties.isAlphabetic))
        case "isspace": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(PythonString.isSpace))
        case "islower", "isupper": return .bool(try Tests.apply(name == "islower" ? "lower" : "upper", .string(s), []))
        default: throw TemplateFailure("'str' object has no method '\(name)'")
        }
    }

    static func objectMethod(_ name: String, _ o: JinjaObject, _ arg: Filters.Arguments) throws -> JinjaValue {
        switch name {
        case "get":
            guard let key = arg(0, "key") else { throw TemplateFailure("get() needs a key") }
            return key.stringValue.flatMap { o[$0] } ?? arg(1, "default") ?? .none
        case "items": return .array(o.map { .array([.string($0.key), $0.value]) })
        case "keys": return .array(o.keys.map { .string($0) })
        case "values": return .array(o.values)
        default:
            throw TemplateFailure("'dict' object has no method '\(name)'")
        }
    }
}
