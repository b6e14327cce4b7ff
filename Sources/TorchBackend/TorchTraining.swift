import Foundation
import Training

/// `divtune train <method> … --backend torch` (docs/scale-out.md): checks the launch and the Python
/// stack, writes the run spec into the output folder, launches this machine's processes and waits.
public enum TorchTraining {
    /// Runs `spec` with `stack`; `threads` (--threads) sets each process's OpenMP threads. With
    /// `dryRun` it prints the memory estimate and the launch command and starts nothing; a
    /// `deviceMemoryGiB` the estimate exceeds refuses the run before launch. `prepare` completes the
    /// spec once the run will start (a reward run resolves its data there: not for `--dry-run`).
    public static func run(_ spec: TorchRunSpec, stack: TorchStack, threads: Int? = nil, dryRun: Bool = false,
                           deviceMemoryGiB: Double? = nil, log: (String) -> Void = { print($0) },
                           prepare: (inout TorchRunSpec) throws -> Void = { _ in }) throws {
        var spec = spec
        try spec.launch.validate()
        let arguments = spec.launch.arguments(spec: spec.url.path)
        if dryRun || deviceMemoryGiB != nil {
            let model = URL(fileURLWithPath: spec.configuration.model ?? "")
            let estimate = TorchMemoryEstimate(shape: try TorchMemoryEstimate.shape(modelFolder: model), configuration: spec.configuration,
                                               launch: spec.launch, zeroStage: try TorchMemoryEstimate.zeroStage(deepspeed: spec.launch.deepspeed),
                                               scoreHead: spec.reward != nil)
            if dryRun {
                estimate.lines.forEach(log)
                log("launch: \(([stack.python] + arguments).joined(separator: " "))")
            }
            try estimate.check(deviceMemoryGiB: deviceMemoryGiB)
            if dryRun { return }
        }
        if spec.resume == nil, !spec.overwrite { try refuseExistingRun(in: spec.output) }
        try stack.check()
        try prepare(&spec)
        try spec.write(command: [stack.python] + arguments)
        log("torch backend: \(([stack.python] + arguments).joined(separator: " "))")
        let status = try stack.run(arguments, extraEnvironment: threads.map { ["OMP_NUM_THREADS": String($0)] } ?? [:])
        guard status == 0 else { throw TorchBackendError.runFailed(status: status, lastCheckpoint: lastCheckpoint(in: spec.output)?.path) }
    }

    /// A new run does not write over another: the folder may hold only a previous launch's run spec
    /// (and the files it names: a task plan, a reward run's data file).
    static func refuseExistingRun(in output: URL) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
        let others = names.filter { ![TorchRunSpec.fileName, TaskMixturePlan.fileName, TorchRewardRun.dataFile].contains($0) }.sorted()
        guard others.isEmpty else {
            throw TrainingError.invalidOption(name: "output", reason: "\(output.path) already holds a run (\(others.prefix(3).joined(separator: ", "))): "
                                              + "pass --resume OUTPUT/checkpoint-N to continue it or --overwrite to start afresh")
        }
    }

    /// The complete checkpoint with the highest step (one whose trainer_state.json was written:
    /// the backend renames a checkpoint into place only once every process has saved it).
    public static func lastCheckpoint(in output: URL) -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
        let steps = names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix("checkpoint-"), let step = Int(name.dropFirst("checkpoint-".count)) else { return nil }
            let url = output.appendingPathComponent(name)
            return FileManager.default.fileExists(atPath: url.appendingPathComponent("trainer_state.json").path) ? (step, url) : nil
        }
        return steps.max { $0.0 < $1.0 }?.1
    }
}
