import Foundation

/// A multi-task run's draw resolved for its whole length (docs/scale-out.md §3.1): the rows of the
/// data file each micro-batch of each update reads, and the rows each task is evaluated on, exactly
/// as ``Trainer`` reads them (``Trainer/split(_:configuration:)``, ``TaskMixtureSampler``). The torch
/// backend follows it instead of drawing again, so the mixture has one implementation.
public struct TaskMixturePlan: Codable, Sendable, Equatable {
    public static let fileName = "task_plan.json"
    public static let format = "divtune-task-plan/1"

    public struct MicroBatch: Codable, Sendable, Equatable {
        public var task: String
        /// 0-based rows of the data file (blank lines not counted).
        public var rows: [Int]
    }

    /// One task's evaluation rows; `trained` is false for a `--holdout-task` task, which adds only
    /// its `loss/<task>` (Trainer.evaluate).
    public struct Evaluation: Codable, Sendable, Equatable {
        public var task: String
        public var rows: [Int]
        public var trained: Bool
    }

    public var format = Self.format
    /// Per update, its grad-accum micro-batches, each from one task.
    public var steps: [[MicroBatch]]
    /// Trained tasks' validation rows (in the sampler's task order), then held-out tasks' rows (in
    /// the flag's order); tasks without rows are left out.
    public var evaluation: [Evaluation]
    /// Examples a drawn micro-batch holds over all processes, and an evaluation batch holds.
    public var microBatchSize: Int
    public var evaluationBatchSize: Int

    enum CodingKeys: String, CodingKey {
        case format, steps, evaluation, microBatchSize = "micro_batch_size", evaluationBatchSize = "evaluation_batch_size"
    }

    /// `tasks`: each data row's `task` tag, in file order. `microBatchSize`: the examples each drawn
    /// micro-batch takes over all processes (--batch-size per process × processes); evaluation
    /// batches keep --batch-size. Errors are the Swift trainer's (untagged rows, unknown or
    /// held-out tasks, weights).
    public static func resolve(tasks: [String?], configuration: TrainingConfiguration, microBatchSize: Int) throws -> TaskMixturePlan {
        var drawing = configuration
        drawing.batchSize = microBatchSize
        let examples = tasks.enumerated().map { TrainingExample(prompt: [], chosen: [], index: $0.offset, task: $0.element) }
        let split = try Trainer.split(examples, configuration: drawing)
        guard let mixture = split.mixture else {
            throw TrainingError.invalidOption(name: "task-mixture", reason: "a task plan needs a multi-task run (--task-mixture, --holdout-task, --mixture-temperature or --mixture-cap)")
        }
        var state = mixture.initialState()
        let steps = (0..<Trainer.totalSteps(trainCount: split.train.count, configuration: drawing)).map { _ in
            (0..<configuration.gradAccum).map { _ in
                let drawn = mixture.next(batchSize: microBatchSize, state: &state)
                return MicroBatch(task: drawn.task, rows: drawn.indices.map { split.train[$0].index })
            }
        }
        let trained = mixture.rates.tasks.map { task in
            Evaluation(task: task, rows: split.validation.filter { $0.task == task }.map(\.index), trained: true)
        }
        let heldOut = (configuration.holdoutTasks ?? []).map { task in
            Evaluation(task: task, rows: split.heldOut.filter { $0.task == task }.map(\.index), trained: false)
        }
        return TaskMixturePlan(steps: steps, evaluation: (trained + heldOut).filter { !$0.rows.isEmpty },
                               microBatchSize: microBatchSize, evaluationBatchSize: configuration.batchSize)
    }
}
