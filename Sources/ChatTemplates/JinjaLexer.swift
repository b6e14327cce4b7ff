/// Splits a template into text and tag chunks, applying whitespace control (`{%-`, `-%}`) and the
/// `trim_blocks`/`lstrip_blocks` options, then tokenizes the inside of each tag.
struct JinjaLexer {
    enum Chunk { case text(String), output([JToken]), statement([JToken]) }

    struct JToken: Equatable {
        enum Kind: Equatable { case name, string, int, double, op }
        let kind: Kind
        let text: String
        let line: Int, column: Int
    }

    let source: [Character]
    let trimBlocks: Bool
    let lstripBlocks: Bool

    func chunks() throws -> [Chunk] {
        var chunks: [Chunk] = []
        var i = 0, textStart = 0
        var stripNextLeading = false, trimNextNewline = false
        func flushText(upTo end: Int, stripTrailing: Bool, lstrip: Bool) {
            var text = String(source[textStart..<end])
            if trimNextNewline, text.first == "\n" { text.removeFirst() } else if trimNextNewline, text.hasPrefix("\r\n") { text.removeFirst(2) }
            if stripNextLeading { text = String(text.drop(while: { $0.isWhitespace })) }
            if stripTrailing {
                while let last = text.last, last.isWhitespace { text.removeLast() }
            } else if lstrip {
                // Remove spaces/tabs between the last newline and the tag (only whitespace there).
                var j = text.endIndex
                while j > text.startIndex, text[text.index(before: j)] == " " || text[text.index(before: j)] == "\t" { j = text.index(before: j) }
                if j == text.startIndex || text[text.index(before: j)] == "\n" { text = String(text[..<j]) }
            }
            if !text.isEmpty { chunks.append(.text(text)) }
            stripNextLeading = false
            trimNextNewline = false
        }
        while i < source.count - 1 {
            guard source[i] == "{", ["{", "%", "#"].contains(source[i + 1]) else { i += 1; continue }
            let kind = source[i + 1]
            let close: Character = kind == "{" ? "}" : kind
            let stripBefore = i + 2 < source.count && source[i + 2] == "-"
            let isBlock = kind != "{"
            flushText(upTo: i, stripTrailing: stripBefore, lstrip: isBlock && lstripBlocks && !(i + 2 < source.count && source[i + 2] == "+"))
            var j = i + (stripBefore ? 3 : 2)
            let bodyStart = j
            var inString: Character? = nil
            while j < source.count - 1 {
                if let q = inString {
                    if source[j] == "\\" { j += 2; continue }
                    if source[j] == q { inString = nil }
                } else if kind != "#" && (source[j] == "'" || source[j] == "\"") {
                    inString = source[j]
                } else if source[j] == close && source[j + 1] == "}" {
                    break
                }
                j += 1
            }
            guard j < source.count - 1 else { throw error(at: i, "unclosed tag") }
            let stripAfter = j > bodyStart && source[j - 1] == "-"
            let body = String(source[bodyStart..<(stripAfter ? j - 1 : j)])
            if kind == "{" { chunks.append(.output(try tokenize(body, at: bodyStart))) }
            if kind == "%" { chunks.append(.statement(try tokenize(body, at: bodyStart))) }
            i = j + 2
            textStart = i
            stripNextLeading = stripAfter
            trimNextNewline = isBlock && trimBlocks
        }
        flushText(upTo: source.count, stripTrailing: false, lstrip: false)
        return chunks
    }

    func position(_ index: Int) -> (Int, Int) {
        var line = 1, column = 1
        for c in source[..<min(index, source.count)] { if c == "\n" { line += 1; column = 1 } else { column += 1 } }
        return (line, column)
    }

    func error(at index: Int, _ reason: String) -> ChatTemplateError {
        let (l, c) = position(index)
        return .syntax(line: l, column: c, reason: reason)
    }

    private static let operators = ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "(", ")", "[", "]",
                                    "{", "}", ",", ".", ":", "|", "="]

    func tokenize(_ body: String, at offset: Int) throws -> [JToken] {
        let chars = Array(body)
        var tokens: [JToken] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            let (line, column) = position(offset + i)
            func add(_ kind: JToken.Kind, _ text: String) { tokens.append(JToken(kind: kind, text: text, line: line, column: column)) }
            if c.isLetter || c == "_" {
                var j = i
                while j < chars.count && (chars[j].isLetter || chars[j].isNumber || chars[j] == "_") { j += 1 }
                add(.name, String(chars[i..<j]))
                i = j
            } else if c.isNumber {
                var j = i, isDouble = false
                while j < chars.count && (chars[j].isNumber || (chars[j] == "." && !isDouble && j + 1 < chars.count && chars[j + 1].isNumber)) {
                    if chars[j] == "." { isDouble = true }
                    j += 1
                }
                add(isDouble ? .double : .int, String(chars[i..<j]))
                i = j
            } else if c == "'" || c == "\"" {
                var j = i + 1, value = ""
                while j < chars.count && chars[j] != c {
                    if chars[j] == "\\" && j + 1 < chars.count {
                        switch chars[j + 1] {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        case "r": value.append("\r")
                        default: value.append(chars[j + 1])
                        }
                        j += 2
                    } else {
                        value.append(chars[j])
                        j += 1
                    }
                }
                guard j < chars.count else { throw error(at: offset + i, "unterminated string") }
                add(.string, value)
                i = j + 1
            } else if let op = Self.operators.first(where: { op in
                i + op.count <= chars.count && String(chars[i..<(i + op.count)]) == op
            }) {
                add(.op, op)
                i += op.count
            } else {
                throw error(at: offset + i, "unexpected character '\(c)'")
            }
        }
        return tokens
    }
}
