import Foundation

/// A model's Jinja chat template, parsed once and rendered as transformers renders it.
///
/// Rendering follows `transformers.utils.chat_template_utils.render_jinja_template`: the template is
/// compiled with `trim_blocks` and `lstrip_blocks` (`TemplateOptions.chatTemplate`) and rendered with
/// `messages`, `tools` (None unless given), `documents` (None), `add_generation_prompt`, the special
/// tokens (`bos_token`, `eos_token`) and any extra keys; `raise_exception(msg)` throws
/// `ChatTemplateError.raised(msg)` and `strftime_now(fmt)` formats `now()` in `timeZone`.
/// Tokenize the result without adding special tokens: templates that want a BOS write it themselves.
public struct ChatTemplate: Sendable {
    /// The template text as given.
    public let source: String
    public let options: TemplateOptions
    /// The clock behind `strftime_now` (Llama 3.x's "Today Date"); replace it for reproducible output.
    public var now: @Sendable () -> Date = { Date() }
    public var timeZone: TimeZone = .current
    /// What a render may cost (nesting, loop iterations, sizes, time); see ``TemplateLimits``.
    public var limits: TemplateLimits
    let nodes: [Node]

    /// Parses `source`; throws `ChatTemplateError.syntax` with the line and column of the problem,
    /// or `ChatTemplateError.limitExceeded` for a source nested deeper than `limits.maxNesting`.
    public init(_ source: String, options: TemplateOptions = .chatTemplate, limits: TemplateLimits = TemplateLimits()) throws {
        self.source = source
        self.options = options
        self.limits = limits
        nodes = try Parser.parse(source, options: options, limits: limits)
    }

    /// ChatML (`<|im_start|>role\ncontent<|im_end|>\n`), for models that ship no template.
    public static let chatMLSource = """
        {%- for message in messages %}
            {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\\n' }}
        {%- endif %}
        """

    /// The parsed ChatML fallback.
    public static let chatML: ChatTemplate = {
        do {
            return try ChatTemplate(chatMLSource)
        } catch {
            preconditionFailure("the built-in ChatML template does not parse: \(error)")   // a constant: programmer error
        }
    }()

    /// Renders a conversation.
    /// - Parameters:
    ///   - addGenerationPrompt: append the header that opens the assistant's reply.
    ///   - bosToken, eosToken: the tokenizer's special tokens; nil leaves them undefined.
    ///   - extraContext: further variables (`tools`, `documents`, `date_string`, …); they cannot
    ///     replace `messages`, `add_generation_prompt` or the tokens given here.
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool, bosToken: String? = nil, eosToken: String? = nil,
                       extraContext: [String: JinjaValue] = [:]) throws -> String {
        try render(messages: messages.map(\.jinjaValue), addGenerationPrompt: addGenerationPrompt, bosToken: bosToken,
                   eosToken: eosToken, extraContext: extraContext)
    }

    /// Renders messages given as values (for messages with fields beyond role and content,
    /// e.g. `tool_calls`).
    public func render(messages: [JinjaValue], addGenerationPrompt: Bool, bosToken: String? = nil, eosToken: String? = nil,
                       extraContext: [String: JinjaValue] = [:]) throws -> String {
        var context: [String: JinjaValue] = ["tools": .none, "documents": .none]
        context.merge(extraContext) { _, new in new }
        context["messages"] = .array(messages)
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        if let bosToken { context["bos_token"] = .string(bosToken) }
        if let eosToken { context["eos_token"] = .string(eosToken) }
        return try render(context: context)
    }

    /// Renders with exactly `context` as the template's variables, within `limits`.
    public func render(context: [String: JinjaValue]) throws -> String {
        let environment = Environment(now: now, timeZone: timeZone)
        return try Interpreter(context: context, environment: environment, budget: RenderBudget(limits)).render(nodes)
    }
}
