import Base
import Foundation

/// One response to a prompt with its quality score (raw upvotes in the paper).
public struct ScoredResponse: Hashable, Sendable {
    public var text: String
    public var score: Double
    public init(text: String, score: Double) { self.text = text; self.score = score }
}

/// A prompt with all its responses, in input order.
public struct PromptResponses: Hashable, Sendable {
    public var prompt: String
    public var responses: [ScoredResponse]
    /// 1-based line of the prompt's first appearance in the input (0 when built in memory).
    public var line: Int
    public init(prompt: String, responses: [ScoredResponse], line: Int = 0) {
        self.prompt = prompt; self.responses = responses; self.line = line
    }
}

/// A line (or prompt) left out under `skipInvalid`, with the reason.
public struct SkippedLine: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var reason: String
    public var description: String { "\(file):\(line): \(reason)" }
}

/// Input layouts of scored responses (JSON Lines, one object per line; blank lines ignored):
/// - grouped: `{"prompt": str, "responses": [{"text": str, "score": number}, …]}`
/// - flat: `{"prompt": str, "response": str, "score": number}`
/// - auto: per line, grouped if the object has a `responses` key, else flat.
public enum PreferenceInputFormat: String, Sendable, CaseIterable {
    case auto, grouped, flat
}

/// Scored responses grouped by prompt, in order of the prompt's first appearance (lines with the
/// same prompt, in either layout, are merged).
///
/// Rejected input: malformed JSON, missing fields, wrong types, non-finite scores (numbers too
/// large for Float64), and prompts that end up with fewer than two responses. By default the first
/// such problem throws ``PreferenceError/invalidLine(file:line:reason:)``; with `skipInvalid` the
/// line (or prompt) is left out and listed in ``skipped``.
public struct PreferenceDataset: Sendable {
    public var prompts: [PromptResponses]
    public var skipped: [SkippedLine]

    public init(prompts: [PromptResponses], skipped: [SkippedLine] = []) {
        self.prompts = prompts; self.skipped = skipped
    }

    /// Total number of responses over all prompts.
    public var responseCount: Int { prompts.reduce(0) { $0 + $1.responses.count } }

    public static func read(url: URL, format: PreferenceInputFormat = .auto, skipInvalid: Bool = false) throws -> PreferenceDataset {
        let file = url.path
        var order: [String: Int] = [:]
        var prompts: [PromptResponses] = []
        var skipped: [SkippedLine] = []
        let decoder = JSONDecoder()
        try JSONLines.forEachLine(of: url, progress: nil) { number, bytes in
            guard bytes.contains(where: { !isJSONWhitespace($0) }) else { return }
            let parsed: (prompt: String, responses: [ScoredResponse])
            do {
                parsed = try parse(bytes, format: format, decoder: decoder)
            } catch let reason as LineProblem {
                if skipInvalid { skipped.append(SkippedLine(file: file, line: number, reason: reason.text)); return }
                throw PreferenceError.invalidLine(file: file, line: number, reason: reason.text)
            }
            if let index = order[parsed.prompt] {
                prompts[index].responses += parsed.responses
            } else {
                order[parsed.prompt] = prompts.count
                prompts.append(PromptResponses(prompt: parsed.prompt, responses: parsed.responses, line: number))
            }
        }
        var kept: [PromptResponses] = []
        for group in prompts {
            if group.responses.count >= 2 { kept.append(group); continue }
            let reason = "prompt has \(group.responses.count) response(s); at least 2 are needed for pairs"
            if !skipInvalid { throw PreferenceError.invalidLine(file: file, line: group.line, reason: reason) }
            skipped.append(SkippedLine(file: file, line: group.line, reason: reason))
        }
        skipped.sort { $0.line < $1.line }
        return PreferenceDataset(prompts: kept, skipped: skipped)
    }

    // MARK: - Line parsing

    private struct LineProblem: Error { var text: String }

    private struct FlatLine: Decodable { var prompt: String; var response: String; var score: Double }
    private struct GroupedLine: Decodable {
        struct Response: Decodable { var text: String; var score: Double }
        var prompt: String
        var responses: [Response]
    }
    private struct KeyProbe: Decodable {
        var hasResponses: Bool
        init(from decoder: Decoder) throws {
            hasResponses = try decoder.container(keyedBy: AnyKey.self).contains(AnyKey(stringValue: "responses"))
        }
    }
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static func parse(_ bytes: Data, format: PreferenceInputFormat, decoder: JSONDecoder) throws -> (prompt: String, responses: [ScoredResponse]) {
        do {
            var grouped = format == .grouped
            if format == .auto { grouped = try decoder.decode(KeyProbe.self, from: bytes).hasResponses }
            let result: (String, [ScoredResponse])
            if grouped {
                let line = try decoder.decode(GroupedLine.self, from: bytes)
                result = (line.prompt, line.responses.map { ScoredResponse(text: $0.text, score: $0.score) })
            } else {
                let line = try decoder.decode(FlatLine.self, from: bytes)
                result = (line.prompt, [ScoredResponse(text: line.response, score: line.score)])
            }
            if let bad = result.1.firstIndex(where: { !$0.score.isFinite }) {
                throw LineProblem(text: "score of response \(bad) is not a finite number")
            }
            if let key = JSONDuplicateKeys.first(in: bytes) { throw LineProblem(text: "field '\(key)' appears twice in one object") }
            return result
        } catch let error as DecodingError {
            throw LineProblem(text: describe(error))
        }
    }

    /// A short reason naming the field: "missing field 'score' (responses[1])", "field 'score': expected a number".
    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop(while: { $0 == "." }).description
        }
        switch error {
        case let .keyNotFound(key, context):
            let at = path(context.codingPath)
            return "missing field '\(key.stringValue)'" + (at.isEmpty ? "" : " in \(at)")
        case let .typeMismatch(type, context), let .valueNotFound(type, context):
            let expected = type == Double.self ? "a number" : type == String.self ? "a string" : "\(type)"
            return "field '\(path(context.codingPath))': expected \(expected)"
        case let .dataCorrupted(context):
            let underlying = (context.underlyingError as NSError?)?.localizedDescription ?? context.debugDescription
            return context.codingPath.isEmpty ? "malformed JSON (\(underlying))" : "field '\(path(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func isJSONWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
}
