import Models
import TensorEngine

/// Per-token log-probabilities of a batch of sequences from one forward pass, shared by every
/// objective: each sequence is `prompt + completion`; a position's log-prob is that of the token
/// after it, and each sequence owns a set of positions: its completion tokens, or all its tokens
/// after the first.
///
/// Preference pairs — the sequences (pᵢ, chosenᵢ) for i < n followed by (pᵢ, rejectedᵢ) with the
/// same prompts — are packed one pair per segment: `p + chosen + [p.last] + rejected`, the rejected
/// part at positions |p| − 1, |p|, … and with the chosen part and p's original last token hidden
/// from it (``HiddenKeys``). Every token then sees exactly what it sees in its own sequence, so
/// the log-probs are the same up to Float32 summation order, while the prompt is computed once
/// per pair instead of twice (forward, backward and DPO's reference pass alike). The repeated
/// last prompt token is what predicts the rejected completion's first token. (Prompts of one or
/// two tokens gain nothing and are not packed.) Segments go one per padded row, or with
/// `paddingFree` side by side in one row (``BatchLayout``).
///
/// With `scoringPrompt == false` only completion tokens are scored: what DPO's sequence log-probs
/// need, and the output head then skips the prompt positions.
public struct SequenceScores {
    /// [R, T] log-probs of the next token at each position of the rows (``BatchLayout``),
    /// graph-connected to the adapter when grad is on; 0 where nothing is scored.
    public let logProbs: Tensor
    public let completionCounts: [Int]
    public let sequenceCounts: [Int]
    /// Whether prompt tokens were scored too (else only completion tokens have log-probs).
    public let scoringPrompt: Bool
    /// Whether pairs were packed (one segment per pair).
    public let packed: Bool
    /// Padding-free rows started because the model's context was full (``BatchLayout``).
    public let contextSplits: Int
    /// For each sequence, the flat row-major positions of `logProbs` it owns (completion / all).
    let completionPositions: [[Int]]
    let sequencePositions: [[Int]]

    /// Runs the model on `sequences` (prompt, completion) as one batch, scoring every token, or
    /// (`scoringPrompt: false`) completion tokens only; pairs are packed unless `packPairs` is
    /// false. The batch is right-padded, or with `paddingFree` concatenated into rows as long as
    /// the model's context (``BatchLayout``; docs/methods.md §6.4).
    public init(model: LlamaModel, sequences: [(prompt: [Int], completion: [Int])], scoringPrompt: Bool = true,
                packPairs: Bool = true, paddingFree: Bool = false) throws {
        let n = sequences.count / 2
        let pairs = packPairs && n > 0 && sequences.count == 2 * n
            && (0..<n).allSatisfy { sequences[$0].prompt.count > 2 && sequences[$0].prompt == sequences[n + $0].prompt }
        // The model's segments (a pair, or one sequence), and where each sequence's own tokens lie
        // in them: segment, first index, prompt tokens among them, count.
        var segments: [BatchLayout.Segment] = []
        var placement: [(segment: Int, start: Int, promptLength: Int, length: Int)] = []
        if pairs {
            for i in 0..<n {
                let (p, chosen, rejected) = (sequences[i].prompt, sequences[i].completion, sequences[n + i].completion)
                let tail = p.count + chosen.count
                segments.append(BatchLayout.Segment(tokens: p + chosen + [p[p.count - 1]] + rejected,
                                                    positions: Array(0..<tail) + Array((p.count - 1)..<(p.count + rejected.count)),
                                                    hidden: (queries: tail..<(tail + 1 + rejected.count), keys: (p.count - 1)..<tail)))
                placement.append((i, 0, p.count, tail))
            }
            // The rejected sequence starts at the repeated prompt token; its prompt positions
            // before that are the shared ones at the start of the segment (handled below).
            for i in 0..<n { placement.append((i, placement[i].length, 1, 1 + sequences[n + i].completion.count)) }
        } else {
            for (i, s) in sequences.enumerated() {
                segments.append(BatchLayout.Segment(tokens: s.prompt + s.completion))
                placement.append((i, 0, s.prompt.count, s.prompt.count + s.completion.count))
            }
        }
        let layout = BatchLayout(segments, paddingFree: paddingFree, maxRowLength: model.configuration.maxPositionEmbeddings)
        // Targets: position k of a sequence predicts its token k + 1.
        var targets = layout.ids.map { _ in [Int](repeating: -100, count: layout.width) }
        var completionPositions: [[Int]] = [], sequencePositions: [[Int]] = []
        for (index, place) in placement.enumerated() {
            let tokens = segments[place.segment].tokens, origin = layout.origins[place.segment]
            var completion: [Int] = [], all: [Int] = []
            // A packed rejected sequence's prompt tokens 1 ..< |p| are predicted by the shared
            // positions 0 ..< |p| − 1 at the start of its segment (the chosen sequence's, too).
            if pairs && index >= n {
                all = (0..<(sequences[index].prompt.count - 1)).map { layout.flatIndex(segment: place.segment, token: $0) }
            }
            for k in 0..<max(0, place.length - 1) {
                let at = place.start + k, flat = layout.flatIndex(segment: place.segment, token: at)
                let inCompletion = k + 1 >= place.promptLength
                if inCompletion || scoringPrompt { targets[origin.row][origin.offset + at] = tokens[at + 1] }
                if inCompletion { completion.append(flat) }
                all.append(flat)
            }
            completionPositions.append(completion)
            sequencePositions.append(all)
        }
        logProbs = try model.tokenLogProbs(layout.ids, positions: layout.positions, keyPadding: layout.keyPadding,
                                           hiddenKeys: layout.hiddenKeys, targets: targets)
        self.completionPositions = completionPositions
        self.sequencePositions = sequencePositions
        completionCounts = completionPositions.map(\.count)
        sequenceCounts = sequencePositions.map(\.count)
        self.scoringPrompt = scoringPrompt
        packed = pairs
        contextSplits = layout.contextSplits
    }

    /// [S, R·T] 0/1 rows selecting each sequence's positions (completion or all).
    private func selection(completionOnly: Bool, sequences: Range<Int>) throws -> Tensor {
        let owned = completionOnly ? completionPositions : sequencePositions
        let width = logProbs.count
        var values = [Float](repeating: 0, count: sequences.count * width)
        for (i, s) in sequences.enumerated() { for p in owned[s] { values[i * width + p] = 1 } }
        return try Tensor(values, shape: [sequences.count, width])
    }

    /// [S] Σ over each listed sequence's positions of log π, as one product with the flat log-probs.
    private func sums(completionOnly: Bool, sequences: Range<Int>) throws -> Tensor {
        let column = try reshape(logProbs, [logProbs.count, 1])
        return try reshape(matmul(selection(completionOnly: completionOnly, sequences: sequences), column), [sequences.count])
    }

    /// [S] Σ over completion tokens of log π (TRL's sequence log-prob).
    public func completionSums() throws -> Tensor { try sums(completionOnly: true, sequences: 0..<completionCounts.count) }

    /// [S] completion sums divided by completion lengths (ORPO's length average).
    public func completionMeans() throws -> Tensor {
        try div(completionSums(), Tensor(completionCounts.map { Float(max($0, 1)) }, shape: [completionCounts.count]))
    }

    /// Token-mean negative log-likelihood over sequences `rows`, on completion tokens or whole
    /// sequences; with `weights`, each sequence's tokens count times its weight (the mean still
    /// divides by the plain token count, as the per-example ORPO weighting wants).
    public func negativeLogLikelihood(rows: Range<Int>, completionOnly: Bool, weights: [Float]? = nil) throws -> Tensor {
        precondition(completionOnly || scoringPrompt, "SequenceScores: prompt tokens were not scored")
        let counts = completionOnly ? completionCounts : sequenceCounts
        let total = counts[rows].reduce(0, +)
        var perSequence = try sums(completionOnly: completionOnly, sequences: rows)
        if let weights { perSequence = try mul(perSequence, Tensor(weights, shape: [rows.count])) }
        return try mul(sum(perSequence), -1 / Float(max(total, 1)))
    }
}
