import Foundation

/// Evaluates a parsed template. Undefined names are falsy and render as "" (Jinja's default
/// `Undefined`); `set` inside a loop stays in the loop (use `namespace()` to carry state out).
final class JinjaInterpreter {
    private var scopes: [[String: JinjaValue]]
    private var macros: [String: (parameters: [(String, JinjaExpr?)], body: [JinjaNode])] = [:]
    private enum LoopSignal: Error { case breakLoop, continueLoop }
    let now: () -> Date

    init(context: [String: JinjaValue], now: @escaping () -> Date = Date.init) {
        scopes = [context]
        self.now = now
    }

    func render(_ nodes: [JinjaNode]) throws -> String {
        var out = ""
        try render(nodes, into: &out)
        return out
    }

    static let globalFunctions: Set<String> = ["raise_exception", "namespace", "range", "strftime_now", "dict"]

    private func lookup(_ name: String) -> JinjaValue {
        for frame in scopes.reversed() { if let v = frame[name] { return v } }
        // Globals are defined (templates test `strftime_now is defined`); calls resolve them by name.
        if Self.globalFunctions.contains(name) || macros[name] != nil { return .string("<built-in function \(name)>") }
        return .undefined
    }

    private func render(_ nodes: [JinjaNode], into out: inout String) throws {
        for node in nodes {
            switch node {
            case let .text(s): out += s
            case let .output(e): out += try eval(e).rendered
            case let .conditional(branches, otherwise):
                if let branch = try branches.first(where: { try eval($0.0).truthy }) { try render(branch.1, into: &out) } else { try render(otherwise, into: &out) }
            case let .loop(targets, iterable, filter, body, otherwise):
                try renderLoop(targets: targets, items: iterate(try eval(iterable)), filter: filter, body: body, otherwise: otherwise, into: &out)
            case let .assign(target, value):
                let v = try eval(value)
                if target.count == 1 {
                    scopes[scopes.count - 1][target[0]] = v
                } else if let frame = scopes.lastIndex(where: { $0[target[0]] != nil }),
                          case let .object(keys, values)? = scopes[frame][target[0]] {
                    var values = values
                    values[target[1]] = v
                    scopes[frame][target[0]] = .object(keys: keys.contains(target[1]) ? keys : keys + [target[1]], values: values)
                } else {
                    throw ChatTemplateError.runtime("cannot assign to '\(target.joined(separator: "."))'")
                }
            case let .assignBlock(name, body):
                var captured = ""
                try render(body, into: &captured)
                scopes[scopes.count - 1][name] = .string(captured)
            case let .macro(name, parameters, body): macros[name] = (parameters, body)
            case let .block(body): try render(body, into: &out)
            case let .loopControl(isBreak): throw isBreak ? LoopSignal.breakLoop : LoopSignal.continueLoop
            }
        }
    }

    private func iterate(_ v: JinjaValue) throws -> [JinjaValue] {
        switch v {
        case let .array(a): return a
        case let .object(keys, _): return keys.map { .string($0) }
        case let .string(s): return s.map { .string(String($0)) }
        case .undefined, .none: return []
        default: throw ChatTemplateError.runtime("cannot iterate over \(v.rendered)")
        }
    }

    private func renderLoop(targets: [String], items: [JinjaValue], filter: JinjaExpr?, body: [JinjaNode], otherwise: [JinjaNode], into out: inout String) throws {
        var selected: [JinjaValue] = []
        for item in items {
            if let filter {
                scopes.append(bind(targets, item))
                defer { scopes.removeLast() }
                if try !eval(filter).truthy { continue }
            }
            selected.append(item)
        }
        if selected.isEmpty { try render(otherwise, into: &out); return }
        for (i, item) in selected.enumerated() {
            var frame = bind(targets, item)
            let n = selected.count
            frame["loop"] = .object([
                ("index", .int(i + 1)), ("index0", .int(i)), ("first", .bool(i == 0)), ("last", .bool(i == n - 1)),
                ("length", .int(n)), ("revindex", .int(n - i)), ("revindex0", .int(n - i - 1)),
                ("previtem", i > 0 ? selected[i - 1] : .undefined), ("nextitem", i < n - 1 ? selected[i + 1] : .undefined),
            ])
            scopes.append(frame)
            defer { scopes.removeLast() }
            do { try render(body, into: &out) } catch LoopSignal.continueLoop { continue } catch LoopSignal.breakLoop { break }
        }
    }

    private func bind(_ targets: [String], _ item: JinjaValue) -> [String: JinjaValue] {
        if targets.count == 1 { return [targets[0]: item] }
        guard case let .array(parts) = item else { return [targets[0]: item] }
        var frame: [String: JinjaValue] = [:]
        for (t, v) in zip(targets, parts) { frame[t] = v }
        return frame
    }

    // MARK: Expressions

    func eval(_ e: JinjaExpr) throws -> JinjaValue {
        switch e {
        case let .literal(v): return v
        case let .name(n): return lookup(n)
        case let .list(items): return .array(try items.map(eval))
        case let .dict(pairs): return .object(try pairs.map { (try eval($0.0).rendered, try eval($0.1)) })
        case let .attribute(base, name):
            let b = try eval(base)
            if case let .object(_, values) = b { return values[name] ?? .undefined }
            return .undefined
        case let .subscriptIndex(base, key): return try JinjaBuiltins.subscriptValue(eval(base), eval(key))
        case let .slice(base, start, stop, step):
            return try JinjaBuiltins.slice(eval(base), start.map(eval), stop.map(eval), step.map(eval))
        case let .call(callee, args, named): return try call(callee, args.map(eval), try named.map { ($0.0, try eval($0.1)) })
        case let .filter(base, name, args, named):
            return try JinjaBuiltins.filter(name, eval(base), args.map(eval), try named.map { ($0.0, try eval($0.1)) })
        case let .test(base, name, negated, args):
            let result = try JinjaBuiltins.test(name, eval(base), args.map(eval))
            return .bool(negated ? !result : result)
        case let .unary(op, operand):
            let v = try eval(operand)
            if op == "not" { return .bool(!v.truthy) }
            switch v {
            case let .int(i): return .int(-i)
            case let .double(d): return .double(-d)
            default: throw ChatTemplateError.runtime("cannot negate \(v.rendered)")
            }
        case let .binary(op, l, r):
            if op == "and" { let a = try eval(l); return a.truthy ? try eval(r) : a }
            if op == "or" { let a = try eval(l); return a.truthy ? a : try eval(r) }
            return try JinjaBuiltins.binary(op, eval(l), eval(r))
        case let .ternary(value, condition, otherwise):
            return try eval(condition).truthy ? try eval(value) : try otherwise.map(eval) ?? .undefined
        }
    }

    private func call(_ callee: JinjaExpr, _ args: [JinjaValue], _ named: [(String, JinjaValue)]) throws -> JinjaValue {
        if case let .attribute(base, method) = callee {
            return try JinjaBuiltins.method(method, on: eval(base), args, named)
        }
        guard case let .name(name) = callee else { throw ChatTemplateError.runtime("not callable") }
        if let macro = macros[name] {
            var frame: [String: JinjaValue] = [:]
            for (i, (p, defaultValue)) in macro.parameters.enumerated() {
                frame[p] = i < args.count ? args[i] : try named.first(where: { $0.0 == p })?.1 ?? defaultValue.map(eval) ?? .undefined
            }
            scopes.append(frame)
            defer { scopes.removeLast() }
            return .string(try render(macro.body))
        }
        switch name {
        case "raise_exception": throw ChatTemplateError.raised(args.first?.rendered ?? "")
        case "namespace": return .object(named)
        case "range":
            let ints = args.compactMap { if case let .int(i) = $0 { return i } else { return nil } }
            let (lo, hi, step) = ints.count == 1 ? (0, ints[0], 1) : (ints[0], ints[1], ints.count > 2 ? ints[2] : 1)
            guard step != 0 else { throw ChatTemplateError.runtime("range() step must not be zero") }
            return .array(Swift.stride(from: lo, to: hi, by: step).map { .int($0) })
        case "strftime_now":
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.dateFormat = JinjaBuiltins.dateFormat(fromStrftime: args.first?.rendered ?? "%Y-%m-%d")
            return .string(formatter.string(from: now()))
        case "dict": return .object(named)
        default: throw ChatTemplateError.runtime("unknown function '\(name)'")
        }
    }
}
