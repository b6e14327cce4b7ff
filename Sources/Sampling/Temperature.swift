/// Divides logits by T. T = 1 leaves them unchanged; T = 0 is handled by `Sampler` as greedy decoding.
public struct Temperature: LogitProcessor {
    public let temperature: Float
    public var name: String { "temperature" }

    public init(_ temperature: Float) { self.temperature = temperature }

    public mutating func process(_ candidates: inout TokenCandidates) {
        guard temperature > 0, temperature != 1 else { return }
        let inverse = 1 / temperature
        for i in candidates.logits.indices { candidates.logits[i] *= inverse }
    }
}
