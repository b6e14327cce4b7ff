import Foundation

/// What a training run reports while it runs, in this order: `started` once; for every optimizer
/// step a `step`, followed by `evaluation` when that step validates and `checkpointSaved` when it
/// saves; `finished` once at the end (also when the run stops early). `Trainer` and
/// `RewardTrainer` send the same events, so one observer draws the progress bar and writes
/// `metrics.jsonl` (``TrainingProgress``, ``TrainingLog``) for both, and a monitor can follow a
/// run without parsing logs.
public enum TrainingEvent: Sendable, Equatable {
    case started(TrainingStart)
    case step(StepMetrics)
    case evaluation(EvaluationMetrics)
    case checkpointSaved(CheckpointSaved)
    case finished(TrainingFinished)
    /// Sent by a watcher of the run (the collapse alarm), not by the trainer: shown and logged.
    case warning(TrainingWarning)
}

/// Receives a run's events; an error it throws stops the run with that error (so a log that
/// cannot be written stops training instead of losing metrics silently).
public typealias TrainingObserver = (TrainingEvent) throws -> Void

/// The run begins at `step` (0, or the checkpoint's step when resuming) of `totalSteps`.
public struct TrainingStart: Sendable, Equatable {
    /// What is trained (`sft`, `dpo`, …, `reward`): the progress bar's label.
    public var name: String
    public var step: Int
    public var totalSteps: Int

    public init(name: String, step: Int, totalSteps: Int) {
        self.name = name
        self.step = step
        self.totalSteps = totalSteps
    }
}

/// One optimizer step's metrics, with TRL's names (`loss`, `grad_norm`, `learning_rate`,
/// `rewards/chosen`, …).
public struct StepMetrics: Sendable, Equatable {
    /// The step just taken (1-based).
    public var step: Int
    /// Fractional epochs read so far.
    public var epoch: Double
    public var metrics: [String: Double]
    /// Tokens the step computed on and the seconds it took (for throughput).
    public var tokens: Int
    public var seconds: Double
    /// Whether `metrics.jsonl` gets the averages of the steps since its last record here (TRL's
    /// `logging_steps`: step 1, every N-th step and the last step).
    public var endsLoggingWindow: Bool
    /// Padding-free rows the step had to start because a micro-batch overran the model's context
    /// (docs/methods.md §6.4); 0 otherwise.
    public var contextSplits: Int

    public init(step: Int, epoch: Double, metrics: [String: Double], tokens: Int, seconds: Double, endsLoggingWindow: Bool,
                contextSplits: Int = 0) {
        self.contextSplits = contextSplits
        self.step = step
        self.epoch = epoch
        self.metrics = metrics
        self.tokens = tokens
        self.seconds = seconds
        self.endsLoggingWindow = endsLoggingWindow
    }
}

/// Metrics on the validation split after `step` (the same names as the step's, without a prefix).
public struct EvaluationMetrics: Sendable, Equatable {
    public var step: Int
    public var epoch: Double
    public var metrics: [String: Double]

    public init(step: Int, epoch: Double, metrics: [String: Double]) {
        self.step = step
        self.epoch = epoch
        self.metrics = metrics
    }
}

/// A complete checkpoint is in place at `directory` (written whole, then renamed).
public struct CheckpointSaved: Sendable, Equatable {
    public var step: Int
    public var directory: URL

    public init(step: Int, directory: URL) {
        self.step = step
        self.directory = directory
    }
}

/// The run ended at `step`; `completed` when it reached its last step and wrote its result (false
/// when it was asked to stop earlier).
public struct TrainingFinished: Sendable, Equatable {
    public var step: Int
    public var totalSteps: Int
    public var completed: Bool

    public init(step: Int, totalSteps: Int, completed: Bool) {
        self.step = step
        self.totalSteps = totalSteps
        self.completed = completed
    }
}
