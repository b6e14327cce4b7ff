import Models
import TensorEngine

/// A loss over a micro-batch, with the metrics TRL logs under the same names.
public struct ObjectiveOutput {
    public var loss: Tensor
    public var metrics: [String: Double]
    /// Tokens the forward pass read (for throughput).
    public var tokens: Int
    /// Padding-free rows started because the model's context was full (``BatchLayout``).
    public var contextSplits = 0
}

/// What each training method computes from a micro-batch. Every objective goes through
/// `SequenceScores`, so they share one log-prob computation.
public protocol TrainingObjective: AnyObject {
    /// Whether examples need a `rejected` completion.
    var needsPairs: Bool { get }
    /// Whether micro-batches run padding-free (``BatchLayout``) instead of right-padded.
    var paddingFree: Bool { get }
    func loss(model: LlamaModel, batch: [TrainingExample]) throws -> ObjectiveOutput
}

extension Tensor {
    /// Host copy of a small tensor's values as Doubles (metrics).
    var doubles: [Double] { scalars.map(Double.init) }
}

func average(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count) }
