import Foundation
import Testing
import Models
import TensorEngine
@testable import Training

@Suite struct TrainerTests {
    func temporary() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("train-\(UUID().uuidString)") }

    @Test func schedulesFollowTransformers() {
        let linear = LearningRateSchedule(kind: .linear, peak: 1, warmupSteps: 2, totalSteps: 10)
        #expect(linear.factor(step: 0) == 0 && linear.factor(step: 1) == 0.5 && linear.factor(step: 2) == 1)
        #expect(abs(linear.factor(step: 6) - 0.5) < 1e-12 && linear.factor(step: 10) == 0)
        let cosine = LearningRateSchedule(kind: .cosine, peak: 1, warmupSteps: 0, totalSteps: 10)
        #expect(abs(cosine.factor(step: 5) - 0.5) < 1e-12 && abs(cosine.factor(step: 10)) < 1e-12)
        #expect(LearningRateSchedule(kind: .constant, peak: 1, warmupSteps: 4, totalSteps: 10).factor(step: 2) == 0.5)
    }

    @Test func clippingScalesToTheMaximumNorm() throws {
        let p = try Tensor([0, 0], shape: [2])
        p.grad = try Tensor([3, 4], shape: [2])
        #expect(clipGradientNorm([p], maxNorm: 1) == 5)
        let g = p.grad!.scalars
        #expect(abs(g[0] - 0.6) < 1e-5 && abs(g[1] - 0.8) < 1e-5)
    }

    func makeTrainer(output: URL, method: TrainingConfiguration.Method = .ddpo, steps: Int = 6) throws -> Trainer {
        let model = try Support.tinyModel(seed: 2)
        let adapter = try LoRAAdapter(configuration: LoRAConfiguration(rank: 4, alpha: 8, dropout: 0.1), model: model, seed: 3)
        try model.attach(adapter)
        var c = TrainingConfiguration()
        c.method = method
        c.learningRate = 5e-3
        c.lrScheduler = .cosine
        c.warmupSteps = 1
        c.maxSteps = steps
        c.batchSize = 2
        c.gradAccum = 2
        c.loggingSteps = 2
        c.validationSplit = 0.2
        c.stepsPerEval = 3
        c.beta = 0.5
        return try Trainer(model: model, adapter: adapter, objective: c.makeObjective(), configuration: c,
                           examples: Support.toyPairs(count: 10), output: output)
    }

    @Test func resumedRunEndsWithTheSameAdapter() throws {
        let a = temporary(), b = temporary()
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let straight = try makeTrainer(output: a)
        try straight.run()

        let first = try makeTrainer(output: b)
        first.stopAfterStep = 3
        try first.run()
        let checkpoint = b.appendingPathComponent("checkpoint-3")
        #expect(!FileManager.default.fileExists(atPath: checkpoint.path))
        try first.saveCheckpoint()
        let second = try makeTrainer(output: b)
        try second.resume(from: checkpoint)
        #expect(second.state.step == 3)
        try second.run()
        for (x, y) in zip(straight.adapter.parameters, second.adapter.parameters) {
            #expect(zip(x.scalars, y.scalars).allSatisfy { abs($0 - $1) <= 1e-6 }, "resumed adapter differs")
        }
        let final = try LoRAAdapter.load(directory: b)
        #expect(zip(final.parameters, straight.adapter.parameters).allSatisfy { $0.scalars == $1.scalars })
    }

    @Test func metricsAreLoggedWithTRLNames() throws {
        let out = temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        let log = try TrainingLog(url: out.appendingPathComponent("metrics.jsonl"))
        try makeTrainer(output: out, method: .dorpo, steps: 4).run(observer: log.record)
        let lines = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let records = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let train = records.filter { $0["loss"] != nil }
        #expect(train.map { $0["step"] as? Int } == [1, 2, 4])
        for key in ["loss", "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins", "logps/chosen",
                    "logps/rejected", "nll_loss", "log_odds_ratio", "grad_norm", "learning_rate", "tokens_per_second", "peak_memory_mb"] {
            #expect(train[0][key] is Double || train[0][key] is Int, "missing \(key)")
        }
        #expect(train[0]["learning_rate"] as? Double == 0)   // warm-up starts at 0, as transformers
        #expect(records.contains { $0["eval_loss"] != nil })
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("checkpoint-4/optimizer.safetensors").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("adapter_model.safetensors").path))
    }

    @Test func dpoLearnsAToyPreference() throws {
        let out = temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        let model = try Support.tinyModel(seed: 2)
        let adapter = try LoRAAdapter(configuration: LoRAConfiguration(rank: 8, alpha: 16, dropout: 0), model: model, seed: 3)
        try model.attach(adapter)
        var c = TrainingConfiguration()
        c.method = .dpo
        c.learningRate = 2e-2
        c.lrScheduler = .constant
        c.maxSteps = 30
        c.batchSize = 4
        c.loggingSteps = 10
        c.beta = 0.1
        let pairs = Support.toyPairs(count: 16)
        let trainer = try Trainer(model: model, adapter: adapter, objective: c.makeObjective(), configuration: c, examples: pairs, output: out)
        var losses: [Double] = []
        try trainer.run { event in
            if case let .step(step) = event { losses.append(step.metrics["loss"] ?? .nan) }
        }
        let after = try Tensor.withNoGrad { try DPOObjective(beta: 0.1, reference: ReferenceLogProbs()).loss(model: model, batch: pairs).metrics }
        #expect(abs(losses[0] - log(2.0)) < 1e-5)
        #expect(losses.suffix(5).reduce(0, +) / 5 < 0.5 * losses[0], "loss \(losses.first!) → \(losses.last!)")
        #expect(after["rewards/accuracies"]! >= 0.9)
    }

    @Test func nonFiniteLossStopsWithAClearMessage() throws {
        let out = temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        let model = try Support.tinyModel(seed: 2)
        let adapter = try LoRAAdapter(configuration: LoRAConfiguration(rank: 2, alpha: 4, dropout: 0), model: model, seed: 3)
        try model.attach(adapter)
        var c = TrainingConfiguration()
        c.method = .sft
        c.maxSteps = 3
        c.saveEvery = 1
        c.learningRate = 1e-3
        let trainer = try Trainer(model: model, adapter: adapter, objective: c.makeObjective(), configuration: c,
                                  examples: Support.toyPairs(count: 4), output: out)
        let poisonAfterFirstStep: TrainingObserver = { event in
            if case let .step(step) = event, step.step == 1 { adapter.parameters[1].withUnsafeMutableBufferPointer { $0[0] = .nan } }
        }
        do {
            try trainer.run(observer: poisonAfterFirstStep)
            Issue.record("expected a non-finite loss error")
        } catch let TrainingError.nonFiniteLoss(step, last) {
            #expect(step == 2)
            #expect(last?.hasSuffix("checkpoint-1") == true)
        }
    }
}
