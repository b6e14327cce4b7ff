import Base
import Foundation

/// Imports Reddit r/WritingPrompts dumps (prompt, comment, comment score) into grouped prompts for
/// `prepare`.
///
/// Accepted rows, one per JSONL line or CSV row (CSV needs a header; names are case-insensitive):
/// - prompt: `prompt`, `title` or `post_title`; an optional post body (`post_text`, `selftext`) is
///   appended after a newline when not empty (the paper's prompt is `f"{post_title}\n{post_text}"`);
/// - response: `comment`, `body` or `response`, with `score` (a number, or a numeric string);
/// - or, JSONL only, all comments of a post at once: `comment_texts` and `comment_scores` lists (the
///   `euclaise/WritingPrompts_preferences` layout the paper used).
///
/// Comments that are `[deleted]`, `[removed]`, empty, or moderator boilerplate are dropped; with
/// ``ImportOptions/stripTag`` the leading `[WP]`-style tag of the prompt goes too. Prompts with fewer
/// than ``ImportOptions/minimumResponses`` distinct responses are left out.
public struct WritingPromptsImporter: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case jsonl, csv

        /// `.csv` files are CSV, anything else JSON Lines.
        public static func inferred(from url: URL) -> Format { url.pathExtension.lowercased() == "csv" ? .csv : .jsonl }
    }

    static let promptKeys = ["prompt", "title", "post_title"]
    static let bodyKeys = ["post_text", "selftext"]
    static let responseKeys = ["comment", "body", "response"]

    public var options: ImportOptions
    public init(options: ImportOptions = ImportOptions()) { self.options = options }

    /// Reads `url`; `progress` receives the bytes read so far.
    public func read(url: URL, format: Format? = nil, progress: ((Int) -> Void)? = nil) throws -> ImportResult {
        var session = try ImportSession(file: url.path, options: options)
        switch format ?? .inferred(from: url) {
        case .jsonl: try readJSONL(url, into: &session, progress: progress)
        case .csv: try readCSV(url, into: &session, progress: progress)
        }
        return session.finish()
    }

    // MARK: - JSON Lines

    private func readJSONL(_ url: URL, into session: inout ImportSession, progress: ((Int) -> Void)?) throws {
        let decoder = JSONDecoder()
        try JSONLines.forEachLine(of: url, progress: progress) { line, bytes in
            session.summary.records += 1
            do {
                // Plain rows decode straight into a struct; anything else (lists, nulls, string scores,
                // errors) takes the general path, which also words the errors.
                if let row = try? decoder.decode(PlainRow.self, from: bytes) {
                    let prompt = try Self.prompt(title: row.prompt, body: row.body)
                    session.add(prompt: prompt, response: row.response, score: row.score, line: line, dropRemoved: true)
                    return
                }
                let object = try JSONValue.object(from: bytes, decoder: decoder).get()
                let prompt = try Self.prompt(
                    title: Self.firstString(object, Self.promptKeys, required: true) ?? "",
                    body: Self.firstString(object, Self.bodyKeys, required: false))
                if object["comment_texts"] != nil || object["comment_scores"] != nil {
                    for (text, score) in try Self.commentLists(object) {
                        session.add(prompt: prompt, response: text, score: score, line: line, dropRemoved: true)
                    }
                } else {
                    let response = try Self.firstString(object, Self.responseKeys, required: true) ?? ""
                    let score = try ScoreValue.parse(object["score"], field: "score")
                    session.add(prompt: prompt, response: response, score: score, line: line, dropRemoved: true)
                }
            } catch let problem as ImportProblem {
                try session.reject(problem, line: line)
            }
        }
    }

    /// A one-comment row whose first present prompt, body and response keys hold strings and whose
    /// score is a JSON number; decoding throws for every other shape, which then goes the general way.
    private struct PlainRow: Decodable {
        var prompt: String, body: String?, response: String, score: Double

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        struct NotPlain: Error {}

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            func first(_ keys: [String]) throws -> String? {
                guard let key = keys.lazy.map(Key.init(stringValue:)).first(where: c.contains) else { return nil }
                return try c.decode(String.self, forKey: key)
            }
            guard !c.contains(Key(stringValue: "comment_texts")), !c.contains(Key(stringValue: "comment_scores")),
                  let prompt = try first(WritingPromptsImporter.promptKeys),
                  let response = try first(WritingPromptsImporter.responseKeys) else { throw NotPlain() }
            self.prompt = prompt
            self.response = response
            self.body = try first(WritingPromptsImporter.bodyKeys)
            self.score = try c.decode(Double.self, forKey: Key(stringValue: "score"))
            guard score.isFinite else { throw NotPlain() }
        }
    }

    /// The first of `keys` present, which must be a string.
    static func firstString(_ object: [String: JSONValue], _ keys: [String], required: Bool) throws -> String? {
        for key in keys {
            guard let value = object[key] else { continue }
            if case let .string(s) = value { return s }
            if case .null = value, !required { return nil }
            throw ImportProblem(field: key, reason: "expected a string, found \(value.typeName)")
        }
        if required { throw ImportProblem(field: keys.joined(separator: "|"), reason: "missing (one of these keys is needed)") }
        return nil
    }

    static func prompt(title: String, body: String?) throws -> String {
        guard !ImportText.isBlank(title) else {
            throw ImportProblem(field: "prompt", reason: "empty")
        }
        guard let body, !ImportText.isBlank(body) else { return title }
        return title + "\n" + body
    }

    private static func commentLists(_ object: [String: JSONValue]) throws -> [(String, Double)] {
        guard case let .array(texts)? = object["comment_texts"] else {
            throw ImportProblem(field: "comment_texts", reason: object["comment_texts"].map { "expected a list, found \($0.typeName)" } ?? "missing (comment_scores is given)")
        }
        guard case let .array(scores)? = object["comment_scores"] else {
            throw ImportProblem(field: "comment_scores", reason: object["comment_scores"].map { "expected a list, found \($0.typeName)" } ?? "missing (comment_texts is given)")
        }
        guard texts.count == scores.count else {
            throw ImportProblem(field: "comment_scores", reason: "has \(scores.count) entries but comment_texts has \(texts.count)")
        }
        return try zip(texts, scores).enumerated().map { i, pair in
            guard case let .string(text) = pair.0 else {
                throw ImportProblem(field: "comment_texts[\(i)]", reason: "expected a string, found \(pair.0.typeName)")
            }
            return (text, try ScoreValue.parse(pair.1, field: "comment_scores[\(i)]"))
        }
    }

    // MARK: - CSV

    private struct Columns { var prompt: Int; var body: Int?; var response: Int; var score: Int; var count: Int }

    private func readCSV(_ url: URL, into session: inout ImportSession, progress: ((Int) -> Void)?) throws {
        var columns: Columns?
        try CSVReader.forEachRecord(of: url, progress: progress) { record in
            switch record {
            case let .invalid(line, column, reason):
                if columns == nil { throw ImportError(file: url.path, line: line, column: column, field: "header", reason: reason) }
                session.summary.records += 1
                try session.reject(ImportError(file: url.path, line: line, column: column, reason: reason))
            case let .fields(fields, line):
                guard let layout = columns else { columns = try Self.columns(fromHeader: fields, file: url.path, line: line); return }
                session.summary.records += 1
                guard fields.count == layout.count else {
                    let last = fields[fields.count - 1]
                    try session.reject(ImportError(file: url.path, line: last.line, column: last.column,
                                                   reason: "row has \(fields.count) fields but the header has \(layout.count) (an unbalanced quote?)"))
                    return
                }
                do {
                    let prompt = try Self.prompt(title: fields[layout.prompt].text, body: layout.body.map { fields[$0].text })
                    let score = try ScoreValue.parse(text: fields[layout.score].text, field: "score")
                    session.add(prompt: prompt, response: fields[layout.response].text, score: score, line: line, dropRemoved: true)
                } catch let problem as ImportProblem {
                    let at = problem.field == "score" ? fields[layout.score] : fields[layout.prompt]
                    try session.reject(problem, line: at.line, column: at.column)
                }
            }
        }
        if columns == nil { throw ImportError(file: url.path, line: 1, field: "header", reason: "the CSV file is empty (a header row is needed)") }
    }

    private static func columns(fromHeader fields: [CSVField], file: String, line: Int) throws -> Columns {
        let names = fields.map { $0.text.trimmingCharacters(in: .whitespaces).lowercased() }
        func find(_ keys: [String]) -> Int? { keys.lazy.compactMap { names.firstIndex(of: $0) }.first }
        func require(_ keys: [String]) throws -> Int {
            guard let index = find(keys) else {
                throw ImportError(file: file, line: line, field: "header",
                                  reason: "no \(keys.joined(separator: "/")) column (found: \(names.joined(separator: ", ")))")
            }
            return index
        }
        return Columns(prompt: try require(promptKeys), body: find(bodyKeys),
                       response: try require(responseKeys), score: try require(["score"]),
                       count: fields.count)
    }
}
