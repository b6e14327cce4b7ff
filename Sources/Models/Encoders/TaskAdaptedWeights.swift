import TensorEngine

/// The weights of an encoder whose layers carry task LoRA adapters, as jina-embeddings-v3 stores
/// them (PyTorch parametrizations, docs/methods.md §3.3): `X.parametrizations.weight.original` is
/// the base weight and `X.parametrizations.weight.0.lora_A` / `lora_B` hold one low-rank pair per
/// task (`lora_adaptations` order). Asked for `X.weight`, it returns the base weight with no task,
/// or, with task t, the merged weight
///
///     linear     W [out, in]:  W + (α/r) · B[t] A[t]     A [tasks, r, in],   B [tasks, out, r]
///     embedding  W [n, dim]:   W + (α/r) · A[t] B[t]     A [tasks, n, r],    B [tasks, r, dim]
///
/// (α = `lora_alpha`, r = `lora_rank`), once at load, so inference costs what the plain model does.
/// Tensors without adapters pass through unchanged. Shapes that disagree with the configuration
/// are errors naming the tensor.
struct TaskAdaptedWeights: WeightSource {
    static let originalSuffix = ".parametrizations.weight.original"

    let base: WeightSource
    /// The task's index in `lora_adaptations`, or nil for the base weights.
    let task: Int?
    let taskCount: Int
    let rank: Int
    let scaling: Float

    func contains(_ name: String) -> Bool {
        if base.contains(name) { return true }
        guard let original = parametrized(name) else { return false }
        return base.contains(original)
    }

    func shape(named name: String) throws -> [Int] {
        if base.contains(name) { return try base.shape(named: name) }
        return try base.shape(named: parametrized(name) ?? name)
    }

    func displayName(of name: String) -> String { parametrized(name).flatMap { base.contains($0) ? $0 : nil } ?? name }

    func tensor(named name: String) throws -> Tensor {
        if base.contains(name) { return try base.tensor(named: name) }
        guard let stem = stem(name), base.contains(stem + Self.originalSuffix) else { return try base.tensor(named: name) }
        let weight = try base.tensor(named: stem + Self.originalSuffix)
        guard let task else { return weight }
        let aName = stem + ".parametrizations.weight.0.lora_A", bName = stem + ".parametrizations.weight.0.lora_B"
        let a = try base.tensor(named: aName), b = try base.tensor(named: bName)
        guard weight.rank == 2 else { throw ModelError.tensorShape(name: stem + Self.originalSuffix, expected: [-1, -1], got: weight.shape) }
        let (rows, columns) = (weight.shape[0], weight.shape[1])
        let isEmbedding = stem.hasSuffix("_embeddings")
        let aShape = isEmbedding ? [taskCount, rows, rank] : [taskCount, rank, columns]
        let bShape = isEmbedding ? [taskCount, rank, columns] : [taskCount, rows, rank]
        guard a.shape == aShape else { throw ModelError.tensorShape(name: aName, expected: aShape, got: a.shape) }
        guard b.shape == bShape else { throw ModelError.tensorShape(name: bName, expected: bShape, got: b.shape) }
        let taskA = try reshape(slice(a, axis: 0, range: task..<(task + 1)), Array(aShape.dropFirst()))
        let taskB = try reshape(slice(b, axis: 0, range: task..<(task + 1)), Array(bShape.dropFirst()))
        let delta = try isEmbedding ? matmul(taskA, taskB) : matmul(taskB, taskA)
        return try add(weight, mul(delta, scaling)).contiguous()
    }

    /// `X.weight` → `X`.
    private func stem(_ name: String) -> String? { name.hasSuffix(".weight") ? String(name.dropLast(".weight".count)) : nil }

    private func parametrized(_ name: String) -> String? { stem(name).map { $0 + Self.originalSuffix } }
}
