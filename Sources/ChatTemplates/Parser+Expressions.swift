/// Expressions with jinja2's precedence, loosest first (`jinja2/parser.py`):
/// tuple `,` < `x if c else y` < `or` < `and` < `not` < comparisons and `in` < `+ -` < `~`
/// < `* / // %` < `**` (left-associative) < unary `- +` < primary with `.attr`, `[i]`, `(args)`,
/// then `| filter` and `is test`. So `-1|abs` is `abs(-1)` and `a + b | trim` trims only `b`.
extension Parser {
    /// `a, b` builds a tuple (a list here); one expression stays itself.
    mutating func parseTuple(allowConditional: Bool = true) throws -> Expr {
        let first = try parseExpression(allowConditional: allowConditional)
        guard isOp(",") else { return first }
        var items = [first]
        while skipOp(",") {
            if current?.kind == .blockEnd || current?.kind == .variableEnd || isOp(")") || isName("if") { break }
            items.append(try parseExpression(allowConditional: allowConditional))
        }
        return .list(items)
    }

    mutating func parseExpression(allowConditional: Bool = true) throws -> Expr {
        var value = try parseOr()
        guard allowConditional else { return value }
        let outer = nesting
        defer { nesting = outer }
        while skipName("if") {
            try nest()
            let condition = try parseOr()
            let otherwise: Expr? = skipName("else") ? try parseExpression() : nil
            value = .conditional(value: value, condition: condition, otherwise: otherwise)
        }
        return value
    }

    mutating func parseOr() throws -> Expr {
        var left = try parseAnd()
        let outer = nesting
        defer { nesting = outer }
        while skipName("or") {
            try nest()
            left = .or(left, try parseAnd())
        }
        return left
    }

    mutating func parseAnd() throws -> Expr {
        var left = try parseNot()
        let outer = nesting
        defer { nesting = outer }
        while skipName("and") {
            try nest()
            left = .and(left, try parseNot())
        }
        return left
    }

    mutating func parseNot() throws -> Expr {
        if skipName("not") {
            let outer = nesting
            defer { nesting = outer }
            try nest()
            return .not(try parseNot())
        }
        return try parseCompare()
    }

    mutating func parseCompare() throws -> Expr {
        let start = location
        let left = try parseMath1()
        var chain: [(op: String, Expr)] = []
        while true {
            if let t = current, case let .op(o) = t.kind, ["==", "!=", "<", ">", "<=", ">="].contains(o) {
                index += 1
                chain.append((o, try parseMath1()))
            } else if skipName("in") {
                chain.append(("in", try parseMath1()))
            } else if isName("not"), isName("in", offset: 1) {
                index += 2
                chain.append(("not in", try parseMath1()))
            } else {
                break
            }
        }
        return chain.isEmpty ? left : .compare(left, chain, start)
    }

    mutating func parseMath1() throws -> Expr {
        var left = try parseConcat()
        let outer = nesting
        defer { nesting = outer }
        while isOp("+") || isOp("-") {
            try nest()
            let at = location
            let op = isOp("+") ? "+" : "-"
            index += 1
            left = .binary(op, left, try parseConcat(), at)
        }
        return left
    }

    mutating func parseConcat() throws -> Expr {
        var parts = [try parseMath2()]
        while skipOp("~") { parts.append(try parseMath2()) }
        return parts.count == 1 ? parts[0] : .concat(parts)
    }

    mutating func parseMath2() throws -> Expr {
        var left = try parsePow()
        let outer = nesting
        defer { nesting = outer }
        while let t = current, case let .op(o) = t.kind, ["*", "/", "//", "%"].contains(o) {
            try nest()
            index += 1
            left = .binary(o, left, try parsePow(), t.location)
        }
        return left
    }

    mutating func parsePow() throws -> Expr {
        var left = try parseUnary()
        let outer = nesting
        defer { nesting = outer }
        while isOp("**") {
            try nest()
            let at = location
            index += 1
            left = .binary("**", left, try parseUnary(), at)
        }
        return left
    }

    mutating func parseUnary(withFilters: Bool = true) throws -> Expr {
        let at = location
        let outer = nesting
        defer { nesting = outer }
        try nest()
        var node: Expr
        if skipOp("-") {
            node = .negate(try parseUnary(withFilters: false), at)
        } else if skipOp("+") {
            node = .binary("+", .literal(.int(0)), try parseUnary(withFilters: false), at)
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        return withFilters ? try parseFilters(node) : node
    }

    mutating func parsePrimary() throws -> Expr {
        guard let token = current else { throw fail("unexpected end of template, expected an expression") }
        index += 1
        switch token.kind {
        case let .name(n):
            switch n {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(n, token.location)
            }
        case var .string(s):
            while let t = current, case let .string(more) = t.kind { s += more; index += 1 }   // 'a' 'b' == 'ab'
            return .literal(.string(s))
        case let .integer(i): return .literal(.int(i))
        case let .float(d): return .literal(.double(d))
        case .op("("):
            if skipOp(")") { return .list([]) }
            let e = try parseTuple()
            try expectOp(")")
            return e
        case .op("["):
            var items: [Expr] = []
            while !skipOp("]") {
                if !items.isEmpty { try expectOp(","); if skipOp("]") { break } }
                items.append(try parseExpression())
            }
            return .list(items)
        case .op("{"):
            let at = token.location
            var pairs: [(Expr, Expr)] = []
            while !skipOp("}") {
                if !pairs.isEmpty { try expectOp(","); if skipOp("}") { break } }
                let key = try parseExpression()
                try expectOp(":")
                pairs.append((key, try parseExpression()))
            }
            return .dict(pairs, at)
        default:
            index -= 1
            throw fail("unexpected \(token.display)")
        }
    }

    mutating func parsePostfix(_ base: Expr) throws -> Expr {
        var node = base
        let outer = nesting
        defer { nesting = outer }
        while true {
            if isOp(".") || isOp("[") || isOp("(") { try nest() }
            if skipOp(".") {
                guard let t = current else { throw fail("expected an attribute name") }
                index += 1
                switch t.kind {
                case let .name(n): node = .attribute(node, n)
                case let .integer(i): node = .item(node, .literal(.int(i)))   // `foo.0` is `foo[0]`
                default: throw ChatTemplateError.syntax(t.location, "expected an attribute name, got \(t.display)")
                }
            } else if skipOp("[") {
                node = try parseSubscript(node)
            } else if isOp("(") {
                node = try parseCall(node)
            } else {
                return node
            }
        }
    }

    /// `[i]`, `[a:b]`, `[a:b:c]` (the `[` already consumed).
    mutating func parseSubscript(_ base: Expr) throws -> Expr {
        let at = location
        var parts: [Expr?] = [nil]
        var colons = 0
        while !skipOp("]") {
            if skipOp(":") {
                colons += 1
                guard colons <= 2 else { throw fail("too many ':' in slice") }
                parts.append(nil)
                continue
            }
            guard parts[parts.count - 1] == nil else { throw fail("expected ']'") }
            parts[parts.count - 1] = try parseExpression()
        }
        if colons == 0 {
            guard let key = parts[0] else { throw fail("expected a subscript") }
            return .item(base, key)
        }
        while parts.count < 3 { parts.append(nil) }
        return .slice(base, start: parts[0], stop: parts[1], step: parts[2], at)
    }

    /// `(a, b, key=value)` with the cursor on `(`.
    mutating func parseArguments() throws -> ([Expr], [(String, Expr)]) {
        try expectOp("(")
        var positional: [Expr] = [], keywords: [(String, Expr)] = []
        while !skipOp(")") {
            if !(positional.isEmpty && keywords.isEmpty) { try expectOp(","); if skipOp(")") { break } }
            if case let .name(n)? = current?.kind, index + 1 < tokens.count, tokens[index + 1].kind == .op("=") {
                index += 2
                keywords.append((n, try parseExpression()))
            } else {
                guard keywords.isEmpty else { throw fail("positional argument after keyword argument") }
                positional.append(try parseExpression())
            }
        }
        return (positional, keywords)
    }

    mutating func parseCall(_ callee: Expr) throws -> Expr {
        let at = location
        let (args, keywords) = try parseArguments()
        return .call(callee, arguments: args, keywords: keywords, at)
    }

    /// A filter name (dotted names allowed) and optional arguments, after the `|`.
    mutating func filterCall() throws -> FilterCall {
        let at = location
        var name = try identifier()
        while skipOp(".") { name += "." + (try identifier()) }
        let (args, keywords) = isOp("(") ? try parseArguments() : ([], [])
        return FilterCall(name: name, arguments: args, keywords: keywords, location: at)
    }

    mutating func parseFilters(_ base: Expr) throws -> Expr {
        var node = base
        let outer = nesting
        defer { nesting = outer }
        while true {
            if isOp("|") || isName("is") || isOp("(") { try nest() }
            if skipOp("|") {
                node = .filter(node, try filterCall())
            } else if isName("is") {
                let at = location
                index += 1
                let negated = skipName("not")
                var name = try identifier()
                while skipOp(".") { name += "." + (try identifier()) }
                var args: [Expr] = []
                if isOp("(") {
                    (args, _) = try parseArguments()
                } else if let t = current, startsBareTestArgument(t) {
                    if isName("is") { throw fail("you cannot chain multiple tests with 'is'") }
                    args = [try parsePostfix(try parsePrimary())]
                }
                node = .test(node, name: name, negated: negated, arguments: args, at)
            } else if isOp("(") {
                node = try parseCall(node)
            } else {
                return node
            }
        }
    }

    /// `x is divisibleby 3`, `x is sameas none`: a bare argument follows unless the next token
    /// continues the expression (`else`, `or`, `and`).
    private func startsBareTestArgument(_ t: Token) -> Bool {
        switch t.kind {
        case let .name(n): return !["else", "or", "and"].contains(n)
        case .string, .integer, .float, .op("["), .op("{"), .op("("): return true
        default: return false
        }
    }
}
