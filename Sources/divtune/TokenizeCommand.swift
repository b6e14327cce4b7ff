import ArgumentParser
import ChatTemplates
import Foundation
import Models

/// `divtune tokenize`: `{"ids": [...]}` of a text (with `--show-tokens`, each token's string) as the model's tokenizer sees it,
/// optionally after the chat template — the quickest way to check a prompt's rendering.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize", abstract: "Show the token ids of a text (optionally rendered through the chat template).")

    @Option(help: "A .gguf file or an HF model folder.") var model: String
    @Option(help: "The text to tokenize.") var text: String
    @Flag(help: "Render the text as a user message through the chat template first.") var chat = false
    @Option(help: "System prompt (with --chat).") var system: String?
    @Flag(help: "Do not add the tokenizer's special tokens (BOS, [CLS]…) to plain text.") var noSpecialTokens = false
    @Flag(help: "Also show each token's string (and the rendered chat text), one token per line.") var showTokens = false

    func run() throws {
        let lm = try LanguageModel.load(path: model)
        let renderer = try PromptRenderer(model: lm)
        let rendered = chat ? try renderer.render((system.map { [ChatMessage.system($0)] } ?? []) + [.user(text)]) : text
        let ids = lm.tokenizer.encode(rendered, addSpecialTokens: !chat && !noSpecialTokens)
        let tokens = ids.map { lm.tokenizer.idToToken($0) ?? "<unk \($0)>" }
        if !showTokens {
            let data = try JSONSerialization.data(withJSONObject: ["ids": ids], options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            if chat { print(rendered) }
            print("\(ids.count) tokens")
            for (id, token) in zip(ids, tokens) { print("\(id)\t\(token.debugDescription)") }
        }
    }
}
