import ChatTemplates
import Foundation
import Models
import Tokenizers

/// Reads SFT or preference JSONL and tokenizes it for one model.
///
/// SFT rows: `{"prompt", "completion"}`, `{"messages": [...]}` (last assistant turn is the
/// completion) or `{"text"}`. Preference rows (TRL): `{"prompt", "chosen", "rejected"}` as strings
/// or message lists, with optional `weight`, else `score_chosen + 1` (Chung et al.'s DDPO/DORPO
/// weight), else 1. Prompts go through the chat template; completions are the raw text plus EOS.
public struct TrainingDataset {
    public enum Kind: Sendable { case sft, preference }

    public var examples: [TrainingExample]
    /// Examples shortened by the length limits.
    public var truncatedCount: Int

    public init(examples: [TrainingExample], truncatedCount: Int = 0) {
        self.examples = examples
        self.truncatedCount = truncatedCount
    }

    public static func load(file: URL, kind: Kind, renderer: PromptRenderer, truncation: Truncation) throws -> TrainingDataset {
        let path = file.path
        guard let data = try? Data(contentsOf: file), let text = String(data: data, encoding: .utf8) else {
            throw TrainingError.data(file: path, line: 0, field: "-", reason: "cannot read the file as UTF-8")
        }
        let tokenizer = renderer.tokenizer
        let eos = tokenizer.eosTokenId.map { [$0] } ?? []
        var examples: [TrainingExample] = []
        var truncated = 0
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let lineNumber = n + 1
            func fail(_ field: String, _ reason: String) -> TrainingError { .data(file: path, line: lineNumber, field: field, reason: reason) }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any] else {
                throw fail("-", "not a JSON object")
            }
            func messages(_ value: Any, field: String) throws -> [ChatMessage] {
                guard let list = value as? [[String: Any]] else { throw fail(field, "expected a list of {\"role\", \"content\"} messages") }
                return try list.enumerated().map { i, m in
                    guard let role = m["role"] as? String, let content = m["content"] as? String else {
                        throw fail("\(field)[\(i)]", "a message needs string 'role' and 'content'")
                    }
                    return ChatMessage(role: role, content: content)
                }
            }
            func promptIds(_ value: Any?) throws -> [Int] {
                guard let value else { throw fail("prompt", "missing") }
                if let s = value as? String { return try renderer.ids(messages: [.user(s)]) }
                return try renderer.ids(messages: messages(value, field: "prompt"))
            }
            func completionIds(_ value: Any?, field: String) throws -> [Int] {
                guard let value else { throw fail(field, "missing") }
                if let s = value as? String { return tokenizer.encode(s, addSpecialTokens: false) + eos }
                let list = try messages(value, field: field)
                guard let last = list.last, last.role == "assistant" else { throw fail(field, "the completion must end with an assistant message") }
                return tokenizer.encode(last.content, addSpecialTokens: false) + eos
            }
            var example: TrainingExample
            switch kind {
            case .sft:
                if object["prompt"] != nil || object["completion"] != nil {
                    example = TrainingExample(prompt: try promptIds(object["prompt"]),
                                              chosen: try completionIds(object["completion"], field: "completion"), index: examples.count)
                } else if let value = object["messages"] {
                    let list = try messages(value, field: "messages")
                    guard let last = list.last, last.role == "assistant", list.count >= 2 else {
                        throw fail("messages", "needs at least one turn before a final assistant message")
                    }
                    example = TrainingExample(prompt: try renderer.ids(messages: Array(list.dropLast())),
                                              chosen: tokenizer.encode(last.content, addSpecialTokens: false) + eos, index: examples.count)
                } else if let s = object["text"] as? String {
                    example = TrainingExample(prompt: [], chosen: tokenizer.encode(s, addSpecialTokens: true) + eos, index: examples.count)
                } else {
                    throw fail("prompt", "an SFT row needs 'prompt' + 'completion', 'messages' or 'text'")
                }
            case .preference:
                var weight: Float = 1
                if let w = object["weight"], !(w is NSNull) {
                    guard let v = (w as? NSNumber)?.floatValue, v.isFinite, v >= 0 else { throw fail("weight", "must be a finite number ≥ 0") }
                    weight = v
                } else if let s = object["score_chosen"], !(s is NSNull) {
                    guard let v = (s as? NSNumber)?.floatValue, v.isFinite else { throw fail("score_chosen", "must be a finite number") }
                    weight = v + 1
                }
                example = TrainingExample(prompt: try promptIds(object["prompt"]),
                                          chosen: try completionIds(object["chosen"], field: "chosen"),
                                          rejected: try completionIds(object["rejected"], field: "rejected"),
                                          weight: weight, index: examples.count)
            }
            guard !example.chosen.isEmpty, example.prompt.count + example.chosen.count >= 2 else { throw fail("completion", "too short to train on") }
            let (cut, wasCut) = truncation.apply(example)
            if wasCut { truncated += 1 }
            examples.append(cut)
        }
        guard !examples.isEmpty else { throw TrainingError.emptyDataset(file: path) }
        return TrainingDataset(examples: examples, truncatedCount: truncated)
    }
}
