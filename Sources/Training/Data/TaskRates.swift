import Foundation

/// The probability that a micro-batch comes from each task (docs/methods.md §6.5):
///
/// - with `--task-mixture`, the weights given (normalised);
/// - without, each task's training rows, capped at `--mixture-cap K` when given
///   (examples-proportional mixing, T5 §3.5.2: rᵢ = min(nᵢ, K) / Σ min(nⱼ, K));
/// - then, with `--mixture-temperature T`, each rate raised to 1/T and renormalised (T5's
///   temperature-scaled mixing, which FLAN uses): T = 1 keeps the rates, larger T moves them
///   towards uniform. Without a mixture, T alone gives rᵢ ∝ min(nᵢ, K)^(1/T).
public struct TaskRates: Sendable, Equatable {
    /// Task names, sorted by name (the draw's category order).
    public var tasks: [String]
    public var probabilities: [Double]

    /// `sizes`: training rows per task of the tasks that may be trained (held-out tasks already
    /// removed). Errors name the flag and the task.
    public static func resolve(sizes: [String: Int], mixture: TaskMixture?, temperature: Double?, cap: Int?) throws -> TaskRates {
        func bad(_ name: String, _ reason: String) -> TrainingError { .invalidOption(name: name, reason: reason) }
        let known = sizes.keys.sorted().joined(separator: ", ")
        var rates: [String: Double] = [:]
        if let mixture {
            for entry in mixture.entries {
                guard let n = sizes[entry.task] else {
                    throw bad("task-mixture", "no training rows have task '\(entry.task)' (the data's trainable tasks: \(known))")
                }
                guard n > 0 || entry.weight == 0 else {
                    throw bad("task-mixture", "task '\(entry.task)' has no rows left to train on (all went to the validation split)")
                }
                if entry.weight > 0 { rates[entry.task] = entry.weight }
            }
        } else {
            for (task, n) in sizes where n > 0 { rates[task] = Double(cap.map { min(n, $0) } ?? n) }
        }
        guard !rates.isEmpty else { throw bad("task-mixture", "no task has rows to train on") }
        if let temperature { rates = rates.mapValues { Foundation.pow($0, 1 / temperature) } }
        let tasks = rates.keys.sorted()
        let total = tasks.reduce(0) { $0 + rates[$1]! }
        return TaskRates(tasks: tasks, probabilities: tasks.map { rates[$0]! / total })
    }
}
