/// Scores a response to a prompt: an evaluation run's quality, when given one
/// (``RewardModelScorer``); without one, quality is the samples' mean log-prob per token.
public protocol SampleScorer {
    func score(prompt: String, response: String) throws -> Double
}
