/// One line of `metrics.jsonl` as numbers (docs/formats.md §4.5): its `step` and every other field
/// (`epoch`, the window's means, `tokens_per_second`, …, or the `eval_` metrics). ``TrainingLog``
/// hands each line it writes to its observers in this form, so other reports of a run (TensorBoard)
/// show exactly what the file holds.
public struct MetricsRecord: Sendable, Equatable {
    public var step: Int
    public var values: [String: Double]

    public init(step: Int, values: [String: Double]) {
        self.step = step
        self.values = values
    }

    /// The prefix of validation metrics, as TRL's.
    public static let evaluationPrefix = "eval_"
}
