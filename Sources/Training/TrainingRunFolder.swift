import Base
import Foundation
import Models

/// The `--output` folder of a training run (docs/formats.md §4.5) and the rules for starting a
/// run in it, so a new run never mixes with an old one:
///
/// - a new run needs an empty (or missing) folder, unless asked to overwrite: then the old
///   adapter, `checkpoint-*` folders, `metrics.jsonl`, the TensorBoard folder `runs` and the run's
///   other files go first;
/// - a resumed run cuts `metrics.jsonl` back to the checkpoint's step, so each step is logged once;
/// - both first undo what a killed run left half-done (temporary checkpoint and file copies).
public struct TrainingRunFolder: Sendable {
    public static let metricsFile = "metrics.jsonl"
    public static let checkpointPrefix = "checkpoint-"
    /// The TensorBoard event files of `--report-to tensorboard` (TRL's `logging_dir` default).
    public static let tensorBoardFolder = "runs"
    /// What `--monitor-prompts` probes write: each probe's evaluation run, and their samples.
    public static let monitorFolder = "monitor"
    public static let monitorSamplesFile = "monitor_samples.jsonl"

    public let url: URL
    /// Files the run writes besides the adapter, checkpoints and metrics (a reward model's head
    /// and config), removed by an overwrite too.
    public let otherOutputs: [String]

    public init(url: URL, otherOutputs: [String] = []) {
        self.url = url
        self.otherOutputs = otherOutputs
    }

    public var metricsURL: URL { url.appendingPathComponent(Self.metricsFile) }
    public var tensorBoardURL: URL { url.appendingPathComponent(Self.tensorBoardFolder) }
    public var monitorURL: URL { url.appendingPathComponent(Self.monitorFolder) }
    public var monitorSamplesURL: URL { url.appendingPathComponent(Self.monitorSamplesFile) }

    public func checkpointURL(step: Int) -> URL { url.appendingPathComponent(Self.checkpointPrefix + "\(step)") }

    /// Prepares the folder for a run from step 0: refuses a folder that holds anything (naming what
    /// it holds) unless `overwrite`, which removes the previous run's outputs first.
    public func startNew(overwrite: Bool) throws {
        try recoverInterruptedWrites()
        var contents = try entries()
        if overwrite {
            let owned = Set([LoRAAdapter.configFile, LoRAAdapter.weightsFile, Self.metricsFile, Self.tensorBoardFolder, Self.monitorFolder,
                             Self.monitorSamplesFile] + otherOutputs)
            for name in contents where owned.contains(name) || isCheckpointName(name) {
                try FileManager.default.removeItem(at: url.appendingPathComponent(name))
            }
            contents = try entries()
        }
        guard overwrite || contents.isEmpty else {
            let shown = contents.prefix(4).joined(separator: ", ") + (contents.count > 4 ? ", …" : "")
            throw TrainingError.outputNotEmpty(path: url.path, contents: shown)
        }
    }

    /// Prepares the folder for a run resumed from a checkpoint at `step`: `metrics.jsonl` and
    /// `monitor_samples.jsonl` keep only their records up to that step (rewritten atomically; a
    /// cut-off last line is dropped).
    public func startResumed(atStep step: Int) throws {
        try recoverInterruptedWrites()
        for log in [metricsURL, monitorSamplesURL] { try cut(log, afterStep: step) }
    }

    private func cut(_ log: URL, afterStep step: Int) throws {
        guard FileManager.default.fileExists(atPath: log.path) else { return }
        let text: String
        do { text = try String(contentsOf: log, encoding: .utf8) } catch {
            throw FileError(path: log.path, reason: "cannot read the log to cut it back to step \(step) (\(error.localizedDescription))")
        }
        var kept: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let recordStep = object["step"] as? Int else { continue }
            if recordStep <= step { kept.append(line) }
        }
        try AtomicFile.write(Data(kept.map { $0 + "\n" }.joined().utf8), to: log)
    }

    /// Removes what a killed run left half-written: temporary checkpoint folders (restoring a
    /// checkpoint caught between the renames of a swap) and `AtomicFile`'s `.NAME.UUID.tmp` files;
    /// those of a writer still alive are left to it.
    public func recoverInterruptedWrites() throws {
        try TrainerCheckpoint.recoverInterruptedSaves(in: url)
        AtomicFile.removeAbandonedTemporaries(in: url)
    }

    private func isCheckpointName(_ name: String) -> Bool {
        name.hasPrefix(Self.checkpointPrefix) && Int(name.dropFirst(Self.checkpointPrefix.count)) != nil
    }

    /// The folder's entries, sorted; none when it does not exist yet.
    private func entries() throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { throw TrainingError.invalidOption(name: "output", reason: "\(url.path) is a file, not a folder") }
        return try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}
