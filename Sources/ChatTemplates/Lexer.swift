/// Turns template source into tokens, following `jinja2/lexer.py` (`Lexer.tokeniter`):
///
/// - newlines (`\r\n`, `\r`, `\n`) are normalised to `\n`, and one trailing newline is dropped
///   unless `keepTrailingNewline`;
/// - `{%-`, `{{-`, `{#-` strip all whitespace before the tag; `-%}`, `-}}`, `-#}` all whitespace after;
/// - `trimBlocks` removes one newline after `%}` / `#}` (not after `+%}`);
/// - `lstripBlocks` removes spaces/tabs between a line start and `{%` / `{#` (not `{%+`);
/// - a tag ends only where its brackets are balanced, so `{{ {'a': {'b': 1}} }}` lexes;
/// - `{% raw %}…{% endraw %}` is emitted as text.
struct Lexer {
    let options: TemplateOptions
    private var source: [Unicode.Scalar] = []
    private var position = 0
    private var line = 1, lineStart = 0
    private var tokens: [Token] = []

    init(options: TemplateOptions) { self.options = options }

    static func tokenize(_ text: String, options: TemplateOptions) throws -> [Token] {
        var lexer = Lexer(options: options)
        lexer.source = normalizedNewlines(text, keepTrailing: options.keepTrailingNewline)
        try lexer.run()
        return lexer.tokens
    }

    private static func normalizedNewlines(_ text: String, keepTrailing: Bool) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.unicodeScalars.count)
        var previousCR = false
        for s in text.unicodeScalars {
            if s == "\n" && previousCR { previousCR = false; continue }
            previousCR = s == "\r"
            out.append(s == "\r" ? "\n" : s)
        }
        if !keepTrailing, out.last == "\n" { out.removeLast() }
        return out
    }

    // MARK: Cursor

    private var location: SourceLocation { SourceLocation(line: line, column: position - lineStart + 1) }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        position + offset < source.count ? source[position + offset] : nil
    }

    private func matches(_ literal: String, at index: Int) -> Bool {
        var i = index
        for s in literal.unicodeScalars {
            guard i < source.count, source[i] == s else { return false }
            i += 1
        }
        return true
    }

    /// Moves forward to `index`, counting lines.
    private mutating func advance(to index: Int) {
        while position < index {
            if source[position] == "\n" { line += 1; lineStart = position + 1 }
            position += 1
        }
    }

    /// Skips Python-`\s` whitespace; returns whether the skipped run ended with a newline.
    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        var endedWithNewline = false
        while let s = peek(), PythonString.isSpace(s) { endedWithNewline = s == "\n"; advance(to: position + 1) }
        return endedWithNewline
    }

    // MARK: Root state

    private mutating func run() throws {
        var lineStarting = true   // did the previous tag's match end with a newline?
        while position < source.count {
            guard let open = nextTagStart(from: position) else {
                emitText(from: position, to: source.count)
                advance(to: source.count)
                break
            }
            let kind = source[open + 1]
            let sign = open + 2 < source.count && (source[open + 2] == "-" || source[open + 2] == "+") ? source[open + 2] : nil
            let isVariable = kind == "{"
            var textEnd = open
            if sign == "-" {
                while textEnd > position, PythonString.isSpace(source[textEnd - 1]) { textEnd -= 1 }
            } else if sign != "+" && options.lstripBlocks && !isVariable {
                var lineBegin = textEnd
                while lineBegin > position, source[lineBegin - 1] != "\n" { lineBegin -= 1 }
                let atLineStart = lineBegin > position || lineStarting
                if atLineStart && lineBegin < textEnd && source[lineBegin..<textEnd].allSatisfy(PythonString.isSpace) {
                    textEnd = lineBegin
                }
            }
            emitText(from: position, to: textEnd)
            advance(to: open)
            let tagLocation = location
            advance(to: open + 2 + (sign == nil ? 0 : 1))
            switch kind {
            case "#": lineStarting = try lexComment(openedAt: tagLocation)
            case "%":
                if let rawEnd = try lexRaw(openedAt: tagLocation) { lineStarting = rawEnd; continue }
                tokens.append(Token(kind: .blockBegin, location: tagLocation))
                lineStarting = try lexTag(block: true, openedAt: tagLocation)
            default:
                tokens.append(Token(kind: .variableBegin, location: tagLocation))
                lineStarting = try lexTag(block: false, openedAt: tagLocation)
            }
        }
    }

    private func nextTagStart(from start: Int) -> Int? {
        var i = start
        while i + 1 < source.count {
            if source[i] == "{", source[i + 1] == "{" || source[i + 1] == "%" || source[i + 1] == "#" { return i }
            i += 1
        }
        return nil
    }

    private mutating func emitText(from start: Int, to end: Int) {
        guard start < end else { return }
        let saved = (position, line, lineStart)
        advance(to: start)
        tokens.append(Token(kind: .text(String(String.UnicodeScalarView(source[start..<end]))), location: location))
        (position, line, lineStart) = saved
    }

    /// `{# … #}`: returns whether the closing match ended with a newline.
    private mutating func lexComment(openedAt start: SourceLocation) throws -> Bool {
        while position + 1 < source.count {
            if source[position] == "-", matches("#}", at: position + 1) {
                advance(to: position + 3)
                return skipWhitespace()
            }
            if source[position] == "+", matches("#}", at: position + 1) { advance(to: position + 3); return false }
            if matches("#}", at: position) {
                advance(to: position + 2)
                return consumeTrimNewline()
            }
            advance(to: position + 1)
        }
        throw ChatTemplateError.syntax(start, "missing end of comment tag")
    }

    private mutating func consumeTrimNewline() -> Bool {
        guard options.trimBlocks, peek() == "\n" else { return false }
        advance(to: position + 1)
        return true
    }

    /// Closes a tag at the cursor if one ends here: `%}` (`-%}`, `+%}`) or `}}` (`-}}`).
    /// Returns nil when no end is here, else whether the match ended with a newline.
    private mutating func closeTag(block: Bool) -> Bool? {
        let close = block ? "%}" : "}}"
        if peek() == "-", matches(close, at: position + 1) {
            advance(to: position + 3)
            return skipWhitespace()
        }
        if block, peek() == "+", matches(close, at: position + 1) { advance(to: position + 3); return false }
        guard matches(close, at: position) else { return nil }
        advance(to: position + 2)
        return block ? consumeTrimNewline() : false
    }

    /// The inside of `{% … %}` or `{{ … }}`.
    private mutating func lexTag(block: Bool, openedAt start: SourceLocation) throws -> Bool {
        var brackets: [Unicode.Scalar] = []
        while true {
            skipWhitespace()
            guard let c = peek() else { throw ChatTemplateError.syntax(start, "unclosed tag, expected '\(block ? "%}" : "}}")'") }
            let here = location
            if brackets.isEmpty, let endedWithNewline = closeTag(block: block) {
                tokens.append(Token(kind: block ? .blockEnd : .variableEnd, location: here))
                return endedWithNewline
            }
            if c == "'" || c == "\"" {
                tokens.append(Token(kind: .string(try lexString(quote: c, at: here)), location: here))
            } else if c.properties.numericType == .decimal && c.isASCII {
                tokens.append(Token(kind: try lexNumber(at: here), location: here))
            } else if c == "_" || c.properties.isXIDStart {
                var end = position + 1
                while end < source.count, source[end] == "_" || source[end].properties.isXIDContinue { end += 1 }
                let name = String(String.UnicodeScalarView(source[position..<end]))
                advance(to: end)
                tokens.append(Token(kind: .name(name), location: here))
            } else if let op = Self.operators.first(where: { matches($0, at: position) }) {
                advance(to: position + op.unicodeScalars.count)
                if op == "(" || op == "[" || op == "{" {
                    brackets.append(op == "(" ? ")" : op == "[" ? "]" : "}")
                } else if op == ")" || op == "]" || op == "}" {
                    guard let expected = brackets.popLast() else { throw ChatTemplateError.syntax(here, "unexpected '\(op)'") }
                    guard String(expected) == op else { throw ChatTemplateError.syntax(here, "unexpected '\(op)', expected '\(expected)'") }
                }
                tokens.append(Token(kind: .op(op), location: here))
            } else {
                throw ChatTemplateError.syntax(here, "unexpected character '\(c)'")
            }
        }
    }

    /// Longest first, as jinja2's `operator_re` sorts them.
    private static let operators = ["//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")",
                                    "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"]

    /// Digits with `_` separators; a float needs a fraction and/or an exponent (jinja2 `float_re`).
    private mutating func lexNumber(at here: SourceLocation) throws -> Token.Kind {
        func digits(_ i: inout Int) {
            while i < source.count, source[i].isASCII, source[i].properties.numericType == .decimal || (source[i] == "_" && i + 1 < source.count && source[i + 1].properties.numericType == .decimal) { i += 1 }
        }
        func isDigit(_ i: Int) -> Bool { i < source.count && source[i].isASCII && source[i].properties.numericType == .decimal }
        var end = position
        digits(&end)
        var isFloat = false
        if end < source.count, source[end] == ".", isDigit(end + 1) { end += 1; digits(&end); isFloat = true }
        if end < source.count, source[end] == "e" || source[end] == "E" {
            var e = end + 1
            if e < source.count, source[e] == "+" || source[e] == "-" { e += 1 }
            if isDigit(e) { digits(&e); end = e; isFloat = true }
        }
        let text = String(String.UnicodeScalarView(source[position..<end])).replacingOccurrences(of: "_", with: "")
        advance(to: end)
        if isFloat {
            guard let d = Double(text) else { throw ChatTemplateError.syntax(here, "bad number '\(text)'") }
            return .float(d)
        }
        guard let i = Int(text) else { throw ChatTemplateError.syntax(here, "integer '\(text)' out of range") }
        return .integer(i)
    }

    /// A quoted literal, unescaped like Python's `unicode-escape` codec (jinja2 lexer `wrap`):
    /// `\n \t \r \\ \' \" \a \b \f \v \0-7 \xHH \uHHHH \UHHHHHHHH`; unknown escapes stay as written.
    private mutating func lexString(quote: Unicode.Scalar, at here: SourceLocation) throws -> String {
        var out = String.UnicodeScalarView()
        var i = position + 1
        func hex(_ count: Int) throws -> Unicode.Scalar {
            guard i + count <= source.count, source[i..<i + count].allSatisfy(\.properties.isASCIIHexDigit),
                  let v = UInt32(String(String.UnicodeScalarView(source[i..<i + count])), radix: 16), let s = Unicode.Scalar(v)
            else { throw ChatTemplateError.syntax(here, "truncated or invalid \\x/\\u escape in string") }
            i += count
            return s
        }
        while i < source.count, source[i] != quote {
            guard source[i] == "\\", i + 1 < source.count else { out.append(source[i]); i += 1; continue }
            let e = source[i + 1]
            i += 2
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "v": out.append("\u{0B}")
            case "\\", "'", "\"": out.append(e)
            case "\n": break   // line continuation
            case "x": out.append(try hex(2))
            case "u": out.append(try hex(4))
            case "U": out.append(try hex(8))
            case "0"..."7":
                var value = e.value - 48, n = 1
                while n < 3, i < source.count, ("0"..."7").contains(source[i]) { value = value * 8 + source[i].value - 48; i += 1; n += 1 }
                out.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            default: out.append("\\"); out.append(e)
            }
        }
        guard i < source.count else { throw ChatTemplateError.syntax(here, "unterminated string") }
        advance(to: i + 1)
        return String(out)
    }

    // MARK: Raw blocks

    /// `{% raw %}…{% endraw %}` at the cursor (just after `{%`/`{%-`/`{%+`): emits the body as
    /// text and returns whether the end tag's match ended with a newline; nil if this is no raw tag.
    private mutating func lexRaw(openedAt start: SourceLocation) throws -> Bool? {
        var i = position
        while i < source.count, PythonString.isSpace(source[i]) { i += 1 }
        guard matches("raw", at: i) else { return nil }
        var j = i + 3
        guard j >= source.count || !(source[j] == "_" || source[j].properties.isXIDContinue) else { return nil }
        while j < source.count, PythonString.isSpace(source[j]) { j += 1 }
        if matches("-%}", at: j) {
            advance(to: j + 3)
            skipWhitespace()
        } else if matches("%}", at: j) {
            advance(to: j + 2)
        } else {
            return nil
        }
        var k = position
        while k + 1 < source.count {
            if matches("{%", at: k) {
                var m = k + 2
                let sign = m < source.count && (source[m] == "-" || source[m] == "+") ? source[m] : nil
                if sign != nil { m += 1 }
                while m < source.count, PythonString.isSpace(source[m]) { m += 1 }
                if matches("endraw", at: m) {
                    var textEnd = k
                    if sign == "-" { while textEnd > position, PythonString.isSpace(source[textEnd - 1]) { textEnd -= 1 } }
                    emitText(from: position, to: textEnd)
                    advance(to: m + 6)
                    skipWhitespace()
                    guard let endedWithNewline = closeTag(block: true) else { throw ChatTemplateError.syntax(location, "expected '%}' after endraw") }
                    return endedWithNewline
                }
            }
            k += 1
        }
        throw ChatTemplateError.syntax(start, "missing end of raw directive")
    }
}
