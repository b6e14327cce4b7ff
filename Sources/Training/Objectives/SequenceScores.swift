import Models
import TensorEngine

/// Per-token log-probabilities of a batch of sequences from one forward pass, shared by every
/// objective: each sequence is `prompt + completion`, right-padded; `logProbs[b, t]` is
/// log π(ids[t+1] | ids[...t]) (0 past the end), with masks selecting completion or all tokens.
///
/// With `scoringPrompt == false` only completion tokens are scored (their prompt positions hold 0):
/// what DPO's sequence log-probs need, and the output head then skips the prompt positions.
public struct SequenceScores {
    /// [B, T] log-probs of the next token (graph-connected to the adapter when grad is on).
    public let logProbs: Tensor
    /// [B, T] 1 where the predicted token belongs to the completion.
    public let completionMask: Tensor
    /// [B, T] 1 where the predicted token is any real token after the first.
    public let sequenceMask: Tensor
    public let completionCounts: [Int]
    public let sequenceCounts: [Int]
    /// Whether prompt tokens were scored too (else only completion tokens have log-probs).
    public let scoringPrompt: Bool

    /// Runs the model on `sequences` (prompt, completion) as one padded batch, scoring every
    /// token, or (`scoringPrompt: false`) completion tokens only.
    public init(model: LlamaModel, sequences: [(prompt: [Int], completion: [Int])], scoringPrompt: Bool = true) throws {
        let rows = sequences.map { $0.prompt + $0.completion }
        let t = rows.map(\.count).max() ?? 0
        let padded = rows.map { $0 + [Int](repeating: 0, count: t - $0.count) }
        let keyPadding = rows.map { r in (0..<t).map { $0 < r.count } }
        var targets: [[Int]] = []
        var completion: [Float] = [], all: [Float] = []
        var completionCounts: [Int] = [], sequenceCounts: [Int] = []
        for (s, r) in zip(sequences, rows) {
            var row = [Int](repeating: -100, count: t)
            var c = 0, a = 0
            for i in 0..<t {
                let next = i + 1
                let real = next < r.count
                let inCompletion = real && next >= s.prompt.count
                if inCompletion || (real && scoringPrompt) { row[i] = r[next] }
                completion.append(inCompletion ? 1 : 0)
                all.append(real ? 1 : 0)
                if inCompletion { c += 1 }
                if real { a += 1 }
            }
            targets.append(row)
            completionCounts.append(c)
            sequenceCounts.append(a)
        }
        logProbs = try model.tokenLogProbs(padded, keyPadding: rows.allSatisfy { $0.count == t } ? nil : keyPadding, targets: targets)
        completionMask = try Tensor(completion, shape: [rows.count, t])
        sequenceMask = try Tensor(all, shape: [rows.count, t])
        self.completionCounts = completionCounts
        self.sequenceCounts = sequenceCounts
        self.scoringPrompt = scoringPrompt
    }

    /// [B] Σ over completion tokens of log π (TRL's sequence log-prob).
    public func completionSums() throws -> Tensor { try sum(mul(logProbs, completionMask), axes: [1]) }

    /// [B] completion sums divided by completion lengths (ORPO's length average).
    public func completionMeans() throws -> Tensor {
        try div(completionSums(), Tensor(completionCounts.map { Float(max($0, 1)) }, shape: [completionCounts.count]))
    }

    /// Token-mean negative log-likelihood over `rows`, on completion tokens or whole sequences.
    public func negativeLogLikelihood(rows: Range<Int>, completionOnly: Bool) throws -> Tensor {
        precondition(completionOnly || scoringPrompt, "SequenceScores: prompt tokens were not scored")
        let mask = completionOnly ? completionMask : sequenceMask
        let counts = completionOnly ? completionCounts : sequenceCounts
        let total = counts[rows].reduce(0, +)
        let picked = try mul(slice(logProbs, axis: 0, range: rows), slice(mask, axis: 0, range: rows))
        return try mul(sum(picked), -1 / Float(max(total, 1)))
    }
}
