import Base
import Foundation
import TensorEngine
import Training

/// Regression training of a ``RewardModel`` (the paper's `reward_model_train.py`: L1 between the
/// head's output and the transformed score; MSE optional), with AdamW over the adapter and head,
/// mini-batches by gradient accumulation (sequences differ in length, so no padding) or, with
/// `paddingFree`, as one packed forward pass per mini-batch (docs/methods.md §6.4), and the
/// validation metrics after every epoch. It reports through the same ``TrainingEvent``s as
/// `Trainer`: a `step` per update (`loss`, `learning_rate`; every step ends a logging window), an
/// `evaluation` per epoch (`spearman`, `r2`, `mae`) when there is a validation split.
public struct RewardTrainer {
    public enum Loss: String, Codable, Sendable, CaseIterable { case l1, mse }

    public struct Options: Sendable {
        public var epochs = 1
        public var learningRate: Float = 3e-5
        public var batchSize = 4
        public var loss: Loss = .l1
        public var seed: UInt64 = 0
        /// One packed row per mini-batch instead of one forward pass per example (TRL's `padding_free`).
        public var paddingFree = false
        /// Stop after this many optimizer steps (within an epoch: its validation still runs); nil = every epoch whole.
        public var maxSteps: Int?
        public init(epochs: Int = 1, learningRate: Float = 3e-5, batchSize: Int = 4, loss: Loss = .l1, seed: UInt64 = 0,
                    paddingFree: Bool = false, maxSteps: Int? = nil) {
            self.maxSteps = maxSteps
            self.paddingFree = paddingFree
            self.epochs = epochs
            self.learningRate = learningRate
            self.batchSize = batchSize
            self.loss = loss
            self.seed = seed
        }
    }

    /// After each epoch: the epoch (1-based), mean training loss and validation metrics.
    public struct EpochReport: Sendable {
        public var epoch: Int
        public var trainLoss: Double
        public var validation: RegressionMetrics?
    }

    public let model: RewardModel
    public let options: Options

    public init(model: RewardModel, options: Options) throws {
        guard options.epochs >= 1 else { throw RewardError.invalidOption(name: "epochs", reason: "must be ≥ 1, got \(options.epochs)") }
        guard options.batchSize >= 1 else { throw RewardError.invalidOption(name: "batch-size", reason: "must be ≥ 1, got \(options.batchSize)") }
        guard options.learningRate > 0, options.learningRate.isFinite else {
            throw RewardError.invalidOption(name: "learning-rate", reason: "must be a positive number, got \(options.learningRate)")
        }
        self.model = model
        self.options = options
    }

    /// Seeded shuffle split: the last `fraction` of a permutation validates (at least one example
    /// each side when there are two or more).
    public static func split(count: Int, validationFraction: Double, seed: UInt64) -> (train: [Int], validation: [Int]) {
        var rng = SeededGenerator(seed: seed)
        let order = Array(0..<count).shuffled(using: &rng)
        var validation = Int((Double(count) * validationFraction).rounded())
        if count >= 2 { validation = min(max(validation, 1), count - 1) } else { validation = 0 }
        return (Array(order.prefix(count - validation)), Array(order.suffix(validation)))
    }

    /// The mean loss of rewards [N] against their targets: |r − y| or (r − y)².
    func loss(_ rewards: Tensor, targets: [Double]) throws -> Tensor {
        let d = try sub(reshape(rewards, [targets.count]), Tensor(targets.map(Float.init), shape: [targets.count]))
        switch options.loss {
        case .l1: return try mean(add(relu(d), relu(neg(d))))
        case .mse: return try mean(square(d))
        }
    }

    /// Computes a mini-batch's mean loss and its gradients: one example at a time, or one packed
    /// forward pass. Returns the loss and the padding-free rows started because the context was full.
    func accumulate(_ batch: [(ids: [Int], target: Double)]) throws -> (loss: Double, contextSplits: Int) {
        if options.paddingFree {
            let (rewards, splits) = try model.rewards(batch.map(\.ids), paddingFree: true)
            let l = try loss(rewards, targets: batch.map(\.target))
            try l.backward()
            return (Double(l.item), splits)
        }
        var total = 0.0
        for example in batch {
            let l = try mul(loss(model.score(example.ids), targets: [example.target]), 1 / Float(batch.count))
            try l.backward()
            total += Double(l.item)
        }
        return (total, 0)
    }

    /// The order each epoch visits the `count` training examples in: one seeded generator drawing
    /// a fresh permutation per epoch. The torch backend is handed these orders (docs/scale-out.md §8).
    public static func epochOrders(count: Int, epochs: Int, seed: UInt64) -> [[Int]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<epochs).map { _ in Array(0..<count).shuffled(using: &rng) }
    }

    /// The number of optimizer steps `train` takes on `count` examples.
    public func totalSteps(trainingOn count: Int) -> Int {
        let whole = options.epochs * ((count + options.batchSize - 1) / options.batchSize)
        return options.maxSteps.map { min($0, whole) } ?? whole
    }

    /// Trains on `train` (token ids, target) and reports `validation` after every epoch, sending
    /// every event to `observer` (an error it throws stops training).
    public func train(_ train: [(ids: [Int], target: Double)], validation: [(ids: [Int], target: Double)],
                      observer: TrainingObserver = { _ in }) throws -> EpochReport {
        guard !train.isEmpty else { throw RewardError.invalidOption(name: "training data", reason: "no training examples") }
        if let bad = (train + validation).firstIndex(where: { $0.ids.isEmpty }) {
            throw RewardError.invalidData(location: "example \(bad)", reason: "empty token sequence")
        }
        let optimizer = AdamW(parameters: model.trainableParameters)
        let orders = Self.epochOrders(count: train.count, epochs: options.epochs, seed: options.seed)
        var last = EpochReport(epoch: 0, trainLoss: .nan, validation: nil)
        var step = 0
        let total = totalSteps(trainingOn: train.count)
        try observer(.started(TrainingStart(name: "reward", step: 0, totalSteps: total)))
        for epoch in 1...options.epochs {
            model.adapter.isTraining = true
            let order = orders[epoch - 1]
            var epochLoss = 0.0, epochExamples = 0
            for start in stride(from: 0, to: order.count, by: options.batchSize) where step < total {
                let started = Date()
                let batch = order[start..<min(start + options.batchSize, order.count)]
                optimizer.zeroGrad()
                let (batchLoss, splits) = try accumulate(batch.map { train[$0] })
                guard batchLoss.isFinite else {
                    throw RewardError.invalidOption(name: "learning-rate", reason: "the loss became \(batchLoss) at step \(step + 1); lower it")
                }
                optimizer.update(learningRate: options.learningRate)
                epochLoss += batchLoss * Double(batch.count)
                epochExamples += batch.count
                step += 1
                let read = Double(epoch - 1) + Double(start + batch.count) / Double(order.count)
                try observer(.step(StepMetrics(step: step, epoch: read, metrics: ["loss": batchLoss, "learning_rate": Double(options.learningRate)],
                                               tokens: batch.reduce(0) { $0 + train[$1].ids.count },
                                               seconds: Date().timeIntervalSince(started), endsLoggingWindow: true,
                                               contextSplits: splits)))
            }
            model.adapter.isTraining = false
            let metrics = validation.isEmpty ? nil : try evaluate(validation)
            last = EpochReport(epoch: epoch, trainLoss: epochLoss / Double(epochExamples), validation: metrics)
            if let metrics {
                try observer(.evaluation(EvaluationMetrics(step: step, epoch: Double(epoch),
                                                           metrics: ["spearman": metrics.spearman, "r2": metrics.r2, "mae": metrics.mae])))
            }
            if step >= total { break }
        }
        try observer(.finished(TrainingFinished(step: step, totalSteps: total, completed: true)))
        return last
    }

    /// Spearman, R² and MAE of the model's scores against the targets.
    public func evaluate(_ examples: [(ids: [Int], target: Double)]) throws -> RegressionMetrics {
        try RegressionMetrics(predictions: model.scores(examples.map(\.ids)), targets: examples.map(\.target))
    }
}
