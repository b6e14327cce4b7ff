import CSmallGEMM

/// Attention of a decode step: one query row per sequence against that sequence's cached keys
/// and values, for several sequences in one call (docs/methods.md §12). The query heads that
/// share a KV head run together on an AVX-512 kernel that reads each cached key and value row once
/// for all of them, and the (row, KV head) tasks of every sequence run on the worker pool in one
/// dispatch. A row's result depends on its own query and cache only, so a sequence gets the same
/// numbers decoded alone or beside others.
///
/// - query [B, Hq, 1, D]: the B rows of all sequences, in order.
/// - keys, values: per sequence [bᵢ, Hkv, Sᵢ, D] with Σ bᵢ = B (a KV cache's view of its stored
///   positions, read in place through its strides); Hkv divides Hq.
/// - Returns [B, 1, Hq·D] (heads merged), or nil where the kernel does not run (no AVX-512, D not
///   one of 16, 32, …, 256): the caller then uses ``scaledDotProductAttention(query:key:value:causal:queryOffset:keyPadding:hiddenKeys:scale:)``.
///
/// Inference only: no gradient flows through it.
public func decodeAttention(query: Tensor, keys: [Tensor], values: [Tensor], scale: Float? = nil) throws -> Tensor? {
    let bad = { (reason: String) in
        TensorError.shapeMismatch(op: "decodeAttention", shapes: [query.shape] + keys.map(\.shape) + values.map(\.shape), reason: reason)
    }
    guard query.rank == 4, query.shape[2] == 1, keys.count == values.count, !keys.isEmpty else {
        throw bad("expected query [B,Hq,1,D] and one key and value tensor per sequence")
    }
    let (b, hq, d) = (query.shape[0], query.shape[1], query.shape[3])
    guard zip(keys, values).allSatisfy({ k, v in
        k.rank == 4 && k.shape == v.shape && k.shape[1] > 0 && hq % k.shape[1] == 0 && k.shape[1] == keys[0].shape[1]
            && k.shape[2] > 0 && k.shape[3] == d
    }), keys.reduce(0, { $0 + $1.shape[0] }) == b else {
        throw bad("expected keys and values [bᵢ,Hkv,Sᵢ,D] with Σbᵢ = B and Hkv dividing Hq")
    }
    if GradMode.isEnabled, ([query] + keys + values).contains(where: \.requiresGrad) {
        throw TensorError.invalidArgument(op: "decodeAttention", reason: "inference only: an input requires a gradient")
    }
    let hkv = keys[0].shape[1], group = hq / hkv
    guard divtune_decode_attention_available(d, group) == 1 else { return nil }
    let scale = scale ?? 1 / Float(d).squareRoot()
    // Rows are read through their row stride (a cache's view of its first S positions).
    func readable(_ x: Tensor) -> Tensor { x.strides[3] == 1 && (x.shape[2] == 1 || x.strides[2] >= d) ? x : x.contiguous() }
    let (k, v) = (keys.map(readable), values.map(readable))
    let q = query.contiguous()
    // One task per (query row, KV head), as plain pointers and sizes: the pool's chunks touch no
    // reference count (q, k and v are kept alive around the dispatch).
    struct Task { let query: UnsafePointer<Float>; let keys: UnsafePointer<Float>; let keyRow: Int
                  let values: UnsafePointer<Float>; let valueRow: Int; let count: Int; let output: Int }
    var tasks: [Task] = []
    var row = 0
    for (key, value) in zip(k, v) {
        let n = key.shape[2]
        for inner in 0..<key.shape[0] {
            for head in 0..<hkv {
                let first = (row * hq + head * group) * d
                tasks.append(Task(query: q.storage.pointer + q.offset + first,
                                  keys: key.storage.pointer + key.offset + inner * key.strides[0] + head * key.strides[1], keyRow: n == 1 ? d : key.strides[2],
                                  values: value.storage.pointer + value.offset + inner * value.strides[0] + head * value.strides[1],
                                  valueRow: n == 1 ? d : value.strides[2], count: n, output: first))
            }
            row += 1
        }
    }
    let longest = k.map { $0.shape[2] }.max()!
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tasks.count * group * longest)
    defer { scratch.deallocate() }
    return withExtendedLifetime((q, k, v)) {
        Tensor.make([b, 1, hq * d]) { o in
            tasks.withUnsafeBufferPointer { tasks in
                parallelOverHeads(tasks.count) { index in
                    let t = tasks[index]
                    let done = divtune_decode_attention(group, t.count, d, scale, t.query, t.keys, t.keyRow, t.values, t.valueRow,
                                                        scratch + index * group * longest, o.baseAddress! + t.output)
                    precondition(done == 1, "decodeAttention: the kernel did not run")
                }
            }
        }
    }
}

/// Whether ``decodeAttention(query:keys:values:scale:)`` runs for heads of width `headDim` with
/// `groupSize` query heads per KV head on this CPU.
public func decodeAttentionRuns(headDim: Int, groupSize: Int) -> Bool {
    divtune_decode_attention_available(headDim, groupSize) == 1
}
