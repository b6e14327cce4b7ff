import Models
import TensorEngine

/// The DPO reference model's sequence log-probs, computed once per pair (without gradients) and
/// cached by example index: the base model with adapters disabled, or a given reference adapter
/// swapped in for the policy's.
public final class ReferenceLogProbs {
    public let referenceAdapter: LoRAAdapter?
    private var cache: [Int: (chosen: Double, rejected: Double)] = [:]

    public init(referenceAdapter: LoRAAdapter? = nil) { self.referenceAdapter = referenceAdapter }

    public var cachedCount: Int { cache.count }

    /// (chosen, rejected) sums for each example of `batch`.
    public func values(model: LlamaModel, batch: [TrainingExample]) throws -> [(chosen: Double, rejected: Double)] {
        try batch.map { e in
            if let hit = cache[e.index] { return hit }
            guard let rejected = e.rejected else { throw TrainingError.invalidOption(name: "data", reason: "DPO needs a rejected completion") }
            // One pair at a time: the value does not depend on what it was batched with.
            let sums = try Tensor.withNoGrad { () -> [Double] in
                try withReference(model) {
                    try SequenceScores(model: model, sequences: [(e.prompt, e.chosen), (e.prompt, rejected)], scoringPrompt: false).completionSums().doubles
                }
            }
            let value = (sums[0], sums[1])
            cache[e.index] = value
            return value
        }
    }

    private func withReference<R>(_ model: LlamaModel, _ body: () throws -> R) throws -> R {
        guard let referenceAdapter else { return try model.withAdaptersDisabled(body) }
        let policy = model.linearLayers.map { $0.layer.lora }
        model.detachAdapters()   // projections the reference does not adapt must be the base's
        try model.attach(referenceAdapter)
        let training = referenceAdapter.isTraining
        referenceAdapter.isTraining = false
        defer {
            referenceAdapter.isTraining = training
            for ((_, linear), lora) in zip(model.linearLayers, policy) { linear.lora = lora }
        }
        return try body()
    }
}
