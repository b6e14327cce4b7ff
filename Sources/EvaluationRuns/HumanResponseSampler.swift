import Base

/// The human-written responses of a dataset as an evaluation run's "samples" — the papers'
/// human-diversity line (docs/methods.md §9): for each prompt, `count` of its responses drawn
/// without replacement by a shuffle seeded with the prompt's seed, so a run measures the people's
/// texts with exactly the metrics, embedders and intervals of a model's run, and resumes the same.
public struct HumanResponseSampler: SampleGenerator {
    /// Each prompt's responses, in the file's order.
    public var responses: [String: [String]]
    /// The data file (named in `metrics.json` as `human: PATH` and in errors).
    public var source: String

    public init(responses: [String: [String]], source: String) {
        self.responses = responses
        self.source = source
    }

    public var sampledModel: SampledModel { SampledModel(model: "human: \(source)") }

    public var settings: [String: String] { ["human_responses": source] }

    public func sample(_ prompts: [PromptToSample], count: Int, finished: (Int, [SampledText]) throws -> Void) throws {
        for (k, prompt) in prompts.enumerated() {
            guard var texts = responses[prompt.prompt] else {
                throw FileError(path: source, reason: "no responses for the prompt \(prompt.prompt.prefix(80).debugDescription)")
            }
            guard texts.count >= count else {
                throw FileError(path: source, reason: "\(texts.count) response\(texts.count == 1 ? "" : "s") for the prompt "
                                + "\(prompt.prompt.prefix(80).debugDescription), fewer than the \(count) asked for (--samples-per-prompt)")
            }
            var rng = SeededGenerator(seed: prompt.firstSeed)
            rng.shuffle(&texts)
            try finished(k, texts.prefix(count).map { SampledText(text: $0, tokens: 0, logprobPerToken: nil, finishReason: "human") })
        }
    }
}
