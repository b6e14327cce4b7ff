import ArgumentParser
import ChatTemplates
import Foundation
import Models

/// `divtune tokenize`: `{"ids": [...]}` of a text (with `--show-tokens`, each token's string) as the model's tokenizer sees it,
/// optionally after the chat template — the quickest way to check a prompt's rendering. `--messages` renders a whole
/// conversation, giving the ids transformers' `apply_chat_template(..., add_generation_prompt=True)` gives.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize", abstract: "Show the token ids of a text (optionally rendered through the chat template).")

    @Option(help: "A .gguf file or an HF model folder.") var model: String
    @Option(help: "The text to tokenize.") var text: String?
    @Option(help: "A conversation to render through the chat template: a JSON list of {\"role\", \"content\"}.") var messages: String?
    @Flag(help: "Render the text as a user message through the chat template first.") var chat = false
    @Option(help: "System prompt (with --chat).") var system: String?
    @Option(help: "Which of the model's named chat templates to use (e.g. tool_use); default: 'default'.") var chatTemplateName: String?
    @Flag(help: "Do not add the tokenizer's special tokens (BOS, [CLS]…) to plain text.") var noSpecialTokens = false
    @Flag(help: "Also show each token's string (and the rendered chat text), one token per line.") var showTokens = false

    func validate() throws {
        guard (text == nil) != (messages == nil) else { throw ValidationError("give exactly one of --text and --messages") }
        if messages != nil && (chat || system != nil) { throw ValidationError("--chat and --system go with --text, not --messages") }
    }

    func run() throws {
        let lm = try LanguageModel.load(path: model)
        let renderer = try PromptRenderer(model: lm, templateName: chatTemplateName)
        let conversation = try messages.map(Self.conversation) ?? (chat ? (system.map { [ChatMessage.system($0)] } ?? []) + [.user(text ?? "")] : nil)
        let rendered = try conversation.map { try renderer.render($0) } ?? text ?? ""
        let ids = lm.tokenizer.encode(rendered, addSpecialTokens: conversation == nil && !noSpecialTokens)
        let tokens = ids.map { lm.tokenizer.idToToken($0) ?? "<unk \($0)>" }
        if !showTokens {
            let data = try JSONSerialization.data(withJSONObject: ["ids": ids], options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            if conversation != nil { print(rendered) }
            print("\(ids.count) tokens")
            for (id, token) in zip(ids, tokens) { print("\(id)\t\(token.debugDescription)") }
        }
    }

    static func conversation(_ json: String) throws -> [ChatMessage] {
        do { return try JSONDecoder().decode([ChatMessage].self, from: Data(json.utf8)) } catch {
            throw ValidationError("--messages must be a JSON list of {\"role\": string, \"content\": string}: \(error)")
        }
    }
}
