import Base
import Foundation
import Training

/// The diversity collapse alarm (`--diversity-floor F`, docs/formats.md §4.5.4): the probes'
/// semantic diversity at step 0 is the baseline, and a later probe below `F` × baseline raises a
/// ``TrainingWarning`` naming the step and the numbers (`--stop-on-collapse` then saves a
/// checkpoint and stops the run with it as the error).
public final class CollapseAlarm {
    /// The probe metric the floor applies to.
    public static let key = TrainingProbe.keyPrefix + "semantic_diversity"
    public static let kind = "diversity_collapse"

    /// The warning as the error that stops a run with `--stop-on-collapse`.
    public struct Collapse: LocalizedError, CustomStringConvertible {
        public var warning: TrainingWarning
        public var checkpoint: URL
        public init(warning: TrainingWarning, checkpoint: URL) {
            self.warning = warning
            self.checkpoint = checkpoint
        }

        public var description: String { "\(warning.message); stopped (--stop-on-collapse) with a checkpoint in \(checkpoint.path)" }
        public var errorDescription: String? { description }
    }

    public let floor: Double
    public private(set) var baseline: Double?

    /// Refuses a floor that is not a positive finite number.
    public init(floor: Double) throws {
        guard floor.isFinite, floor > 0 else {
            throw TrainingError.invalidOption(name: "diversity-floor", reason: "must be a positive number (a fraction of step 0's semantic diversity), got \(floor)")
        }
        self.floor = floor
    }

    /// A resumed run's baseline: the step-0 probe in its `metrics.jsonl` (kept by the resume's cut).
    public func restoreBaseline(from metrics: URL) throws {
        guard FileManager.default.fileExists(atPath: metrics.path) else { return }
        for row in try JSONLines.rows(of: metrics) {
            if try row.finiteNumber("step") == 0, let value = try row.finiteNumber(Self.key) { baseline = value }
        }
    }

    /// The warning a probe's record calls for: none at step 0 (it sets the baseline), without a
    /// baseline, or at or above the floor.
    public func check(_ record: MetricsRecord) -> TrainingWarning? {
        guard let value = record.values[Self.key] else { return nil }
        guard record.step > 0 else {
            baseline = value
            return nil
        }
        guard let baseline, value < floor * baseline else { return nil }
        let ratio = value / baseline
        func f(_ x: Double) -> String { String(format: "%.4g", x) }
        return TrainingWarning(step: record.step, kind: Self.kind,
                               message: "semantic diversity collapsed at step \(record.step): \(f(value)) is \(f(ratio)) × step 0's \(f(baseline)), "
                                   + "below the floor \(f(floor)) × \(f(baseline)) = \(f(floor * baseline))",
                               values: [TrainingProbe.keyPrefix + "collapse_ratio": ratio, TrainingProbe.keyPrefix + "collapse_floor": floor])
    }
}
