/// One chat message as OpenAI-style APIs and Hugging Face chat templates see it.
public struct ChatMessage: Codable, Sendable, Equatable {
    /// `system`, `user`, `assistant` (templates may accept others, e.g. `tool`).
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }

    /// `{"role": …, "content": …}` as the template sees it.
    public var jinjaValue: JinjaValue { .object([("role", .string(role)), ("content", .string(content))]) }
}
