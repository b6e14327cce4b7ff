import Base
import Foundation

/// The prompt a judge shows the model, with the two words it may answer (docs/creative.md §3).
///
/// A template file's first line declares the answer words, the positive one first
/// (`answers: Yes / No`; pairwise `answers: A / B`, A meaning the first idea shown is better); the
/// rest is the prompt, with `{field}` placeholders filled from the labelled row's string fields
/// (pairwise: `{idea_a}` and `{idea_b}` are the two ideas, other fields the brief they share).
/// Both answer words must appear in the prompt — a model is only asked what it is told it may
/// answer — and the idea placeholders the mode needs must be there.
public struct JudgeTemplate: Sendable, Equatable {
    /// `pointwise` and `pairwise` judge ideas; `response` judges one written response to a request
    /// (a headline, an art direction: ``ResponseJudge``).
    public enum Mode: String, Sendable {
        case pointwise, pairwise, response

        /// The placeholders a template of the mode must have, and those that belong to another mode.
        var needed: [String] { self == .pointwise ? ["idea"] : self == .pairwise ? ["idea_a", "idea_b"] : ["response"] }
        var forbidden: [String] { self == .pointwise ? ["idea_a", "idea_b"] : self == .pairwise ? ["idea"] : ["idea", "idea_a", "idea_b"] }
    }

    public var mode: Mode
    public var prompt: String
    /// The positive answer (`Yes`; pairwise: the first idea is better) and the negative one.
    public var positive: String
    public var negative: String
    /// Where the template came from, for errors.
    public var source: String

    /// The placeholders in order of first use.
    public var fields: [String] {
        var seen: [String] = []
        for name in Self.placeholders(in: prompt).map(\.name) where !seen.contains(name) { seen.append(name) }
        return seen
    }

    public static let defaultPointwise = """
        answers: Yes / No
        You are an experienced advertising creative director judging ideas for a brief.
        Brand: {brand}
        Problem: {problem}
        Idea: {idea}
        Is this a good idea for the brief — specific, surprising, on-brief and feasible? Answer Yes or No.
        """

    public static let defaultPairwise = """
        answers: A / B
        You are an experienced advertising creative director comparing two ideas for a brief.
        Brand: {brand}
        Problem: {problem}
        Idea A: {idea_a}
        Idea B: {idea_b}
        Which idea is better for the brief — more specific, surprising, on-brief and feasible? Answer A or B.
        """

    /// The built-in idea template of `mode` (a response judge's are per task: ``ResponseJudge/Task/template``).
    public static func builtIn(_ mode: Mode) -> JudgeTemplate {
        // The built-in texts are valid by construction (tested).
        switch mode {
        case .pointwise: return try! parse(defaultPointwise, mode: mode, source: "the built-in pointwise template")
        case .pairwise: return try! parse(defaultPairwise, mode: mode, source: "the built-in pairwise template")
        case .response: return ResponseJudge.Task.headline.template
        }
    }

    /// Reads a template file.
    public static func load(file: URL, mode: Mode) throws -> JudgeTemplate {
        let data: Data
        do { data = try Data(contentsOf: file) } catch { throw FileError(path: file.path, reason: "cannot read the template (\(error.localizedDescription))") }
        guard let text = String(data: data, encoding: .utf8) else { throw FileError(path: file.path, reason: "invalid UTF-8") }
        return try parse(text, mode: mode, source: file.path)
    }

    /// Parses template text; errors name `source` and the line.
    public static func parse(_ text: String, mode: Mode, source: String) throws -> JudgeTemplate {
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        let header = lines.removeFirst()
        let example = mode == .pairwise ? "answers: A / B" : "answers: Yes / No"
        guard header.hasPrefix("answers:") else {
            throw FileError(path: source, line: 1, reason: "the first line must declare the two answer words, e.g. `\(example)`")
        }
        let words = header.dropFirst("answers:".count).split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) }
        guard words.count == 2, words.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }), words[0] != words[1] else {
            throw FileError(path: source, line: 1, reason: "declare exactly two different one-word answers, positive first, e.g. `\(example)`")
        }
        let prompt = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !prompt.isEmpty else { throw FileError(path: source, line: 2, reason: "the template has no prompt after its answers line") }
        for word in words where !containsWord(prompt, word) {
            throw FileError(path: source, line: 1, reason: "the answer word \"\(word)\" does not appear in the prompt: tell the model it may answer it")
        }
        let template = JudgeTemplate(mode: mode, prompt: prompt, positive: words[0], negative: words[1], source: source)
        for name in mode.needed where !template.fields.contains(name) {
            throw FileError(path: source, reason: "a \(mode.rawValue) template needs the placeholder {\(name)}")
        }
        for name in mode.forbidden where template.fields.contains(name) {
            let owner = name == "idea" ? "pointwise" : "pairwise"
            throw FileError(path: source, reason: "{\(name)} belongs in a \(owner) template; use {\(mode.needed.joined(separator: "} and {"))}")
        }
        return template
    }

    /// The prompt with each `{field}` replaced by `values[field]` (all present: callers check).
    public func render(_ values: [String: String]) -> String {
        var out = ""
        var cursor = prompt.startIndex
        for p in Self.placeholders(in: prompt) {
            out += prompt[cursor..<p.range.lowerBound]
            out += values[p.name] ?? ""
            cursor = p.range.upperBound
        }
        return out + prompt[cursor...]
    }

    /// `{identifier}` occurrences (letters, digits and `_`, not starting with a digit).
    static func placeholders(in text: String) -> [(name: String, range: Range<String.Index>)] {
        var found: [(String, Range<String.Index>)] = []
        var i = text.startIndex
        while let open = text[i...].firstIndex(of: "{") {
            guard let close = text[text.index(after: open)...].firstIndex(where: { $0 == "}" || $0 == "{" }) else { break }
            let name = String(text[text.index(after: open)..<close])
            if text[close] == "}", let first = name.first, first == "_" || first.isLetter,
               name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) {
                found.append((name, open..<text.index(after: close)))
                i = text.index(after: close)
            } else {
                i = close
            }
        }
        return found
    }

    /// Whether `word` occurs in `text` with no letter or digit right before or after it.
    static func containsWord(_ text: String, _ word: String) -> Bool {
        var search = text.startIndex..<text.endIndex
        while let r = text.range(of: word, range: search) {
            let before = r.lowerBound == text.startIndex ? nil : text[text.index(before: r.lowerBound)]
            let after = r.upperBound == text.endIndex ? nil : text[r.upperBound]
            if !(before?.isLetter ?? false || before?.isNumber ?? false), !(after?.isLetter ?? false || after?.isNumber ?? false) { return true }
            search = r.upperBound..<text.endIndex
        }
        return false
    }
}
