import Foundation

/// An ordered chain of logit processors followed by a categorical draw (or argmax when greedy).
///
/// Seeded and reproducible: the only randomness is one uniform draw per step from the generator the
/// caller passes in, so the same seed, logits and parameters always give the same tokens.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    public private(set) var stages: [any LogitProcessor]

    public init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        self.stages = parameters.order.map { stage -> any LogitProcessor in
            switch stage {
            case .repetitionPenalty: return RepetitionPenalty(penalty: parameters.repetitionPenalty, window: parameters.repetitionWindow)
            case .temperature: return Temperature(parameters.temperature)
            case .topK: return TopK(parameters.topK)
            case .topP: return TopP(parameters.topP)
            case .minP: return MinP(parameters.minP)
            }
        }
    }

    /// Starts a new sequence; `context` (the prompt ids) feeds the repetition penalty.
    public mutating func reset(context: [Int]) {
        for i in stages.indices { stages[i].reset(context: context) }
    }

    /// Records the token chosen at this step in every stateful stage.
    public mutating func accept(_ token: Int) {
        for i in stages.indices { stages[i].accept(token) }
    }

    /// Runs the stages in order. With `only`, stages not in the set are skipped (conformative
    /// decoding uses this to separate shaping from truncation).
    public func process(_ candidates: inout TokenCandidates, only kinds: Set<SamplerStage>? = nil) {
        for (kind, stage) in zip(parameters.order, stages) where kinds?.contains(kind) ?? true {
            if parameters.isGreedy && kind == .temperature { continue }
            var copy = stage
            copy.process(&candidates)
        }
    }

    /// Picks the next token from raw logits and records it.
    public mutating func sample<G: RandomNumberGenerator>(logits: [Float], using rng: inout G) -> Int {
        var candidates = TokenCandidates(logits: logits)
        let token: Int
        if parameters.isGreedy {
            process(&candidates, only: [.repetitionPenalty])
            token = Self.argmax(candidates)
        } else {
            process(&candidates)
            token = Self.draw(candidates.ids, probabilities: candidates.probabilities(), using: &rng)
        }
        accept(token)
        return token
    }

    /// Highest logit; ties go to the lowest id (as torch.argmax).
    public static func argmax(_ candidates: TokenCandidates) -> Int {
        var best = 0
        for i in candidates.logits.indices.dropFirst() {
            let (l, b) = (candidates.logits[i], candidates.logits[best])
            if l > b || (l == b && candidates.ids[i] < candidates.ids[best]) { best = i }
        }
        return candidates.ids[best]
    }

    /// Inverse-CDF draw: one uniform number in [0, 1) per call.
    public static func draw<G: RandomNumberGenerator>(_ ids: [Int], probabilities: [Double], using rng: inout G) -> Int {
        let total = probabilities.reduce(0, +)
        let u = Double.random(in: 0..<1, using: &rng) * total
        var cumulative = 0.0
        for (id, p) in zip(ids, probabilities) {
            cumulative += p
            if u < cumulative { return id }
        }
        return ids[probabilities.lastIndex(where: { $0 > 0 }) ?? (ids.count - 1)]
    }
}
