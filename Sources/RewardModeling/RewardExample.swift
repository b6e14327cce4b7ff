import Foundation
import Tokenizers

/// One reward-model training example: a prompt, a response and its target score in [-1, 1].
public struct RewardExample: Hashable, Sendable {
    public var prompt: String
    public var response: String
    public var target: Double

    public init(prompt: String, response: String, target: Double) {
        self.prompt = prompt
        self.response = response
        self.target = target
    }

    /// The paper's input layout (docs/methods.md §6.3): `<prompt>{prompt}</prompt><response>{response}</response>`.
    public static func text(prompt: String, response: String) -> String {
        "<prompt>\(prompt)</prompt><response>\(response)</response>"
    }

    /// Token ids of the laid-out text with the tokenizer's usual framing, cut to `maxLength`
    /// tokens from the start (HF `truncation=True`).
    public static func ids(prompt: String, response: String, tokenizer: any Tokenizer, maxLength: Int) -> [Int] {
        Array(tokenizer.encode(text(prompt: prompt, response: response), addSpecialTokens: true).prefix(maxLength))
    }
}
