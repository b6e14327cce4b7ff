import ChatTemplates
import Models
import Tokenizers

/// Turns one row's prompt and completions into token ids the way TRL does (docs/formats.md §3.7).
///
/// A row is *standard* (strings) or *conversational* (message lists). TRL uses standard rows as raw
/// text and sends only conversational rows through the chat template; `promptStyle: .chat` instead
/// shows a string prompt as one user message through the template (the papers' setting), with the
/// completion's raw text plus EOS after it.
///
/// TRL's trainers split prompt and completion in two ways:
/// - `.commonPrefix` (DPOTrainer, SFTTrainer): standard completions get the EOS *text* appended;
///   the prompt and each prompt+completion are tokenized (conversations rendered without and with
///   the completion) and the completion starts where the token lists first differ.
/// - `.orpo` (ORPOTrainer): conversations are first rendered to text (the completion is the text
///   after the rendered prompt); prompt+answer are tokenized together, the answer starting after
///   the prompt's tokens (one earlier when the boundary tokens merged); then BOS is put before the
///   prompt and the EOS id after each answer unless already there.
/// Where chosen and rejected disagree on the prompt's last token, both use the shorter prompt.
struct RowTokenizer {
    enum Split: Sendable { case commonPrefix, orpo }

    /// A prompt or completion as the row gives it.
    enum Text {
        case string(String)
        case messages([ChatMessage])
    }

    struct Problem: Error { var field: String; var reason: String }

    let renderer: PromptRenderer
    let promptStyle: PromptStyle
    let split: Split

    private var tokenizer: any Tokenizer { renderer.tokenizer }
    private var eos: [Int] { tokenizer.eosTokenId.map { [$0] } ?? [] }

    /// The shared prompt ids and one id list per completion (`fields` names them for errors).
    func tokenize(prompt: Text, completions: [Text], fields: [String]) throws -> (prompt: [Int], completions: [[Int]]) {
        switch (prompt, promptStyle) {
        case (.string(let p), .chat):
            let ids = try renderer.ids(messages: [.user(p)])
            return (ids, try zip(completions, fields).map { try rawCompletion($0, field: $1) })
        case (.string(let p), .completion):
            let texts = try zip(completions, fields).map { completion, field -> String in
                guard case .string(let s) = completion else {
                    throw Problem(field: field, reason: "a string prompt needs string completions (TRL's standard format)")
                }
                return s
            }
            return split == .orpo ? orpo(prompt: p, answers: texts) : commonPrefix(prompt: p, texts: texts)
        case (.messages(let m), _):
            let conversations = try zip(completions, fields).map { completion, field -> [ChatMessage] in
                guard case .messages(let c) = completion else {
                    throw Problem(field: field, reason: "a conversational prompt needs message-list completions")
                }
                return m + c
            }
            if split == .orpo {
                let promptText = try renderer.render(m, addGenerationPrompt: true)
                // Python slices the rendered text by code points: so do we.
                let answers = try conversations.map {
                    String(String.UnicodeScalarView(try renderer.render($0, addGenerationPrompt: false).unicodeScalars.dropFirst(promptText.unicodeScalars.count)))
                }
                return orpo(prompt: promptText, answers: answers)
            }
            let promptIds = try renderer.ids(messages: m, addGenerationPrompt: true)
            let full = try conversations.map { try renderer.ids(messages: $0, addGenerationPrompt: false) }
            return divide(promptIds, full)
        }
    }

    /// The papers' completion: the last assistant message's (or the string's) raw text plus EOS.
    private func rawCompletion(_ text: Text, field: String) throws -> [Int] {
        switch text {
        case .string(let s): return tokenizer.encode(s, addSpecialTokens: false) + eos
        case .messages(let list):
            guard let last = list.last, last.role == "assistant" else {
                throw Problem(field: field, reason: "the completion must end with an assistant message")
            }
            return tokenizer.encode(last.content, addSpecialTokens: false) + eos
        }
    }

    private func commonPrefix(prompt: String, texts: [String]) -> (prompt: [Int], completions: [[Int]]) {
        let eosText = tokenizer.eosTokenId.flatMap(tokenizer.idToToken) ?? ""
        let promptIds = tokenizer.encode(prompt, addSpecialTokens: true)
        let full = texts.map { tokenizer.encode(prompt + ($0.hasSuffix(eosText) ? $0 : $0 + eosText), addSpecialTokens: true) }
        return divide(promptIds, full)
    }

    /// Cuts each full sequence after the prompt tokens all of them share with `promptIds`.
    private func divide(_ promptIds: [Int], _ full: [[Int]]) -> (prompt: [Int], completions: [[Int]]) {
        let length = full.map { sequence in zip(promptIds, sequence).prefix { $0 == $1 }.count }.min() ?? promptIds.count
        return (Array(promptIds.prefix(length)), full.map { Array($0.dropFirst(length)) })
    }

    private func orpo(prompt: String, answers: [String]) -> (prompt: [Int], completions: [[Int]]) {
        let promptIds = tokenizer.encode(prompt, addSpecialTokens: false)
        let full = answers.map { tokenizer.encode(prompt + $0, addSpecialTokens: false) }
        let starts = full.map { sequence -> Int in
            Array(sequence.prefix(promptIds.count)) == promptIds ? promptIds.count : max(promptIds.count - 1, 0)
        }
        let length = starts.min() ?? promptIds.count
        var shared = Array(promptIds.prefix(length))
        if let bos = tokenizer.bosTokenId, shared.first != bos { shared.insert(bos, at: 0) }
        let completions = full.map { sequence -> [Int] in
            var answer = Array(sequence.dropFirst(length))
            if let e = tokenizer.eosTokenId, answer.last != e { answer.append(e) }
            return answer
        }
        return (shared, completions)
    }
}
