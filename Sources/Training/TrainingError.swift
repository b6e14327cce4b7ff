/// Errors of training; each names the file, line, field or step at fault.
public enum TrainingError: Error, CustomStringConvertible {
    case emptyDataset(file: String)
    case invalidOption(name: String, reason: String)
    case nonFiniteLoss(step: Int, lastCheckpoint: String?)
    case checkpoint(path: String, reason: String)

    public var description: String {
        switch self {
        case let .emptyDataset(file): return "\(file): no usable examples"
        case let .invalidOption(name, reason): return "invalid option '\(name)': \(reason)"
        case let .nonFiniteLoss(step, last):
            return "the loss became NaN or infinite at step \(step); training stopped"
                + (last.map { ". The last good checkpoint is \($0)" } ?? " (no checkpoint had been saved yet)")
        case let .checkpoint(path, reason): return "\(path): \(reason)"
        }
    }
}
