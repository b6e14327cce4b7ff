/// Jinja tests, `value is name(args)` (`jinja2/tests.py`).
enum Tests {
    static func apply(_ name: String, _ v: JinjaValue, _ args: [JinjaValue]) throws -> Bool {
        func argument() throws -> JinjaValue {
            guard let a = args.first else { throw TemplateFailure("test '\(name)' needs an argument") }
            return a
        }
        switch name {
        case "defined": return !v.isUndefined
        case "undefined": return v.isUndefined
        case "none": if case .none = v { return true }; return false
        case "string": return v.stringValue != nil
        case "number": switch v { case .int, .double, .bool: return true; default: return false }
        case "integer": if case .int = v { return true }; return false
        case "float": if case .double = v { return true }; return false
        case "boolean": if case .bool = v { return true }; return false
        case "true": if case .bool(true) = v { return true }; return false
        case "false": if case .bool(false) = v { return true }; return false
        case "mapping": if case .object = v { return true }; return false
        // Undefined iterates (as nothing), so jinja2 calls it iterable.
        case "iterable": switch v { case .array, .object, .string, .undefined: return true; default: return false }
        case "sequence": switch v { case .array, .object, .string: return true; default: return false }
        case "callable": return false
        case "odd", "even", "divisibleby":
            guard let i = Operators.integer(v) else { throw TemplateFailure("test '\(name)' needs an integer, got \(v.typeName)") }
            if name == "divisibleby" {
                guard let d = Operators.integer(try argument()), d != 0 else { throw TemplateFailure("divisibleby needs a non-zero integer") }
                return i % d == 0
            }
            return (i % 2 != 0) == (name == "odd")
        // str.islower()/isupper(): some cased character, and no character of the other case.
        case "lower", "upper":
            guard let s = v.stringValue, s.unicodeScalars.contains(where: PythonString.isCased) else { return false }
            return name == "lower" ? s == s.lowercased() : s == s.uppercased()
        case "eq", "equalto", "==": return v == (try argument())
        case "ne", "!=": return v != (try argument())
        case "lt", "lessthan", "<": return try Operators.compare("<", v, try argument())
        case "le", "<=": return try Operators.compare("<=", v, try argument())
        case "gt", "greaterthan", ">": return try Operators.compare(">", v, try argument())
        case "ge", ">=": return try Operators.compare(">=", v, try argument())
        case "in": return try Operators.contains(try argument(), v)
        case "sameas": return try identical(v, try argument())
        default: throw TemplateFailure("no test named '\(name)'")
        }
    }

    /// Python `is`: singletons and small values compare by value; containers never match.
    private static func identical(_ a: JinjaValue, _ b: JinjaValue) throws -> Bool {
        switch (a, b) {
        case (.none, .none), (.undefined, .undefined): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.string(x), .string(y)): return PythonString.equal(x, y)
        default: return false
        }
    }
}
