import ChatTemplates
import Tokenizers

/// How a prompt is shown to a model: through its chat template (instruct models) or as raw text
/// continued by the model (base models; the paper's "completion" rendering for conformative decoding).
public enum PromptStyle: String, Codable, Sendable, CaseIterable {
    case chat, completion
}

/// Turns user-facing prompts into token ids for one model.
///
/// Chat prompts are rendered with the model's own Jinja template (ChatML when it ships none) and
/// then encoded *without* adding special tokens, since templates write their own BOS; completion
/// prompts are encoded with the tokenizer's usual framing.
public struct PromptRenderer: Sendable {
    public let template: ChatTemplate
    public let tokenizer: any Tokenizer

    public init(model: LanguageModel) throws {
        self.template = try model.chatTemplate.map { try ChatTemplate($0) } ?? ChatTemplate.chatML
        self.tokenizer = model.tokenizer
    }

    /// The chat text for `messages`, ending with the assistant header when `addGenerationPrompt`.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) throws -> String {
        try template.render(messages: messages, addGenerationPrompt: addGenerationPrompt,
                            bosToken: tokenizer.bosTokenId.flatMap(tokenizer.idToToken),
                            eosToken: tokenizer.eosTokenId.flatMap(tokenizer.idToToken))
    }

    /// Token ids of a chat (template rendered, no special tokens added twice).
    public func ids(messages: [ChatMessage], addGenerationPrompt: Bool = true) throws -> [Int] {
        tokenizer.encode(try render(messages, addGenerationPrompt: addGenerationPrompt), addSpecialTokens: false)
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
            return tokenizer.encode(prompt, addSpecialTokens: true)
        }
    }
}
