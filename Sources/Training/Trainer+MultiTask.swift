import Foundation

extension Trainer {
    /// The name a per-task metric is logged under: `loss/idea` (and `eval_loss/idea`).
    public static func taskMetric(_ metric: String, task: String) -> String { "\(metric)/\(task)" }

    /// Splits `examples` into those that may be trained and those of the `--holdout-task` tasks.
    /// A multi-task run needs every row tagged and every held-out task present in the data.
    static func separateHeldOutTasks(_ examples: [TrainingExample], configuration: TrainingConfiguration) throws
        -> (pool: [TrainingExample], heldOut: [TrainingExample]) {
        guard configuration.isMultiTask else { return (examples, []) }
        let flag = configuration.taskMixture != nil ? "task-mixture" : configuration.holdoutTasks != nil ? "holdout-task" : "mixture-temperature"
        if let untagged = examples.first(where: { $0.task == nil }) {
            throw TrainingError.invalidOption(name: flag, reason: "row \(untagged.index + 1) of the data has no \"task\" tag;"
                                              + " a multi-task run needs every row tagged (docs/formats.md §3.8)")
        }
        let tasks = Set(examples.compactMap(\.task))
        let held = Set(configuration.holdoutTasks ?? [])
        if let missing = held.sorted().first(where: { !tasks.contains($0) }) {
            throw TrainingError.invalidOption(name: "holdout-task", reason: "no rows have task '\(missing)' (the data's tasks: \(tasks.sorted().joined(separator: ", ")))")
        }
        let pool = examples.filter { !held.contains($0.task!) }
        guard !pool.isEmpty else { throw TrainingError.invalidOption(name: "holdout-task", reason: "holds out every task of the data: nothing is left to train") }
        return (pool, examples.filter { held.contains($0.task!) })
    }

    /// The run's task rates over the training split's task sizes (a task of the pool whose rows all
    /// went to validation counts 0, so naming it is "no rows left", not "unknown"), and `train`
    /// and `validation` cut to the tasks drawn.
    static func mixtureSampler(pool: [TrainingExample], train: inout [TrainingExample], validation: inout [TrainingExample],
                               configuration: TrainingConfiguration) throws -> TaskMixtureSampler {
        var sizes = Dictionary(uniqueKeysWithValues: Set(pool.compactMap(\.task)).map { ($0, 0) })
        for example in train { sizes[example.task!, default: 0] += 1 }
        let rates = try TaskRates.resolve(sizes: sizes, mixture: configuration.taskMixture, temperature: configuration.mixtureTemperature,
                                          cap: configuration.mixtureCap)
        let drawn = Set(rates.tasks)
        train = train.filter { drawn.contains($0.task!) }
        validation = validation.filter { drawn.contains($0.task!) }
        return TaskMixtureSampler(rates: rates, tasks: train.map { $0.task! }, seed: configuration.seed)
    }
}
