import Base

/// Draws the micro-batches of a multi-task run (docs/methods.md §6.5): each micro-batch comes
/// from one task, drawn with the ``TaskRates``, and takes that task's next rows in its own
/// shuffled order (reshuffled, seeded by the task and its epoch, when the task's rows are spent).
/// Everything the draw depends on is in ``State``, which checkpoints store, so a resumed run
/// draws the same batches as one that was never stopped.
public struct TaskMixtureSampler {
    /// The generator of the task draws and where each task is in its rows.
    public struct State: Codable, Equatable, Sendable {
        public var generator: SeededGenerator
        /// Per task of ``TaskRates/tasks``: the next row of its epoch's order, and its epoch.
        public var positions: [Int]
        public var epochs: [Int]
    }

    public let rates: TaskRates
    /// Per task: indices of its rows in the training examples.
    public let rows: [[Int]]
    public let seed: UInt64

    /// `tasks`: the task of each training example (all tagged).
    public init(rates: TaskRates, tasks: [String], seed: UInt64) {
        self.rates = rates
        var rows = [[Int]](repeating: [], count: rates.tasks.count)
        let slot = Dictionary(uniqueKeysWithValues: rates.tasks.enumerated().map { ($1, $0) })
        for (i, task) in tasks.enumerated() { if let s = slot[task] { rows[s].append(i) } }
        self.rows = rows
        self.seed = seed
    }

    public func initialState() -> State {
        State(generator: SeededGenerator(seed: seed ^ 0x7A5C_0F_5EED), positions: rows.map { _ in 0 }, epochs: rows.map { _ in 0 })
    }

    /// Whether `state` fits these tasks and rows (a checkpoint of other data does not).
    public func accepts(_ state: State) -> Bool {
        state.positions.count == rows.count && state.epochs.count == rows.count
            && zip(state.positions, rows).allSatisfy { $0 >= 0 && $0 <= $1.count } && state.epochs.allSatisfy { $0 >= 0 }
    }

    /// The task of the next micro-batch and its rows' indices (at most `batchSize`; fewer at the
    /// end of the task's epoch, as a DataLoader without drop_last).
    public func next(batchSize: Int, state: inout State) -> (task: String, indices: [Int]) {
        let t = draw(&state.generator)
        if state.positions[t] >= rows[t].count {
            state.epochs[t] += 1
            state.positions[t] = 0
        }
        let order = self.order(task: t, epoch: state.epochs[t])
        let end = min(state.positions[t] + batchSize, order.count)
        let indices = Array(order[state.positions[t]..<end])
        state.positions[t] = end
        return (rates.tasks[t], indices)
    }

    /// A task index with the rates' probabilities (inverse CDF of one uniform draw).
    func draw(_ generator: inout SeededGenerator) -> Int {
        let u = generator.nextDouble()
        var cumulative = 0.0
        for (t, p) in rates.probabilities.enumerated() {
            cumulative += p
            if u < cumulative { return t }
        }
        return rates.probabilities.lastIndex { $0 > 0 } ?? 0   // rounding left u past the sum
    }

    /// Task `t`'s rows in epoch `epoch`'s order.
    func order(task t: Int, epoch: Int) -> [Int] {
        var generator = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9, stream: t)
        var order = rows[t]
        generator.shuffle(&order)
        return order
    }
}
