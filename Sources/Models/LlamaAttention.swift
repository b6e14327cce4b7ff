import TensorEngine

/// Grouped-query self-attention with RoPE (port of transformers' `LlamaAttention`), with the
/// variants of the other architectures: OLMo 2's RMSNorm over the whole q and k projections
/// before the head split, and Gemma 2's query scale, soft-capped scores and sliding window.
final class LlamaAttention {
    let config: LlamaConfiguration
    let layerIndex: Int
    let qProj: Linear, kProj: Linear, vProj: Linear, oProj: Linear
    let rope: RotaryEmbedding
    /// OLMo 2's q/k norm weights ([queryWidth], [keyValueWidth]); nil elsewhere.
    let qNorm: Tensor?, kNorm: Tensor?
    /// The score scale (nil: 1/√head_dim), Gemma 2's score soft-cap and this layer's key window.
    let scale: Float?
    let softCap: Float?
    let window: Int?

    init(config: LlamaConfiguration, layerIndex: Int, q: Linear, k: Linear, v: Linear, o: Linear, rope: RotaryEmbedding,
         qNorm: Tensor? = nil, kNorm: Tensor? = nil) {
        self.config = config
        self.layerIndex = layerIndex
        self.qProj = q; self.kProj = k; self.vProj = v; self.oProj = o
        self.rope = rope
        self.qNorm = qNorm
        self.kNorm = kNorm
        self.scale = config.gemma.map { 1 / $0.queryPreAttnScalar.squareRoot() }
        self.softCap = config.gemma?.attnLogitSoftcapping
        self.window = config.gemma?.window(layer: layerIndex)
    }

    /// x [B, T, hidden] → [B, T, hidden], plus `residual` when given (summed as the output
    /// projection comes out). `positions` holds B·T absolute positions (row-major).
    func callAsFunction(_ x: Tensor, positions: [Int], keyPadding: [[Bool]]?, hiddenKeys: [HiddenKeys] = [], cache: KVCache?,
                        plus residual: Tensor? = nil) throws -> Tensor {
        let qkv = try Linear.project(x, through: [qProj, kProj, vProj])
        return try output(attend(q: qkv[0], k: qkv[1], v: qkv[2], positions: positions, keyPadding: keyPadding,
                                 hiddenKeys: hiddenKeys, cache: cache), plus: residual)
    }

    private func output(_ attended: Tensor, plus residual: Tensor?) throws -> Tensor {
        try residual.map { try oProj(attended, plus: $0) } ?? oProj(attended)
    }

    /// Several sequences in one pass, each with its own cache: along `axis` of x, sequence i
    /// holds `lengths[i]` consecutive positions continuing `caches[i]`. A decode step lays B
    /// sequences of one position along the batch axis (x [B, 1, hidden]); a packed prefill lays
    /// prompts end to end along the time axis (x [1, N, hidden]). The projections take all rows in
    /// one pass over the weights; attention runs per sequence over its own cache (docs/methods.md §12).
    func attendEach(_ x: Tensor, axis: Int, lengths: [Int], caches: [KVCache], plus residual: Tensor? = nil) throws -> Tensor {
        let qkv = try Linear.project(x, through: [qProj, kProj, vProj])
        if axis == 0, lengths.allSatisfy({ $0 == 1 }),
           let attended = try attendDecoding(q: qkv[0], k: qkv[1], v: qkv[2], caches: caches) {
            return try output(attended, plus: residual)
        }
        var start = 0
        let parts = try zip(lengths, caches).map { length, cache in
            defer { start += length }
            let span = { (y: Tensor) in try slice(y, axis: axis, range: start..<(start + length)) }
            let first = cache.storedLength(layer: layerIndex)
            return try attend(q: span(qkv[0]), k: span(qkv[1]), v: span(qkv[2]), positions: Array(first..<(first + length)),
                              keyPadding: nil, cache: cache)
        }
        return try output(parts.count == 1 ? parts[0] : concat(parts, axis: axis), plus: residual)
    }

    /// A decode step's attention for B sequences of one position each (projections [B, 1, width]),
    /// in one `decodeAttention` call over all of them: straight from the projections, rotating and
    /// writing each new key and value into its cache's buffer in place (``KVCache/room(layer:)``);
    /// or, for OLMo 2's q/k norms and caches that take no in-place step, heads normed and rotated
    /// together and appended first. Nil (nothing appended) where that kernel does not apply —
    /// Gemma 2's capped, windowed scores, inputs that need a gradient, a CPU without it.
    private func attendDecoding(q: Tensor, k: Tensor, v: Tensor, caches: [KVCache]) throws -> Tensor? {
        guard decodesOnKernel(q, k, v) else { return nil }
        let positions = caches.map { $0.storedLength(layer: layerIndex) }
        // Rotation, cache writes and attention in one parallel run, straight from the projections
        // (OLMo 2 normalizes q and k over the whole projection first: the steps below).
        if qNorm == nil, kNorm == nil {
            // A cache of other heads or width is refused by the append below, with its shapes.
            let rooms = try caches.compactMap { try $0.room(layer: layerIndex) }.filter {
                $0.keys.shape[1] == config.numKeyValueHeads && $0.keys.shape[3] == config.headDim
            }
            if rooms.count == caches.count,
               let attended = try decodeAttention(query: q, key: k, value: v, rope: rope, positions: positions,
                                                  keyBuffers: rooms.map(\.keys), valueBuffers: rooms.map(\.values), scale: scale) {
                for (cache, position) in zip(caches, positions) { cache.advance(layer: layerIndex, to: position + 1) }
                return attended
            }
        }
        let (q, k, v) = try rotatedHeads(q: q, k: k, v: v, positions: positions)
        guard decodesOnKernel(q, k, v) else { return nil }   // OLMo 2's norm weights may want a gradient
        let stored = try caches.enumerated().map { i, cache in
            try cache.append(layer: layerIndex, key: slice(k, axis: 0, range: i..<(i + 1)), value: slice(v, axis: 0, range: i..<(i + 1)))
        }
        return try decodeAttention(query: q, keys: stored.map(\.0), values: stored.map(\.1), scale: scale)
    }

    /// Whether a single query row per sequence runs on `decodeAttention`: scores neither capped
    /// nor windowed, a kernel for this head width on this CPU, and none of the given heads needs
    /// a gradient.
    private func decodesOnKernel(_ heads: Tensor...) -> Bool {
        softCap == nil && window == nil && !heads.contains(where: \.requiresGrad)
            && decodeAttentionRuns(headDim: config.headDim, groupSize: config.numAttentionHeads / config.numKeyValueHeads)
    }

    /// q, k, v [B, T, width] → heads [B, H, T, D], q and k normalized (OLMo 2) and rotated.
    private func rotatedHeads(q: Tensor, k: Tensor, v: Tensor, positions: [Int]) throws -> (Tensor, Tensor, Tensor) {
        let (b, t) = (q.shape[0], q.shape[1])
        let d = config.headDim
        func heads(_ y: Tensor, _ n: Int) throws -> Tensor {
            try permute(reshape(y, [b, t, n, d]), [0, 2, 1, 3])
        }
        let q = try heads(qNorm.map { try rmsNorm(q, weight: $0, eps: config.rmsNormEps) } ?? q, config.numAttentionHeads)
        let k = try heads(kNorm.map { try rmsNorm(k, weight: $0, eps: config.rmsNormEps) } ?? k, config.numKeyValueHeads)
        return try (rope.apply(q, positions: positions), rope.apply(k, positions: positions), heads(v, config.numKeyValueHeads))
    }

    /// Attention of projected queries, keys and values [B, T, width] (keys and values appended to
    /// `cache` first), heads merged back to [B, T, queryWidth].
    private func attend(q: Tensor, k: Tensor, v: Tensor, positions: [Int], keyPadding: [[Bool]]?, hiddenKeys: [HiddenKeys] = [],
                        cache: KVCache?) throws -> Tensor {
        let (b, t) = (q.shape[0], q.shape[1])
        var (q, k, v) = try rotatedHeads(q: q, k: k, v: v, positions: positions)
        let offset = cache?.storedLength(layer: layerIndex) ?? 0
        if let cache { (k, v) = try cache.append(layer: layerIndex, key: k, value: v) }
        // One new position over a cache: the decode step's kernel, so that a sequence stepped
        // alone gets the numbers `attendEach` gives it beside others.
        if t == 1, cache != nil, keyPadding == nil, hiddenKeys.isEmpty, decodesOnKernel(q, k, v),
           let attended = try decodeAttention(query: q, keys: [k], values: [v], scale: scale) {
            return attended
        }
        let attended = softCap != nil || window != nil
            ? try cappedWindowAttention(query: q, key: k, value: v, positions: positions, queryOffset: offset, keyPadding: keyPadding, hiddenKeys: hiddenKeys,
                                        scale: scale ?? 1 / Float(config.headDim).squareRoot(), softCap: softCap, window: window)
            : try scaledDotProductAttention(query: q, key: k, value: v, causal: true, queryOffset: offset,
                                            keyPadding: keyPadding, hiddenKeys: hiddenKeys, scale: scale)
        return try reshape(permute(attended, [0, 2, 1, 3]), [b, t, config.queryWidth])
    }
}
