/// Nucleus sampling (Holtzman et al. 2020): keeps the smallest set of most likely tokens whose
/// cumulative probability reaches p. p ≥ 1 disables the stage.
public struct TopP: LogitProcessor {
    public let p: Double
    public var name: String { "top_p" }

    public init(_ p: Double) { self.p = p }

    public mutating func process(_ candidates: inout TokenCandidates) {
        guard p < 1, candidates.count > 1 else { return }
        candidates.sortDescending()
        let probs = candidates.probabilities()
        var cumulative = 0.0
        var keep = probs.count
        for (i, prob) in probs.enumerated() {
            cumulative += prob
            if cumulative >= p { keep = i + 1; break }
        }
        candidates.keepPrefix(keep)
    }
}
