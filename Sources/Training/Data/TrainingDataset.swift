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
/// weight), else 1. Prompt and completions become ids as TRL makes them (``RowTokenizer``):
/// string rows as raw text, message lists through the chat template; `promptStyle: .chat` puts
/// string prompts through the template instead (the papers' setting). Any row may carry a `task`
/// tag (task-tagged data, docs/formats.md §3.8), kept on its example for task mixtures.
public struct TrainingDataset {
    public enum Kind: Sendable { case sft, preference }

    public var examples: [TrainingExample]
    /// Examples shortened by the length limits.
    public var truncatedCount: Int

    public init(examples: [TrainingExample], truncatedCount: Int = 0) {
        self.examples = examples
        self.truncatedCount = truncatedCount
    }

    /// `orpoSplit`: split prompt and completion as TRL's ORPOTrainer does (BOS before the prompt,
    /// answers tokenized with it), else as its DPOTrainer and SFTTrainer do.
    public static func load(file: URL, kind: Kind, renderer: PromptRenderer, truncation: Truncation,
                            promptStyle: PromptStyle = .completion, orpoSplit: Bool = false) throws -> TrainingDataset {
        let rowTokenizer = RowTokenizer(renderer: renderer, promptStyle: promptStyle, split: orpoSplit ? .orpo : .commonPrefix)
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
            func text(_ field: String) throws -> RowTokenizer.Text {
                guard let value = row.value(field) else { throw row.error("missing", field: field) }
                if case .string(let s) = value { return .string(s) }
                return .messages(try messages(value, field: field))
            }
            /// The prompt and completion ids of `fields`, with the tokenizer's problems named by field.
            func ids(_ fields: [String]) throws -> (prompt: [Int], completions: [[Int]]) {
                do {
                    return try rowTokenizer.tokenize(prompt: text("prompt"), completions: fields.map(text), fields: fields)
                } catch let problem as RowTokenizer.Problem {
                    throw row.error(problem.reason, field: problem.field)
                }
            }
            var example: TrainingExample
            switch kind {
            case .sft:
                if row.value("prompt") != nil || row.value("completion") != nil {
                    let (prompt, completions) = try ids(["completion"])
                    example = TrainingExample(prompt: prompt, chosen: completions[0], index: examples.count)
                } else if let value = row.value("messages") {
                    let list = try messages(value, field: "messages")
                    guard let last = list.last, last.role == "assistant", list.count >= 2 else {
                        throw row.error("needs at least one turn before a final assistant message", field: "messages")
                    }
                    // The earlier turns are the prompt and the last one the completion, split as a
                    // conversational prompt/completion row is (RowTokenizer).
                    let (prompt, completions) = try rowTokenizer.tokenize(prompt: .messages(Array(list.dropLast())),
                                                                          completions: [.messages([last])], fields: ["messages"])
                    example = TrainingExample(prompt: prompt, chosen: completions[0], index: examples.count)
                } else if row.value("text") != nil {
                    let s = try row.string("text")
                    example = TrainingExample(prompt: [], chosen: tokenizer.encode(s, addSpecialTokens: true) + eos, index: examples.count)
                } else {
                    throw row.error("an SFT row needs 'prompt' + 'completion', 'messages' or 'text'", field: "prompt")
                }
            case .preference:
                var weight: Float = 1
                // Checked as the Float the objective uses: 1e39 is a finite Double but no finite Float.
                if let w = try row.finiteNumber("weight") {
                    guard w >= 0, Float(w).isFinite else { throw row.error("must be a finite number ≥ 0", field: "weight") }
                    weight = Float(w)
                } else if let score = try row.finiteNumber("score_chosen") {
                    guard (Float(score) + 1).isFinite else { throw row.error("must be a finite number", field: "score_chosen") }
                    weight = Float(score) + 1
                }
                let (prompt, completions) = try ids(["chosen", "rejected"])
                example = TrainingExample(prompt: prompt, chosen: completions[0], rejected: completions[1],
                                          weight: weight, index: examples.count)
            }
            guard !example.chosen.isEmpty, example.prompt.count + example.chosen.count >= 2 else { throw row.error("too short to train on", field: "completion") }
            example.task = try taskTag(row)
            let (cut, wasCut) = truncation.apply(example)
            if wasCut { truncated += 1 }
            examples.append(cut)
        }
        guard !examples.isEmpty else { throw TrainingError.emptyDataset(file: path) }
        return TrainingDataset(examples: examples, truncatedCount: truncated)
    }

    /// Each row's `task` tag in file order (blank lines skipped, as ``load`` skips them), without
    /// tokenizing: what a task plan for the torch backend draws from (``TaskMixturePlan``).
    public static func taskTags(file: URL) throws -> [String?] {
        let decoder = JSONDecoder()
        var tags: [String?] = []
        try JSONLines.forEachLine(of: file) { lineNumber, bytes in
            tags.append(try taskTag(JSONLinesRow(path: file.path, line: lineNumber, bytes: bytes, decoder: decoder)))
        }
        guard !tags.isEmpty else { throw TrainingError.emptyDataset(file: file.path) }
        return tags
    }

    /// The row's `task` tag: absent, or a non-empty string without surrounding spaces (a mixture
    /// names tasks by it, so `"idea "` would silently be another task).
    static func taskTag(_ row: JSONLinesRow) throws -> String? {
        guard row.value("task") != nil else { return nil }
        let task = try row.string("task")
        guard !task.isEmpty, task.trimmingCharacters(in: .whitespacesAndNewlines) == task else {
            throw row.error("must be a non-empty task name without surrounding spaces, found \"\(task)\"", field: "task")
        }
        return task
    }
}
