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

/// A decode step's attention straight from its projections, for B sequences of one new
/// position each: `query` [B, 1, Hq·D], `key` and `value` [B, 1, Hkv·D] as the projections
/// give them, sequence i at `positions[i]` with its cache in `keyBuffers[i]`, `valueBuffers[i]`
/// (dense [1, Hkv, allocated, D], allocated > positions[i], positions before it filled).
///
/// Each (sequence, KV head) task rotates its key row (``RotaryEmbedding``), writes it and the
/// value row into the buffers at the sequence's position, rotates its query heads and attends
/// over positions 0...positions[i] — all in the one parallel run of the attention itself, without
/// the tensors of the separate steps. The numbers are those of rotating with
/// ``RotaryEmbedding/apply(_:positions:)``, appending, then ``decodeAttention(query:keys:values:scale:)``.
/// Nil (nothing written) where that kernel does not run or a position is past the rotation tables.
/// Throws on shapes that do not fit, a buffer without room, buffers shared between sequences.
public func decodeAttention(query: Tensor, key: Tensor, value: Tensor, rope: RotaryEmbedding, positions: [Int],
                            keyBuffers: [Tensor], valueBuffers: [Tensor], scale: Float? = nil) throws -> Tensor? {
    let (b, d) = (positions.count, rope.headDim)
    let bad = { (reason: String) in
        TensorError.shapeMismatch(op: "decodeAttention", shapes: [query.shape, key.shape, value.shape] + keyBuffers.map(\.shape), reason: reason)
    }
    guard b > 0, query.rank == 3, key.rank == 3, key.shape == value.shape, query.shape[0] == b, query.shape[1] == 1, key.shape.prefix(2) == [b, 1],
          query.shape[2] % d == 0, key.shape[2] % d == 0, key.shape[2] > 0, query.shape[2] % key.shape[2] == 0,
          keyBuffers.count == b, valueBuffers.count == b else {
        throw bad("expected query [B,1,Hq·D], key and value [B,1,Hkv·D] with Hkv dividing Hq, one key and value buffer per sequence")
    }
    let (hq, hkv) = (query.shape[2] / d, key.shape[2] / d), group = hq / hkv
    guard zip(keyBuffers, valueBuffers).enumerated().allSatisfy({ i, kv in
        kv.0.shape == kv.1.shape && kv.0.shape.count == 4 && kv.0.shape[0] == 1 && kv.0.shape[1] == hkv && kv.0.shape[3] == d
            && positions[i] >= 0 && kv.0.shape[2] > positions[i] && kv.0.isContiguous && kv.1.isContiguous
    }) else {
        throw bad("expected buffers [1,Hkv,allocated,D], dense, with room for each sequence's position")
    }
    // Each task writes its sequence's rows in place: no two buffers may share storage.
    guard Set((keyBuffers + valueBuffers).map { ObjectIdentifier($0.storage) }).count == 2 * b else {
        throw bad("each sequence needs key and value buffers of its own")
    }
    if GradMode.isEnabled, [query, key, value].contains(where: \.requiresGrad) {
        throw TensorError.invalidArgument(op: "decodeAttention", reason: "inference only: an input requires a gradient")
    }
    guard divtune_decode_attention_available(d, group) == 1 else { return nil }
    let scale = scale ?? 1 / Float(d).squareRoot()
    let (q, k, v) = (query.contiguous(), key.contiguous(), value.contiguous())
    struct Task { let query: UnsafePointer<Float>; let key: UnsafePointer<Float>; let value: UnsafePointer<Float>
                  let keys: UnsafeMutablePointer<Float>; let values: UnsafeMutablePointer<Float>; let position: Int; let output: Int }
    var tasks: [Task] = []
    for i in 0..<b {
        let (keyBuffer, valueBuffer) = (keyBuffers[i], valueBuffers[i]), allocated = keyBuffer.shape[2]
        for head in 0..<hkv {
            let first = (i * hq + head * group) * d, own = (i * hkv + head) * d
            tasks.append(Task(query: q.storage.pointer + q.offset + first, key: k.storage.pointer + k.offset + own,
                              value: v.storage.pointer + v.offset + own,
                              keys: keyBuffer.storage.pointer + keyBuffer.offset + head * allocated * d,
                              values: valueBuffer.storage.pointer + valueBuffer.offset + head * allocated * d,
                              position: positions[i], output: first))
        }
    }
    let longest = positions.max()! + 1
    // Per task: its rotated query heads, then its scores.
    let perTask = group * (d + longest)
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tasks.count * perTask)
    defer { scratch.deallocate() }
    return try withExtendedLifetime((q, k, v, keyBuffers, valueBuffers)) {
        try rope.withRotation(upTo: longest - 1) { rotate in
            Tensor.make([b, 1, hq * d]) { o in
                tasks.withUnsafeBufferPointer { tasks in
                    parallelOverHeads(tasks.count) { index in
                        let t = tasks[index], rotated = scratch + index * perTask
                        rotate(t.key, t.keys + t.position * d, 1, t.position)
                        (t.values + t.position * d).update(from: t.value, count: d)
                        rotate(t.query, rotated, group, t.position)
                        let done = divtune_decode_attention(group, t.position + 1, d, scale, rotated, t.keys, d, t.values, d,
                                                            rotated + group * d, o.baseAddress! + t.output)
                        precondition(done == 1, "decodeAttention: the kernel did not run")
                    }
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
