/// How a `--backend torch` run is spread over processes and machines (docs/scale-out.md), and the
/// command line that starts one machine's share of it.
public struct TorchLaunch: Codable, Equatable, Sendable {
    public enum Launcher: String, Codable, Sendable, CaseIterable { case torchrun, accelerate }
    public enum Precision: String, Codable, Sendable, CaseIterable { case fp32, bf16 }

    /// nil: one process, no launcher (the default for `--num-processes 1` on one machine).
    public var launcher: Launcher?
    /// Processes over all machines (torchrun's nnodes × nproc-per-node, accelerate's num_processes).
    public var numProcesses = 1
    public var numMachines = 1
    public var machineRank = 0
    /// HOST:PORT of machine 0's rendezvous, required with several machines.
    public var mainAddress: String?
    public var precision: Precision = .fp32
    /// A DeepSpeed JSON config (ZeRO-2/3), launched through accelerate.
    public var deepspeed: String?
    public var fsdp = false
    /// accelerate's FSDP config file (configs/paper/fsdp.yaml), required with `fsdp`.
    public var fsdpConfig: String?

    enum CodingKeys: String, CodingKey {
        case launcher, numProcesses = "num_processes", numMachines = "num_machines", machineRank = "machine_rank"
        case mainAddress = "main_address", precision, deepspeed, fsdp, fsdpConfig = "fsdp_config"
    }

    public init() {}

    /// The launcher actually used: DeepSpeed and FSDP go through accelerate, several processes
    /// default to torchrun.
    public var effectiveLauncher: Launcher? {
        if let launcher { return launcher }
        if deepspeed != nil || fsdp { return .accelerate }
        return numProcesses > 1 || numMachines > 1 ? .torchrun : nil
    }

    /// Refuses combinations no launcher can run, naming the option.
    public func validate() throws {
        func bad(_ name: String, _ reason: String) -> TorchBackendError { .invalidOption(name: name, reason: reason) }
        guard numProcesses >= 1 else { throw bad("num-processes", "must be ≥ 1, got \(numProcesses)") }
        guard numMachines >= 1 else { throw bad("num-machines", "must be ≥ 1, got \(numMachines)") }
        guard numProcesses % numMachines == 0 else {
            throw bad("num-processes", "\(numProcesses) processes cannot be spread evenly over \(numMachines) machines")
        }
        guard (0..<numMachines).contains(machineRank) else {
            throw bad("machine-rank", "must be in 0..<\(numMachines) (--num-machines), got \(machineRank)")
        }
        if numMachines > 1 {
            guard let mainAddress else { throw bad("main-address", "several machines need machine 0's HOST:PORT to meet at") }
            guard Self.split(mainAddress) != nil else { throw bad("main-address", "must be HOST:PORT, got '\(mainAddress)'") }
        }
        if deepspeed != nil, fsdp { throw bad("fsdp", "give --deepspeed CONFIG or --fsdp, not both") }
        if fsdp, fsdpConfig == nil {
            throw bad("fsdp", "needs accelerate's FSDP config, configs/paper/fsdp.yaml of a DivTune checkout (not found here): pass --fsdp-config FILE")
        }
        if !fsdp, fsdpConfig != nil { throw bad("fsdp-config", "is the config of --fsdp, which is not given") }
        if launcher == .torchrun, deepspeed != nil || fsdp {
            throw bad("launcher", "DeepSpeed and FSDP runs are launched with accelerate (--launcher accelerate)")
        }
    }

    static func split(_ address: String) -> (host: String, port: String)? {
        guard let colon = address.lastIndex(of: ":") else { return nil }
        let host = String(address[..<colon]), port = String(address[address.index(after: colon)...])
        guard !host.isEmpty, let number = Int(port), (1...65535).contains(number) else { return nil }
        return (host, port)
    }

    /// The arguments after the Python interpreter that start this machine's processes on `spec`.
    public func arguments(spec: String) -> [String] {
        let module = ["-m", "divtune_torch.train", spec]
        let perMachine = numProcesses / numMachines
        let address = mainAddress.flatMap(Self.split)
        switch effectiveLauncher {
        case nil:
            return module
        case .torchrun:
            var args = ["-m", "torch.distributed.run"]
            if numMachines == 1 {
                args += ["--standalone"]
            } else if let address {
                args += ["--nnodes=\(numMachines)", "--node-rank=\(machineRank)", "--master-addr=\(address.host)",
                         "--master-port=\(address.port)"]
            }
            return args + ["--nproc-per-node=\(perMachine)"] + module
        case .accelerate:
            var args = ["-m", "accelerate.commands.launch", "--num_processes=\(numProcesses)", "--num_machines=\(numMachines)",
                        "--mixed_precision=\(precision == .bf16 ? "bf16" : "no")", "--dynamo_backend=no"]
            if let address {
                args += ["--machine_rank=\(machineRank)", "--main_process_ip=\(address.host)", "--main_process_port=\(address.port)"]
            }
            if let deepspeed {
                args += ["--use_deepspeed", "--deepspeed_config_file=\(deepspeed)"]
            } else if fsdp, let fsdpConfig {
                // The FSDP settings (PEFT's LoRA recipe) from the config file; the flags above override its counts.
                args += ["--config_file=\(fsdpConfig)"]
            } else if numProcesses > 1 {
                args += ["--multi_gpu"]   // accelerate's DDP over torchrun; on CPU the run picks gloo
            }
            return args + ["--module", "divtune_torch.train", spec]
        }
    }
}
