import Base
import Evaluation
import Foundation
import Models
import Testing
import TensorEngine
@testable import Training

/// Multi-task training (docs/methods.md §6.5): the mixture flag, the rates, the one-task draws and
/// their resumption, per-task losses and held-out tasks.
@Suite struct TaskMixtureTests {
    func temporary() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("mixture-\(UUID().uuidString)") }

    /// Toy SFT examples over four tasks with 12, 8, 6 and 4 rows (indices in file order).
    static func taggedExamples(sizes: [(String, Int)] = [("idea", 12), ("headline", 8), ("naming", 6), ("insight", 4)]) -> [TrainingExample] {
        var examples: [TrainingExample] = []
        for (task, n) in sizes {
            for example in Support.toyPairs(count: n, seed: UInt64(examples.count) + 11) {
                var e = example
                e.rejected = nil
                e.index = examples.count
                e.task = task
                examples.append(e)
            }
        }
        return examples
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func theFlagParsesAndBadMixturesAreRefusedWithAReason() throws {
        let mixture = try TaskMixture(parsing: "idea=0.5, headline=0.2,naming=0.2,insight=0.1")
        #expect(mixture.tasks == ["idea", "headline", "naming", "insight"])
        #expect(mixture.entries.map(\.weight) == [0.5, 0.2, 0.2, 0.1])
        #expect(try TaskMixture(parsing: mixture.description) == mixture)
        let encoded = try JSONEncoder().encode(mixture)
        #expect(String(decoding: encoded, as: UTF8.self) == "\"idea=0.5,headline=0.2,naming=0.2,insight=0.1\"")
        for (text, reason) in [("idea", "'idea' is not task=weight"), ("=1", "'=1' is not task=weight"),
                               ("idea=-1", "the weight of task 'idea' must be a finite number ≥ 0, got '-1'"),
                               ("idea=nan", "the weight of task 'idea' must be a finite number ≥ 0, got 'nan'"),
                               ("idea=0,headline=0", "the weights must sum to a positive number"),
                               ("idea=1,idea=2", "task 'idea' is named twice")] {
            #expect(message { _ = try TaskMixture(parsing: text) }.contains(reason), "\(text)")
        }
        // Through the settings: a flag is named as a flag, a config line by its file and line.
        var flags = TrainingSettings()
        flags.setFlag("task_mixture", "idea=0,headline=0")
        #expect(message { _ = try TrainingConfiguration.forRun(.sft, settings: flags) }
            .hasPrefix("invalid option 'task-mixture': the weights must sum to a positive number"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mixture-\(UUID().uuidString).yaml").path
        try Data("seed: 3\ntask_mixture: idea=x\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: FileError(path: path, line: 2, reason: "'task_mixture' the weight of task 'idea' must be a finite number ≥ 0, got 'x'")) {
            try TrainingConfiguration.forRun(.sft, settings: TrainingSettings(configFile: path))
        }
        try Data("task_mixture: idea=0.7,naming=0.3\nmixture_temperature: 2\nholdout_task: art_direction\n".utf8).write(to: URL(fileURLWithPath: path))
        let c = try TrainingConfiguration.forRun(.sft, settings: TrainingSettings(configFile: path))
        #expect(c.taskMixture?.tasks == ["idea", "naming"] && c.mixtureTemperature == 2 && c.holdoutTasks == ["art_direction"])
        var both = TrainingSettings()
        both.setFlag("task_mixture", "idea=1,art_direction=1")
        both.setFlag("holdout_task", "art_direction")
        #expect(message { _ = try TrainingConfiguration.forRun(.sft, settings: both) }
            == "invalid option 'holdout-task': task 'art_direction' is also in --task-mixture: a held-out task is only evaluated, never trained")
        var cold = TrainingSettings()
        cold.setFlag("mixture_temperature", "0")
        #expect(message { _ = try TrainingConfiguration.forRun(.sft, settings: cold) }.hasPrefix("invalid option 'mixture-temperature'"))
    }

    @Test func ratesFollowTheWeightsOrTheTemperatureScaledSizes() throws {
        let sizes = ["idea": 400, "headline": 100, "naming": 25, "insight": 0]
        let weighted = try TaskRates.resolve(sizes: sizes, mixture: TaskMixture(parsing: "idea=2,headline=1,naming=1"), temperature: nil, cap: nil)
        #expect(weighted.tasks == ["headline", "idea", "naming"])
        #expect(weighted.probabilities == [0.25, 0.5, 0.25])
        // Examples-proportional: the sizes; T = 2: their square roots (20, 10, 5); capped at 100 first.
        let proportional = try TaskRates.resolve(sizes: sizes, mixture: nil, temperature: nil, cap: nil)
        let sizeShares: [Double] = [100.0 / 525, 400.0 / 525, 25.0 / 525]
        #expect(proportional.probabilities == sizeShares)
        let warm = try TaskRates.resolve(sizes: sizes, mixture: nil, temperature: 2, cap: nil)
        let rootShares: [Double] = [10.0 / 35, 20.0 / 35, 5.0 / 35]
        #expect(zip(warm.probabilities, rootShares).allSatisfy { abs($0 - $1) < 1e-15 })
        let capped = try TaskRates.resolve(sizes: sizes, mixture: nil, temperature: 2, cap: 100)
        let cappedShares: [Double] = [10.0 / 25, 10.0 / 25, 5.0 / 25]
        #expect(zip(capped.probabilities, cappedShares).allSatisfy { abs($0 - $1) < 1e-15 })
        // T on explicit weights: 0.5^(1/2) against 0.25^(1/2).
        let flattened = try TaskRates.resolve(sizes: sizes, mixture: TaskMixture(parsing: "idea=0.5,headline=0.25"), temperature: 2, cap: nil)
        let idea: Double = 0.5.squareRoot(), headline: Double = 0.25.squareRoot()
        #expect(abs(flattened.probabilities[1] - idea / (idea + headline)) < 1e-15)

        #expect(message { _ = try TaskRates.resolve(sizes: sizes, mixture: TaskMixture(parsing: "idea=1,slogan=1"), temperature: nil, cap: nil) }
            == "invalid option 'task-mixture': no training rows have task 'slogan' (the data's trainable tasks: headline, idea, insight, naming)")
        #expect(message { _ = try TaskRates.resolve(sizes: sizes, mixture: TaskMixture(parsing: "idea=1,insight=1"), temperature: nil, cap: nil) }
            == "invalid option 'task-mixture': task 'insight' has no rows left to train on (all went to the validation split)")
    }

    /// The realised tasks of 20,000 draws fit the mixture (Pearson's χ², p-value from the χ²
    /// distribution checked against scipy in ChiSquareTestTests), and clearly do not fit another one.
    @Test func drawnTasksMatchTheMixtureByAChiSquareTest() throws {
        let examples = Self.taggedExamples()
        let rates = try TaskRates.resolve(sizes: ["idea": 12, "headline": 8, "naming": 6, "insight": 4],
                                          mixture: TaskMixture(parsing: "idea=0.5,headline=0.2,naming=0.2,insight=0.1"), temperature: nil, cap: nil)
        let sampler = TaskMixtureSampler(rates: rates, tasks: examples.map { $0.task! }, seed: 42)
        var state = sampler.initialState()
        var counts = [String: Int]()
        for _ in 0..<20_000 {
            let batch = sampler.next(batchSize: 3, state: &state)
            counts[batch.task, default: 0] += 1
            #expect(batch.indices.allSatisfy { examples[$0].task == batch.task })
        }
        let observed = rates.tasks.map { counts[$0] ?? 0 }
        let fit = try ChiSquareTest(observed: observed, expected: rates.probabilities)
        #expect(fit.degreesOfFreedom == 3)
        #expect(fit.pValue > 0.01, "counts \(observed) for \(rates.probabilities): X² \(fit.statistic), p \(fit.pValue)")
        // The same counts against uniform weights: the test does reject a wrong mixture.
        let wrong = try ChiSquareTest(observed: observed, expected: [1, 1, 1, 1])
        #expect(wrong.pValue < 1e-12)
        // Each task walks through all its rows before repeating one.
        var fresh = sampler.initialState()
        var seen: [Int] = []
        while seen.count < 12 {
            let batch = sampler.next(batchSize: 5, state: &fresh)
            if batch.task == "idea" { seen += batch.indices }
        }
        #expect(Set(seen) == Set(0..<12))
    }

    @Test func aRestoredSamplerStateDrawsTheSameBatches() throws {
        let examples = Self.taggedExamples()
        let rates = try TaskRates.resolve(sizes: ["idea": 12, "headline": 8, "naming": 6, "insight": 4], mixture: nil, temperature: 2, cap: nil)
        let sampler = TaskMixtureSampler(rates: rates, tasks: examples.map { $0.task! }, seed: 7)
        var straight = sampler.initialState()
        let all = (0..<60).map { _ in sampler.next(batchSize: 2, state: &straight) }
        var interrupted = sampler.initialState()
        let first = (0..<25).map { _ in sampler.next(batchSize: 2, state: &interrupted) }
        var restored = try JSONDecoder().decode(TaskMixtureSampler.State.self, from: JSONEncoder().encode(interrupted))
        let rest = (0..<35).map { _ in sampler.next(batchSize: 2, state: &restored) }
        #expect((first + rest).map(\.task) == all.map(\.task))
        #expect((first + rest).map(\.indices) == all.map(\.indices))
        #expect(Set(all.map(\.task)).count == 4)
    }

    func makeTrainer(output: URL, examples: [TrainingExample], mixture: String?, holdout: [String]? = nil, steps: Int = 6,
                     split: Double = 0.25) throws -> Trainer {
        try Support.sftTrainer(output: output, examples: examples, rank: 4, steps: steps, split: split) { c in
            c.gradAccum = 2
            c.stepsPerEval = 3
            c.taskMixture = try mixture.map(TaskMixture.init(parsing:))
            c.holdoutTasks = holdout
        }
    }

    /// A run stopped at a checkpoint and resumed draws the batches of an uninterrupted run: the
    /// same per-task losses at every step and the same adapter at the end.
    @Test func aResumedMultiTaskRunDrawsTheSameBatches() throws {
        let a = temporary(), b = temporary()
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let examples = Self.taggedExamples()
        func taskLosses(_ trainer: Trainer) throws -> [[String: Double]] {
            var steps: [[String: Double]] = []
            try trainer.run { event in
                if case let .step(s) = event { steps.append(s.metrics.filter { $0.key.hasPrefix("loss/") }) }
            }
            return steps
        }
        let straight = try makeTrainer(output: a, examples: examples, mixture: "idea=0.5,headline=0.2,naming=0.2,insight=0.1")
        let all = try taskLosses(straight)
        let first = try makeTrainer(output: b, examples: examples, mixture: "idea=0.5,headline=0.2,naming=0.2,insight=0.1")
        first.stopAfterStep = 3
        let head = try taskLosses(first)
        let checkpoint = try first.saveCheckpoint()
        let second = try makeTrainer(output: b, examples: examples, mixture: "idea=0.5,headline=0.2,naming=0.2,insight=0.1")
        try second.resume(from: checkpoint)
        #expect(second.state.mixture == first.state.mixture)
        let tail = try taskLosses(second)
        #expect((head + tail).map { $0.keys.sorted() } == all.map { $0.keys.sorted() })
        for (x, y) in zip(head + tail, all) {
            for (k, v) in y { #expect(abs((x[k] ?? .nan) - v) < 1e-5, "\(k): \(x[k] ?? .nan) vs \(v)") }
        }
        for (x, y) in zip(straight.adapter.parameters, second.adapter.parameters) {
            #expect(zip(x.scalars, y.scalars).allSatisfy { abs($0 - $1) <= 1e-6 }, "resumed adapter differs")
        }
        // A checkpoint of a run over other tasks is refused.
        let other = try makeTrainer(output: temporary(), examples: examples, mixture: "idea=1,headline=1")
        #expect(message { try other.resume(from: checkpoint) }.contains("task-mixture state does not fit this run's tasks"))
    }

    /// On single-task data the per-task losses are the unmixed ones: each step's `loss/idea` is its
    /// `loss`, and the validation `loss/idea` is a plain run's validation loss.
    @Test func perTaskLossesEqualTheUnmixedLossOnSingleTaskData() throws {
        let out = temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        let examples = Self.taggedExamples(sizes: [("idea", 16)])
        let mixed = try makeTrainer(output: out, examples: examples, mixture: "idea=1", steps: 4)
        let plain = try makeTrainer(output: temporary(), examples: examples, mixture: nil, steps: 4)
        #expect(mixed.validation == plain.validation && mixed.train == plain.train)
        let before = try mixed.evaluate(), reference = try plain.evaluate()
        #expect(before["loss/idea"] == reference["loss"])
        #expect(before["loss"] == reference["loss"])
        var steps = 0
        try mixed.run { event in
            if case let .step(s) = event {
                steps += 1
                #expect(s.metrics["loss/idea"] == s.metrics["loss"])
            }
            if case let .evaluation(e) = event { #expect(e.metrics["loss/idea"] == e.metrics["loss"]) }
        }
        #expect(steps == 4)
    }

    /// A held-out task is never drawn, is evaluated on all its rows, and gets `eval_loss/<task>`
    /// in metrics.jsonl next to the trained tasks'.
    /// The torch backend's plan (docs/scale-out.md §3.1) is this trainer's draw: the same task and
    /// rows in every micro-batch, the same evaluation rows; with two processes each draw takes
    /// both processes' rows.
    @Test func aTaskPlanListsTheTrainersMicroBatchesAndEvaluationRows() throws {
        let examples = Self.taggedExamples() + Self.taggedExamples(sizes: [("art_direction", 5)]).map { e in
            var e = e
            e.index += 30
            return e
        }
        let trainer = try makeTrainer(output: temporary(), examples: examples, mixture: "idea=0.5,headline=0.2,naming=0.2,insight=0.1",
                                      holdout: ["art_direction"])
        let plan = try TaskMixturePlan.resolve(tasks: examples.map(\.task), configuration: trainer.configuration, microBatchSize: 2)
        #expect(plan.steps.count == trainer.totalSteps && plan.steps.allSatisfy { $0.count == 2 })
        for step in plan.steps {
            for micro in step {
                let batch = try #require(trainer.nextBatch())
                #expect(micro.rows == batch.map(\.index) && batch.allSatisfy { $0.task == micro.task })
            }
        }
        let trained = ["headline", "idea", "insight", "naming"].map { task in trainer.validation.filter { $0.task == task }.map(\.index) }
        #expect(plan.evaluation.map(\.task) == ["headline", "idea", "insight", "naming", "art_direction"])
        #expect(plan.evaluation.map(\.rows) == trained + [Array(30..<35)])
        #expect(plan.evaluation.map(\.trained) == [true, true, true, true, false])

        let twoProcesses = try TaskMixturePlan.resolve(tasks: examples.map(\.task), configuration: trainer.configuration, microBatchSize: 4)
        let rows = twoProcesses.steps.flatMap { $0 }
        #expect(rows.contains { $0.rows.count == 4 } && rows.allSatisfy { $0.rows.count <= 4 })
        #expect(rows.allSatisfy { micro in micro.rows.allSatisfy { examples[$0].task == micro.task } })
        #expect(twoProcesses.evaluationBatchSize == 2 && twoProcesses.evaluation == plan.evaluation)
        #expect(message { _ = try TaskMixturePlan.resolve(tasks: examples.map(\.task), configuration: TrainingConfiguration(), microBatchSize: 2) }
                    .contains("a task plan needs a multi-task run"))
    }

    @Test func heldOutTasksAreOnlyEvaluated() throws {
        let out = temporary()
        defer { try? FileManager.default.removeItem(at: out) }
        let examples = Self.taggedExamples() + Self.taggedExamples(sizes: [("art_direction", 5)]).map { e in
            var e = e
            e.index += 30
            return e
        }
        let trainer = try makeTrainer(output: out, examples: examples, mixture: "idea=0.5,headline=0.2,naming=0.2,insight=0.1",
                                      holdout: ["art_direction"])
        #expect(trainer.heldOut.count == 5 && trainer.heldOut.allSatisfy { $0.task == "art_direction" })
        #expect(!trainer.train.contains { $0.task == "art_direction" } && !trainer.validation.contains { $0.task == "art_direction" })
        let log = try TrainingLog(url: out.appendingPathComponent("metrics.jsonl"))
        try trainer.run(observer: log.record)
        let records = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let evaluations = records.filter { $0["eval_loss"] != nil }
        #expect(evaluations.map { $0["step"] as? Int } == [3, 6])
        for key in ["eval_loss/idea", "eval_loss/headline", "eval_loss/naming", "eval_loss/insight", "eval_loss/art_direction"] {
            #expect(evaluations.allSatisfy { $0[key] is Double }, "missing \(key)")
        }
        #expect(!records.contains { $0["loss/art_direction"] != nil })
        #expect(records.contains { $0["loss/idea"] != nil })
        // The held-out loss is the objective's mean over the task's batches of two.
        let expected = try Tensor.withNoGrad {
            let batches = stride(from: 0, to: 5, by: 2).map { Array(trainer.heldOut[$0..<min($0 + 2, 5)]) }
            return try batches.map { try trainer.objective.loss(model: trainer.model, batch: $0).metrics["loss"]! }.reduce(0, +) / 3
        }
        let measured = try trainer.evaluate()["loss/art_direction"]
        #expect(abs((measured ?? .nan) - expected) < 1e-9)
    }

    @Test func badMultiTaskDataIsRefusedNamingTheFlagAndTask() throws {
        let out = temporary()
        let examples = Self.taggedExamples()
        #expect(message { _ = try makeTrainer(output: out, examples: examples, mixture: "idea=1,slogan=1") }
            .contains("invalid option 'task-mixture': no training rows have task 'slogan'"))
        #expect(message { _ = try makeTrainer(output: out, examples: examples, mixture: "idea=1", holdout: ["art_direction"]) }
            == "invalid option 'holdout-task': no rows have task 'art_direction' (the data's tasks: headline, idea, insight, naming)")
        var untagged = examples
        untagged[7].task = nil
        #expect(message { _ = try makeTrainer(output: out, examples: untagged, mixture: "idea=1") }
            .hasPrefix("invalid option 'task-mixture': row 8 of the data has no \"task\" tag"))
        // One insight row among n idea rows, n the first for which the seeded 0.9 validation split
        // takes it: no insight row is left to train on.
        var found: [TrainingExample]?
        for n in 20...60 where found == nil {
            let examples = Self.taggedExamples(sizes: [("idea", n), ("insight", 1)])
            if try !makeTrainer(output: out, examples: examples, mixture: nil, split: 0.9).train.contains(where: { $0.task == "insight" }) {
                found = examples
            }
        }
        let few = try #require(found)
        let split = 0.9
        #expect(message { _ = try makeTrainer(output: out, examples: few, mixture: "idea=1,insight=1", split: split) }
            == "invalid option 'task-mixture': task 'insight' has no rows left to train on (all went to the validation split)")
    }
}
