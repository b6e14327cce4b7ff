import Foundation
import Testing

/// `divtune train` on run folders (issue 23): a non-empty output needs --resume or --overwrite,
/// bad numbers are refused before training, and a resume cannot silently change the run.
@Suite(.serialized) struct TrainCommandTests {
    func train(_ arguments: [String], in directory: URL) throws -> DivTuneProcess.Result {
        try DivTuneProcess.run(["train"] + arguments, in: directory)
    }

    @Test func aNonEmptyOutputIsRefusedUnlessOverwriteOrResumeSaysWhatToDo() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try TinyTrainingRun.model(in: dir), data = try TinyTrainingRun.sftData(in: dir)
        let run = ["sft", "--model", model, "--data", data, "--output", "run", "--max-steps", "3", "--logging-steps", "1", "--save-every", "1"]
        let first = try train(run, in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let adapter = try Data(contentsOf: dir.appendingPathComponent("run/adapter_model.safetensors"))

        let again = try train(run + ["--learning-rate", "1e-2"], in: dir)
        #expect(again.status != 0)
        #expect(again.stderr.contains("run is not empty") && again.stderr.contains("--overwrite") && again.stderr.contains("--resume"))
        #expect(try Data(contentsOf: dir.appendingPathComponent("run/adapter_model.safetensors")) == adapter)

        let both = try train(run + ["--overwrite", "--resume", "run/checkpoint-1"], in: dir)
        #expect(both.status != 0 && both.stderr.contains("give one of them"))

        // A checkpoint resumes its own run only: resuming into another folder would overwrite it.
        let elsewhere = try train(["sft", "--model", model, "--data", data, "--output", "other", "--max-steps", "3",
                                   "--resume", "run/checkpoint-1"], in: dir)
        #expect(elsewhere.status != 0 && elsewhere.stderr.contains("belongs to the run in"), "\(elsewhere.stderr)")

        let overwritten = try train(["sft", "--model", model, "--data", data, "--output", "run", "--max-steps", "2",
                                     "--logging-steps", "1", "--overwrite"], in: dir)
        #expect(overwritten.status == 0, "\(overwritten.stderr)")
        // The old run is gone: its checkpoints and metrics did not survive to mix with the new run.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("run").path).sorted()
        #expect(names == ["adapter_config.json", "adapter_model.safetensors", "checkpoint-2", "metrics.jsonl"])
        #expect(try TinyTrainingRun.loggedSteps(dir.appendingPathComponent("run")) == [1, 2])
    }

    @Test func nonFiniteAndOutOfRangeNumbersAreRefusedBeforeTraining() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try TinyTrainingRun.model(in: dir), data = try TinyTrainingRun.sftData(in: dir)
        let cases: [(flag: String, value: String)] = [
            ("--max-grad-norm", "nan"), ("--max-grad-norm", "-1"), ("--learning-rate", "inf"), ("--beta", "nan"),
            ("--weight-decay", "-0.5"), ("--validation-split", "nan"), ("--lora-dropout", "1"), ("--lora-dropout", "nan"),
            ("--lora-alpha", "nan"), ("--lora-rank", "0"), ("--lora-rank", "100000"),
        ]
        for (flag, value) in cases {
            let result = try train(["sft", "--model", model, "--data", data, "--output", "out", "--max-steps", "1", "\(flag)=\(value)"], in: dir)
            #expect(result.status != 0, "\(flag) \(value) was accepted")
            #expect(result.stderr.contains("'\(flag.dropFirst(2))'"), "\(flag) \(value): \(result.stderr)")
            #expect(!result.stdout.contains("training sft"), "\(flag) \(value) started training")
        }
    }

    @Test func aResumeRefusesConflictingFlagsAndKeepsTheDPOReference() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try TinyTrainingRun.model(in: dir)
        let sft = try train(["sft", "--model", model, "--data", try TinyTrainingRun.sftData(in: dir), "--output", "sft",
                             "--max-steps", "2", "--learning-rate", "1e-2", "--lora-rank", "4"], in: dir)
        #expect(sft.status == 0, "\(sft.stderr)")
        let pairs = try TinyTrainingRun.pairData(in: dir)
        let dpo = ["--model", model, "--data", pairs, "--output", "dpo", "--max-steps", "3", "--save-every", "1", "--logging-steps", "1",
                   "--learning-rate", "1e-2", "--beta", "0.5"]
        let straight = try train(["dpo", "--adapter", "sft"] + dpo, in: dir)
        #expect(straight.status == 0, "\(straight.stderr)")
        let adapter = try Data(contentsOf: dir.appendingPathComponent("dpo/adapter_model.safetensors"))

        let resume = ["--model", model, "--data", pairs, "--output", "dpo", "--resume", "dpo/checkpoint-1"]
        let conflicts: [(arguments: [String], message: String)] = [
            (["dpo", "--lora-rank", "8"], "--lora-rank 8 conflicts with the checkpoint"),
            (["dpo", "--beta", "0.1"], "trained with beta 0.5"),
            (["dpo", "--reference-adapter", "sft"], "--reference-adapter"),
            (["dpo", "--adapter", "dpo/checkpoint-1"], "--adapter"),
            (["ddpo"], "resume it with 'divtune train dpo'"),
        ]
        for (arguments, message) in conflicts {
            let result = try train(arguments + resume, in: dir)
            #expect(result.status != 0 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        // Without --adapter the resumed run takes the recorded one, so its DPO reference is still the
        // SFT adapter (with the base model as reference the adapter would come out different).
        let resumed = try train(["dpo"] + resume, in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("dpo/adapter_model.safetensors")) == adapter)
        #expect(try TinyTrainingRun.loggedSteps(dir.appendingPathComponent("dpo")) == [1, 2, 3])
    }

    /// With standard output a pipe (`make demo > log`, `| tee`), each line must arrive when it is
    /// printed, not when the buffer fills or the process exits.
    @Test func printedLinesReachAPipeWhileTheCommandRuns() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = DivTuneProcess.executable
        process.arguments = ["train", "sft", "--model", try TinyTrainingRun.model(in: dir), "--data", try TinyTrainingRun.sftData(in: dir),
                             "--output", dir.appendingPathComponent("run").path, "--max-steps", "1000000"]
        process.currentDirectoryURL = dir
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) }; process.waitUntilExit() }
        // A million steps take far longer than this test waits: a line seen while the process
        // still runs was flushed when printed. The watchdog ends the wait if none comes.
        let watchdog = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 20, execute: watchdog)
        defer { watchdog.cancel() }
        var text = ""
        while !text.contains("\n") {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        #expect(text.hasPrefix("data: 8 examples"), "\(text)")
        #expect(process.isRunning, "the first line arrived only when the process ended")
    }

    /// `--padding-free` (or `padding_free: true` in the config file) trains what the padded run
    /// trains; on the tiny model's 64-token context every example of a 4-example micro-batch
    /// needs a row of its own, and those splits are counted in metrics.jsonl and printed.
    @Test func paddingFreeFlagAndConfigKeyTrainThePaddedRunsLosses() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try TinyTrainingRun.model(in: dir), data = try TinyTrainingRun.sftData(in: dir)
        try "padding_free: true\n".write(to: dir.appendingPathComponent("free.yaml"), atomically: true, encoding: .utf8)
        func records(_ output: String, _ extra: [String]) throws -> (stdout: String, records: [[String: Any]]) {
            let result = try train(["sft", "--model", model, "--data", data, "--output", output, "--max-steps", "2", "--batch-size", "4",
                                    "--logging-steps", "1", "--learning-rate", "1e-2"] + extra, in: dir)
            #expect(result.status == 0, "\(result.stderr)")
            let text = try String(contentsOf: dir.appendingPathComponent(output + "/metrics.jsonl"), encoding: .utf8)
            return (result.stdout, try text.split(separator: "\n").map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) })
        }
        let padded = try records("padded", []), flag = try records("flag", ["--padding-free"])
        let file = try records("file", ["--config", "free.yaml"]), off = try records("off", ["--config", "free.yaml", "--no-padding-free"])
        for run in [flag, file] {
            #expect(run.records.count == 2 && run.records.allSatisfy { $0["context_splits"] as? Int == 3 }, "\(run.records)")
            #expect(run.stdout.contains("padding-free: 6 extra rows"), "\(run.stdout)")
            for (a, b) in zip(run.records, padded.records) {
                let (x, y) = (try #require(a["loss"] as? Double), try #require(b["loss"] as? Double))
                #expect(abs(x - y) <= 1e-5 * abs(y), "loss \(x) vs padded \(y)")
            }
        }
        for run in [padded, off] {
            #expect(run.records.allSatisfy { $0["context_splits"] == nil } && !run.stdout.contains("padding-free:"))
        }
        let state = try String(contentsOf: dir.appendingPathComponent("file/checkpoint-2/trainer_state.json"), encoding: .utf8)
        #expect(state.contains("\"padding_free\" : true") || state.contains("\"padding_free\":true"), "\(state)")
    }
}
