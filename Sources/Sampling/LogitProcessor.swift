/// One stage of a sampling chain (llama.cpp's sampler chain, HF's logits processors/warpers).
///
/// `process` rewrites or truncates the candidates of one step; `accept` tells the stage which token
/// was finally chosen (stateful stages such as the repetition penalty remember it); `reset` starts a
/// new sequence with the given context (prompt) tokens.
public protocol LogitProcessor: Sendable {
    var name: String { get }
    mutating func process(_ candidates: inout TokenCandidates)
    mutating func accept(_ token: Int)
    mutating func reset(context: [Int])
}

extension LogitProcessor {
    public mutating func accept(_ token: Int) {}
    public mutating func reset(context: [Int]) {}
}
