/// CTRL repetition penalty (Keskar et al. 2019) as HF transformers applies it: for every token that
/// occurs in the context, a positive logit is divided by θ and a negative one multiplied by θ.
///
/// The context is the prompt plus everything generated so far (HF), or only its last `window`
/// tokens when a window is given (llama.cpp's `repeat_last_n`). θ = 1 disables the stage.
public struct RepetitionPenalty: LogitProcessor {
    public let penalty: Float
    public let window: Int?
    private var history: [Int] = []
    private var counts: [Int: Int] = [:]

    public var name: String { "repetition_penalty" }

    public init(penalty: Float, window: Int? = nil) {
        self.penalty = penalty
        self.window = window
    }

    public mutating func process(_ candidates: inout TokenCandidates) {
        guard penalty != 1, !counts.isEmpty else { return }
        for i in candidates.ids.indices where counts[candidates.ids[i]] != nil {
            let logit = candidates.logits[i]
            candidates.logits[i] = logit > 0 ? logit / penalty : logit * penalty
        }
        candidates.isSortedDescending = false
    }

    public mutating func accept(_ token: Int) {
        history.append(token)
        counts[token, default: 0] += 1
        if let window, history.count > window {
            let dropped = history.removeFirst()
            counts[dropped]! -= 1
            if counts[dropped] == 0 { counts[dropped] = nil }
        }
    }

    public mutating func reset(context: [Int]) {
        history = []
        counts = [:]
        for token in context { accept(token) }
    }
}
