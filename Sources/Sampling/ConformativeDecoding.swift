import Foundation

/// Conformative decoding (Peeperkorn et al. 2025): guide a tuned ("instruct") model with its more
/// diverse base model by mixing their next-token distributions,
///
///     p(v) = (1 − w)·p_instruct(v) + w·p_base(v)            (space: .probability, the default)
///     p(v) ∝ p_instruct(v)^(1 − w) · p_base(v)^w            (space: .logarithmic, a geometric mixture)
///
/// restricted to a truncation set S taken from the instruct distribution (default) or from the
/// mixture, then renormalised over S and sampled. Each model's logits are first shaped by the
/// chain's non-truncating stages (repetition penalty, temperature — the base may use its own
/// temperature); then the truncating stages (top-k, top-p, min-p) define S. Shaping always runs
/// before truncation here, whatever `order` says. The paper's exact choices are
/// not public (docs/methods.md §8.5): these are explicit options with documented defaults.
///
/// With w = 0 and truncation on the instruct model, the result is token-for-token identical to
/// plain `Sampler.sample` with the same generator.
public struct ConformativeDecoding: Sendable, Equatable {
    public enum Space: String, Sendable, CaseIterable { case probability = "prob", logarithmic = "log" }
    public enum TruncationSource: String, Sendable, CaseIterable { case instruct, mixture }

    public var weight: Double
    public var space: Space
    public var truncateOn: TruncationSource
    /// Temperature applied to the base model's logits; nil = the same as the instruct model's.
    public var baseTemperature: Float?

    public init(weight: Double, space: Space = .probability, truncateOn: TruncationSource = .instruct, baseTemperature: Float? = nil) {
        self.weight = weight
        self.space = space
        self.truncateOn = truncateOn
        self.baseTemperature = baseTemperature
    }

    public func validate() throws {
        guard weight.isFinite, weight >= 0, weight <= 1 else {
            throw SamplingError.invalidParameter(field: "conformative_weight", reason: "must be in [0, 1], got \(weight)")
        }
        if let t = baseTemperature, !(t.isFinite && t > 0) {
            throw SamplingError.invalidParameter(field: "base_temperature", reason: "must be > 0, got \(t)")
        }
    }

    /// Picks the next token from the two models' raw logits and records it in `sampler`.
    public func sample<G: RandomNumberGenerator>(instructLogits: [Float], baseLogits: [Float], sampler: inout Sampler,
                                                 using rng: inout G) throws -> Int {
        guard instructLogits.count == baseLogits.count else {
            throw SamplingError.logitCountMismatch(expected: instructLogits.count, got: baseLogits.count)
        }
        let shaping = Set(SamplerStage.allCases.filter { !$0.isTruncation })
        let truncation = Set(SamplerStage.allCases.filter { $0.isTruncation })

        var instruct = TokenCandidates(logits: instructLogits)
        sampler.process(&instruct, only: shaping)
        var base = TokenCandidates(logits: baseLogits)
        sampler.process(&base, only: [.repetitionPenalty])
        let baseT = baseTemperature ?? sampler.parameters.temperature
        if baseT > 0 && baseT != 1 && !sampler.parameters.isGreedy {
            for i in base.logits.indices { base.logits[i] /= baseT }
        }
        let pInstruct = instruct.probabilities()
        let pBase = base.probabilities()
        let mixture = mix(pInstruct, pBase)

        // The truncation set S: the instruct model's shaped candidates truncated as plain sampling
        // would truncate them, or the mixture's.
        var set: TokenCandidates
        if truncateOn == .instruct {
            set = instruct
        } else {
            set = TokenCandidates(logits: mixture.map { Float(log($0)) })
        }
        sampler.process(&set, only: truncation)

        let token: Int
        if sampler.parameters.isGreedy {
            token = set.ids.max { mixture[$0] < mixture[$1] || (mixture[$0] == mixture[$1] && $0 > $1) } ?? 0
        } else if weight == 0 && truncateOn == .instruct {
            // Exactly plain sampling's arithmetic, so w = 0 reproduces it token for token.
            token = Sampler.draw(set.ids, probabilities: set.probabilities(), using: &rng)
        } else {
            token = Sampler.draw(set.ids, probabilities: set.ids.map { mixture[$0] }, using: &rng)
        }
        sampler.accept(token)
        return token
    }

    /// The mixed distribution over the whole vocabulary (normalised).
    func mix(_ p: [Double], _ q: [Double]) -> [Double] {
        let w = weight
        switch space {
        case .probability:
            return zip(p, q).map { (1 - w) * $0 + w * $1 }
        case .logarithmic:
            let logs = zip(p, q).map { (1 - w) * log(max($0, .leastNonzeroMagnitude)) + w * log(max($1, .leastNonzeroMagnitude)) }
            let m = logs.max() ?? 0
            let e = logs.map { exp($0 - m) }
            let z = e.reduce(0, +)
            return e.map { $0 / z }
        }
    }
}
