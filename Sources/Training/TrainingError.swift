/// Errors of training; each names the file, line, field or step at fault.
public enum TrainingError: Error, CustomStringConvertible {
    case emptyDataset(file: String)
    case invalidOption(name: String, reason: String)
    case nonFiniteLoss(step: Int, lastCheckpoint: String?)
    case checkpoint(path: String, reason: String)
    /// A new run was pointed at a folder that holds files (`contents`: some of their names).
    case outputNotEmpty(path: String, contents: String)
    /// A flag of a resumed run differs from the checkpoint's setting.
    case resumeConflict(checkpoint: String, ResumeConflict)

    public var description: String {
        switch self {
        case let .emptyDataset(file): return "\(file): no usable examples"
        case let .invalidOption(name, reason): return "invalid option '\(name)': \(reason)"
        case let .nonFiniteLoss(step, last):
            return "the loss became NaN or infinite at step \(step); training stopped"
                + (last.map { ". The last good checkpoint is \($0)" } ?? " (no checkpoint had been saved yet)")
        case let .checkpoint(path, reason): return "\(path): \(reason)"
        case let .outputNotEmpty(path, contents):
            return "\(path) is not empty (\(contents)): pass --resume \(path)/checkpoint-N to continue the run there,"
                + " or --overwrite to delete its adapter, checkpoints and metrics.jsonl and start again"
        case let .resumeConflict(checkpoint, c) where c.option == "method":
            return "the checkpoint \(checkpoint) was trained by 'train \(c.checkpointValue)': resume it with 'divtune train \(c.checkpointValue)',"
                + " not 'train \(c.givenValue)'"
        case let .resumeConflict(checkpoint, c):
            return "--\(c.option) \(c.givenValue) conflicts with the checkpoint \(checkpoint), trained with \(c.option) \(c.checkpointValue);"
                + " leave the flag out to keep the checkpoint's value, or start a new run"
        }
    }
}
