/// Where a run reports its metrics besides `metrics.jsonl` (TRL's `report_to`; docs/formats.md
/// §4.5.1): nowhere (the default, as in transformers 5) or TensorBoard event files in `OUTPUT/runs`.
public enum ReportTarget: String, CaseIterable, Sendable {
    case none, tensorboard
}
