/// Recursive-descent parser: statements from lexer chunks, expressions with Jinja's precedence
/// (ternary < or < and < not < comparisons < + − < ~ < * / // % < ** < unary < postfix/filters/tests).
struct JinjaParser {
    typealias T = JinjaLexer.JToken
    private var chunks: [JinjaLexer.Chunk]
    private var position = 0

    init(chunks: [JinjaLexer.Chunk]) { self.chunks = chunks }

    mutating func parse() throws -> [JinjaNode] {
        let (nodes, end) = try parseBlock(until: [])
        if let end { throw ChatTemplateError.syntax(line: end.line, column: end.column, reason: "unexpected '\(end.text)'") }
        return nodes
    }

    /// Parses nodes until a statement whose first word is in `terminators`; returns it (consumed).
    private mutating func parseBlock(until terminators: Set<String>) throws -> ([JinjaNode], T?) {
        var nodes: [JinjaNode] = []
        while position < chunks.count {
            let chunk = chunks[position]
            position += 1
            switch chunk {
            case let .text(s): nodes.append(.text(s))
            case let .output(tokens): nodes.append(.output(try parseWholeExpression(tokens)))
            case let .statement(tokens):
                guard let head = tokens.first else { continue }
                if terminators.contains(head.text) {
                    position -= 1
                    return (nodes, head)
                }
                nodes.append(try parseStatement(tokens))
            }
        }
        if !terminators.isEmpty { throw ChatTemplateError.syntax(line: 0, column: 0, reason: "missing {% \(terminators.sorted().joined(separator: " / ")) %}") }
        return (nodes, nil)
    }

    private mutating func statementTokens() -> [T] {
        if case let .statement(t) = chunks[position] { position += 1; return t }
        return []
    }

    private mutating func parseStatement(_ tokens: [T]) throws -> JinjaNode {
        var e = ExpressionParser(tokens: tokens, index: 1)
        switch tokens[0].text {
        case "if":
            var branches: [(JinjaExpr, [JinjaNode])] = []
            var condition = try e.parseAll()
            while true {
                let (body, end) = try parseBlock(until: ["elif", "else", "endif"])
                branches.append((condition, body))
                let t = statementTokens()
                if end?.text == "elif" {
                    var c = ExpressionParser(tokens: t, index: 1)
                    condition = try c.parseAll()
                    continue
                }
                if end?.text == "else" {
                    let (otherwise, _) = try parseBlock(until: ["endif"])
                    _ = statementTokens()
                    return .conditional(branches: branches, otherwise: otherwise)
                }
                return .conditional(branches: branches, otherwise: [])
            }
        case "for":
            var targets = [try e.expectName()]
            while e.peek(",") { e.index += 1; targets.append(try e.expectName()) }
            try e.expectKeyword("in")
            let iterable = try e.parseTernary(allowConditional: false)
            var filter: JinjaExpr?
            if e.peekName("if") { e.index += 1; filter = try e.parseOr() }
            try e.expectEnd()
            let (body, end) = try parseBlock(until: ["else", "endfor"])
            _ = statementTokens()
            var otherwise: [JinjaNode] = []
            if end?.text == "else" {
                (otherwise, _) = try parseBlock(until: ["endfor"])
                _ = statementTokens()
            }
            return .loop(targets: targets, iterable: iterable, filter: filter, body: body, otherwise: otherwise)
        case "set":
            var target = [try e.expectName()]
            while e.peek(".") { e.index += 1; target.append(try e.expectName()) }
            if e.atEnd {
                let (body, _) = try parseBlock(until: ["endset"])
                _ = statementTokens()
                return .assignBlock(name: target[0], body: body)
            }
            try e.expect("=")
            return .assign(target: target, value: try e.parseAll())
        case "macro":
            let name = try e.expectName()
            try e.expect("(")
            var parameters: [(String, JinjaExpr?)] = []
            while !e.peek(")") {
                let p = try e.expectName()
                var value: JinjaExpr?
                if e.peek("=") { e.index += 1; value = try e.parseTernary(allowConditional: true) }
                parameters.append((p, value))
                if e.peek(",") { e.index += 1 }
            }
            e.index += 1
            let (body, _) = try parseBlock(until: ["endmacro"])
            _ = statementTokens()
            return .macro(name: name, parameters: parameters, body: body)
        case "generation":
            let (body, _) = try parseBlock(until: ["endgeneration"])
            _ = statementTokens()
            return .block(body)
        case "break", "continue":
            return .loopControl(isBreak: tokens[0].text == "break")
        default:
            throw ChatTemplateError.syntax(line: tokens[0].line, column: tokens[0].column, reason: "unknown statement '\(tokens[0].text)'")
        }
    }

    private func parseWholeExpression(_ tokens: [T]) throws -> JinjaExpr {
        var e = ExpressionParser(tokens: tokens, index: 0)
        return try e.parseAll()
    }
}

struct ExpressionParser {
    typealias T = JinjaLexer.JToken
    let tokens: [T]
    var index: Int

    var atEnd: Bool { index >= tokens.count }
    func peek(_ op: String) -> Bool { index < tokens.count && tokens[index].kind == .op && tokens[index].text == op }
    func peekName(_ name: String) -> Bool { index < tokens.count && tokens[index].kind == .name && tokens[index].text == name }

    func fail(_ reason: String) -> ChatTemplateError {
        let t = index < tokens.count ? tokens[index] : tokens.last
        return .syntax(line: t?.line ?? 0, column: t?.column ?? 0, reason: reason)
    }

    mutating func expect(_ op: String) throws { guard peek(op) else { throw fail("expected '\(op)'") }; index += 1 }
    mutating func expectKeyword(_ name: String) throws { guard peekName(name) else { throw fail("expected '\(name)'") }; index += 1 }
    mutating func expectName() throws -> String {
        guard index < tokens.count, tokens[index].kind == .name else { throw fail("expected a name") }
        index += 1
        return tokens[index - 1].text
    }
    mutating func expectEnd() throws { if !atEnd { throw fail("unexpected '\(tokens[index].text)'") } }

    mutating func parseAll() throws -> JinjaExpr {
        let e = try parseTernary(allowConditional: true)
        try expectEnd()
        return e
    }

    mutating func parseTernary(allowConditional: Bool) throws -> JinjaExpr {
        let value = try parseOr()
        guard allowConditional, peekName("if") else { return value }
        index += 1
        let condition = try parseOr()
        var otherwise: JinjaExpr?
        if peekName("else") { index += 1; otherwise = try parseTernary(allowConditional: true) }
        return .ternary(value: value, condition: condition, otherwise: otherwise)
    }

    mutating func parseOr() throws -> JinjaExpr {
        var left = try parseAnd()
        while peekName("or") { index += 1; left = .binary("or", left, try parseAnd()) }
        return left
    }

    mutating func parseAnd() throws -> JinjaExpr {
        var left = try parseNot()
        while peekName("and") { index += 1; left = .binary("and", left, try parseNot()) }
        return left
    }

    mutating func parseNot() throws -> JinjaExpr {
        if peekName("not") { index += 1; return .unary("not", try parseNot()) }
        return try parseComparison()
    }

    mutating func parseComparison() throws -> JinjaExpr {
        var left = try parseAdditive()
        while true {
            if index < tokens.count, tokens[index].kind == .op, ["==", "!=", "<", ">", "<=", ">="].contains(tokens[index].text) {
                let op = tokens[index].text
                index += 1
                left = .binary(op, left, try parseAdditive())
            } else if peekName("in") {
                index += 1
                left = .binary("in", left, try parseAdditive())
            } else if peekName("not"), index + 1 < tokens.count, tokens[index + 1].text == "in" {
                index += 2
                left = .unary("not", .binary("in", left, try parseAdditive()))
            } else {
                return left
            }
        }
    }

    mutating func parseAdditive() throws -> JinjaExpr {
        var left = try parseConcat()
        while peek("+") || peek("-") {
            let op = tokens[index].text
            index += 1
            left = .binary(op, left, try parseConcat())
        }
        return left
    }

    mutating func parseConcat() throws -> JinjaExpr {
        var left = try parseMultiplicative()
        while peek("~") { index += 1; left = .binary("~", left, try parseMultiplicative()) }
        return left
    }

    mutating func parseMultiplicative() throws -> JinjaExpr {
        var left = try parsePower()
        while peek("*") || peek("/") || peek("//") || peek("%") {
            let op = tokens[index].text
            index += 1
            left = .binary(op, left, try parsePower())
        }
        return left
    }

    mutating func parsePower() throws -> JinjaExpr {
        let left = try parseUnary()
        if peek("**") { index += 1; return .binary("**", left, try parseUnary()) }
        return left
    }

    mutating func parseUnary() throws -> JinjaExpr {
        if peek("-") { index += 1; return .unary("-", try parseUnary()) }
        if peek("+") { index += 1; return try parseUnary() }
        return try parsePostfix(parsePrimary())
    }

    mutating func parseArguments() throws -> ([JinjaExpr], [(String, JinjaExpr)]) {
        var positional: [JinjaExpr] = [], named: [(String, JinjaExpr)] = []
        while !peek(")") {
            if index + 1 < tokens.count, tokens[index].kind == .name, tokens[index + 1].text == "=", tokens[index + 1].kind == .op {
                let name = tokens[index].text
                index += 2
                named.append((name, try parseTernary(allowConditional: true)))
            } else {
                positional.append(try parseTernary(allowConditional: true))
            }
            if peek(",") { index += 1 } else if !peek(")") { throw fail("expected ',' or ')'") }
        }
        index += 1
        return (positional, named)
    }

    mutating func parsePostfix(_ base: JinjaExpr) throws -> JinjaExpr {
        var e = base
        while true {
            if peek(".") {
                index += 1
                e = .attribute(e, try expectName())
            } else if peek("[") {
                index += 1
                var parts: [JinjaExpr?] = [nil]
                var isSlice = false
                while !peek("]") {
                    if peek(":") { index += 1; isSlice = true; parts.append(nil); continue }
                    parts[parts.count - 1] = try parseTernary(allowConditional: true)
                }
                index += 1
                if isSlice {
                    while parts.count < 3 { parts.append(nil) }
                    e = .slice(e, parts[0], parts[1], parts[2])
                } else {
                    guard let key = parts[0] else { throw fail("empty subscript") }
                    e = .subscriptIndex(e, key)
                }
            } else if peek("(") {
                index += 1
                let (args, named) = try parseArguments()
                e = .call(e, args, named)
            } else if peek("|") {
                index += 1
                let name = try expectName()
                var args: [JinjaExpr] = [], named: [(String, JinjaExpr)] = []
                if peek("(") { index += 1; (args, named) = try parseArguments() }
                e = .filter(e, name, args, named)
            } else if peekName("is") {
                index += 1
                var negated = false
                if peekName("not") { index += 1; negated = true }
                let name = try expectName()
                var args: [JinjaExpr] = []
                if peek("(") { index += 1; (args, _) = try parseArguments() }
                e = .test(e, name, negated: negated, args)
            } else {
                return e
            }
        }
    }

    mutating func parsePrimary() throws -> JinjaExpr {
        guard index < tokens.count else { throw fail("expected an expression") }
        let t = tokens[index]
        index += 1
        switch t.kind {
        case .string:
            var s = t.text
            while index < tokens.count, tokens[index].kind == .string { s += tokens[index].text; index += 1 }   // adjacent literals
            return .literal(.string(s))
        case .int: return .literal(.int(Int(t.text) ?? 0))
        case .double: return .literal(.double(Double(t.text) ?? 0))
        case .name:
            switch t.text {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(t.text)
            }
        case .op:
            if t.text == "(" {
                let e = try parseTernary(allowConditional: true)
                if peek(",") {   // a tuple: treat as a list
                    var items = [e]
                    while peek(",") { index += 1; if peek(")") { break }; items.append(try parseTernary(allowConditional: true)) }
                    try expect(")")
                    return .list(items)
                }
                try expect(")")
                return e
            }
            if t.text == "[" {
                var items: [JinjaExpr] = []
                while !peek("]") {
                    items.append(try parseTernary(allowConditional: true))
                    if peek(",") { index += 1 }
                }
                index += 1
                return .list(items)
            }
            if t.text == "{" {
                var pairs: [(JinjaExpr, JinjaExpr)] = []
                while !peek("}") {
                    let key = try parseTernary(allowConditional: true)
                    try expect(":")
                    pairs.append((key, try parseTernary(allowConditional: true)))
                    if peek(",") { index += 1 }
                }
                index += 1
                return .dict(pairs)
            }
            index -= 1
            throw fail("unexpected '\(t.text)'")
        }
    }
}
