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

    enum CodingKeys: String, CodingKey {
        case step, epoch, position, loraGenerators = "lora_generators", configuration
    }
}

public enum TrainerCheckpoint {
    public static let stateFile = "trainer_state.json"
    public static let optimizerFile = "optimizer.safetensors"

    /// Writes `directory` whole: everything goes to a hidden temporary sibling that is renamed
    /// into place at the end, so an interrupted save leaves the previous checkpoint intact.
    public static func save(to directory: URL, adapter: LoRAAdapter, optimizer: AdamW, state: TrainerState) throws {
        let fm = FileManager.default
        let parent = directory.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let temporary = parent.appendingPathComponent(".\(directory.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
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
        if fm.fileExists(atPath: directory.path) {
            // Swap: the old folder is removed only once the new one is complete.
            let old = parent.appendingPathComponent(".\(directory.lastPathComponent).old-\(ProcessInfo.processInfo.processIdentifier)")
            try? fm.removeItem(at: old)
            try fm.moveItem(at: directory, to: old)
            try fm.moveItem(at: temporary, to: directory)
            try? fm.removeItem(at: old)
        } else {
            try fm.moveItem(at: temporary, to: directory)
        }
    }

    /// Reads a checkpoint's state and optimizer moments (the adapter is read with `LoRAAdapter.load`).
    public static func load(from directory: URL, parameterNames: [String]) throws
        -> (state: TrainerState, optimizerStep: Int, first: [[Float]], second: [[Float]]) {
        let stateURL = directory.appendingPathComponent(stateFile)
        guard let data = try? Data(contentsOf: stateURL) else { throw TrainingError.checkpoint(path: stateURL.path, reason: "missing or unreadable") }
        let state: TrainerState
        do { state = try JSONDecoder().decode(TrainerState.self, from: data) } catch {
            throw TrainingError.checkpoint(path: stateURL.path, reason: "\(error)")
        }
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
