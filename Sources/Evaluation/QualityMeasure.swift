/// What a run's quality number measures, as `metrics.json` names it in `quality_measure`
/// (docs/methods.md §9).
public enum QualityMeasure: String, CaseIterable, Sendable {
    /// The mean reward-model score of a prompt's samples (`evaluate run --reward`).
    case reward
    /// The mean over samples of each sample's mean log-prob per generated token under the model
    /// (a weak proxy, used when no reward model scored the samples).
    case meanLogprobPerToken = "mean_logprob_per_token"
}
