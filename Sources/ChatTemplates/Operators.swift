import Foundation

/// Arithmetic and comparison with Python semantics: `//` and `%` floor toward negative infinity
/// (`-7 // 2 == -4`, `-7 % 3 == 2`), `/` always gives a float, `**` with a negative exponent gives
/// a float, `+` joins strings and lists, `*` repeats them. Integer overflow is an error (Python
/// would switch to big integers).
enum Operators {
    static let maxRepeatLength = 10_000_000

    static func binary(_ op: String, _ a: JinjaValue, _ b: JinjaValue) throws -> JinjaValue {
        if case .undefined = a { throw TemplateFailure("undefined value in '\(op)' operation") }
        if case .undefined = b { throw TemplateFailure("undefined value in '\(op)' operation") }
        switch (op, a, b) {
        case let ("+", .string(x), .string(y)): return .string(x + y)
        case let ("+", .array(x), .array(y)): return .array(x + y)
        case let ("*", .string(s), n), let ("*", n, .string(s)):
            guard let count = integer(n) else { break }
            guard fitsRepeat(s.unicodeScalars.count, count) else { throw TemplateFailure("repeated string too long") }
            return .string(String(repeating: s, count: max(0, count)))
        case let ("*", .array(items), n), let ("*", n, .array(items)):
            guard let count = integer(n) else { break }
            guard fitsRepeat(items.count, count) else { throw TemplateFailure("repeated list too long") }
            return .array(Array(repeatElement(items, count: max(0, count)).joined()))
        default: break
        }
        if let x = integer(a), let y = integer(b) { return try integerArithmetic(op, x, y) }
        guard let x = a.number, let y = b.number else {
            throw TemplateFailure("unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
        }
        switch op {
        case "+": return .double(x + y)
        case "-": return .double(x - y)
        case "*": return .double(x * y)
        case "/":
            guard y != 0 else { throw TemplateFailure("float division by zero") }
            return .double(x / y)
        case "//":
            guard y != 0 else { throw TemplateFailure("float floor division by zero") }
            return .double((x / y).rounded(.down))
        case "%":
            guard y != 0 else { throw TemplateFailure("float modulo") }
            let r = x.truncatingRemainder(dividingBy: y)
            return .double(r != 0 && (r < 0) != (y < 0) ? r + y : r)
        case "**": return .double(pow(x, y))
        default: throw TemplateFailure("unknown operator '\(op)'")
        }
    }

    private static func fitsRepeat(_ length: Int, _ count: Int) -> Bool {
        let total = length.multipliedReportingOverflow(by: max(0, count))
        return !total.overflow && total.partialValue <= maxRepeatLength
    }

    /// Ints and bools (Python's `bool` is an `int`).
    static func integer(_ v: JinjaValue) -> Int? {
        switch v {
        case let .int(i): return i
        case let .bool(b): return b ? 1 : 0
        default: return nil
        }
    }

    static func integerArithmetic(_ op: String, _ x: Int, _ y: Int) throws -> JinjaValue {
        func checked(_ r: (partialValue: Int, overflow: Bool)) throws -> JinjaValue {
            guard !r.overflow else { throw TemplateFailure("integer overflow in '\(op)'") }
            return .int(r.partialValue)
        }
        switch op {
        case "+": return try checked(x.addingReportingOverflow(y))
        case "-": return try checked(x.subtractingReportingOverflow(y))
        case "*": return try checked(x.multipliedReportingOverflow(by: y))
        case "/":
            guard y != 0 else { throw TemplateFailure("division by zero") }
            return .double(Double(x) / Double(y))
        case "//", "%":
            guard y != 0 else { throw TemplateFailure("integer division or modulo by zero") }
            guard !(x == .min && y == -1) else { throw TemplateFailure("integer overflow in '\(op)'") }
            var q = x / y, r = x % y
            if r != 0 && (r < 0) != (y < 0) { q -= 1; r += y }
            return .int(op == "//" ? q : r)
        case "**":
            if y < 0 { return .double(pow(Double(x), Double(y))) }
            var result = 1, base = x, e = y
            while e > 0 {
                if e & 1 == 1 {
                    let m = result.multipliedReportingOverflow(by: base)
                    guard !m.overflow else { throw TemplateFailure("integer overflow in '**'") }
                    result = m.partialValue
                }
                e >>= 1
                if e > 0 {
                    let m = base.multipliedReportingOverflow(by: base)
                    guard !m.overflow else { throw TemplateFailure("integer overflow in '**'") }
                    base = m.partialValue
                }
            }
            return .int(result)
        default: throw TemplateFailure("unknown operator '\(op)'")
        }
    }

    /// `==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`.
    static func compare(_ op: String, _ a: JinjaValue, _ b: JinjaValue) throws -> Bool {
        switch op {
        case "==": return a == b
        case "!=": return a != b
        case "in": return try contains(b, a)
        case "not in": return try !contains(b, a)
        default: break
        }
        let ordering: Bool
        if case let .string(x) = a, case let .string(y) = b {
            ordering = op == "<" ? PythonString.less(x, y) : op == ">" ? PythonString.less(y, x)
                : op == "<=" ? !PythonString.less(y, x) : !PythonString.less(x, y)
        } else if case let .array(x) = a, case let .array(y) = b {
            ordering = try compareSequences(op, x, y)
        } else if let x = a.number, let y = b.number {
            ordering = op == "<" ? x < y : op == ">" ? x > y : op == "<=" ? x <= y : x >= y
        } else {
            throw TemplateFailure("'\(op)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
        }
        return ordering
    }

    private static func compareSequences(_ op: String, _ x: [JinjaValue], _ y: [JinjaValue]) throws -> Bool {
        for (l, r) in zip(x, y) where l != r { return try compare(op, l, r) }
        return op == "<" ? x.count < y.count : op == ">" ? x.count > y.count : op == "<=" ? x.count <= y.count : x.count >= y.count
    }

    /// Python `needle in container`: substrings, list membership, dict keys; nothing is in Undefined.
    static func contains(_ container: JinjaValue, _ needle: JinjaValue) throws -> Bool {
        switch container {
        case let .string(s):
            guard case let .string(n) = needle else { throw TemplateFailure("'in <string>' requires string as left operand, not \(needle.typeName)") }
            return PythonString.contains(s, n)
        case let .array(items): return items.contains(needle)
        case let .object(o):
            guard case let .string(k) = needle else { return false }
            return o[k] != nil
        case .undefined: return false
        default: throw TemplateFailure("argument of type '\(container.typeName)' is not iterable")
        }
    }
}
