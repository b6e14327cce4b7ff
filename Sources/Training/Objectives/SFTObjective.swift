import Models
import TensorEngine

/// Supervised fine-tuning: token-mean cross-entropy over the completion tokens of the batch
/// (TRL's `completion_only_loss`), or over prompt + completion with `trainOnPrompt`.
public final class SFTObjective: TrainingObjective {
    public let trainOnPrompt: Bool
    public let paddingFree: Bool
    public var needsPairs: Bool { false }

    public init(trainOnPrompt: Bool = false, paddingFree: Bool = false) {
        self.trainOnPrompt = trainOnPrompt
        self.paddingFree = paddingFree
    }

    public func loss(model: LlamaModel, batch: [TrainingExample]) throws -> ObjectiveOutput {
        let scores = try SequenceScores(model: model, sequences: batch.map { ($0.prompt, $0.chosen) }, scoringPrompt: trainOnPrompt,
                                        paddingFree: paddingFree)
        let nll = try scores.negativeLogLikelihood(rows: 0..<batch.count, completionOnly: !trainOnPrompt)
        return ObjectiveOutput(loss: nll, metrics: ["loss": Double(nll.item)],
                               tokens: batch.reduce(0) { $0 + $1.prompt.count + $1.chosen.count }, contextSplits: scores.contextSplits)
    }
}
