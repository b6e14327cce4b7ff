import Models
import TensorEngine

/// Direct preference optimisation (TRL `DPOTrainer` semantics) and its deviation-weighted form.
///
/// z = (log π(c) − log π_ref(c)) − (log π(r) − log π_ref(r)) with sequence log-probs summed over
/// completion tokens; per-pair loss sigmoid −log σ(βz), hinge relu(1 − βz) or IPO
/// (Δc/|c| − Δr/|r| − 1/(2β))². DDPO (Chung et al. 2025) multiplies each pair's loss by its
/// weight before the batch mean; rewards and other metrics stay unweighted. DivPO is this
/// objective on DivPO-selected pairs.
public final class DPOObjective: TrainingObjective {
    public enum LossType: String, Sendable, CaseIterable { case sigmoid, ipo, hinge }

    public let beta: Float
    public let lossType: LossType
    public let weighted: Bool
    public let reference: ReferenceLogProbs
    public let paddingFree: Bool
    public var needsPairs: Bool { true }

    public init(beta: Float = 0.1, lossType: LossType = .sigmoid, weighted: Bool = false, reference: ReferenceLogProbs = ReferenceLogProbs(),
                paddingFree: Bool = false) {
        self.paddingFree = paddingFree
        self.beta = beta
        self.lossType = lossType
        self.weighted = weighted
        self.reference = reference
    }

    public func loss(model: LlamaModel, batch: [TrainingExample]) throws -> ObjectiveOutput {
        let n = batch.count
        let refs = try reference.values(model: model, batch: batch)
        var sequences: [(prompt: [Int], completion: [Int])] = batch.map { ($0.prompt, $0.chosen) }
        for e in batch {
            guard let r = e.rejected else { throw TrainingError.invalidOption(name: "data", reason: "DPO needs a rejected completion") }
            sequences.append((e.prompt, r))
        }
        let scores = try SequenceScores(model: model, sequences: sequences, scoringPrompt: false, paddingFree: paddingFree)
        let sums = try scores.completionSums()
        let chosen = try slice(sums, axis: 0, range: 0..<n), rejected = try slice(sums, axis: 0, range: n..<(2 * n))
        let refChosen = try Tensor(refs.map { Float($0.chosen) }, shape: [n])
        let refRejected = try Tensor(refs.map { Float($0.rejected) }, shape: [n])
        let chosenDelta = try sub(chosen, refChosen), rejectedDelta = try sub(rejected, refRejected)
        let losses: Tensor
        switch lossType {
        case .sigmoid:
            losses = try neg(logSigmoid(mul(sub(chosenDelta, rejectedDelta), beta)))
        case .hinge:
            losses = try relu(add(neg(mul(sub(chosenDelta, rejectedDelta), beta)), 1))
        case .ipo:
            let lc = try Tensor(scores.completionCounts[0..<n].map { Float(max($0, 1)) }, shape: [n])
            let lr = try Tensor(scores.completionCounts[n..<(2 * n)].map { Float(max($0, 1)) }, shape: [n])
            losses = try square(sub(sub(div(chosenDelta, lc), div(rejectedDelta, lr)), 1 / (2 * beta)))
        }
        let weightedLosses = weighted ? try mul(losses, Tensor(batch.map(\.weight), shape: [n])) : losses
        let loss = try mean(weightedLosses)

        let rc = chosenDelta.doubles.map { $0 * Double(beta) }, rr = rejectedDelta.doubles.map { $0 * Double(beta) }
        let metrics: [String: Double] = [
            "loss": Double(loss.item),
            "rewards/chosen": average(rc), "rewards/rejected": average(rr),
            "rewards/accuracies": average(zip(rc, rr).map { $0 > $1 ? 1 : 0 }),
            "rewards/margins": average(zip(rc, rr).map { $0 - $1 }),
            "logps/chosen": average(chosen.doubles), "logps/rejected": average(rejected.doubles),
        ]
        return ObjectiveOutput(loss: loss, metrics: metrics, tokens: batch.reduce(0) { $0 + $1.tokenCount },
                               contextSplits: scores.contextSplits)
    }
}
