import Base
import Foundation
import Testing

/// `divtune train --monitor-prompts` (issue 22, item 1): probes of the current weights log the
/// diversity metrics under `monitor/…` and their samples, and leave training exactly as it was.
@Suite(.serialized) struct MonitorProbeTests {
    static let diversityKeys = ["semantic_diversity", "style_diversity", "compression_ratio", "homogenization_rougel", "ngram_diversity"]

    func lines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func probesLogDiversityAndLeaveTrainingAsItWas() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let setUp = try TinyTrainingRun.monitored(in: dir), model = setUp.model
        // LoRA dropout on, so a probe that drew from the trainer's generators would change the adapter.
        let base = setUp.training + ["--lora-dropout", "0.1"]
        let plain = try DivTuneProcess.run(base + ["--output", "plain"], in: dir)
        #expect(plain.status == 0, "\(plain.stderr)")
        let watching = setUp.probing + ["--monitor-every", "3", "--report-to", "tensorboard"]
        let watched = try DivTuneProcess.run(base + watching + ["--output", "watched", "--save-every", "2"], in: dir)
        #expect(watched.status == 0, "\(watched.stderr)")
        let run = dir.appendingPathComponent("watched")

        #expect(try Data(contentsOf: run.appendingPathComponent("adapter_model.safetensors"))
                == (try Data(contentsOf: dir.appendingPathComponent("plain/adapter_model.safetensors"))))
        let records = try lines(run.appendingPathComponent("metrics.jsonl"))
        let probes = records.filter { $0.keys.contains { $0.hasPrefix("monitor/") } }
        let training = records.filter { !$0.keys.contains { $0.hasPrefix("monitor/") } }
        #expect(training.map { $0["loss"] as? Double } == (try lines(dir.appendingPathComponent("plain/metrics.jsonl"))).map { $0["loss"] as? Double })
        // Step 0, every 3rd step and the last.
        #expect(probes.map { $0["step"] as? Int } == [0, 3, 4])
        for probe in probes {
            let keys = Set(probe.keys)
            #expect(keys == Set(["step", "monitor/quality_mean_logprob_per_token", "monitor/seconds"] + Self.diversityKeys.map { "monitor/" + $0 }), "\(keys)")
            #expect((probe["monitor/seconds"] as? Double).map { $0 > 0 } == true)
            let semantic = try #require(probe["monitor/semantic_diversity"] as? Double)
            #expect(semantic >= 0 && semantic <= 2)
            #expect((probe["monitor/quality_mean_logprob_per_token"] as? Double).map { $0 < 0 } == true)
        }
        let samples = try lines(run.appendingPathComponent("monitor_samples.jsonl"))
        #expect(samples.map { $0["step"] as? Int } == [0, 0, 3, 3, 4, 4])
        #expect(samples.map { $0["prompt"] as? String } == ["tell a story", "name a colour", "tell a story", "name a colour", "tell a story", "name a colour"])
        #expect(samples.allSatisfy { ($0["samples"] as? [String])?.count == 2 })
        // Each probe is an evaluation run of its own, as `evaluate run` writes it.
        for step in [0, 3, 4] {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("monitor/step-\(step)/metrics.json").path))
        }
        // TensorBoard: the monitor scalars as they are in metrics.jsonl, the samples as text.
        let board = try TensorBoardReportTests.readWithTensorBoard(run)
        #expect(board.scalars == (try TensorBoardReportTests.expectedScalars(run)))
        #expect(board.scalars["monitor/semantic_diversity"]?.map(\.step) == [0, 3, 4])
        #expect(board.texts["monitor/samples/text_summary"]?.map { $0.prefix(3) } == ["0: ", "3: ", "4: "])
        #expect(board.texts["monitor/samples/text_summary"]?.first?.contains("**tell a story**") == true)

        // Resumed from step 2: the probe at 0 is kept, those at 3 and 4 are logged once, and the
        // adapter is still the plain run's.
        let resumed = try DivTuneProcess.run(base + watching + ["--output", "watched", "--resume", "watched/checkpoint-2"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try lines(run.appendingPathComponent("monitor_samples.jsonl")).map { $0["step"] as? Int } == [0, 0, 3, 3, 4, 4])
        #expect(try lines(run.appendingPathComponent("metrics.jsonl")).filter { $0.keys.contains("monitor/ngram_diversity") }
                    .map { $0["step"] as? Int } == [0, 3, 4])
        #expect(try Data(contentsOf: run.appendingPathComponent("adapter_model.safetensors"))
                == (try Data(contentsOf: dir.appendingPathComponent("plain/adapter_model.safetensors"))))
        #expect(try TensorBoardReportTests.readWithTensorBoard(run).scalars == (try TensorBoardReportTests.expectedScalars(run)))

        // With a reward model, quality is its mean score.
        let rows = TinyTrainingRun.prompts.enumerated().map { i, prompt in "{\"prompt\": \"\(prompt)\", \"response\": \"a \(["cat", "hill", "sea"][i % 3]).\", \"score\": \(i * 3)}" }
        try (rows.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("scored.jsonl"), atomically: true, encoding: .utf8)
        let rm = try DivTuneProcess.run(["train", "reward", "--model", model, "--data", "scored.jsonl", "--output", "rm", "--epochs", "1",
                                            "--validation-fraction", "0.25"], in: dir)
        #expect(rm.status == 0, "\(rm.stderr)")
        let rewarded = try DivTuneProcess.run(base + watching + ["--output", "rewarded", "--monitor-every", "4", "--reward", "rm"], in: dir)
        #expect(rewarded.status == 0, "\(rewarded.stderr)")
        let rewardProbes = try lines(dir.appendingPathComponent("rewarded/metrics.jsonl")).filter { $0.keys.contains("monitor/ngram_diversity") }
        #expect(rewardProbes.map { $0["step"] as? Int } == [0, 4])
        #expect(rewardProbes.allSatisfy { $0["monitor/quality_reward"] is Double && $0["monitor/quality_mean_logprob_per_token"] == nil })
    }

    @Test func missingOrEmptyMonitorPromptsAreRefusedBeforeTraining() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try TinyTrainingRun.model(in: dir), data = try TinyTrainingRun.sftData(in: dir)
        try "".write(to: dir.appendingPathComponent("empty.jsonl"), atomically: true, encoding: .utf8)
        try "{\"prompt\": \"say hello\"}\n".write(to: dir.appendingPathComponent("one.jsonl"), atomically: true, encoding: .utf8)
        let base = ["train", "sft", "--model", model, "--data", data, "--output", "run", "--max-steps", "2"]
        let missing = try DivTuneProcess.run(base + ["--monitor-prompts", "nowhere.jsonl"], in: dir)
        #expect(missing.status != 0 && missing.stderr.contains("nowhere.jsonl"), "\(missing.stderr)")
        let empty = try DivTuneProcess.run(base + ["--monitor-prompts", "empty.jsonl", "--overwrite"], in: dir)
        #expect(empty.status != 0 && empty.stderr.contains("empty.jsonl holds no prompts"), "\(empty.stderr)")
        let zero = try DivTuneProcess.run(base + ["--monitor-prompts", "one.jsonl", "--overwrite", "--monitor-every", "0"], in: dir)
        #expect(zero.status != 0 && zero.stderr.contains("'monitor-every': must be ≥ 1, got 0"), "\(zero.stderr)")
        for result in [missing, empty, zero] { #expect(!result.stdout.contains("training sft"), "\(result.stdout)") }
    }
}
