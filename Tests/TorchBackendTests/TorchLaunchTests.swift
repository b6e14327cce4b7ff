import Foundation
import Testing
@testable import TorchBackend

@Suite struct TorchLaunchTests {
    @Test func oneProcessRunsTheModuleWithoutALauncher() throws {
        let launch = TorchLaunch()
        try launch.validate()
        #expect(launch.arguments(spec: "/o/run_spec.json") == ["-m", "divtune_torch.train", "/o/run_spec.json"])
    }

    @Test func severalProcessesOnOneMachineUseStandaloneTorchrun() throws {
        var launch = TorchLaunch()
        launch.numProcesses = 2
        try launch.validate()
        #expect(launch.arguments(spec: "s.json") == ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2",
                                                     "-m", "divtune_torch.train", "s.json"])
    }

    @Test func eachMachineGetsItsRankAndTheRendezvous() throws {
        var launch = TorchLaunch()
        (launch.numProcesses, launch.numMachines, launch.machineRank, launch.mainAddress) = (4, 2, 1, "127.0.0.1:29512")
        try launch.validate()
        #expect(launch.arguments(spec: "s.json") == ["-m", "torch.distributed.run", "--nnodes=2", "--node-rank=1",
                                                     "--master-addr=127.0.0.1", "--master-port=29512", "--nproc-per-node=2",
                                                     "-m", "divtune_torch.train", "s.json"])
        launch.launcher = .accelerate
        launch.precision = .bf16
        #expect(launch.arguments(spec: "s.json") == ["-m", "accelerate.commands.launch", "--num_processes=4", "--num_machines=2",
                                                     "--mixed_precision=bf16", "--dynamo_backend=no", "--machine_rank=1",
                                                     "--main_process_ip=127.0.0.1", "--main_process_port=29512", "--multi_gpu",
                                                     "--module", "divtune_torch.train", "s.json"])
    }

    @Test func fsdpLaunchesWithTheAccelerateConfigFile() throws {
        var launch = TorchLaunch()
        (launch.fsdp, launch.numProcesses, launch.precision) = (true, 6, .bf16)
        #expect(throws: TorchBackendError.self) { try launch.validate() }   // no config file
        launch.fsdpConfig = "/c/fsdp.yaml"
        try launch.validate()
        #expect(launch.arguments(spec: "s") == ["-m", "accelerate.commands.launch", "--num_processes=6", "--num_machines=1",
                                                "--mixed_precision=bf16", "--dynamo_backend=no", "--config_file=/c/fsdp.yaml",
                                                "--module", "divtune_torch.train", "s"])
        launch.fsdp = false
        #expect(throws: TorchBackendError.invalidOption(name: "fsdp-config", reason: "is the config of --fsdp, which is not given")) {
            try launch.validate()
        }
    }

    @Test func thePaperFSDPConfigIsAnAccelerateFSDPConfig() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("configs/paper/fsdp.yaml"), encoding: .utf8)
        for line in ["distributed_type: FSDP", "  fsdp_auto_wrap_policy: TRANSFORMER_BASED_WRAP", "  fsdp_sharding_strategy: FULL_SHARD",
                     "  fsdp_use_orig_params: false", "  fsdp_state_dict_type: SHARDED_STATE_DICT"] {
            #expect(text.split(separator: "\n").contains(Substring(line)), "\(line)")
        }
    }

    @Test func deepSpeedAndFSDPGoThroughAccelerate() throws {
        var launch = TorchLaunch()
        launch.deepspeed = "/c/zero3.json"
        #expect(launch.effectiveLauncher == .accelerate)
        #expect(launch.arguments(spec: "s").contains("--deepspeed_config_file=/c/zero3.json"))
        launch.launcher = .torchrun
        #expect(throws: TorchBackendError.invalidOption(name: "launcher", reason: "DeepSpeed and FSDP runs are launched with accelerate (--launcher accelerate)")) {
            try launch.validate()
        }
    }

    @Test(arguments: [
        (3, 2, 0, "h:1", "num-processes"), (2, 2, 2, "h:1", "machine-rank"), (2, 2, 0, nil, "main-address"),
        (2, 2, 0, "host", "main-address"), (2, 2, 0, "host:99999", "main-address"), (0, 1, 0, nil, "num-processes"),
    ] as [(Int, Int, Int, String?, String)])
    func impossibleLaunchesAreRefusedNamingTheOption(processes: Int, machines: Int, rank: Int, address: String?, option: String) {
        var launch = TorchLaunch()
        (launch.numProcesses, launch.numMachines, launch.machineRank, launch.mainAddress) = (processes, machines, rank, address)
        #expect {
            try launch.validate()
        } throws: { error in
            guard case let .invalidOption(name, _) = error as? TorchBackendError else { return false }
            return name == option
        }
    }
}
