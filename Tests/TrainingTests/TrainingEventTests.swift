import Base
import Foundation
import Testing
import Models
@testable import Training

/// The trainer's event stream (what the progress bar, metrics.jsonl and monitors see) and the log
/// written from it.
@Suite struct TrainingEventTests {
    func temporary() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID().uuidString)") }

    /// 4 steps of DDPO on the tiny model: logging every 2 steps, validation every 3, a checkpoint every 2.
    func makeTrainer(output: URL) throws -> Trainer {
        let model = try Support.tinyModel(seed: 2)
        let adapter = try LoRAAdapter(configuration: LoRAConfiguration(rank: 4, alpha: 8, dropout: 0.1), model: model, seed: 3)
        try model.attach(adapter)
        var c = TrainingConfiguration()
        c.method = .ddpo
        c.learningRate = 5e-3
        c.warmupSteps = 1
        c.maxSteps = 4
        c.batchSize = 2
        c.loggingSteps = 2
        c.validationSplit = 0.2
        c.stepsPerEval = 3
        c.saveEvery = 2
        c.beta = 0.5
        return try Trainer(model: model, adapter: adapter, objective: c.makeObjective(), configuration: c,
                           examples: Support.toyPairs(count: 10), output: output)
    }

    /// A short name per event, to compare the order at a glance.
    static func label(_ event: TrainingEvent) -> String {
        switch event {
        case let .started(s): return "started \(s.step)/\(s.totalSteps)"
        case let .step(s): return "step \(s.step)" + (s.endsLoggingWindow ? " logged" : "")
        case let .evaluation(e): return "evaluation \(e.step)"
        case let .checkpointSaved(c): return "checkpoint \(c.step)"
        case let .finished(f): return "finished \(f.step)/\(f.totalSteps)" + (f.completed ? " completed" : "")
        case let .warning(w): return "warning \(w.step)"
        }
    }

    @Test func eventsArriveInOrderWithTheirPayloads() throws {
        let out = temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        let trainer = try makeTrainer(output: out)
        var events: [TrainingEvent] = []
        var checkpointsComplete: [Bool] = []
        try trainer.run { event in
            events.append(event)
            if case let .checkpointSaved(saved) = event {
                // The folder is complete when the event arrives, not merely started.
                checkpointsComplete.append(FileManager.default.fileExists(atPath: saved.directory.appendingPathComponent(TrainerCheckpoint.stateFile).path))
            }
        }
        #expect(events.map(Self.label) == ["started 0/4", "step 1 logged", "step 2 logged", "checkpoint 2", "step 3", "evaluation 3",
                                           "step 4 logged", "evaluation 4", "checkpoint 4", "finished 4/4 completed"])
        #expect(checkpointsComplete == [true, true])
        let steps = events.compactMap { if case let .step(s) = $0 { return s } else { return nil } }
        #expect(steps[0].metrics["learning_rate"] == 0)   // warm-up starts at 0
        #expect(steps[1].metrics["learning_rate"] == Double(Float(5e-3)))
        for step in steps {
            for key in ["loss", "grad_norm", "rewards/chosen", "rewards/margins", "logps/chosen"] {
                #expect(step.metrics[key]?.isFinite == true, "step \(step.step): \(key)")
            }
            #expect(step.tokens > 0 && step.seconds > 0)
        }
        // 8 training examples, 2 per step: each step reads a quarter epoch.
        #expect(steps.map(\.epoch) == [0.25, 0.5, 0.75, 1.0])
        let evaluations = events.compactMap { if case let .evaluation(e) = $0 { return e } else { return nil } }
        #expect(evaluations.allSatisfy { $0.metrics["loss"]?.isFinite == true && $0.metrics["grad_norm"] == nil })
        let saved = events.compactMap { if case let .checkpointSaved(c) = $0 { return c.directory.lastPathComponent } else { return nil } }
        #expect(saved == ["checkpoint-2", "checkpoint-4"])
    }

    @Test func anInterruptedRunFinishesIncompleteAndAResumedOneStartsAtItsStep() throws {
        let out = temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        let first = try makeTrainer(output: out)
        first.stopAfterStep = 2
        var events: [String] = []
        try first.run { events.append(Self.label($0)) }
        #expect(events == ["started 0/4", "step 1 logged", "step 2 logged", "checkpoint 2", "finished 2/4"])
        let second = try makeTrainer(output: out)
        try second.resume(from: out.appendingPathComponent("checkpoint-2"))
        events = []
        try second.run { events.append(Self.label($0)) }
        #expect(events.first == "started 2/4" && events.last == "finished 4/4 completed")
        #expect(events.filter { $0.hasPrefix("step") } == ["step 3", "step 4 logged"])
    }

    @Test func metricsLogIsWrittenFromEvents() throws {
        let out = temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        let log = try TrainingLog(url: out.appendingPathComponent("metrics.jsonl"))
        let events: [TrainingEvent] = [
            .started(TrainingStart(name: "sft", step: 0, totalSteps: 3)),
            .step(StepMetrics(step: 1, epoch: 0.5, metrics: ["loss": 1], tokens: 10, seconds: 1, endsLoggingWindow: true)),
            .step(StepMetrics(step: 2, epoch: 1, metrics: ["loss": 2, "grad_norm": 1], tokens: 30, seconds: 1, endsLoggingWindow: false)),
            .checkpointSaved(CheckpointSaved(step: 2, directory: out.appendingPathComponent("checkpoint-2"))),
            .step(StepMetrics(step: 3, epoch: 1.5, metrics: ["loss": 4, "grad_norm": 3], tokens: 50, seconds: 3, endsLoggingWindow: true)),
            .evaluation(EvaluationMetrics(step: 3, epoch: 1.5, metrics: ["loss": 0.5])),
            .finished(TrainingFinished(step: 3, totalSteps: 3, completed: true)),
        ]
        for event in events { try log.record(event) }
        let records = try String(contentsOf: log.url, encoding: .utf8).split(separator: "\n")
            .map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(records.count == 3)
        #expect(records[0]["step"] as? Int == 1 && records[0]["loss"] as? Double == 1 && records[0]["tokens_per_second"] as? Double == 10)
        // The second window averages steps 2 and 3: (2 + 4) / 2 loss, 80 tokens in 4 s.
        #expect(records[1]["step"] as? Int == 3 && records[1]["epoch"] as? Double == 1.5)
        #expect(records[1]["loss"] as? Double == 3 && records[1]["grad_norm"] as? Double == 2 && records[1]["tokens_per_second"] as? Double == 20)
        #expect((records[1]["peak_memory_mb"] as? Double ?? 0) > 0)
        #expect(records[2].keys.sorted() == ["epoch", "eval_loss", "step"] && records[2]["eval_loss"] as? Double == 0.5)
        #expect(log.lastAverages == ["loss": 3, "grad_norm": 2])
    }

    @Test func aMetricsWriteThatFailsStopsTrainingNamingTheFile() throws {
        let out = temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        // /dev/full accepts the open and fails every write with ENOSPC, as a full disk does.
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let metrics = out.appendingPathComponent("metrics.jsonl")
        try FileManager.default.createSymbolicLink(atPath: metrics.path, withDestinationPath: "/dev/full")
        let trainer = try makeTrainer(output: out)
        let log = try TrainingLog(url: metrics)
        do {
            try trainer.run(observer: log.record)
            Issue.record("expected the failed write to stop training")
        } catch let error as FileError {
            #expect(error.path == metrics.path)
            #expect(error.description.contains("metrics.jsonl"))
        }
        #expect(trainer.state.step == 1)
    }
}
