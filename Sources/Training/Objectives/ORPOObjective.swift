import Foundation
import Models
import TensorEngine

/// Odds-ratio preference optimisation (TRL ORPO semantics) and Chung et al.'s DORPO.
///
/// ā = completion-token mean log-prob; LOR = (ā_c − ā_r) − (log(1 − e^{ā_c}) − log(1 − e^{ā_r}));
/// loss = NLL − mean_i β·log σ(LOR_i), NLL = token-mean cross-entropy over the chosen
/// sequences' prompt + completion (TRL's choice), or completions only with `nllOnCompletion`.
///
/// Weighting (w = the pair's weight):
/// - `.reference` (DORPO as released, "Revision ver 2"): log σ(w_i·LOR_i) — the weight inside the
///   sigmoid — and NLL × mean_i w_i;
/// - `.perExample`: −β·mean_i w_i·log σ(LOR_i) and NLL with each chosen sequence's tokens
///   weighted by its w_i.
public final class ORPOObjective: TrainingObjective {
    public enum Weighting: String, Sendable, CaseIterable { case none, reference, perExample = "per-example" }

    public let beta: Float
    public let weighting: Weighting
    public let nllOnCompletion: Bool
    public let paddingFree: Bool
    public var needsPairs: Bool { true }

    public init(beta: Float = 0.1, weighting: Weighting = .none, nllOnCompletion: Bool = false, paddingFree: Bool = false) {
        self.paddingFree = paddingFree
        self.beta = beta
        self.weighting = weighting
        self.nllOnCompletion = nllOnCompletion
    }

    public func loss(model: LlamaModel, batch: [TrainingExample]) throws -> ObjectiveOutput {
        let n = batch.count
        var sequences: [(prompt: [Int], completion: [Int])] = batch.map { ($0.prompt, $0.chosen) }
        for e in batch {
            guard let r = e.rejected else { throw TrainingError.invalidOption(name: "data", reason: "ORPO needs a rejected completion") }
            sequences.append((e.prompt, r))
        }
        let scores = try SequenceScores(model: model, sequences: sequences, scoringPrompt: !nllOnCompletion, paddingFree: paddingFree)
        let means = try scores.completionMeans()
        let chosen = try slice(means, axis: 0, range: 0..<n), rejected = try slice(means, axis: 0, range: n..<(2 * n))
        let logOdds = try sub(sub(chosen, rejected), sub(log1mexp(chosen), log1mexp(rejected)))
        let weights = try Tensor(batch.map(\.weight), shape: [n])
        let meanWeight = batch.reduce(Float(0)) { $0 + $1.weight } / Float(n)

        let ratio: Tensor, nll: Tensor
        switch weighting {
        case .none:
            ratio = try logSigmoid(logOdds)
            nll = try scores.negativeLogLikelihood(rows: 0..<n, completionOnly: nllOnCompletion)
        case .reference:
            ratio = try logSigmoid(mul(logOdds, weights))
            nll = try mul(scores.negativeLogLikelihood(rows: 0..<n, completionOnly: nllOnCompletion), meanWeight)
        case .perExample:
            ratio = try mul(logSigmoid(logOdds), weights)
            nll = try scores.negativeLogLikelihood(rows: 0..<n, completionOnly: nllOnCompletion, weights: batch.map(\.weight))
        }
        let loss = try sub(nll, mul(mean(ratio), beta))

        let c = chosen.doubles, r = rejected.doubles
        let rc = c.map { $0 * Double(beta) }, rr = r.map { $0 * Double(beta) }
        let plainRatio = try Tensor.withNoGrad { try logSigmoid(logOdds).doubles }
        let metrics: [String: Double] = [
            "loss": Double(loss.item), "nll_loss": Double(nll.item),
            "rewards/chosen": average(rc), "rewards/rejected": average(rr),
            "rewards/accuracies": average(zip(rc, rr).map { $0 > $1 ? 1 : 0 }),
            "rewards/margins": average(zip(rc, rr).map { $0 - $1 }),
            "logps/chosen": average(c), "logps/rejected": average(r),
            "log_odds_ratio": average(plainRatio), "log_odds_chosen": average(logOdds.doubles),
        ]
        return ObjectiveOutput(loss: loss, metrics: metrics, tokens: batch.reduce(0) { $0 + $1.tokenCount },
                               contextSplits: scores.contextSplits)
    }
}

/// log(1 − eˣ) for x < 0, computed stably in Double as TRL does (log1p(−eˣ) below −ln 2,
/// log(−expm1(x)) above, where 1 − eˣ would cancel). The value enters the graph as a constant
/// plus slope·(x − x̄) with x̄ = x detached: forward it is exactly the value, backward the exact
/// derivative −1/expm1(−x).
func log1mexp(_ x: Tensor) throws -> Tensor {
    let xs = x.scalars.map(Double.init)
    let values = xs.map { $0 < -0.6931471805599453 ? Foundation.log1p(-Foundation.exp($0)) : Foundation.log(-Foundation.expm1($0)) }
    let slopes = xs.map { -1 / Foundation.expm1(-$0) }
    let constant = try Tensor(values.map(Float.init), shape: x.shape)
    guard x.requiresGrad else { return constant }
    return try add(constant, mul(sub(x, x.detached()), Tensor(slopes.map(Float.init), shape: x.shape)))
}
