import Foundation

/// One chat message as OpenAI and HF templates see it.
public struct ChatMessage: Codable, Sendable, Equatable {
    public var role: String
    public var content: String
    public init(role: String, content: String) { self.role = role; self.content = content }
}

/// A model's Jinja chat template, rendered as transformers renders it (`trim_blocks` and
/// `lstrip_blocks` on; `messages`, `add_generation_prompt`, `bos_token`, `eos_token` in context).
public struct ChatTemplate: Sendable {
    public let source: String
    private let nodes: [JinjaNode]

    /// ChatML, for models without a template of their own.
    public static let chatML = """
    {% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}
    """

    public init(_ source: String, trimBlocks: Bool = true, lstripBlocks: Bool = true) throws {
        self.source = source
        let lexer = JinjaLexer(source: Array(source), trimBlocks: trimBlocks, lstripBlocks: lstripBlocks)
        var parser = JinjaParser(chunks: try lexer.chunks())
        nodes = try parser.parse()
    }

    public func render(messages: [ChatMessage], addGenerationPrompt: Bool, bosToken: String? = nil, eosToken: String? = nil,
                       extraContext: [String: JinjaValue] = [:], now: @escaping () -> Date = Date.init) throws -> String {
        var context = extraContext
        context["messages"] = .array(messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        if let bosToken { context["bos_token"] = .string(bosToken) }
        if let eosToken { context["eos_token"] = .string(eosToken) }
        return try JinjaInterpreter(context: context, now: now).render(nodes)
    }

    /// Renders arbitrary context (tests and non-chat uses).
    public func render(context: [String: JinjaValue]) throws -> String {
        try JinjaInterpreter(context: context).render(nodes)
    }
}

// Parsed templates hold only value types and are safe to share.
extension JinjaNode: @unchecked Sendable {}
