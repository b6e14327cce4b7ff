/// Why a `--backend torch` run could not start or ended badly (docs/scale-out.md).
public enum TorchBackendError: Error, CustomStringConvertible, Equatable {
    /// A launch option that cannot work, named as the user named it.
    case invalidOption(name: String, reason: String)
    /// The Python stack is missing or of a wrong version: what is wrong and the one command that fixes it.
    case stackMissing(problems: [String], install: String)
    /// The launched job failed: its exit status and where to resume from, if a checkpoint is complete.
    case runFailed(status: Int32, lastCheckpoint: String?)
    /// The sampler of `evaluate run --backend torch` failed: its exit status, or what was wrong with its output.
    case samplingFailed(reason: String)

    public var description: String {
        switch self {
        case let .invalidOption(name, reason):
            return "--\(name): \(reason)"
        case let .stackMissing(problems, install):
            return "the torch backend needs PyTorch, TRL, PEFT and accelerate: " + problems.joined(separator: "; ")
                + ". Nothing was installed; install them with:\n  " + install
        case let .runFailed(status, lastCheckpoint):
            let resume = lastCheckpoint.map { "; continue it with --resume \($0)" } ?? "; no checkpoint was complete, so it must start again"
            return "the torch run failed (exit status \(status): a process of the job died or stopped with an error, see above)" + resume
        case let .samplingFailed(reason):
            return "the torch sampler failed (\(reason)); the prompts already in samples.jsonl stay and a rerun resumes"
        }
    }
}
