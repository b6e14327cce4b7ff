/// Expression evaluation. Undefined names are `.undefined` (jinja2's lenient `Undefined`), and so
/// are missing attributes and items; attributes of undefined values are undefined too (jinja2
/// would raise there), which keeps `message.tool_calls is defined`-style probes working.
extension Interpreter {
    func eval(_ e: Expr) throws -> JinjaValue {
        try budget.nested { try evaluate(e) }
    }

    /// Results that can grow (lists and dicts built here, `+` and `*`, filters, calls) pass
    /// `budget.checked`, so no value exceeds `TemplateLimits.maxValueSize` or `maxNesting`.
    private func evaluate(_ e: Expr) throws -> JinjaValue {
        switch e {
        case let .literal(v):
            return v
        case let .name(n, _):
            return lookup(n) ?? .undefined
        case let .list(items):
            return try budget.checked(.array(try items.map(eval)))
        case let .dict(pairs, location):
            var object = JinjaObject()
            for (k, v) in pairs {
                let key = try eval(k)
                guard case let .string(s) = key else { throw ChatTemplateError.runtime("at \(location): dict keys must be strings, got \(key.typeName)") }
                object[s] = try eval(v)
            }
            return try budget.checked(.object(object))
        case let .attribute(base, name):
            return Self.attribute(try eval(base), name)
        case let .item(base, key):
            return Self.item(try eval(base), try eval(key))
        case let .slice(base, start, stop, step, location):
            let (v, a, b, c) = (try eval(base), try start.map(eval), try stop.map(eval), try step.map(eval))
            return try located(location) { try Self.slice(v, a, b, c) }
        case let .call(callee, args, keywords, location):
            return try budget.checked(try call(callee, try args.map(eval), try keywords.map { ($0.0, try eval($0.1)) }, at: location))
        case let .filter(base, f):
            return try applyFilter(f, to: try eval(base))
        case let .test(base, name, negated, args, location):
            let result: Bool
            if case let .name(n, _) = base, lookup(n) == nil, isCallable(n), ["defined", "undefined", "callable"].contains(name) {
                result = name != "undefined"
            } else {
                let value = try eval(base), arguments = try args.map(eval)
                result = try located(location) { try Tests.apply(name, value, arguments) }
            }
            return .bool(negated ? !result : result)
        case let .not(operand):
            return .bool(!(try eval(operand).isTruthy))
        case let .negate(operand, location):
            switch try eval(operand) {
            case let .int(i):
                guard i != .min else { throw ChatTemplateError.runtime("at \(location): integer overflow") }
                return .int(-i)
            case let .double(d): return .double(-d)
            case let .bool(b): return .int(b ? -1 : 0)
            case let v: throw ChatTemplateError.runtime("at \(location): bad operand type for unary -: '\(v.typeName)'")
            }
        case let .and(l, r):
            let a = try eval(l)
            return a.isTruthy ? try eval(r) : a
        case let .or(l, r):
            let a = try eval(l)
            return a.isTruthy ? a : try eval(r)
        case let .binary(op, l, r, location):
            let a = try eval(l), b = try eval(r)
            return try budget.checked(try located(location) { try Operators.binary(op, a, b) })
        case let .compare(first, chain, location):
            var left = try eval(first)
            for (op, rightExpr) in chain {
                let right = try eval(rightExpr)
                let l = left
                guard try located(location, { try Operators.compare(op, l, right) }) else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case let .concat(parts):
            let texts = try parts.map { try eval($0).rendered }
            try budget.checkLength(texts.reduce(0) { $0 + $1.utf8.count })
            return .string(texts.joined())
        case let .conditional(value, condition, otherwise):
            return try eval(condition).isTruthy ? try eval(value) : try otherwise.map(eval) ?? .undefined
        }
    }

    func applyFilter(_ f: FilterCall, to value: JinjaValue) throws -> JinjaValue {
        let args = try f.arguments.map(eval)
        let keywords = try f.keywords.map { ($0.0, try eval($0.1)) }
        return try budget.checked(try located(f.location) { try Filters.apply(f.name, value, args, keywords, budget: budget) })
    }

    // MARK: Access

    /// `value.name`: dict keys (jinja2 tries the attribute, then the item).
    static func attribute(_ value: JinjaValue, _ name: String) -> JinjaValue {
        if case let .object(o) = value { return o[name] ?? .undefined }
        return .undefined
    }

    /// `value[key]`: dict keys, list/string indices (negative from the end); misses are undefined.
    static func item(_ value: JinjaValue, _ key: JinjaValue) -> JinjaValue {
        switch (value, key) {
        case let (.object(o), .string(k)): return o[k] ?? .undefined
        case let (.array(a), .int(i)):
            let index = i < 0 ? a.count + i : i
            return a.indices.contains(index) ? a[index] : .undefined
        case let (.string(s), .int(i)):
            let scalars = Array(s.unicodeScalars)
            let index = i < 0 ? scalars.count + i : i
            return scalars.indices.contains(index) ? .string(String(scalars[index])) : .undefined
        case let (.array, .bool(b)), let (.string, .bool(b)):
            return item(value, .int(b ? 1 : 0))
        default: return .undefined
        }
    }

    /// Python slicing `value[start:stop:step]` of lists and strings.
    static func slice(_ value: JinjaValue, _ start: JinjaValue?, _ stop: JinjaValue?, _ step: JinjaValue?) throws -> JinjaValue {
        let items: [JinjaValue]
        switch value {
        case let .array(a): items = a
        case let .string(s): items = s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return .undefined
        default: throw TemplateFailure("'\(value.typeName)' object is not subscriptable")
        }
        func integer(_ v: JinjaValue?) throws -> Int? {
            switch v {
            case nil, .none?: return nil
            case let .int(i)?: return i
            case let .bool(b)?: return b ? 1 : 0
            default: throw TemplateFailure("slice indices must be integers or None")
            }
        }
        let n = items.count
        let stride = try integer(step) ?? 1
        guard stride != 0 else { throw TemplateFailure("slice step cannot be zero") }
        func clamp(_ i: Int?, _ fallback: Int) -> Int {
            guard let i else { return fallback }
            let x = i < 0 ? i + n : i
            return stride > 0 ? min(max(x, 0), n) : min(max(x, -1), n - 1)
        }
        let lo = clamp(try integer(start), stride > 0 ? 0 : n - 1)
        let hi = clamp(try integer(stop), stride > 0 ? n : -1)
        let picked = Swift.stride(from: lo, to: hi, by: stride).map { items[$0] }
        if case .string = value { return .string(picked.map(\.rendered).joined()) }
        return .array(picked)
    }

    // MARK: Calls

    func call(_ callee: Expr, _ args: [JinjaValue], _ keywords: [(String, JinjaValue)], at location: SourceLocation) throws -> JinjaValue {
        try located(location) {
            switch callee {
            case let .name(name, _):
                if let value = lookup(name) { throw TemplateFailure("'\(value.typeName)' object '\(name)' is not callable") }
                if name == "caller" { return try callCaller(args, keywords) }
                if let macro = macros[name] {
                    let caller = pendingCaller
                    pendingCaller = nil
                    return try callMacro(macro, args, keywords, caller: caller)
                }
                return try Globals.call(name, args, keywords, environment: environment)
            case let .attribute(base, method):
                if method == "cycle", case .name("loop", _) = base, case let .object(loop)? = lookup("loop"),
                   case let .int(i)? = loop["index0"] {
                    guard !args.isEmpty else { throw TemplateFailure("no items for cycling given") }
                    return args[i % args.count]
                }
                return try Methods.call(method, on: try eval(base), args, keywords, budget: budget)
            default:
                throw TemplateFailure("object is not callable")
            }
        }
    }

    /// Runs `body`, giving a `TemplateFailure` from it the position of the expression at hand.
    func located<T>(_ location: SourceLocation, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as TemplateFailure {
            throw ChatTemplateError.runtime("at \(location): \(failure.message)")
        }
    }
}
