import ChatTemplates
import Tokenizers

/// How a prompt is shown to a model: through its chat template (instruct models) or as raw text
/// continued by the model (base models; the paper's "completion" rendering for conformative decoding).
public enum PromptStyle: String, Codable, Sendable, CaseIterable {
    case chat, completion
}

/// Turns user-facing prompts into token ids for one model.
///
/// Chat prompts are rendered with the model's own Jinja template (ChatML when it ships none), with
/// the special-token strings it is configured with (as transformers passes them), and then encoded
/// *without* adding special tokens, since templates write their own BOS; completion prompts are
/// encoded with the tokenizer's usual framing. Ids the model has no embedding for (a configured
/// special token its vocabulary lacks, which the tokenizer adds as transformers does) are refused
/// with the token named, where transformers would fail inside the model.
public struct PromptRenderer: Sendable {
    public let template: ChatTemplate
    public let tokenizer: any Tokenizer
    /// `bos_token`, `eos_token`, … as the template sees them.
    public let specialTokens: [String: String]
    /// Rows of the model's embedding table: ids at or past it cannot be fed to the model.
    public let embeddingRows: Int

    /// `templateName` picks one of the model's named chat templates (e.g. "tool_use"); nil picks
    /// "default", as transformers does when no tools are given.
    public init(model: LanguageModel, templateName: String? = nil) throws {
        if let templates = model.chatTemplates {
            self.template = try ChatTemplate(templates.template(named: templateName))
        } else if let templateName, templateName != NamedChatTemplates.defaultName {
            throw NamedChatTemplates.SelectionError(requested: templateName, available: [])
        } else {
            self.template = ChatTemplate.chatML
        }
        self.tokenizer = model.tokenizer
        self.specialTokens = model.templateSpecialTokens
        self.embeddingRows = model.configuration.vocabSize
    }

    /// The chat text for `messages`, ending with the assistant header when `addGenerationPrompt`.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) throws -> String {
        try template.render(messages: messages, addGenerationPrompt: addGenerationPrompt,
                            extraContext: specialTokens.mapValues(JinjaValue.string))
    }

    /// Token ids of a chat (template rendered, no special tokens added twice). A conversation the
    /// template renders to "" has no ids, as in transformers.
    public func ids(messages: [ChatMessage], addGenerationPrompt: Bool = true) throws -> [Int] {
        try checked(tokenizer.encode(try render(messages, addGenerationPrompt: addGenerationPrompt), addSpecialTokens: false))
    }

    /// Token ids of a conversation in the given style: through the chat template, or (completion)
    /// the messages' contents joined by blank lines as raw text, the paper's "comp" rendering of a
    /// chat prompt for a base model.
    public func ids(messages: [ChatMessage], style: PromptStyle) throws -> [Int] {
        switch style {
        case .chat: return try ids(messages: messages)
        case .completion: return try ids(prompt: messages.map(\.content).joined(separator: "\n\n"), style: .completion)
        }
    }

    /// Token ids of a single user prompt in the given style (`system` applies to chat only).
    public func ids(prompt: String, style: PromptStyle, system: String? = nil) throws -> [Int] {
        switch style {
        case .chat:
            var messages: [ChatMessage] = []
            if let system { messages.append(.system(system)) }
            messages.append(.user(prompt))
            return try ids(messages: messages)
        case .completion:
            return try checked(tokenizer.encode(prompt, addSpecialTokens: true))
        }
    }

    private func checked(_ ids: [Int]) throws -> [Int] {
        if let id = ids.first(where: { $0 >= embeddingRows }) {
            let token = tokenizer.idToToken(id).map { "'\($0)'" } ?? "?"
            throw ModelError.invalidInput("""
                the prompt holds token \(id) (\(token)), past the model's \(embeddingRows) token embeddings: the tokenizer \
                configuration names a special token the vocabulary lacks, so it was added as a new token (as transformers \
                adds it; its model fails on it too)
                """)
        }
        return ids
    }
}
