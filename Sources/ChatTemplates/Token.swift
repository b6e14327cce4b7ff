/// A position in a template source: 1-based line and column (columns count Unicode scalars).
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public var description: String { "\(line):\(column)" }
}

/// One lexical token of a Jinja template, as jinja2's lexer yields them (`jinja2/lexer.py`):
/// raw text between tags, tag delimiters, and the names, literals and operators inside tags.
struct Token: Equatable {
    enum Kind: Equatable {
        case text(String)
        case variableBegin, variableEnd      // {{ … }}
        case blockBegin, blockEnd            // {% … %}
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        case op(String)
    }

    let kind: Kind
    let location: SourceLocation

    /// How the token reads in an error message.
    var display: String {
        switch kind {
        case let .text(s): return "text \"\(s.prefix(20))\""
        case .variableBegin: return "'{{'"
        case .variableEnd: return "'}}'"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "'%}'"
        case let .name(n): return "'\(n)'"
        case let .string(s): return "string '\(s.prefix(20))'"
        case let .integer(i): return "'\(i)'"
        case let .float(d): return "'\(d)'"
        case let .op(o): return "'\(o)'"
        }
    }
}
