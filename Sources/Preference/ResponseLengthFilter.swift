/// The paper's length filter (docs/methods.md §2.4): responses whose prompt + response, as the
/// model sees them in training (chat-formatted), take more than `maxTokens` tokens are dropped
/// before pairing; prompts left with fewer than two responses drop out too.
public enum ResponseLengthFilter {
    public struct Result: Sendable {
        public var dataset: PreferenceDataset
        public var droppedResponses: Int
        public var droppedPrompts: Int
    }

    /// `tokens(prompt, response)` counts the tokens of one formatted example.
    public static func apply(_ dataset: PreferenceDataset, maxTokens: Int,
                             tokens: (String, String) throws -> Int) throws -> Result {
        guard maxTokens >= 1 else { throw PreferenceError.invalidOption(name: "maxLength", reason: "must be ≥ 1, got \(maxTokens)") }
        var kept: [PromptResponses] = []
        var droppedResponses = 0, droppedPrompts = 0
        for var group in dataset.prompts {
            let before = group.responses.count
            group.responses = try group.responses.filter { try tokens(group.prompt, $0.text) <= maxTokens }
            droppedResponses += before - group.responses.count
            if group.responses.count >= 2 { kept.append(group) } else { droppedPrompts += 1 }
        }
        return Result(dataset: PreferenceDataset(prompts: kept, skipped: dataset.skipped), droppedResponses: droppedResponses,
                      droppedPrompts: droppedPrompts)
    }
}
