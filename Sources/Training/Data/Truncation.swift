/// Length limits applied to tokenized examples: the prompt keeps its *end* (the part next to the
/// completion, as TRL's `truncation_mode="keep_end"` for prompts), then completions are cut so
/// prompt + completion fits `maxLength`.
public struct Truncation: Sendable, Equatable {
    public var maxLength: Int?
    public var maxPromptLength: Int?

    public init(maxLength: Int? = nil, maxPromptLength: Int? = nil) {
        self.maxLength = maxLength
        self.maxPromptLength = maxPromptLength
    }

    /// The truncated example and whether anything was cut.
    public func apply(_ example: TrainingExample) -> (TrainingExample, truncated: Bool) {
        var e = example
        var cut = false
        if let p = maxPromptLength, e.prompt.count > p {
            e.prompt = Array(e.prompt.suffix(p))
            cut = true
        }
        if let l = maxLength {
            let room = max(l - e.prompt.count, 1)
            if e.chosen.count > room { e.chosen = Array(e.chosen.prefix(room)); cut = true }
            if let r = e.rejected, r.count > room { e.rejected = Array(r.prefix(room)); cut = true }
        }
        return (e, cut)
    }
}
