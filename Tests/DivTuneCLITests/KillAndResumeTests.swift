import Base
import Foundation
import Monitor
import Testing

/// Crash-safe training, proven (issue 23 item 3): `divtune train` is killed with SIGKILL at random
/// moments — a third of the trials the moment a checkpoint starts being written — and resumed
/// from its newest checkpoint; every trial must end with the uninterrupted run's adapter bytes and
/// losses, and no checkpoint folder may ever be found incomplete. The runs report to TensorBoard:
/// after a kill its files hold every step logged but at most the last, and after the resume
/// tensorboard's reader finds exactly metrics.jsonl's scalars.
@Suite(.serialized) struct KillAndResumeTests {
    static let steps = 8

    /// SFT with LoRA dropout (so the generators' states must survive too), a checkpoint per step.
    static func arguments(model: String, data: String, output: URL) -> [String] {
        ["train", "sft", "--model", model, "--data", data, "--output", output.path, "--max-steps", "\(steps)", "--batch-size", "2",
         "--learning-rate", "1e-2", "--lora-dropout", "0.1", "--logging-steps", "1", "--save-every", "1", "--threads", "1", "--report-to", "tensorboard"]
    }

    /// Steps of the complete `checkpoint-N` folders; records an issue for any that is not complete.
    static func checkCheckpoints(in output: URL, trial: Int) throws -> [Int] {
        var steps: [Int] = []
        for name in KilledRuns.entries(output) where name.hasPrefix("checkpoint-") {
            let folder = output.appendingPathComponent(name)
            let step = try #require(Int(name.dropFirst("checkpoint-".count)))
            for file in ["adapter_model.safetensors", "optimizer.safetensors"] {
                #expect(isCompleteSafetensors(folder.appendingPathComponent(file)), "trial \(trial): \(name)/\(file) is partial")
            }
            let config = try? JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("adapter_config.json")))
            #expect(config is [String: Any], "trial \(trial): \(name)/adapter_config.json is partial")
            let state = try? JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("trainer_state.json"))) as? [String: Any]
            #expect(state?["step"] as? Int == step, "trial \(trial): \(name)/trainer_state.json is partial")
            steps.append(step)
        }
        return steps.sorted()
    }

    /// Whether a safetensors file holds its whole header and every byte its tensors claim.
    static func isCompleteSafetensors(_ url: URL) -> Bool {
        guard let data = try? Data(contentsOf: url), data.count >= 8 else { return false }
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard data.count >= 8 + headerLength,
              let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<8 + headerLength)) as? [String: Any] else { return false }
        let end = header.values.compactMap { ($0 as? [String: Any])?["data_offsets"] as? [Int] }.map { $0[1] }.max() ?? 0
        return data.count == 8 + headerLength + end
    }

    /// Each step's loss in metrics.jsonl, in file order.
    static func losses(_ output: URL) throws -> [(step: Int, loss: Double)] {
        try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map { line in
            let record = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return (try #require(record["step"] as? Int), try #require(record["loss"] as? Double))
        }
    }

    /// The steps of the `train/loss` scalars in a run's event files, as DivTune's reader finds them.
    static func boardedSteps(_ output: URL) throws -> [Int] {
        try TensorBoardEventFiles.urls(in: output.appendingPathComponent("runs")).flatMap(TensorBoardEventFiles.read).compactMap { event in
            guard case let .summary(values) = event.content, values.contains(where: { $0.tag == "train/loss" }) else { return nil }
            return Int(event.step)
        }
    }

    @Test func trainingKilledAtRandomMomentsResumesToTheSameAdapter() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try TinyTrainingRun.model(in: dir), data = try TinyTrainingRun.sftData(in: dir)

        // The uninterrupted run: its result, and how long it takes (to spread the kills over it).
        let straightOutput = dir.appendingPathComponent("straight")
        let (status, duration) = try KilledRuns.timedRun(Self.arguments(model: model, data: data, output: straightOutput))
        try #require(status == 0)
        let adapter = try Data(contentsOf: straightOutput.appendingPathComponent("adapter_model.safetensors"))
        let straightLosses = try Self.losses(straightOutput)
        #expect(straightLosses.map(\.step) == Array(1...Self.steps))

        var rng = SeededGenerator(seed: 23)
        var killedDuringSave = 0, killedBeforeFirstCheckpoint = 0, finishedBeforeKill = 0
        let trials = 21
        for trial in 0..<trials {
            let output = dir.appendingPathComponent("trial-\(trial)")
            let process = try KilledRuns.launch(Self.arguments(model: model, data: data, output: output))
            if trial % 3 == 0 {
                // Kill the moment checkpoint-k's temporary folder appears, for a random k.
                let k = 1 + Int(rng.next() % UInt64(Self.steps))
                KilledRuns.wait(process, timeout: 10 * duration + 5) {
                    KilledRuns.entries(output).contains(where: { $0.hasPrefix(".checkpoint-\(k).tmp-") })
                }
            } else {
                KilledRuns.sleep(randomFractionOf: duration, using: &rng)
            }
            if KilledRuns.kill(process) { finishedBeforeKill += 1 }
            if KilledRuns.entries(output).contains(where: { $0.hasPrefix(".checkpoint-") }) { killedDuringSave += 1 }

            let checkpoints = try Self.checkCheckpoints(in: output, trial: trial)
            let logged = (try? Self.losses(output).map(\.step)) ?? []
            let boarded = try Self.boardedSteps(output)
            #expect(boarded == Array(logged.prefix(boarded.count)) && boarded.count >= logged.count - 1,
                    "trial \(trial): TensorBoard holds steps \(boarded), metrics.jsonl \(logged)")
            let resume = checkpoints.last.map { ["--resume", output.appendingPathComponent("checkpoint-\($0)").path] } ?? ["--overwrite"]
            if checkpoints.isEmpty { killedBeforeFirstCheckpoint += 1 }
            let resumed = try DivTuneProcess.run(Self.arguments(model: model, data: data, output: output) + resume)
            #expect(resumed.status == 0, "trial \(trial): \(resumed.stderr)")
            #expect(try Data(contentsOf: output.appendingPathComponent("adapter_model.safetensors")) == adapter,
                    "trial \(trial): the resumed adapter differs from the uninterrupted run's")
            let losses = try Self.losses(output)
            #expect(losses.map(\.step) == straightLosses.map(\.step), "trial \(trial): steps logged \(losses.map(\.step))")
            #expect(losses.map(\.loss) == straightLosses.map(\.loss), "trial \(trial): losses differ")
            #expect(try TensorBoardReportTests.readWithTensorBoard(output).scalars == (try TensorBoardReportTests.expectedScalars(output)),
                    "trial \(trial): TensorBoard differs from metrics.jsonl")
            #expect(!KilledRuns.entries(output).contains(where: { $0.hasPrefix(".") }), "trial \(trial): temporary files left")
            try? FileManager.default.removeItem(at: output)
        }
        print("kill -9: \(trials) trials; \(killedDuringSave) killed while writing a checkpoint, \(killedBeforeFirstCheckpoint) before the first,"
              + " \(finishedBeforeKill) finished first; uninterrupted run \(String(format: "%.2f", duration)) s")
        // The trials that waited for a checkpoint's temporary folder must have caught saves in progress.
        #expect(killedDuringSave >= trials / 6)
        #expect(finishedBeforeKill < trials / 2)
    }
}
