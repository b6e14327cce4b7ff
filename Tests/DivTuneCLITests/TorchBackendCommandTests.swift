import Foundation
import Models
import Testing

/// `divtune train … --backend torch` end to end on a tiny random Llama (docs/scale-out.md): the same
/// flags and config file as a Swift run, the run spec next to the output, progress streamed, the
/// metrics file and a PEFT adapter the Swift runtime loads; and the refusals before any launch.
@Suite(.serialized) struct TorchBackendCommandTests {
    @Test func aTorchRunTakesTheSwiftFlagsAndConfigAndWritesTheSameFiles() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        let model = try TorchPython.tinyModel(in: dir), data = try TorchPython.tinyPairs(in: dir)
        let config = dir.appendingPathComponent("run.yaml")
        try "lora_rank: 4\nlora_alpha: 8\nlora_dropout: 0\nlearning_rate: 0.01\nlogging_steps: 1\n".write(to: config, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run")
        let result = try DivTuneProcess.run(["train", "ddpo", "--backend", "torch", "--python", try TorchPython.executable,
                                             "--config", config.path, "--model", model, "--data", data, "--output", out.path,
                                             "--batch-size", "2", "--max-steps", "2", "--threads", "1"])
        #expect(result.status == 0, "\(result.stderr.suffix(3000))")
        #expect(result.stdout.contains("torch backend: "))
        #expect(result.stdout.contains("step 1/2: loss 0.6931") && result.stdout.contains("step 2/2: "))
        #expect(result.stdout.contains("done: adapter in \(out.path)"))

        let spec = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run_spec.json"))) as? [String: Any])
        let settings = try #require(spec["configuration"] as? [String: Any])
        #expect(spec["method"] as? String == "ddpo")
        #expect(settings["lora_rank"] as? Int == 4 && settings["learning_rate"] as? Double == 0.01 && settings["max_steps"] as? Int == 2)
        #expect((spec["command"] as? [String])?.suffix(2) == ["divtune_torch.train", out.appendingPathComponent("run_spec.json").path])

        let records = try Self.metrics(out)
        #expect(records.map { $0["step"] as? Int } == [1, 2])
        for key in ["loss", "rewards/chosen", "rewards/margins", "logps/chosen", "logps/rejected", "grad_norm", "learning_rate",
                    "tokens_per_second", "peak_memory_mb", "epoch"] {
            #expect(records.allSatisfy { $0[key] is Double }, "\(key)")
        }
        #expect((records[0]["loss"] as? Double).map { abs($0 - log(2.0)) < 1e-6 } == true)   // π = π_ref at step 1
        let adapter = try LoRAAdapter.load(directory: out)
        #expect(adapter.configuration.rank == 4 && adapter.configuration.alpha == 8)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("checkpoint-2/trainer_state.json").path))

        // The same folder again is refused before anything is launched.
        let again = try DivTuneProcess.run(["train", "ddpo", "--backend", "torch", "--python", try TorchPython.executable,
                                            "--model", model, "--data", data, "--output", out.path])
        #expect(again.status != 0 && again.stderr.contains("already holds a run"))
    }

    /// The records of a run's metrics.jsonl.
    static func metrics(_ run: URL) throws -> [[String: Any]] {
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func aMissingStackIsOneMessageAndNothingIsInstalledOrWritten() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        let out = dir.appendingPathComponent("run")
        let result = try DivTuneProcess.run(["train", "dpo", "--backend", "torch", "--python", dir.appendingPathComponent("no-python").path,
                                             "--model", dir.path, "--data", "d.jsonl", "--output", out.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("the torch backend needs PyTorch") && result.stderr.contains("Nothing was installed"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func aDryRunPrintsTheEstimateAndTheLaunchAndAConfigThatDoesNotFitIsRefused() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        let config = #"{"hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 128256, "tie_word_embeddings": false}"#
        try config.write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let root = DivTuneProcess.repositoryRoot.appendingPathComponent("configs/paper")
        let out = dir.appendingPathComponent("run")
        let arguments = ["train", "ddpo", "--config", root.appendingPathComponent("ddpo.yaml").path, "--model", dir.path, "--data", "pairs.jsonl",
                         "--output", out.path, "--backend", "torch", "--num-processes", "6", "--precision", "bf16",
                         "--deepspeed", root.appendingPathComponent("zero2.json").path, "--python", "/nonexistent/python"]
        let dry = try DivTuneProcess.run(arguments + ["--dry-run", "--device-memory", "80"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("per-device memory estimate") && dry.stdout.contains("(8030261248 parameters)"))
        #expect(dry.stdout.contains("launch: /nonexistent/python -m accelerate.commands.launch --num_processes=6"))
        #expect(!FileManager.default.fileExists(atPath: out.path))   // nothing written, nothing checked or started
        let small = try DivTuneProcess.run(arguments + ["--device-memory", "16"])
        #expect(small.status != 0 && small.stderr.contains("per device, more than the 16.0 GiB given"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// Every paper preset decodes and its dry run prints an estimate on both papers' models, with the
    /// FSDP launch reading configs/paper/fsdp.yaml.
    @Test(arguments: [("llama-3.1-8b", 128256, 8_030_261_248), ("mistral-7b-v0.3", 32768, 7_248_023_552)])
    func everyPaperPresetDryRunsWithFSDP(model: String, vocab: Int, parameters: Int) throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        let config = #"{"hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128, "tie_word_embeddings": false, "vocab_size": "#
            + "\(vocab)}"
        try config.write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let root = DivTuneProcess.repositoryRoot.appendingPathComponent("configs/paper")
        for method in ["sft", "dpo", "ddpo", "orpo", "dorpo", "reward"] {
            let dry = try DivTuneProcess.run(["train", method, "--config", root.appendingPathComponent("\(method).yaml").path, "--model", dir.path,
                                              "--data", "d.jsonl", "--output", dir.appendingPathComponent(method).path, "--backend", "torch",
                                              "--num-processes", "6", "--precision", "bf16", "--fsdp", "--python", "/nonexistent/python",
                                              "--dry-run", "--device-memory", "80"])
            #expect(dry.status == 0, "\(model) \(method): \(dry.stderr)")
            #expect(dry.stdout.contains("per-device memory estimate") && dry.stdout.contains("(\(parameters) parameters)"), "\(model) \(method)")
            #expect(dry.stdout.contains("--config_file=\(root.appendingPathComponent("fsdp.yaml").standardizedFileURL.path)"), "\(dry.stdout)")
            // The reward model reads one hidden state per sequence through its head: no logits.
            #expect(dry.stdout.contains("logits      0.00 GiB") == (method == "reward"), "\(model) \(method): \(dry.stdout)")
        }
    }

    /// The Swift trainer's errors for a mixture that does not fit the data, before anything is launched or written.
    @Test func aBadTaskMixtureIsRefusedBeforeLaunch() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        let data = dir.appendingPathComponent("tasks.jsonl")
        try #"{"prompt": "a", "completion": "b", "task": "idea"}"#.write(to: data, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run")
        func run(_ flags: [String]) throws -> DivTuneProcess.Result {
            try DivTuneProcess.run(["train", "sft", "--backend", "torch", "--python", "/nonexistent/python", "--model", dir.path,
                                    "--data", data.path, "--output", out.path] + flags)
        }
        let unknown = try run(["--task-mixture", "idea=1,poem=1"])
        #expect(unknown.status != 0 && unknown.stderr.contains("invalid option 'task-mixture': no training rows have task 'poem' (the data's trainable tasks: idea)"),
                "\(unknown.stderr)")
        let weight = try run(["--task-mixture", "idea=-1"])
        #expect(weight.status != 0 && weight.stderr.contains("the weight of task 'idea' must be a finite number ≥ 0, got '-1'"), "\(weight.stderr)")
        let held = try run(["--holdout-task", "art"])
        #expect(held.status != 0 && held.stderr.contains("no rows have task 'art'"), "\(held.stderr)")
        let dpo = try DivTuneProcess.run(["train", "dpo", "--backend", "torch", "--python", "/nonexistent/python", "--model", dir.path,
                                          "--data", data.path, "--output", out.path, "--task-mixture", "idea=1"])
        #expect(dpo.status != 0 && dpo.stderr.contains("train sft on --backend torch, not dpo"), "\(dpo.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// A reward run's batch is split over the processes, so it must divide; TensorBoard is Swift-only.
    @Test func aRewardRunsUnevenBatchAndReportToAreRefusedBeforeLaunch() throws {
        let base = ["train", "reward", "--backend", "torch", "--python", "/nonexistent/python", "--model", "m", "--data", "d.jsonl", "--output", "o"]
        let uneven = try DivTuneProcess.run(base + ["--num-processes", "3", "--batch-size", "4"])
        #expect(uneven.status != 0 && uneven.stderr.contains("--batch-size 4 must be a multiple of --num-processes 3"), "\(uneven.stderr)")
        let board = try DivTuneProcess.run(base + ["--report-to", "tensorboard"])
        #expect(board.status != 0 && board.stderr.contains("--report-to is not available with --backend torch yet"), "\(board.stderr)")
        let swiftOnly = try DivTuneProcess.run(["train", "reward", "--num-processes", "2", "--model", "m", "--data", "d", "--output", "o"])
        #expect(swiftOnly.status != 0 && swiftOnly.stderr.contains("--num-processes is an option of --backend torch"), "\(swiftOnly.stderr)")
    }

    @Test func launchFlagsAreCheckedBeforeAnyLaunch() throws {
        let swiftOnly = try DivTuneProcess.run(["train", "dpo", "--num-processes", "2", "--model", "m", "--data", "d", "--output", "o"])
        #expect(swiftOnly.status != 0 && swiftOnly.stderr.contains("--num-processes is an option of --backend torch"))
        let uneven = try DivTuneProcess.run(["train", "dpo", "--backend", "torch", "--num-processes", "3", "--num-machines", "2",
                                             "--main-address", "127.0.0.1:29500", "--model", "m", "--data", "d", "--output", "o"])
        #expect(uneven.status != 0 && uneven.stderr.contains("--num-processes: 3 processes cannot be spread evenly over 2 machines"))
    }
}
