import Foundation

/// Renders parsed templates with jinja2's scoping rules:
/// - the context and top-level `set`s share the outermost frame; `if` opens no scope;
/// - each `for` iteration gets a fresh frame, so a `set` inside a loop is gone after the
///   iteration (carry state out with `namespace()`; `set ns.attr` updates the frame that holds `ns`);
/// - macros see the outermost frame plus their parameters, not their caller's locals.
final class Interpreter {
    /// One variable scope; a class so that macro calls and `caller()` share outer frames.
    final class Frame {
        var variables: [String: JinjaValue]
        init(_ variables: [String: JinjaValue] = [:]) { self.variables = variables }
    }

    /// A `{% call %}` body waiting to be invoked as `caller()` from inside the macro.
    struct Caller {
        let parameters: [Macro.Parameter]
        let body: [Node]
        let scopes: [Frame]
    }

    enum LoopControl: Error { case breakLoop, continueLoop }

    var scopes: [Frame]
    var macros: [String: Macro] = [:]
    var callers: [Caller?] = []
    var pendingCaller: Caller?
    /// Macro (and `caller()`) calls now open.
    var macroDepth = 0
    let environment: Environment
    let budget: RenderBudget

    init(context: [String: JinjaValue], environment: Environment, budget: RenderBudget) {
        scopes = [Frame(context)]
        self.environment = environment
        self.budget = budget
    }

    func render(_ nodes: [Node]) throws -> String {
        var out = ""
        do {
            try render(nodes, into: &out)
        } catch let failure as TemplateFailure {
            throw ChatTemplateError.runtime(failure.message)
        }
        return out
    }

    // MARK: Variables

    func lookup(_ name: String) -> JinjaValue? {
        for frame in scopes.reversed() { if let v = frame.variables[name] { return v } }
        return nil
    }

    /// Names that can be called although they hold no value: macros, `caller`, globals.
    func isCallable(_ name: String) -> Bool {
        macros[name] != nil || Globals.names.contains(name) || (name == "caller" && callers.last.flatMap { $0 } != nil)
    }

    func assign(_ name: String, _ value: JinjaValue) { scopes[scopes.count - 1].variables[name] = value }

    // MARK: Statements

    func render(_ nodes: [Node], into out: inout String) throws {
        try budget.nested {
            for node in nodes {
                try render(node, into: &out)
                try budget.checkOutput(out)
            }
        }
    }

    func render(_ node: Node, into out: inout String) throws {
        switch node {
        case let .text(s):
            out += s
        case let .output(e, location):
            out += try located(location) { try eval(e).rendered }
        case let .ifBlock(branches, otherwise):
            var taken = false
            for branch in branches where try eval(branch.condition).isTruthy {
                try render(branch.body, into: &out)
                taken = true
                break
            }
            if !taken { try render(otherwise, into: &out) }
        case let .forLoop(loop):
            try renderLoop(loop, into: &out)
        case let .set(target, valueExpr, location):
            let value = try eval(valueExpr)
            try located(location) { try set(target, value, at: location) }
        case let .setBlock(name, filters, body):
            var value = JinjaValue.string(try renderCaptured(body))
            for f in filters { value = try applyFilter(f, to: value) }
            assign(name, value)
        case let .macro(macro):
            macros[macro.name] = macro
        case let .callBlock(call, parameters, body, location):
            pendingCaller = Caller(parameters: parameters, body: body, scopes: scopes)
            defer { pendingCaller = nil }
            out += try located(location) { try eval(call).rendered }
        case let .filterBlock(filters, body):
            var value = JinjaValue.string(try renderCaptured(body))
            for f in filters { value = try applyFilter(f, to: value) }
            out += value.rendered
        case let .with(assignments, body):
            let frame = Frame()
            for (name, e) in assignments { frame.variables[name] = try eval(e) }
            scopes.append(frame)
            defer { scopes.removeLast() }
            try render(body, into: &out)
        case let .scope(body):
            try render(body, into: &out)
        case let .loopControl(isBreak, location):
            guard scopes.contains(where: { $0.variables["loop"] != nil }) else {
                throw ChatTemplateError.runtime("at \(location): '\(isBreak ? "break" : "continue")' outside of a loop")
            }
            throw isBreak ? LoopControl.breakLoop : LoopControl.continueLoop
        }
    }

    func renderCaptured(_ nodes: [Node]) throws -> String {
        var captured = ""
        try render(nodes, into: &captured)
        return captured
    }

    func set(_ target: AssignTarget, _ value: JinjaValue, at location: SourceLocation) throws {
        switch target {
        case let .names(names) where names.count == 1:
            assign(names[0], value)
        case let .names(names):
            let parts = try unpack(value, into: names.count)
            for (name, part) in zip(names, parts) { assign(name, part) }
        case let .attribute(objectName, attribute):
            guard let frame = scopes.last(where: { $0.variables[objectName] != nil }),
                  case var .object(object)? = frame.variables[objectName]
            else { throw ChatTemplateError.runtime("at \(location): cannot assign attribute on non-namespace object '\(objectName)'") }
            object[attribute] = value
            frame.variables[objectName] = try budget.checked(.object(object))   // `set ns.a = ns` nests ns in itself
        }
    }

    func unpack(_ value: JinjaValue, into count: Int) throws -> [JinjaValue] {
        let parts = try iterate(value)
        guard parts.count == count else {
            throw TemplateFailure(parts.count > count ? "too many values to unpack (expected \(count))"
                                                                : "not enough values to unpack (expected \(count), got \(parts.count))")
        }
        return parts
    }

    /// What `for x in value` visits: list items, dict keys, string characters; nothing for Undefined.
    func iterate(_ value: JinjaValue) throws -> [JinjaValue] {
        switch value {
        case let .array(a): return a
        case let .object(o): return o.keys.map { .string($0) }
        case let .string(s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        default: throw TemplateFailure("'\(value.typeName)' object is not iterable")
        }
    }

    func bind(_ targets: [String], _ item: JinjaValue, into frame: Frame) throws {
        if targets.count == 1 { frame.variables[targets[0]] = item; return }
        for (name, part) in zip(targets, try unpack(item, into: targets.count)) { frame.variables[name] = part }
    }

    func renderLoop(_ loop: ForLoop, into out: inout String) throws {
        let iterable = try eval(loop.iterable)
        var items = try located(loop.location) { try iterate(iterable) }
        if let filter = loop.filter {
            items = try items.filter { item in
                try budget.iteration()
                let frame = Frame()
                try located(loop.location) { try bind(loop.targets, item, into: frame) }
                scopes.append(frame)
                defer { scopes.removeLast() }
                return try eval(filter).isTruthy
            }
        }
        guard !items.isEmpty else { try render(loop.otherwise, into: &out); return }
        let n = items.count
        for (i, item) in items.enumerated() {
            try budget.iteration()
            let frame = Frame()
            try located(loop.location) { try bind(loop.targets, item, into: frame) }
            frame.variables["loop"] = .object([
                ("index", .int(i + 1)), ("index0", .int(i)), ("revindex", .int(n - i)), ("revindex0", .int(n - i - 1)),
                ("first", .bool(i == 0)), ("last", .bool(i == n - 1)), ("length", .int(n)),
                ("previtem", i > 0 ? items[i - 1] : .undefined), ("nextitem", i + 1 < n ? items[i + 1] : .undefined),
                ("depth", .int(1)), ("depth0", .int(0)),
            ])
            scopes.append(frame)
            defer { scopes.removeLast() }
            do {
                try render(loop.body, into: &out)
            } catch LoopControl.continueLoop {
                continue
            } catch LoopControl.breakLoop {
                break
            }
        }
    }

    // MARK: Macros

    /// Calls a macro: parameters bound positionally, then by keyword, then from defaults; the body
    /// sees the outermost frame and its own; `varargs`/`kwargs` collect extras.
    func callMacro(_ macro: Macro, _ args: [JinjaValue], _ keywords: [(String, JinjaValue)], caller: Caller?) throws -> JinjaValue {
        try enterMacro(macro.name)
        let frame = Frame()
        var remaining = Dictionary(keywords, uniquingKeysWith: { _, b in b })
        let outer = scopes
        scopes = [scopes[0], frame]
        callers.append(caller)
        defer { scopes = outer; macroDepth -= 1; callers.removeLast() }
        for (i, p) in macro.parameters.enumerated() {
            if i < args.count {
                frame.variables[p.name] = args[i]
            } else if let v = remaining.removeValue(forKey: p.name) {
                frame.variables[p.name] = v
            } else {
                frame.variables[p.name] = try p.defaultValue.map(eval) ?? .undefined
            }
        }
        frame.variables["varargs"] = .array(Array(args.dropFirst(macro.parameters.count)))
        frame.variables["kwargs"] = .object(JinjaObject(keywords.filter { remaining[$0.0] != nil }))
        return .string(try renderCaptured(macro.body))
    }

    /// `caller(args)` inside a macro invoked by `{% call %}`.
    func callCaller(_ args: [JinjaValue], _ keywords: [(String, JinjaValue)]) throws -> JinjaValue {
        guard let caller = callers.last.flatMap({ $0 }) else { throw TemplateFailure("'caller' is undefined") }
        try enterMacro("caller")
        defer { macroDepth -= 1 }
        let frame = Frame()
        for (i, p) in caller.parameters.enumerated() {
            frame.variables[p.name] = i < args.count ? args[i] : try keywords.first { $0.0 == p.name }?.1 ?? p.defaultValue.map(eval) ?? .undefined
        }
        let outer = scopes
        scopes = caller.scopes + [frame]
        defer { scopes = outer }
        return .string(try renderCaptured(caller.body))
    }

    /// Counts one more open macro call; the caller decrements `macroDepth` when it returns.
    func enterMacro(_ name: String) throws {
        guard macroDepth < budget.limits.maxMacroDepth else {
            throw ChatTemplateError.limitExceeded("macro calls nest deeper than \(budget.limits.maxMacroDepth) levels in '\(name)' (unbounded recursion?)")
        }
        macroDepth += 1
    }
}
