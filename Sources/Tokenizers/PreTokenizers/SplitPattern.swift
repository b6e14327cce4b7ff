import Foundation

/// A `tokenizer.json` pattern: `{"String": "..."}` (a literal) or `{"Regex": "..."}` (Oniguruma
/// syntax in HF; ICU via `NSRegularExpression` here, which agrees on the constructs tokenizers use:
/// `\p{L}`, `\p{N}`, `\s` = Unicode White_Space, `(?i:…)`, `(?!\S)`, `{1,3}` — checked against HF
/// on the fixture strings).
enum SplitPattern: Decodable, Sendable, Equatable {
    case string(String)
    case regex(String)

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        if let literal = try c.decodeIfPresent(String.self, forKey: JSONKey("String")) {
            self = .string(literal)
        } else if let regex = try c.decodeIfPresent(String.self, forKey: JSONKey("Regex")) {
            self = .regex(regex)
        } else {
            throw TokenizerError.invalid(source: "", field: TokenizerError.jsonPath(c.codingPath),
                                         reason: "expected {\"String\": …} or {\"Regex\": …}")
        }
    }

    /// The compiled matcher (regexes are compiled once and shared: see `CompiledPattern.cache`).
    func compile() throws -> CompiledPattern {
        switch self {
        case let .string(literal): return try CompiledPattern.cached(NSRegularExpression.escapedPattern(for: literal))
        case let .regex(pattern): return try CompiledPattern.cached(pattern)
        }
    }
}

/// A piece of text and whether it was matched by the pattern that produced it.
struct Segment: Sendable {
    var text: String
    var isMatch: Bool
}

/// A compiled regular expression that cuts text into matched and unmatched segments.
/// `NSRegularExpression` is immutable and thread-safe once built.
struct CompiledPattern: @unchecked Sendable {
    let regex: NSRegularExpression

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [String: NSRegularExpression] = [:]

    /// Compiling the GPT-2/Llama-3 patterns costs far more than using them, and every tokenizer
    /// built from the same family shares them, so compiled regexes are kept per pattern string.
    static func cached(_ pattern: String) throws -> CompiledPattern {
        lock.lock()
        defer { lock.unlock() }
        if let hit = cache[pattern] { return CompiledPattern(regex: hit) }
        let regex: NSRegularExpression
        do { regex = try NSRegularExpression(pattern: pattern) } catch {
            throw TokenizerError.invalid(source: "", field: "pattern", reason: "regex /\(pattern)/ does not compile: \(error)")
        }
        cache[pattern] = regex
        return CompiledPattern(regex: regex)
    }

    /// `text` as consecutive segments covering it exactly: each match (flagged) and the text
    /// between matches (HF `Pattern::find_matches`). Empty matches are dropped.
    func segments(of text: String) -> [Segment] {
        if text.isEmpty { return [] }
        let ns = text as NSString
        var out: [Segment] = []
        var covered = 0
        regex.enumerateMatches(in: text, range: NSRange(location: 0, length: ns.length)) { match, _, _ in
            guard let range = match?.range, range.length > 0 else { return }
            if range.location > covered {
                out.append(Segment(text: ns.substring(with: NSRange(location: covered, length: range.location - covered)), isMatch: false))
            }
            out.append(Segment(text: ns.substring(with: range), isMatch: true))
            covered = range.location + range.length
        }
        if covered < ns.length { out.append(Segment(text: ns.substring(from: covered), isMatch: false)) }
        return out
    }
}
