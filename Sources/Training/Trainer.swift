import Base
import Foundation
import Models
import TensorEngine

/// Trains a LoRA adapter on a model with one objective: micro-batches, gradient accumulation,
/// AdamW with a warm-up schedule and global-norm clipping, periodic validation, atomic
/// checkpoints and exact resumption. It reports as it goes through ``TrainingEvent``s; the caller
/// turns them into a progress bar and `metrics.jsonl` (``TrainingProgress``, ``TrainingLog``).
public final class Trainer {
    public let model: LlamaModel
    public let adapter: LoRAAdapter
    public let objective: any TrainingObjective
    public let configuration: TrainingConfiguration
    public let optimizer: AdamW
    public let output: URL
    public let train: [TrainingExample]
    public let validation: [TrainingExample]
    /// Examples of the `--holdout-task` tasks: never trained, evaluated with the validation split.
    public let heldOut: [TrainingExample]
    /// Draws one-task micro-batches in a multi-task run (docs/methods.md §6.5); nil otherwise.
    public let mixture: TaskMixtureSampler?
    public private(set) var state: TrainerState
    /// Stops after this many updates (simulates an interruption in tests); nil runs to the end.
    public var stopAfterStep: Int?
    private var lastCheckpoint: URL?

    public init(model: LlamaModel, adapter: LoRAAdapter, objective: any TrainingObjective, configuration: TrainingConfiguration,
                examples: [TrainingExample], output: URL) throws {
        try configuration.validate()
        if objective.needsPairs, let bad = examples.first(where: { $0.rejected == nil }) {
            throw TrainingError.invalidOption(name: "data", reason: "example \(bad.index) has no rejected completion")
        }
        self.model = model
        self.adapter = adapter
        self.objective = objective
        self.configuration = configuration
        self.output = output
        let split = try Self.split(examples, configuration: configuration)
        mixture = split.mixture
        validation = split.validation
        train = split.train
        heldOut = split.heldOut
        optimizer = AdamW(parameters: adapter.parameters, hyperparameters: .init(weightDecay: configuration.weightDecay))
        state = TrainerState(step: 0, epoch: 0, position: 0, loraGenerators: adapter.layers.map(\.layer.rng), configuration: configuration,
                             mixture: mixture?.initialState())
    }

    /// The run's examples as it reads them: held-out tasks set aside before the validation split
    /// (a seeded shuffle, the last fraction held out), and in a multi-task run the task sampler,
    /// with `train` and `validation` cut to the tasks it draws.
    public static func split(_ examples: [TrainingExample], configuration: TrainingConfiguration) throws
        -> (train: [TrainingExample], validation: [TrainingExample], heldOut: [TrainingExample], mixture: TaskMixtureSampler?) {
        let (pool, heldOut) = try separateHeldOutTasks(examples, configuration: configuration)
        var rng = SeededGenerator(seed: configuration.seed ^ 0x5EED_0F_DA7A)
        var order = Array(pool.indices)
        order.shuffle(using: &rng)
        let held = Int((Double(pool.count) * configuration.validationSplit).rounded())
        guard pool.count - held > 0 else { throw TrainingError.invalidOption(name: "validation-split", reason: "leaves no training examples") }
        var validation = order.suffix(held).sorted().map { pool[$0] }
        var train = order.prefix(pool.count - held).sorted().map { pool[$0] }
        var mixture: TaskMixtureSampler?
        if configuration.isMultiTask {
            mixture = try mixtureSampler(pool: pool, train: &train, validation: &validation, configuration: configuration)
        }
        return (train, validation, heldOut, mixture)
    }

    /// Updates of one pass over `trainCount` examples: batch-size × grad-accum each (a shorter last one).
    public static func stepsPerEpoch(trainCount: Int, configuration: TrainingConfiguration) -> Int {
        let perStep = configuration.batchSize * configuration.gradAccum
        return (trainCount + perStep - 1) / perStep
    }

    /// Updates of a run over `trainCount` examples: --max-steps, else --epochs passes.
    public static func totalSteps(trainCount: Int, configuration: TrainingConfiguration) -> Int {
        configuration.maxSteps ?? configuration.epochs * stepsPerEpoch(trainCount: trainCount, configuration: configuration)
    }

    public var stepsPerEpoch: Int { Self.stepsPerEpoch(trainCount: train.count, configuration: configuration) }

    public var totalSteps: Int { Self.totalSteps(trainCount: train.count, configuration: configuration) }

    public var schedule: LearningRateSchedule {
        LearningRateSchedule(kind: configuration.lrScheduler, peak: configuration.learningRate,
                             warmupSteps: configuration.warmupSteps, totalSteps: totalSteps)
    }

    /// The epoch's reading order: a shuffle seeded by (seed, epoch), so resuming needs only the position.
    func order(epoch: Int) -> [Int] {
        var rng = SeededGenerator(seed: configuration.seed &+ UInt64(epoch) &* 0x9E37_79B9)
        var o = Array(train.indices)
        o.shuffle(using: &rng)
        return o
    }

    /// Continues from a checkpoint folder written by this trainer.
    public func resume(from directory: URL) throws {
        let saved = try LoRAAdapter.load(directory: directory)
        guard saved.parameterNames == adapter.parameterNames else {
            throw TrainingError.checkpoint(path: directory.path, reason: "the checkpoint's adapter has different modules than this run's")
        }
        for (p, q) in zip(adapter.parameters, saved.parameters) {
            guard p.shape == q.shape else { throw TrainingError.checkpoint(path: directory.path, reason: "adapter shapes differ") }
            let values = q.scalars
            p.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = values[i] } }
        }
        let loaded = try TrainerCheckpoint.load(from: directory, parameterNames: adapter.parameterNames)
        try optimizer.restore(step: loaded.optimizerStep, firstMoments: loaded.first, secondMoments: loaded.second)
        guard loaded.state.loraGenerators.count == adapter.layers.count else {
            throw TrainingError.checkpoint(path: directory.path, reason: "generator states do not match the adapter")
        }
        guard loaded.state.position <= train.count else {
            throw TrainingError.checkpoint(path: directory.path, reason: "position \(loaded.state.position) is past this run's"
                                           + " \(train.count) training examples (was it trained on other data?)")
        }
        guard loaded.state.step <= totalSteps else {
            throw TrainingError.checkpoint(path: directory.path, reason: "step \(loaded.state.step) is past this run's last step"
                                           + " (\(totalSteps)); raise --max-steps or --epochs to train further")
        }
        // Every epoch takes at least one step, so a larger epoch count is a damaged state (and one
        // near Int.max would overflow when the next epoch begins).
        guard loaded.state.epoch <= loaded.state.step else {
            throw TrainingError.checkpoint(path: directory.path, reason: "epoch \(loaded.state.epoch) is past step \(loaded.state.step): the state is damaged")
        }
        if let mixture {
            guard let drawn = loaded.state.mixture, mixture.accepts(drawn) else {
                throw TrainingError.checkpoint(path: directory.path, reason: "its task-mixture state does not fit this run's tasks"
                                               + " (\(mixture.rates.tasks.joined(separator: ", "))): was it trained on other data?")
            }
        }
        for (l, g) in zip(adapter.layers, loaded.state.loraGenerators) { l.layer.rng = g }
        state = loaded.state
        state.configuration = configuration
        lastCheckpoint = directory
    }

    /// Runs to `totalSteps` (or `stopAfterStep`), sending every event to `observer`; an error the
    /// observer throws stops the run.
    public func run(observer: TrainingObserver = { _ in }) throws {
        let end = min(totalSteps, stopAfterStep ?? Int.max)
        try observer(.started(TrainingStart(name: configuration.method.rawValue, step: state.step, totalSteps: totalSteps)))
        while state.step < end {
            let started = Date()
            let lr = schedule.learningRate(step: state.step)
            adapter.isTraining = true
            var stepMetrics: [String: Double] = [:]
            var tokens = 0, contextSplits = 0
            var taskLosses: [String: [Double]] = [:]
            for _ in 0..<configuration.gradAccum {
                guard let batch = nextBatch() else { break }
                let out = try objective.loss(model: model, batch: batch)
                if mixture != nil, let task = batch.first?.task, let loss = out.metrics["loss"] { taskLosses[task, default: []].append(loss) }
                guard out.loss.item.isFinite else {
                    throw TrainingError.nonFiniteLoss(step: state.step + 1, lastCheckpoint: lastCheckpoint?.path)
                }
                try mul(out.loss, 1 / Float(configuration.gradAccum)).backward()
                for (k, v) in out.metrics { stepMetrics[k, default: 0] += v / Double(configuration.gradAccum) }
                tokens += out.tokens
                contextSplits += out.contextSplits
            }
            let gradNorm = clipGradientNorm(adapter.parameters, maxNorm: configuration.maxGradNorm)
            guard gradNorm.isFinite else { throw TrainingError.nonFiniteLoss(step: state.step + 1, lastCheckpoint: lastCheckpoint?.path) }
            optimizer.update(learningRate: lr)
            optimizer.zeroGrad()
            state.step += 1
            for (task, losses) in taskLosses { stepMetrics[Self.taskMetric("loss", task: task)] = average(losses) }
            stepMetrics["grad_norm"] = Double(gradNorm)
            stepMetrics["learning_rate"] = Double(lr)
            let logs = state.step == 1 || state.step % configuration.loggingSteps == 0 || state.step == end
            try observer(.step(StepMetrics(step: state.step, epoch: epochProgress, metrics: stepMetrics, tokens: tokens,
                                           seconds: Date().timeIntervalSince(started), endsLoggingWindow: logs,
                                           contextSplits: contextSplits)))
            if !validation.isEmpty || !heldOut.isEmpty, state.step % configuration.stepsPerEval == 0 || state.step == totalSteps {
                try observer(.evaluation(EvaluationMetrics(step: state.step, epoch: epochProgress, metrics: try evaluate())))
            }
            if configuration.saveEvery > 0, state.step % configuration.saveEvery == 0 {
                try observer(.checkpointSaved(CheckpointSaved(step: state.step, directory: try saveCheckpoint())))
            }
        }
        adapter.isTraining = false
        let completed = state.step == totalSteps
        if completed {
            if lastCheckpoint?.lastPathComponent != folder.checkpointURL(step: state.step).lastPathComponent {
                try observer(.checkpointSaved(CheckpointSaved(step: state.step, directory: try saveCheckpoint())))
            }
            try adapter.save(directory: output)
        }
        try observer(.finished(TrainingFinished(step: state.step, totalSteps: totalSteps, completed: completed)))
    }

    /// Fractional epochs read so far.
    var epochProgress: Double { Double(state.epoch) + Double(state.position) / Double(max(train.count, 1)) }

    var folder: TrainingRunFolder { TrainingRunFolder(url: output) }

    /// Mean metrics over the validation examples (no gradients, no dropout). A multi-task run
    /// batches each task's examples apart and adds each task's mean `loss/<task>`, held-out tasks
    /// included; the unprefixed metrics stay the means over the trained tasks' batches.
    public func evaluate() throws -> [String: Double] {
        let training = adapter.isTraining
        adapter.isTraining = false
        defer { adapter.isTraining = training }
        let groups: [(task: String?, examples: [TrainingExample], trained: Bool)]
        if let mixture {
            groups = mixture.rates.tasks.map { task in (task, validation.filter { $0.task == task }, true) }
                + (configuration.holdoutTasks ?? []).map { task in (task, heldOut.filter { $0.task == task }, false) }
        } else {
            groups = [(nil, validation, true)]
        }
        var totals: [String: Double] = [:], perTask: [String: Double] = [:]
        var batches = 0
        try Tensor.withNoGrad {
            for group in groups where !group.examples.isEmpty {
                var losses: [Double] = []
                var i = 0
                while i < group.examples.count {
                    let batch = Array(group.examples[i..<min(i + configuration.batchSize, group.examples.count)])
                    let metrics = try objective.loss(model: model, batch: batch).metrics
                    if group.trained {
                        for (k, v) in metrics { totals[k, default: 0] += v }
                        batches += 1
                    }
                    if let loss = metrics["loss"] { losses.append(loss) }
                    i += configuration.batchSize
                }
                if let task = group.task { perTask[Self.taskMetric("loss", task: task)] = average(losses) }
            }
        }
        return totals.mapValues { $0 / Double(max(batches, 1)) }.merging(perTask) { _, task in task }
    }

    /// Writes `OUTPUT/checkpoint-<step>` and returns it.
    @discardableResult
    public func saveCheckpoint() throws -> URL {
        state.loraGenerators = adapter.layers.map(\.layer.rng)
        let directory = folder.checkpointURL(step: state.step)
        try TrainerCheckpoint.save(to: directory, adapter: adapter, optimizer: optimizer, state: state)
        lastCheckpoint = directory
        return directory
    }

    /// The next micro-batch: in a multi-task run the sampler's (the epoch counting the examples
    /// drawn), else the current epoch's next one (a shorter last one, as a DataLoader without
    /// drop_last), moving to the next epoch when this one is spent.
    func nextBatch() -> [TrainingExample]? {
        if let mixture, var drawn = state.mixture {
            let indices = mixture.next(batchSize: configuration.batchSize, state: &drawn).indices
            state.mixture = drawn
            state.position += indices.count
            if state.position >= train.count { state.epoch += 1; state.position -= train.count }
            return indices.map { train[$0] }
        }
        if state.position >= train.count { state.epoch += 1; state.position = 0 }
        let o = order(epoch: state.epoch)
        let end = min(state.position + configuration.batchSize, train.count)
        guard state.position < end else { return nil }
        let batch = o[state.position..<end].map { train[$0] }
        state.position = end
        return batch
    }
}
