import ArgumentParser
import Foundation
import TorchBackend
import Training

/// `divtune train … --backend torch` and its launch flags (docs/scale-out.md): the same settings as a
/// Swift run, handed to PyTorch/TRL on one or many processes and machines.
struct TorchBackendOptions: ParsableArguments {
    enum Backend: String, ExpressibleByArgument, CaseIterable { case swift, torch }

    @Option(help: "Training engine: swift (default, this process) or torch (python/divtune_torch: TRL, PEFT, accelerate; GPUs and many machines).")
    var backend: Backend = .swift
    @Option(help: "torch: launcher for several processes: torchrun (default) or accelerate (needed for --deepspeed/--fsdp).")
    var launcher: TorchLaunch.Launcher?
    @Option(help: "torch: processes over all machines (default 1).") var numProcesses: Int?
    @Option(help: "torch: machines taking part (default 1); run the same command on each with its --machine-rank.") var numMachines: Int?
    @Option(help: "torch: this machine's rank, 0 ..< --num-machines (default 0).") var machineRank: Int?
    @Option(help: "torch: HOST:PORT of machine 0, where the machines meet (several machines).") var mainAddress: String?
    @Option(help: "torch: fp32 (default) or bf16 autocast.") var precision: TorchLaunch.Precision?
    @Option(help: "torch: DeepSpeed JSON config (ZeRO-2/3), launched with accelerate.") var deepspeed: String?
    @Flag(help: "torch: shard with FSDP (accelerate, with --fsdp-config).") var fsdp = false
    @Option(help: "torch: accelerate's FSDP config for --fsdp (default: configs/paper/fsdp.yaml of this checkout).") var fsdpConfig: String?
    @Flag(help: "torch: print the per-device memory estimate and the launch command; start nothing.") var dryRun = false
    @Option(help: "torch: memory per device in GiB; a run whose estimate exceeds it is refused before launch.") var deviceMemory: Double?
    @Option(help: "torch: the Python interpreter with the PyTorch stack (default: $DIVTUNE_PYTHON, else python3).") var python: String?

    /// The launch the flags describe; flags that only the torch backend reads are refused on the Swift one.
    func launch() throws -> TorchLaunch? {
        let given: [(String, Bool)] = [("launcher", launcher != nil), ("num-processes", numProcesses != nil),
                                       ("num-machines", numMachines != nil), ("machine-rank", machineRank != nil),
                                       ("main-address", mainAddress != nil), ("precision", precision != nil),
                                       ("deepspeed", deepspeed != nil), ("fsdp", fsdp), ("fsdp-config", fsdpConfig != nil), ("python", python != nil),
                                       ("dry-run", dryRun), ("device-memory", deviceMemory != nil)]
        guard backend == .torch else {
            if let flag = given.first(where: \.1) { throw ValidationError("--\(flag.0) is an option of --backend torch") }
            return nil
        }
        var launch = TorchLaunch()
        launch.launcher = launcher
        launch.numProcesses = numProcesses ?? 1
        launch.numMachines = numMachines ?? 1
        launch.machineRank = machineRank ?? 0
        launch.mainAddress = mainAddress
        launch.precision = precision ?? .fp32
        launch.deepspeed = deepspeed.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        launch.fsdp = fsdp
        if let fsdpConfig {
            launch.fsdpConfig = URL(fileURLWithPath: fsdpConfig).standardizedFileURL.path
        } else if fsdp, let paper = TorchStack(python: python).packageFolder?.deletingLastPathComponent()
                    .appendingPathComponent("configs/paper/fsdp.yaml"), FileManager.default.fileExists(atPath: paper.path) {
            launch.fsdpConfig = paper.standardizedFileURL.path   // a checkout's preset (docs/scale-out.md §2.1)
        }
        return launch
    }

    /// Runs `method` with `settings` (config file and flags, already merged) on the torch backend.
    func train(_ method: TrainingConfiguration.Method, settings: TrainingSettings, launch: TorchLaunch) throws {
        for key in ["monitor_prompts", "reward", "report_to"] where settings.string(key) != nil && settings.string(key) != "none" {
            throw ValidationError("--\(key.replacingOccurrences(of: "_", with: "-")) is not available with --backend torch yet")
        }
        guard let data = settings.string("data") else { throw ValidationError("missing --data (or 'data' in the config file)") }
        guard let output = settings.string("output") else { throw ValidationError("missing --output (or 'output' in the config file)") }
        guard settings.string("model") != nil else { throw ValidationError("missing --model (or 'model' in the config file)") }
        let resume = settings.string("resume"), overwrite = try settings.bool("overwrite") ?? false
        if resume != nil, overwrite {
            throw ValidationError("--resume continues the run in the output folder and --overwrite deletes it: give one of them")
        }
        let configuration = try TrainingConfiguration.forRun(method, settings: settings)
        // The mixture is drawn here, as the Swift trainer draws it, and the Python trainer follows
        // the plan (docs/scale-out.md §3.1); bad tasks and weights are refused before anything starts.
        var taskPlan: TaskMixturePlan?
        if configuration.isMultiTask {
            guard method == .sft else {
                throw ValidationError("--task-mixture, --holdout-task, --mixture-temperature and --mixture-cap train sft on --backend torch, not \(method.rawValue)")
            }
            taskPlan = try TaskMixturePlan.resolve(tasks: try TrainingDataset.taskTags(file: URL(fileURLWithPath: data)), configuration: configuration,
                                                   microBatchSize: configuration.batchSize * launch.numProcesses)
        }
        let spec = TorchRunSpec(configuration: configuration, data: data, output: URL(fileURLWithPath: output), overwrite: overwrite,
                                resume: resume, launch: launch, taskPlan: taskPlan)
        try start(spec, threads: try settings.number("threads"))
    }

    /// Checks, writes and launches `spec` with these options' Python, dry run and memory limit;
    /// `prepare` completes the spec once the run will start (``TorchTraining/run``).
    func start(_ spec: TorchRunSpec, threads: Int?, prepare: (inout TorchRunSpec) throws -> Void = { _ in }) throws {
        try TorchTraining.run(spec, stack: TorchStack(python: python), threads: threads, dryRun: dryRun, deviceMemoryGiB: deviceMemory,
                              prepare: prepare)
    }
}

extension TorchLaunch.Launcher: ExpressibleByArgument {}
extension TorchLaunch.Precision: ExpressibleByArgument {}
