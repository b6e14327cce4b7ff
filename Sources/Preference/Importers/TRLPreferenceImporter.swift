import Base
import Foundation

/// Imports Hugging Face preference datasets in TRL form (docs/formats.md §3.2) into grouped prompts: the
/// chosen and rejected responses of every row with the same prompt are merged into one prompt.
///
/// Each JSONL line has `chosen` and `rejected`, each either a string (standard form) or a list of
/// `{"role", "content"}` messages (conversational form; the last assistant message is the response),
/// and usually `prompt` (a string or a message list; the last user message is the prompt text).
/// Without `prompt`, conversational rows take it from the last user message before the response
/// (TRL's implicit prompt), which must agree between chosen and rejected.
///
/// Scores: `score_chosen` and `score_rejected` when both are present; when both are missing (or
/// null) the chosen response scores **1** and the rejected **0**. A response seen in several rows
/// gets the mean of its scores, so with the defaults a response's score is its win rate.
public struct TRLPreferenceImporter: Sendable {
    public var options: ImportOptions
    public init(options: ImportOptions = ImportOptions()) { self.options = options }

    /// The default scores when a row has none.
    public static let defaultChosenScore = 1.0, defaultRejectedScore = 0.0

    public func read(url: URL, progress: ((Int) -> Void)? = nil) throws -> ImportResult {
        var session = try ImportSession(file: url.path, options: options)
        try JSONLines.forEachObject(of: url, progress: progress) { line, parsed in
            session.summary.records += 1
            do {
                let row = try Self.row(parsed.get())
                session.add(prompt: row.prompt, response: row.chosen, score: row.scoreChosen, line: line, dropRemoved: false)
                session.add(prompt: row.prompt, response: row.rejected, score: row.scoreRejected, line: line, dropRemoved: false)
            } catch let problem as ImportProblem {
                try session.reject(problem, line: line)
            }
        }
        return session.finish()
    }

    struct Row: Equatable { var prompt, chosen, rejected: String; var scoreChosen, scoreRejected: Double }

    static func row(_ object: [String: JSONValue]) throws -> Row {
        guard let chosenValue = object["chosen"] else { throw ImportProblem(field: "chosen", reason: "missing") }
        guard let rejectedValue = object["rejected"] else { throw ImportProblem(field: "rejected", reason: "missing") }
        let chosen = try completion(chosenValue, field: "chosen")
        let rejected = try completion(rejectedValue, field: "rejected")
        let prompt: String
        switch object["prompt"] {
        case let .string(s)?: prompt = s
        case let .array(messages)?:
            prompt = try lastContent(of: "user", in: messages, field: "prompt")
        case nil, .null?:
            guard let fromChosen = chosen.implicitPrompt, let fromRejected = rejected.implicitPrompt else {
                throw ImportProblem(field: "prompt", reason: "missing (rows without a prompt need chosen and rejected as conversations that include the user turn)")
            }
            guard fromChosen == fromRejected else {
                throw ImportProblem(field: "prompt", reason: "missing, and the user turns of chosen and rejected differ")
            }
            prompt = fromChosen
        case let other?:
            throw ImportProblem(field: "prompt", reason: "expected a string or a list of messages, found \(other.typeName)")
        }
        guard !ImportText.isBlank(prompt) else { throw ImportProblem(field: "prompt", reason: "empty") }
        let scores = try Self.scores(object)
        return Row(prompt: prompt, chosen: chosen.text, rejected: rejected.text, scoreChosen: scores.0, scoreRejected: scores.1)
    }

    private static func scores(_ object: [String: JSONValue]) throws -> (Double, Double) {
        func present(_ key: String) -> JSONValue? {
            if case .null? = object[key] { return nil }
            return object[key]
        }
        switch (present("score_chosen"), present("score_rejected")) {
        case (nil, nil): return (defaultChosenScore, defaultRejectedScore)
        case let (c?, r?): return (try ScoreValue.parse(c, field: "score_chosen"), try ScoreValue.parse(r, field: "score_rejected"))
        case (nil, _?): throw ImportProblem(field: "score_chosen", reason: "missing while score_rejected is given")
        case (_?, nil): throw ImportProblem(field: "score_rejected", reason: "missing while score_chosen is given")
        }
    }

    /// A response: the string itself, or the last assistant message of a conversation (plus the
    /// user turn before it, the implicit prompt).
    private static func completion(_ value: JSONValue, field: String) throws -> (text: String, implicitPrompt: String?) {
        switch value {
        case let .string(s): return (s, nil)
        case let .array(messages):
            let parsed = try messages.enumerated().map { try message($1, field: "\(field)[\($0)]") }
            guard let last = parsed.lastIndex(where: { $0.role == "assistant" }) else {
                throw ImportProblem(field: field, reason: "has no assistant message")
            }
            let prompt = parsed[..<last].last(where: { $0.role == "user" })?.content
            return (parsed[last].content, prompt)
        default:
            throw ImportProblem(field: field, reason: "expected a string or a list of messages, found \(value.typeName)")
        }
    }

    private static func lastContent(of role: String, in messages: [JSONValue], field: String) throws -> String {
        let parsed = try messages.enumerated().map { try message($1, field: "\(field)[\($0)]") }
        guard let found = parsed.last(where: { $0.role == role }) else {
            throw ImportProblem(field: field, reason: "has no \(role) message")
        }
        return found.content
    }

    /// `{"role": str, "content": str}`, or content as a list of parts `[{"type": "text", "text": str}]`
    /// (joined; non-text parts are refused, since a text dataset cannot carry them).
    private static func message(_ value: JSONValue, field: String) throws -> (role: String, content: String) {
        guard case let .object(o) = value else { throw ImportProblem(field: field, reason: "expected a message object, found \(value.typeName)") }
        guard case let .string(role)? = o["role"] else {
            throw ImportProblem(field: "\(field).role", reason: o["role"].map { "expected a string, found \($0.typeName)" } ?? "missing")
        }
        switch o["content"] {
        case let .string(text)?: return (role, text)
        case let .array(parts)?:
            let texts = try parts.enumerated().map { i, part -> String in
                guard case let .string(text)? = part["text"], part["type"] == nil || part["type"] == .string("text") else {
                    throw ImportProblem(field: "\(field).content[\(i)]", reason: "expected a text part {\"type\": \"text\", \"text\": str}")
                }
                return text
            }
            return (role, texts.joined())
        case let other?: throw ImportProblem(field: "\(field).content", reason: "expected a string, found \(other.typeName)")
        case nil: throw ImportProblem(field: "\(field).content", reason: "missing")
        }
    }
}
