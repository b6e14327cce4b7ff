/// The parsed template: statements (nodes) and expressions of the Jinja subset chat templates use.
indirect enum Node: Sendable {
    case text(String)
    case output(Expr, SourceLocation)
    case ifBlock(branches: [(condition: Expr, body: [Node])], otherwise: [Node])
    case forLoop(ForLoop)
    /// `{% set a = … %}`, `{% set a, b = … %}` (names) or `{% set ns.attr = … %}` (attribute).
    case set(target: AssignTarget, value: Expr, SourceLocation)
    /// `{% set name %}…{% endset %}`, optionally filtered (`{% set x | trim %}`).
    case setBlock(name: String, filters: [FilterCall], body: [Node])
    case macro(Macro)
    /// `{% call(params) macro(args) %}body{% endcall %}`.
    case callBlock(call: Expr, parameters: [Macro.Parameter], body: [Node], SourceLocation)
    /// `{% filter name(args) %}…{% endfilter %}`.
    case filterBlock(filters: [FilterCall], body: [Node])
    /// `{% with a = 1 %}…{% endwith %}`.
    case with(assignments: [(String, Expr)], body: [Node])
    /// Blocks that just render their body: `{% generation %}` (transformers' assistant masks).
    case scope([Node])
    case loopControl(isBreak: Bool, SourceLocation)
}

enum AssignTarget: Sendable {
    case names([String])
    case attribute(object: String, attribute: String)
}

struct ForLoop: Sendable {
    let targets: [String]
    let iterable: Expr
    let filter: Expr?
    let body: [Node]
    let otherwise: [Node]
    let location: SourceLocation
}

struct Macro: Sendable {
    struct Parameter: Sendable { let name: String; let defaultValue: Expr? }
    let name: String
    let parameters: [Parameter]
    let body: [Node]
}

struct FilterCall: Sendable {
    let name: String
    let arguments: [Expr]
    let keywords: [(String, Expr)]
    let location: SourceLocation
}

indirect enum Expr: Sendable {
    case literal(JinjaValue)
    case name(String, SourceLocation)
    case list([Expr])
    case dict([(Expr, Expr)], SourceLocation)
    case attribute(Expr, String)
    case item(Expr, Expr)
    case slice(Expr, start: Expr?, stop: Expr?, step: Expr?, SourceLocation)
    case call(Expr, arguments: [Expr], keywords: [(String, Expr)], SourceLocation)
    case filter(Expr, FilterCall)
    case test(Expr, name: String, negated: Bool, arguments: [Expr], SourceLocation)
    case not(Expr)
    case negate(Expr, SourceLocation)
    case and(Expr, Expr)
    case or(Expr, Expr)
    case binary(String, Expr, Expr, SourceLocation)
    /// `a < b < c` chains like Python.
    case compare(Expr, [(op: String, Expr)], SourceLocation)
    case concat([Expr])
    case conditional(value: Expr, condition: Expr, otherwise: Expr?)
}
