import Foundation
import Training

/// A training run's report to TensorBoard (`--report-to tensorboard`; docs/formats.md §4.5.1):
/// every record of `metrics.jsonl` becomes scalars at its step, tagged as transformers'
/// TensorBoard callback tags them (`eval_loss` → `eval/loss`, anything else `x` → `train/x`), and a
/// new run's configuration is the text `args` at step 0, as there; a probe's samples are the text
/// `monitor/samples` at its step.
public final class TrainingTensorBoard {
    public let writer: TensorBoardWriter

    /// Opens a new event file in the run's `runs` folder and writes `arguments` (a new run's
    /// configuration; nil for a resumed run, whose first part wrote it).
    public init(folder: TrainingRunFolder, arguments: String?) throws {
        writer = try TensorBoardWriter(logDirectory: folder.tensorBoardURL)
        if let arguments { try writer.text(arguments, tag: "args", step: 0) }
    }

    /// Cuts the run's event files back to the checkpoint a run resumes from (whether or not the
    /// resumed run reports to TensorBoard), as the run folder cuts `metrics.jsonl`.
    public static func resume(_ folder: TrainingRunFolder, atStep step: Int) throws {
        try TensorBoardEventFiles.cut(folder.tensorBoardURL, afterStep: step)
    }

    /// Writes one `metrics.jsonl` record (``TrainingLog/onRecord``) as one event.
    public func write(_ record: MetricsRecord) throws {
        try writer.scalars(Dictionary(uniqueKeysWithValues: record.values.map { (Self.tag(for: $0.key), $0.value) }), step: record.step)
    }

    /// transformers' `rewrite_logs`: validation metrics under `eval/`, a probe's `monitor/…` as they
    /// are, everything else under `train/`.
    public static func tag(for key: String) -> String {
        if key.hasPrefix(TrainingProbe.keyPrefix) { return key }
        return key.hasPrefix(MetricsRecord.evaluationPrefix) ? "eval/" + key.dropFirst(MetricsRecord.evaluationPrefix.count) : "train/" + key
    }
}
