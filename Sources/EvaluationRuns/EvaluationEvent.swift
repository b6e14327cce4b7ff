/// The stages of an evaluation, in the order a run goes through them.
public enum EvaluationStage: String, Sendable {
    /// Sampling the prompts missing from `samples.jsonl` (units: prompts).
    case sample
    /// Reward-model scores of every sample (units: texts).
    case reward
    /// Embedding every sample in the semantic and the style space (units: texts).
    case embed
    /// `evaluate diversity`: embedding and measuring prompts a step at a time (units: prompts).
    case measure
}

/// What a running evaluation reports, so a caller can show progress (the CLI draws progress bars)
/// without the library knowing about consoles.
public enum EvaluationEvent: Sendable {
    /// A stage begins with `total` units of work.
    case started(EvaluationStage, total: Int)
    /// `count` more units are done; while sampling, with the tokens per second so far.
    case advanced(EvaluationStage, count: Int, tokensPerSecond: Double?)
    case finished(EvaluationStage)
    /// Sampling is over: `prompts` prompts were sampled now (0 when `samples.jsonl` held them
    /// all), generating `tokens` tokens.
    case sampled(prompts: Int, tokens: Int)
}
