import Base
import Foundation
import Models
import TensorEngine
import WeightFormats

/// What a checkpoint folder holds besides the PEFT adapter: the step, where in the data the run
/// is, every random generator, and the configuration (`trainer_state.json`); the optimizer's
/// moments are in `optimizer.safetensors`.
public struct TrainerState: Codable, Equatable {
    public var step: Int
    public var epoch: Int
    /// Index into the epoch's shuffled order of the next example to read.
    public var position: Int
    public var loraGenerators: [SeededGenerator]
    public var configuration: TrainingConfiguration
    /// A multi-task run's task draws and per-task positions (nil for other runs).
    public var mixture: TaskMixtureSampler.State?

    enum CodingKeys: String, CodingKey {
        case step, epoch, position, loraGenerators = "lora_generators", configuration, mixture
    }
}

public enum TrainerCheckpoint {
    public static let stateFile = "trainer_state.json"
    public static let optimizerFile = "optimizer.safetensors"

    /// Writes `directory` whole: everything goes to a hidden temporary sibling
    /// (`.checkpoint-N.tmp-PID`) that is renamed into place at the end, so an interrupted save
    /// leaves the previous checkpoint intact. A save that fails removes its temporary folder; one
    /// that is killed leaves it for ``recoverInterruptedSaves(in:)``.
    public static func save(to directory: URL, adapter: LoRAAdapter, optimizer: AdamW, state: TrainerState) throws {
        let fm = FileManager.default
        let parent = directory.deletingLastPathComponent()
        let temporary = sibling(of: directory, kind: "tmp")
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
            try? fm.removeItem(at: temporary)
            try adapter.save(directory: temporary)
            var tensors: [SafetensorsWriter.Tensor] = []
            for (i, (name, p)) in zip(adapter.parameterNames, adapter.parameters).enumerated() {
                tensors.append((name: name + ".exp_avg", shape: p.shape, values: optimizer.firstMoments[i]))
                tensors.append((name: name + ".exp_avg_sq", shape: p.shape, values: optimizer.secondMoments[i]))
            }
            try SafetensorsWriter.write(tensors: tensors, metadata: ["step": "\(optimizer.step)"],
                                        to: temporary.appendingPathComponent(optimizerFile))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(encoder.encode(state), to: temporary.appendingPathComponent(stateFile))
            try commit(temporary, to: directory)
        } catch {
            try? fm.removeItem(at: temporary)
            throw TrainingError.checkpoint(path: directory.path, reason: "could not be saved: \(error)")
        }
    }

    /// Renames the complete `temporary` folder to `directory`. An existing folder is swapped: it
    /// is moved aside (`.checkpoint-N.old-PID`) and removed only once the new one is in place.
    static func commit(_ temporary: URL, to directory: URL) throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: directory.path) else { return try fm.moveItem(at: temporary, to: directory) }
        let old = sibling(of: directory, kind: "old")
        try? fm.removeItem(at: old)
        try fm.moveItem(at: directory, to: old)
        do { try fm.moveItem(at: temporary, to: directory) } catch {
            try? fm.moveItem(at: old, to: directory)
            throw error
        }
        try? fm.removeItem(at: old)
    }

    /// `.checkpoint-N.tmp-PID` (being written) or `.checkpoint-N.old-PID` (being replaced).
    static func sibling(of directory: URL, kind: String) -> URL {
        directory.deletingLastPathComponent()
            .appendingPathComponent(".\(directory.lastPathComponent).\(kind)-\(ProcessInfo.processInfo.processIdentifier)")
    }

    /// Undoes what a killed save left in `folder`: unfinished `.checkpoint-N.tmp-PID` folders are
    /// removed; a `.checkpoint-N.old-PID` folder is put back when the kill came between the two
    /// renames of a swap (no `checkpoint-N` in place), and removed otherwise. Folders of another
    /// process that is still running are its own and left alone. Returns the names removed or restored.
    @discardableResult
    public static func recoverInterruptedSaves(in folder: URL) throws -> [String] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder.path) else { return [] }
        var touched: [String] = []
        for name in names.sorted() where name.hasPrefix(".checkpoint-") && !isSaving(name) {
            let url = folder.appendingPathComponent(name)
            if let range = name.range(of: ".old-") {
                let original = folder.appendingPathComponent(String(name[name.index(after: name.startIndex)..<range.lowerBound]))
                if fm.fileExists(atPath: original.path) { try fm.removeItem(at: url) } else { try fm.moveItem(at: url, to: original) }
                touched.append(name)
            } else if name.contains(".tmp-") {
                try fm.removeItem(at: url)
                touched.append(name)
            }
        }
        return touched
    }

    /// Whether the process named by a temporary folder's `-PID` is another one still running. This
    /// process's own PID counts as gone: it recovers before it saves, so such a folder was left by
    /// an earlier process that had the same PID (PIDs are reused, in containers often).
    static func isSaving(_ name: String) -> Bool {
        guard let dash = name.lastIndex(of: "-"), let pid = Int32(name[name.index(after: dash)...]), pid > 0,
              pid != ProcessInfo.processInfo.processIdentifier else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// Reads and checks a checkpoint's `trainer_state.json`: step, epoch and position must be
    /// counts (≥ 0), so a damaged or hand-edited file is an error naming it, not a crash later.
    public static func loadState(from directory: URL) throws -> TrainerState {
        let stateURL = directory.appendingPathComponent(stateFile)
        guard let data = try? Data(contentsOf: stateURL) else { throw TrainingError.checkpoint(path: stateURL.path, reason: "missing or unreadable") }
        let state: TrainerState
        do { state = try JSONDecoder().decode(TrainerState.self, from: data) } catch {
            throw TrainingError.checkpoint(path: stateURL.path, reason: (error as? DecodingError)?.readableDescription ?? "\(error)")
        }
        for (name, value) in [("step", state.step), ("epoch", state.epoch), ("position", state.position)] where value < 0 {
            throw TrainingError.checkpoint(path: stateURL.path, reason: "'\(name)' must be ≥ 0, got \(value)")
        }
        return state
    }

    /// Reads a checkpoint's state and optimizer moments (the adapter is read with `LoRAAdapter.load`).
    public static func load(from directory: URL, parameterNames: [String]) throws
        -> (state: TrainerState, optimizerStep: Int, first: [[Float]], second: [[Float]]) {
        let state = try loadState(from: directory)
        let optimizerURL = directory.appendingPathComponent(optimizerFile)
        guard FileManager.default.fileExists(atPath: optimizerURL.path) else { throw TrainingError.checkpoint(path: optimizerURL.path, reason: "missing") }
        let file = try SafetensorsFile(path: optimizerURL.path)
        var first: [[Float]] = [], second: [[Float]] = []
        for name in parameterNames {
            guard let m = file.tensors[name + ".exp_avg"], let v = file.tensors[name + ".exp_avg_sq"] else {
                throw TrainingError.checkpoint(path: optimizerURL.path, reason: "no optimizer state for '\(name)'")
            }
            first.append(try file.floats(m))
            second.append(try file.floats(v))
        }
        return (state, state.step, first, second)
    }
}
