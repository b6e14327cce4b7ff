/// The parsed template: statements and expressions of the Jinja subset chat templates use.
indirect enum JinjaNode {
    case text(String)
    case output(JinjaExpr)
    case conditional(branches: [(JinjaExpr, [JinjaNode])], otherwise: [JinjaNode])
    case loop(targets: [String], iterable: JinjaExpr, filter: JinjaExpr?, body: [JinjaNode], otherwise: [JinjaNode])
    case assign(target: [String], value: JinjaExpr)            // `set x = …` or `set ns.attr = …`
    case assignBlock(name: String, body: [JinjaNode])           // `set x %}…{% endset`
    case macro(name: String, parameters: [(String, JinjaExpr?)], body: [JinjaNode])
    case block([JinjaNode])                                     // `generation` blocks render their body
    case loopControl(isBreak: Bool)
}

indirect enum JinjaExpr {
    case literal(JinjaValue)
    case name(String)
    case list([JinjaExpr])
    case dict([(JinjaExpr, JinjaExpr)])
    case attribute(JinjaExpr, String)
    case subscriptIndex(JinjaExpr, JinjaExpr)
    case slice(JinjaExpr, JinjaExpr?, JinjaExpr?, JinjaExpr?)
    case call(JinjaExpr, [JinjaExpr], [(String, JinjaExpr)])
    case filter(JinjaExpr, String, [JinjaExpr], [(String, JinjaExpr)])
    case test(JinjaExpr, String, negated: Bool, [JinjaExpr])
    case unary(String, JinjaExpr)
    case binary(String, JinjaExpr, JinjaExpr)
    case ternary(value: JinjaExpr, condition: JinjaExpr, otherwise: JinjaExpr?)
}
