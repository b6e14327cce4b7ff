/// What one render has left of its ``TemplateLimits``, checked as the interpreter goes: every
/// check throws ``ChatTemplateError/limitExceeded(_:)`` (never a `TemplateFailure`, so the
/// message is not dressed as an ordinary runtime error).
final class RenderBudget {
    let limits: TemplateLimits
    private let clock = ContinuousClock()
    private let deadline: ContinuousClock.Instant
    private var iterations = 0
    private var steps = 0
    /// Nested evaluations now open (expressions, blocks, macro bodies): bounds the interpreter's recursion.
    private var depth = 0

    init(_ limits: TemplateLimits) {
        self.limits = limits
        deadline = clock.now.advanced(by: limits.timeLimit)
    }

    /// Evaluation may nest two levels per source level: the tree a parse accepts can be deeper
    /// than its count of open levels (chains inside brackets), and macro bodies add up.
    var maxDepth: Int { limits.maxNesting * 2 }

    /// Runs `body` one evaluation level deeper; also where the clock is looked at.
    func nested<T>(_ body: () throws -> T) throws -> T {
        guard depth < maxDepth else {
            throw ChatTemplateError.limitExceeded("rendering nests deeper than \(maxDepth) levels (expressions, blocks and macro calls)")
        }
        try tick()
        depth += 1
        defer { depth -= 1 }
        return try body()
    }

    /// One iteration of a `for` loop.
    func iteration() throws {
        iterations += 1
        guard iterations <= limits.maxLoopIterations else {
            throw ChatTemplateError.limitExceeded("the render ran more than \(limits.maxLoopIterations) loop iterations")
        }
        try checkTime()
    }

    /// Reads the clock every 64 steps (reading it costs more than most steps).
    func tick() throws {
        steps &+= 1
        if steps & 63 == 0 { try checkTime() }
    }

    func checkTime() throws {
        guard clock.now < deadline else {
            throw ChatTemplateError.limitExceeded("rendering took longer than \(Self.seconds(limits.timeLimit)) s")
        }
    }

    /// The output (or a captured block) so far.
    func checkOutput(_ text: String) throws {
        guard text.utf8.count <= limits.maxOutputBytes else {
            throw ChatTemplateError.limitExceeded("the output is longer than \(limits.maxOutputBytes) bytes")
        }
    }

    /// Throws unless a string of `bytes` UTF-8 bytes may be built (checked before building it).
    func checkLength(_ bytes: Int) throws {
        guard bytes <= limits.maxValueSize else {
            throw ChatTemplateError.limitExceeded("a string would be larger than \(limits.maxValueSize) bytes")
        }
    }

    /// `value`, once its own length (not its contents') is within the size limit: O(1), for loops
    /// that grow one value step by step (`sum`).
    func checkedCount(_ value: JinjaValue) throws -> JinjaValue {
        let count: Int
        switch value {
        case let .string(s): count = s.utf8.count
        case let .array(items): count = items.count
        case let .object(object): count = object.count
        default: count = 0
        }
        guard count <= limits.maxValueSize else { throw tooLarge }
        return value
    }

    /// `value`, once it is known to be within the size and nesting limits.
    func checked(_ value: JinjaValue) throws -> JinjaValue {
        switch value {
        case let .string(s):
            try checkLength(s.utf8.count)
        case .array, .object:
            switch value.measure(maxSize: limits.maxValueSize, maxDepth: limits.maxNesting) {
            case .fits: break
            case .tooLarge: throw tooLarge
            case .tooDeep: throw ChatTemplateError.limitExceeded("a value is nested deeper than \(limits.maxNesting) levels")
            }
        default: break
        }
        return value
    }

    private var tooLarge: ChatTemplateError {
        .limitExceeded("a value would be larger than \(limits.maxValueSize) bytes as printed")
    }

    static func seconds(_ d: Duration) -> String {
        let value = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return value == value.rounded() ? String(Int(value)) : String(value)
    }
}
