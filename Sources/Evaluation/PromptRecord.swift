import Foundation

/// One line of a prompts file: `{"prompt": "..."}` (other keys are ignored).
public struct PromptRecord: Codable, Hashable, Sendable {
    public var prompt: String
    public init(prompt: String) { self.prompt = prompt }
}
