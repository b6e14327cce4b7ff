import Base
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
        let tokenizer = renderer.tokenizer
        let eos = tokenizer.eosTokenId.map { [$0] } ?? []
        var examples: [TrainingExample] = []
        var truncated = 0
        let decoder = JSONDecoder()
        try JSONLines.forEachLine(of: file) { lineNumber, bytes in
            let row = try JSONLinesRow(path: path, line: lineNumber, bytes: bytes, decoder: decoder)
            func messages(_ value: JSONValue, field: String) throws -> [ChatMessage] {
                try JSONLinesRow.messages(value, field: field, row: row).map { ChatMessage(role: $0.role, content: $0.content) }
            }
            func promptIds(_ value: JSONValue?) throws -> [Int] {
                guard let value else { throw row.error("missing", field: "prompt") }
                if case .string(let s) = value { return try renderer.ids(messages: [.user(s)]) }
                return try renderer.ids(messages: messages(value, field: "prompt"))
            }
            func completionIds(_ value: JSONValue?, field: String) throws -> [Int] {
                guard let value else { throw row.error("missing", field: field) }
                if case .string(let s) = value { return tokenizer.encode(s, addSpecialTokens: false) + eos }
                let list = try messages(value, field: field)
                guard let last = list.last, last.role == "assistant" else { throw row.error("the completion must end with an assistant message", field: field) }
                return tokenizer.encode(last.content, addSpecialTokens: false) + eos
            }
            var example: TrainingExample
            switch kind {
            case .sft:
                if row.value("prompt") != nil || row.value("completion") != nil {
                    example = TrainingExample(prompt: try promptIds(row.value("prompt")),
                                              chosen: try completionIds(row.value("completion"), field: "completion"), index: examples.count)
                } else if let value = row.value("messages") {
                    let list = try messages(value, field: "messages")
                    guard let last = list.last, last.role == "assistant", list.count >= 2 else {
                        throw row.error("needs at least one turn before a final assistant message", field: "messages")
                    }
                    example = TrainingExample(prompt: try renderer.ids(messages: Array(list.dropLast())),
                                              chosen: tokenizer.encode(last.content, addSpecialTokens: false) + eos, index: examples.count)
                } else if row.value("text") != nil {
                    let s = try row.string("text")
                    example = TrainingExample(prompt: [], chosen: tokenizer.encode(s, addSpecialTokens: true) + eos, index: examples.count)
                } else {
                    throw row.error("an SFT row needs 'prompt' + 'completion', 'messages' or 'text'", field: "prompt")
                }
            case .preference:
                var weight: Float = 1
                if let w = try row.finiteNumber("weight") {
                    guard w >= 0 else { throw row.error("must be a finite number ≥ 0", field: "weight") }
                    weight = Float(w)
                } else if let score = try row.finiteNumber("score_chosen") {
                    weight = Float(score) + 1
                }
                example = TrainingExample(prompt: try promptIds(row.value("prompt")),
                                          chosen: try completionIds(row.value("chosen"), field: "chosen"),
                                          rejected: try completionIds(row.value("rejected"), field: "rejected"),
                                          weight: weight, index: examples.count)
            }
            guard !example.chosen.isEmpty, example.prompt.count + example.chosen.count >= 2 else { throw row.error("too short to train on", field: "completion") }
            let (cut, wasCut) = truncation.apply(example)
            if wasCut { truncated += 1 }
            examples.append(cut)
        }
        guard !examples.isEmpty else { throw TrainingError.emptyDataset(file: path) }
        return TrainingDataset(examples: examples, truncatedCount: truncated)
    }
}
