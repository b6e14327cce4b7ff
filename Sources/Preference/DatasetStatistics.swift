import Base

/// The data statistics of Chung et al.'s Tables 3 and 4 for a scored-response dataset
/// (docs/methods.md §1.5): prompts and responses, mean lengths in words, responses per prompt,
/// and the distribution of the raw and the transformed scores (§1.1 or §1.2, over the dataset's
/// own minimum and maximum); with a pairs file, the distribution of its weights.
public struct DatasetStatistics: Hashable, Sendable, Codable {
    public var prompts: Int
    public var responses: Int
    /// Mean whitespace-separated words per prompt and per response.
    public var promptWords: Double
    public var responseWords: Double
    public var responsesPerPrompt: Distribution
    public var rawScores: Distribution
    public var transformedScores: Distribution
    public var scoreTransform: String
    /// The `weight` column of a prepared pairs file, when one was given.
    public var weights: Distribution?

    enum CodingKeys: String, CodingKey {
        case prompts, responses, weights
        case promptWords = "prompt_words", responseWords = "response_words", responsesPerPrompt = "responses_per_prompt"
        case rawScores = "raw_scores", transformedScores = "transformed_scores", scoreTransform = "score_transform"
    }

    public init(_ dataset: PreferenceDataset, transform: ScoreTransform.Variant = .consistentShift, weights: [Double]? = nil) throws {
        guard let perPrompt = Distribution(dataset.prompts.map { Double($0.responses.count) }) else {
            throw PreferenceError.invalidScores(reason: "the dataset has no prompts")
        }
        let scores = dataset.prompts.flatMap { $0.responses.map(\.score) }
        guard let raw = Distribution(scores), let transformed = Distribution(try ScoreTransform.transform(scores, variant: transform)) else {
            throw PreferenceError.invalidScores(reason: "the dataset has no responses")
        }
        func words(_ text: String) -> Double { Double(text.split(whereSeparator: \.isWhitespace).count) }
        prompts = dataset.prompts.count
        responses = scores.count
        promptWords = dataset.prompts.reduce(0) { $0 + words($1.prompt) } / Double(prompts)
        responseWords = dataset.prompts.reduce(0) { $0 + $1.responses.reduce(0) { $0 + words($1.text) } } / Double(responses)
        responsesPerPrompt = perPrompt
        rawScores = raw
        transformedScores = transformed
        scoreTransform = transform.rawValue
        self.weights = weights.flatMap { Distribution($0) }
    }
}
