/// One tokenized training example. SFT uses `prompt` + `chosen`; preference objectives also use
/// `rejected`. Completions already end with EOS.
public struct TrainingExample: Sendable, Equatable {
    public var prompt: [Int]
    public var chosen: [Int]
    public var rejected: [Int]?
    /// Deviation weight of the pair (1 when the data has none).
    public var weight: Float
    /// Position in the dataset file (reference log-probs are cached by it).
    public var index: Int
    /// The row's `task` tag in task-tagged data (docs/formats.md §3.8); nil when the row has none.
    public var task: String?

    public init(prompt: [Int], chosen: [Int], rejected: [Int]? = nil, weight: Float = 1, index: Int, task: String? = nil) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
        self.weight = weight
        self.index = index
        self.task = task
    }

    /// Tokens the model reads (both sequences for a pair).
    public var tokenCount: Int { 2 * prompt.count + chosen.count + (rejected?.count ?? -prompt.count) }
}
