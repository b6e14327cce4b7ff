import Base
import Foundation
import Testing

/// `divtune train --diversity-floor F [--stop-on-collapse]` (docs/formats.md §4.5.4) on the tiny
/// model: a floor no probe can reach (10 × step 0's semantic diversity) is crossed by the first
/// probe after step 0.
@Suite struct CollapseAlarmCommandTests {
    @Test func warnsOrStopsWithACheckpointWhenDiversityFallsBelowTheFloor() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try TinyTrainingRun.monitored(in: dir)
        let base = run.training + run.probing + ["--monitor-every", "2", "--diversity-floor", "10"]

        // Warned: the run goes on to its end; each probe after step 0 logs the warning.
        let warned = try DivTuneProcess.run(base + ["--output", "warned"], in: dir)
        #expect(warned.status == 0, "\(warned.stderr)")
        #expect(warned.stderr.contains("warning: semantic diversity collapsed at step 2: "), "\(warned.stderr)")
        let records = try JSONLines.rows(of: dir.appendingPathComponent("warned/metrics.jsonl"))
        let warnings = records.filter { $0.value("warning") != nil }
        #expect(try warnings.map { try $0.finiteNumber("step") } == [2, 4])
        #expect(try warnings.allSatisfy { try $0.finiteNumber("monitor/collapse_floor") == 10 && ($0.finiteNumber("monitor/collapse_ratio") ?? 10) < 10 })
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("warned/adapter_model.safetensors").path))

        // Stopped: a checkpoint at the step, no final adapter, and the message with the step and the numbers.
        let stopped = try DivTuneProcess.run(base + ["--output", "stopped", "--stop-on-collapse"], in: dir)
        #expect(stopped.status != 0)
        let message = try #require(stopped.stderr.split(separator: "\n").last { $0.contains("stopped (--stop-on-collapse)") })
        #expect(message.contains("semantic diversity collapsed at step 2: ") && message.contains("below the floor 10 × ")
                && message.hasSuffix("with a checkpoint in \(dir.appendingPathComponent("stopped/checkpoint-2").path)"), "\(message)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("stopped/checkpoint-2/trainer_state.json").path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("stopped/adapter_model.safetensors").path))
        #expect(try TinyTrainingRun.loggedSteps(dir.appendingPathComponent("stopped")).last == 2)

        // The alarm watches probes: without them it is refused before training.
        let alone = try DivTuneProcess.run(["train", "sft", "--model", run.model, "--data", run.data, "--output", "alone", "--diversity-floor", "0.8"],
                                           in: dir)
        #expect(alone.status != 0 && alone.stderr.contains("'diversity-floor': needs --monitor-prompts"), "\(alone.stderr)")
    }
}
