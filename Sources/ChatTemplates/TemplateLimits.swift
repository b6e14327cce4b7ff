/// Bounds on the work one chat template may cause, so that a template inside a downloaded model
/// cannot crash or hang the process (or server) that renders it. Each limit, when reached, throws
/// ``ChatTemplateError/limitExceeded(_:)`` naming it; nothing is rendered past it.
///
/// | limit | default | what it bounds |
/// |---|---|---|
/// | ``maxNesting`` | 200 | nesting in the source (parsing), of values, and of evaluation |
/// | ``maxMacroDepth`` | 100 | macro calls inside macro calls (recursion), `caller()` included |
/// | ``maxLoopIterations`` | 1,000,000 | `for` iterations over a whole render, filtered-out items included |
/// | ``maxOutputBytes`` | 16 MiB | the rendered text, and any block captured by `set` / `filter` / a macro |
/// | ``maxValueSize`` | 16 MiB | any string (UTF-8 bytes) or list/dict (its size as printed) |
/// | ``timeLimit`` | 5 s | wall-clock time of one render |
///
/// Real templates stay far below all of them (the fixtures nest < 20 levels and render in
/// milliseconds); jinja2 itself gives up near 100 levels of nesting (Python's recursion limit).
public struct TemplateLimits: Sendable, Equatable {
    /// Levels of nesting. In the source, every open statement block, bracket, call or filter
    /// argument list, unary operator, `not`, `else` branch, and every link of an operator,
    /// filter, attribute or subscript chain counts one level; a deeper template fails to parse.
    /// Values (lists in lists, dicts in dicts) and evaluation (expressions inside statements
    /// inside macros) may nest at most this many levels too, times two for evaluation, which
    /// also climbs through every macro call.
    public var maxNesting = 200
    /// Nested macro calls: a recursive macro stops here.
    public var maxMacroDepth = 100
    /// Iterations of all `for` loops of one render together.
    public var maxLoopIterations = 1_000_000
    /// UTF-8 bytes of the output and of every captured block.
    public var maxOutputBytes = 16 << 20
    /// The size of any one value: a string's UTF-8 bytes; for a list or dict, its size as
    /// printed, 8 bytes per value inside plus their strings' bytes (a list holding the same list
    /// twice counts it twice).
    public var maxValueSize = 16 << 20
    /// Wall-clock time of one render.
    public var timeLimit: Duration = .seconds(5)

    public init() {}
}
