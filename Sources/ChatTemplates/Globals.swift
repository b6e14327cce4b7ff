import Foundation

/// What the host provides to a render beyond the context: the clock behind `strftime_now`.
struct Environment {
    var now: @Sendable () -> Date
    var timeZone: TimeZone
}

/// Global functions: jinja2's `range`, `namespace`, `dict`, and transformers' `raise_exception`
/// and `strftime_now` (`transformers/utils/chat_template_utils.py`).
enum Globals {
    static let names: Set<String> = ["range", "namespace", "dict", "raise_exception", "strftime_now"]

    /// jinja2's sandbox refuses ranges longer than this (`MAX_RANGE`).
    static let maxRange = 100_000

    static func call(_ name: String, _ args: [JinjaValue], _ keywords: [(String, JinjaValue)], environment: Environment) throws -> JinjaValue {
        switch name {
        case "raise_exception":
            throw ChatTemplateError.raised(args.first?.rendered ?? keywords.first?.1.rendered ?? "")
        case "namespace", "dict":
            var object = JinjaObject()
            for a in args {
                guard case let .object(o) = a else { throw TemplateFailure("\(name)() positional argument must be a mapping") }
                for (k, v) in o { object[k] = v }
            }
            for (k, v) in keywords { object[k] = v }
            return .object(object)
        case "range":
            let bounds = try args.map { v -> Int in
                guard let i = Operators.integer(v) else { throw TemplateFailure("range() arguments must be integers, got \(v.typeName)") }
                return i
            }
            let (start, stop, step): (Int, Int, Int)
            switch bounds.count {
            case 1: (start, stop, step) = (0, bounds[0], 1)
            case 2: (start, stop, step) = (bounds[0], bounds[1], 1)
            case 3: (start, stop, step) = (bounds[0], bounds[1], bounds[2])
            default: throw TemplateFailure("range expected 1 to 3 arguments, got \(bounds.count)")
            }
            guard step != 0 else { throw TemplateFailure("range() arg 3 must not be zero") }
            let values = Swift.stride(from: start, to: stop, by: step)
            guard values.underestimatedCount <= maxRange else { throw TemplateFailure("range too big; the sandbox allows \(maxRange) items") }
            return .array(values.map { .int($0) })
        case "strftime_now":
            guard let format = args.first?.stringValue else { throw TemplateFailure("strftime_now() needs a format string") }
            return .string(Strftime.format(format, date: environment.now(), timeZone: environment.timeZone))
        default:
            throw TemplateFailure("'\(name)' is undefined")
        }
    }
}
