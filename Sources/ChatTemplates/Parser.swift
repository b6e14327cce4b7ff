/// Recursive-descent parser over lexer tokens, mirroring `jinja2/parser.py`: `subparse` collects
/// text, `{{ … }}` outputs and statements until one of a set of end tags; each statement parser
/// consumes its own closing `%}`. Expressions live in `Parser+Expressions.swift`.
struct Parser {
    let tokens: [Token]
    let maxNesting: Int
    var index = 0
    /// Levels open at the cursor (see `TemplateLimits.maxNesting`): recursion here, and the depth
    /// of the tree later walked by the interpreter and by deallocation, must stay bounded.
    var nesting = 0

    init(tokens: [Token], maxNesting: Int = TemplateLimits().maxNesting) {
        self.tokens = tokens
        self.maxNesting = maxNesting
    }

    static func parse(_ source: String, options: TemplateOptions, limits: TemplateLimits = TemplateLimits()) throws -> [Node] {
        var parser = Parser(tokens: try Lexer.tokenize(source, options: options), maxNesting: limits.maxNesting)
        return try parser.subparse(until: [])
    }

    /// Opens one more level of nesting at the cursor; the caller restores `nesting` on return.
    mutating func nest() throws {
        nesting += 1
        guard nesting <= maxNesting else {
            throw ChatTemplateError.limitExceeded("template nests deeper than \(maxNesting) levels at line \(location.line), column \(location.column)")
        }
    }

    // MARK: Token cursor

    var current: Token? { index < tokens.count ? tokens[index] : nil }
    var endLocation: SourceLocation { tokens.last?.location ?? SourceLocation(line: 1, column: 1) }
    var location: SourceLocation { current?.location ?? endLocation }

    func fail(_ reason: String) -> ChatTemplateError { .syntax(location, reason) }

    func isName(_ name: String, offset: Int = 0) -> Bool {
        guard index + offset < tokens.count, case let .name(n) = tokens[index + offset].kind else { return false }
        return n == name
    }

    func isOp(_ op: String) -> Bool {
        guard let t = current, case let .op(o) = t.kind else { return false }
        return o == op
    }

    mutating func skipName(_ name: String) -> Bool { if isName(name) { index += 1; return true }; return false }
    mutating func skipOp(_ op: String) -> Bool { if isOp(op) { index += 1; return true }; return false }

    mutating func expectOp(_ op: String) throws {
        guard skipOp(op) else { throw fail("expected '\(op)', got \(current?.display ?? "end of template")") }
    }

    mutating func expectName(_ name: String) throws {
        guard skipName(name) else { throw fail("expected '\(name)', got \(current?.display ?? "end of template")") }
    }

    mutating func identifier() throws -> String {
        guard let t = current, case let .name(n) = t.kind else { throw fail("expected a name, got \(current?.display ?? "end of template")") }
        index += 1
        return n
    }

    mutating func expectBlockEnd() throws {
        guard let t = current, t.kind == .blockEnd else { throw fail("expected end of statement '%}', got \(current?.display ?? "end of template")") }
        index += 1
    }

    // MARK: Statements

    /// Parses until `{% <end> …` with `end` in `ends`, leaving the cursor on that end name.
    mutating func subparse(until ends: Set<String>) throws -> [Node] {
        var body: [Node] = []
        while let token = current {
            switch token.kind {
            case let .text(s):
                body.append(.text(s))
                index += 1
            case .variableBegin:
                index += 1
                let e = try parseTuple()
                guard let t = current, t.kind == .variableEnd else { throw fail("expected end of print statement '}}', got \(current?.display ?? "end of template")") }
                index += 1
                body.append(.output(e, token.location))
            case .blockBegin:
                index += 1
                if let t = current, case let .name(n) = t.kind, ends.contains(n) { return body }
                body.append(try statement())
            default:
                throw fail("unexpected \(token.display)")
            }
        }
        if !ends.isEmpty {
            throw ChatTemplateError.syntax(endLocation, "unexpected end of template, expected '\(ends.sorted().joined(separator: "' or '"))'")
        }
        return body
    }

    /// After `subparse`: consume the end name and, for a final end tag, the `%}`.
    mutating func endTag(_ name: String) throws {
        try expectName(name)
        try expectBlockEnd()
    }

    mutating func statement() throws -> Node {
        let start = location
        let outer = nesting
        defer { nesting = outer }
        try nest()
        let keyword = try identifier()
        switch keyword {
        case "if": return try ifStatement()
        case "for": return try forStatement(start)
        case "set": return try setStatement(start)
        case "macro": return try macroStatement()
        case "call": return try callStatement(start)
        case "filter":
            let filters = try filterChain()
            try expectBlockEnd()
            let body = try subparse(until: ["endfilter"])
            try endTag("endfilter")
            return .filterBlock(filters: filters, body: body)
        case "with":
            var assignments: [(String, Expr)] = []
            while current?.kind != .blockEnd {
                if !assignments.isEmpty { try expectOp(",") }
                let name = try identifier()
                try expectOp("=")
                assignments.append((name, try parseExpression()))
            }
            try expectBlockEnd()
            let body = try subparse(until: ["endwith"])
            try endTag("endwith")
            return .with(assignments: assignments, body: body)
        case "generation":
            try expectBlockEnd()
            let body = try subparse(until: ["endgeneration"])
            try endTag("endgeneration")
            return .scope(body)
        case "break", "continue":
            try expectBlockEnd()
            return .loopControl(isBreak: keyword == "break", start)
        default:
            throw ChatTemplateError.syntax(start, "unknown or unsupported statement '\(keyword)'")
        }
    }

    mutating func ifStatement() throws -> Node {
        var branches: [(condition: Expr, body: [Node])] = []
        var condition = try parseExpression(allowConditional: false)
        while true {
            try expectBlockEnd()
            let body = try subparse(until: ["elif", "else", "endif"])
            branches.append((condition, body))
            if skipName("elif") { condition = try parseExpression(allowConditional: false); continue }
            if skipName("else") {
                try expectBlockEnd()
                let otherwise = try subparse(until: ["endif"])
                try endTag("endif")
                return .ifBlock(branches: branches, otherwise: otherwise)
            }
            try endTag("endif")
            return .ifBlock(branches: branches, otherwise: [])
        }
    }

    /// Assignment targets: `a`, `a, b`, `(a, b)`.
    mutating func nameTargets() throws -> [String] {
        let parenthesized = skipOp("(")
        var names = [try identifier()]
        while skipOp(",") {
            if parenthesized && isOp(")") { break }
            if !parenthesized && (isName("in") || isOp("=")) { break }
            names.append(try identifier())
        }
        if parenthesized { try expectOp(")") }
        return names
    }

    mutating func forStatement(_ start: SourceLocation) throws -> Node {
        let targets = try nameTargets()
        try expectName("in")
        let iterable = try parseTuple(allowConditional: false)
        var filter: Expr?
        if skipName("if") { filter = try parseExpression() }
        if isName("recursive") { throw fail("recursive loops are not supported") }
        try expectBlockEnd()
        let body = try subparse(until: ["endfor", "else"])
        var otherwise: [Node] = []
        if skipName("else") {
            try expectBlockEnd()
            otherwise = try subparse(until: ["endfor"])
        }
        try endTag("endfor")
        return .forLoop(ForLoop(targets: targets, iterable: iterable, filter: filter, body: body, otherwise: otherwise, location: start))
    }

    mutating func setStatement(_ start: SourceLocation) throws -> Node {
        let target: AssignTarget
        if case .name? = current?.kind, index + 1 < tokens.count, tokens[index + 1].kind == .op(".") {
            let object = try identifier()
            index += 1
            target = .attribute(object: object, attribute: try identifier())
        } else {
            target = .names(try nameTargets())
        }
        if skipOp("=") {
            let value = try parseTuple()
            try expectBlockEnd()
            return .set(target: target, value: value, start)
        }
        guard case let .names(names) = target, names.count == 1 else { throw fail("expected '='") }
        let filters = isOp("|") ? try filterChain() : []
        try expectBlockEnd()
        let body = try subparse(until: ["endset"])
        try endTag("endset")
        return .setBlock(name: names[0], filters: filters, body: body)
    }

    /// `(a, b=default, …)` of a macro or call block.
    mutating func parameterList() throws -> [Macro.Parameter] {
        try expectOp("(")
        var parameters: [Macro.Parameter] = []
        while !skipOp(")") {
            if !parameters.isEmpty { try expectOp(",") }
            if skipOp(")") { break }
            let name = try identifier()
            let value: Expr? = skipOp("=") ? try parseExpression() : nil
            parameters.append(Macro.Parameter(name: name, defaultValue: value))
        }
        return parameters
    }

    mutating func macroStatement() throws -> Node {
        let name = try identifier()
        let parameters = try parameterList()
        try expectBlockEnd()
        let body = try subparse(until: ["endmacro"])
        try expectName("endmacro")
        _ = skipName(name)
        try expectBlockEnd()
        return .macro(Macro(name: name, parameters: parameters, body: body))
    }

    mutating func callStatement(_ start: SourceLocation) throws -> Node {
        let parameters = isOp("(") ? try parameterList() : []
        let call = try parseExpression()
        guard case .call = call else { throw ChatTemplateError.syntax(start, "expected a macro call after 'call'") }
        try expectBlockEnd()
        let body = try subparse(until: ["endcall"])
        try endTag("endcall")
        return .callBlock(call: call, parameters: parameters, body: body, start)
    }

    /// `| name(args) | name …` as in `{% filter %}` and `{% set x | f %}` (the first `|` optional).
    mutating func filterChain() throws -> [FilterCall] {
        var filters: [FilterCall] = []
        _ = skipOp("|")
        repeat {
            filters.append(try filterCall())
        } while skipOp("|")
        return filters
    }
}
