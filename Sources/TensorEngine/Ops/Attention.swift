import Foundation

/// Causal scaled-dot-product attention with grouped-query heads and a key padding mask, as one
/// fused op: per head and block of 64 query rows, scores = scale·Q·Kᵀ (only the keys the block
/// can see) → mask → softmax → ·V in a scratch buffer that never enters the graph. The products
/// run on `BLAS.smallGEMM` (a register-tile kernel on AVX-512, else sgemm) with Kᵀ and Vᵀ copied
/// once per KV head so that every operand is row-major.
/// Only the output is kept; backward recomputes each block's probabilities from Q and K (as
/// FlashAttention does) instead of storing a [T, S] matrix per head.
///
/// - query [B, Hq, T, D]; key, value [B, Hkv, S, D] with Hq a multiple of Hkv (query head h reads
///   kv head h / (Hq/Hkv)).
/// - `queryOffset`: the position of query row 0 among the keys (a KV cache holding S − T earlier
///   positions); causal masking lets row t see keys s ≤ queryOffset + t.
/// - `keyPadding`: B rows of S flags, true where the key is a real token.
/// - `hiddenKeys`: keys that a span of query rows must not see, on top of the causal mask
///   (``HiddenKeys``: two completions packed after one shared prompt).
/// - Rows that can see no key at all (a padding query under left padding) output zeros.
///
/// Memory: forward keeps the output and Kᵀ (backward recomputes the probabilities); backward
/// allocates one [S, D] dK/dV partial per query head (summed per KV head at the end) besides the
/// gradients.
public func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, causal: Bool, queryOffset: Int = 0,
                                      keyPadding: [[Bool]]? = nil, hiddenKeys: [HiddenKeys] = [], scale: Float? = nil) throws -> Tensor {
    guard query.rank == 4, key.rank == 4, value.rank == 4, key.shape == value.shape,
          query.shape[0] == key.shape[0], query.shape[3] == key.shape[3],
          key.shape[1] > 0, query.shape[1] % key.shape[1] == 0 else {
        throw TensorError.shapeMismatch(op: "attention", shapes: [query.shape, key.shape, value.shape],
                                        reason: "expected query [B,Hq,T,D] and key/value [B,Hkv,S,D] with Hkv dividing Hq")
    }
    let (b, hq, t, d) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
    let (hkv, s) = (key.shape[1], key.shape[2])
    if let keyPadding, keyPadding.count != b || keyPadding.contains(where: { $0.count != s }) {
        throw TensorError.shapeMismatch(op: "attention", shapes: [query.shape, key.shape, [keyPadding.count, keyPadding.first?.count ?? 0]],
                                        reason: "keyPadding must be B×S")
    }
    if !hiddenKeys.isEmpty {
        return try attentionHidingKeys(query: query, key: key, value: value, causal: causal, queryOffset: queryOffset,
                                       keyPadding: keyPadding, hiddenKeys: hiddenKeys, scale: scale)
    }
    guard queryOffset >= 0, !causal || queryOffset + t <= s else {
        throw TensorError.invalidArgument(op: "attention", reason: "queryOffset \(queryOffset) + T \(t) exceeds the \(s) keys")
    }
    let group = hq / hkv
    let scale = scale ?? 1 / Float(d).squareRoot()
    // Keys and values only need dense [S, D] rows per head: a KV cache's view of its first S
    // positions (head stride = the buffer's length) is read in place, without a copy.
    func denseRows(_ x: Tensor) -> Tensor { (d == 1 || x.strides[3] == 1) && (s == 1 || x.strides[2] == d) ? x : x.contiguous() }
    let q = query.contiguous(), k = denseRows(key), v = denseRows(value)
    let pq = q.storage.pointer + q.offset
    @inline(__always) func keyHead(_ bi: Int, _ kvh: Int) -> UnsafeMutablePointer<Float> {
        k.storage.pointer + k.offset + bi * k.strides[0] + kvh * k.strides[1]
    }
    @inline(__always) func valueHead(_ bi: Int, _ kvh: Int) -> UnsafeMutablePointer<Float> {
        v.storage.pointer + v.offset + bi * v.strides[0] + kvh * v.strides[1]
    }

    // The visible key range of row t in batch bi: s < limit(t), and padding.
    let padding: [Float]? = keyPadding.map { rows in rows.flatMap { $0.map { $0 ? 0 : -Float.infinity } } }
    @inline(__always) func limit(_ ti: Int) -> Int { causal ? min(s, queryOffset + ti + 1) : s }

    // Causal rows are processed in blocks of `block` queries; a block needs only the keys up to its
    // last row's limit, so the sgemms skip most of the masked upper triangle.
    let block = 64
    let blocks = (t + block - 1) / block
    @inline(__always) func blockRows(_ c: Int) -> Range<Int> { (c * block)..<min(t, (c + 1) * block) }
    @inline(__always) func blockKeys(_ rows: Range<Int>) -> Int { limit(rows.upperBound - 1) }

    // Kᵀ per KV head ([D, S]), so that Q·Kᵀ is a product of row-major operands — worth its copy
    // for a block of queries, not for decode's single row against a long cache.
    // (A tensor, not a raw buffer: backward recomputes the probabilities from it later.)
    let transposes = t >= 16
    let keysTensor = transposes ? transposedHeads(k, batch: b, heads: hkv, rows: s, width: d) : nil
    let keysT = keysTensor.map { $0.storage.pointer }

    /// The causal triangle of a block's products: query row i of `rows` sees keys ≤ queryOffset + first row + i.
    func skip(_ rows: Range<Int>, _ kind: (Int) -> CausalSkip) -> CausalSkip { causal ? kind(queryOffset + rows.lowerBound) : .none }

    /// Fills `p` [rows, keys] (leading dimension `keys`) with the masked probabilities of head
    /// (bi, hi) for query rows `rows`.
    func probabilities(_ bi: Int, _ hi: Int, rows: Range<Int>, _ p: UnsafeMutablePointer<Float>) {
        let keys = blockKeys(rows)
        let qh = pq + ((bi * hq + hi) * t + rows.lowerBound) * d
        if let keysT {
            BLAS.smallGEMM(m: rows.count, n: keys, k: d, alpha: scale, a: qh, aRow: d, aCol: 1,
                           b: keysT + (bi * hkv + hi / group) * d * s, ldb: s, c: p, ldc: keys, skip: skip(rows, CausalSkip.columnsAfter))
        } else {
            BLAS.sgemm(transA: false, transB: true, m: rows.count, n: keys, k: d, alpha: scale, a: qh, lda: d,
                       b: keyHead(bi, hi / group), ldb: d, c: p, ldc: keys)
        }
        for (i, ti) in rows.enumerated() {
            let row = p + i * keys
            let end = limit(ti)
            if let padding {
                padding.withUnsafeBufferPointer { pad in
                    let pr = pad.baseAddress! + bi * s
                    for j in 0..<end { row[j] += pr[j] }
                }
            }
            Vectorized.softmaxRow(row, end, width: keys)
        }
    }

    let out = Tensor.make([b, hq, t, d]) { o in
        // Every (head, row block) is independent: finer tasks balance the uneven causal blocks.
        parallelOverHeads(b * hq * blocks) { task in
            let (bh, c) = (task / blocks, task % blocks)
            let (bi, hi) = (bh / hq, bh % hq)
            let rows = blockRows(c), keys = blockKeys(rows)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rows.count * keys)
            defer { scratch.deallocate() }
            probabilities(bi, hi, rows: rows, scratch)
            BLAS.smallGEMM(m: rows.count, n: d, k: keys, a: scratch, aRow: keys, aCol: 1, b: valueHead(bi, hi / group), ldb: d,
                           c: o.baseAddress! + (bh * t + rows.lowerBound) * d, ldc: d, skip: skip(rows, CausalSkip.depthAfter))
        }
    }
    let outStorage = out.storage
    return Tensor.result(out, inputs: [query, key, value], name: "attention") { g in
        _ = (q, k, v, keysTensor)
        let gc = g.contiguous()
        let pg = gc.storage.pointer + gc.offset, po = outStorage.pointer
        let dq = Tensor.zeros(q.shape), dk = Tensor.zeros(k.shape), dv = Tensor.zeros(v.shape)
        // Every query head is a task with private dK/dV partials [S, D] (so tasks never write the
        // same memory); the partials of each group are then summed into its KV head.
        let headSize = s * d
        let dkParts = key.requiresGrad ? UnsafeMutablePointer<Float>.allocate(capacity: b * hq * headSize) : nil
        let dvParts = value.requiresGrad ? UnsafeMutablePointer<Float>.allocate(capacity: b * hq * headSize) : nil
        defer { dkParts?.deallocate(); dvParts?.deallocate() }
        // Vᵀ per KV head for dP = dO·Vᵀ (only when dQ or dK are wanted).
        let valuesTensor = transposes && (query.requiresGrad || key.requiresGrad)
            ? transposedHeads(v, batch: b, heads: hkv, rows: s, width: d) : nil
        let valuesT = valuesTensor.map { $0.storage.pointer }
        dkParts?.initialize(repeating: 0, count: b * hq * headSize)
        dvParts?.initialize(repeating: 0, count: b * hq * headSize)
        parallelOverHeads(b * hq) { bh in
            let (bi, hi) = (bh / hq, bh % hq)
            let kh = keyHead(bi, hi / group)
            let p = UnsafeMutablePointer<Float>.allocate(capacity: block * s), dp = UnsafeMutablePointer<Float>.allocate(capacity: block * s)
            defer { p.deallocate(); dp.deallocate() }
            for c in 0..<blocks {
                let rows = blockRows(c), keys = blockKeys(rows), n = rows.count
                let head = bh * t * d + rows.lowerBound * d
                probabilities(bi, hi, rows: rows, p)
                if let dvParts {   // dV += Pᵀ·dO
                    BLAS.smallGEMM(m: keys, n: d, k: n, a: p, aRow: 1, aCol: keys, b: pg + head, ldb: d,
                                   accumulate: true, c: dvParts + bh * headSize, ldc: d, skip: skip(rows, CausalSkip.depthBefore))
                }
                guard query.requiresGrad || key.requiresGrad else { continue }
                // dP = dO·Vᵀ;  dS = P ⊙ (dP − rowsum(dO ⊙ O))
                if let valuesT {
                    BLAS.smallGEMM(m: n, n: keys, k: d, a: pg + head, aRow: d, aCol: 1, b: valuesT + (bi * hkv + hi / group) * d * s,
                                   ldb: s, c: dp, ldc: keys, skip: skip(rows, CausalSkip.columnsAfter))
                } else {
                    BLAS.sgemm(transA: false, transB: true, m: n, n: keys, k: d, a: pg + head, lda: d,
                               b: valueHead(bi, hi / group), ldb: d, c: dp, ldc: keys)
                }
                for i in 0..<n {
                    // Only a row's visible keys: dP past them may be unwritten (causal skip), dS is 0.
                    let end = limit(rows.lowerBound + i), row = dp + i * keys
                    let dot = Vectorized.V(repeating: Vectorized.dot(pg + head + i * d, po + head + i * d, d))
                    Vectorized.map2(p + i * keys, row, row, end) { pv, dv in pv * (dv - dot) }
                    (row + end).update(repeating: 0, count: keys - end)
                }
                if query.requiresGrad {   // dQ = scale·dS·K
                    BLAS.smallGEMM(m: n, n: d, k: keys, alpha: scale, a: dp, aRow: keys, aCol: 1,
                                   b: kh, ldb: d, c: dq.storage.pointer + head, ldc: d, skip: skip(rows, CausalSkip.depthAfter))
                }
                if let dkParts {          // dK += scale·dSᵀ·Q
                    BLAS.smallGEMM(m: keys, n: d, k: n, alpha: scale, a: dp, aRow: 1, aCol: keys,
                                   b: pq + head, ldb: d, accumulate: true, c: dkParts + bh * headSize, ldc: d, skip: skip(rows, CausalSkip.depthBefore))
                }
            }
        }
        withExtendedLifetime(valuesTensor) {}   // valuesT was read above
        for (parts, target) in [(dkParts, dk), (dvParts, dv)] {
            guard let parts else { continue }
            let pt = target.storage.pointer
            EngineThreads.parallelRanges(b * hkv, work: b * hq * headSize) { range in
                for bkv in range {
                    let (bi, kvi) = (bkv / hkv, bkv % hkv)
                    for hi in (kvi * group)..<((kvi + 1) * group) {
                        let src = parts + (bi * hq + hi) * headSize
                        Vectorized.map2(pt + bkv * headSize, src, pt + bkv * headSize, headSize) { $0 + $1 }
                    }
                }
            }
        }
        return [query.requiresGrad ? dq : nil, key.requiresGrad ? dk : nil, value.requiresGrad ? dv : nil]
    }
}

/// Keys `keys` (positions among the S keys) hidden from the query rows `queries` of batch row
/// `batchRow`, which must come after the keys they do not see (causal attention, one span a row).
/// Packing a preference pair's two completions after their shared prompt into one row — prompt,
/// chosen, then rejected — hides the chosen tokens from the rejected ones, so the prompt is
/// computed once for both.
public struct HiddenKeys: Sendable, Equatable, CustomStringConvertible {
    public var batchRow: Int
    public var queries: Range<Int>
    public var keys: Range<Int>

    public init(batchRow: Int, queries: Range<Int>, keys: Range<Int>) {
        self.batchRow = batchRow
        self.queries = queries
        self.keys = keys
    }

    public var description: String { "(row \(batchRow), queries \(queries), keys \(keys))" }
}

/// Attention with ``HiddenKeys`` as plain attentions on views, batch row by batch row: the rows
/// outside a span over every key, the span's rows over the keys with the hidden ones cut out
/// (their causal offset shifted by the cut). The hidden products are never computed — masking
/// them instead would make a packed pair's rejected part attend over its chosen part for nothing.
private func attentionHidingKeys(query: Tensor, key: Tensor, value: Tensor, causal: Bool, queryOffset: Int,
                                 keyPadding: [[Bool]]?, hiddenKeys: [HiddenKeys], scale: Float?) throws -> Tensor {
    let (b, t, s) = (query.shape[0], query.shape[2], key.shape[2])
    if let stray = hiddenKeys.first(where: { !(0..<b).contains($0.batchRow) }) {
        throw TensorError.invalidArgument(op: "attention", reason: "hidden keys \(stray) name a batch row outside 0..<\(b)")
    }
    var rows: [Tensor] = []
    for bi in 0..<b {
        let spans = hiddenKeys.filter { $0.batchRow == bi }
        let (q, k, v) = (try slice(query, axis: 0, range: bi..<(bi + 1)), try slice(key, axis: 0, range: bi..<(bi + 1)),
                         try slice(value, axis: 0, range: bi..<(bi + 1)))
        let padding = keyPadding.map { [$0[bi]] }
        guard let span = spans.first else {
            rows.append(try scaledDotProductAttention(query: q, key: k, value: v, causal: causal, queryOffset: queryOffset,
                                                      keyPadding: padding, scale: scale))
            continue
        }
        let (queries, cut) = (span.queries, span.keys)
        guard causal, spans.count == 1, queries.lowerBound >= 0, queries.upperBound <= t, !queries.isEmpty, cut.lowerBound >= 0,
              cut.upperBound <= queryOffset + queries.lowerBound, cut.upperBound <= s else {
            throw TensorError.invalidArgument(op: "attention", reason: "hidden keys \(spans) must be one span per batch row of causal attention, after the keys it hides")
        }
        // Rows outside the span (before it, and padding after it) see every key as usual.
        func plain(_ rows: Range<Int>) throws -> Tensor {
            try scaledDotProductAttention(query: slice(q, axis: 2, range: rows), key: k, value: v, causal: true,
                                          queryOffset: queryOffset + rows.lowerBound, keyPadding: padding, scale: scale)
        }
        var parts: [Tensor] = []
        if queries.lowerBound > 0 { parts.append(try plain(0..<queries.lowerBound)) }
        let kept = [0..<cut.lowerBound, cut.upperBound..<s]
        parts.append(try scaledDotProductAttention(
            query: slice(q, axis: 2, range: queries),
            key: concat(kept.map { try slice(k, axis: 2, range: $0) }, axis: 2),
            value: concat(kept.map { try slice(v, axis: 2, range: $0) }, axis: 2),
            causal: true, queryOffset: queryOffset + queries.lowerBound - cut.count,
            keyPadding: padding.map { [Array($0[0][kept[0]]) + Array($0[0][kept[1]])] }, scale: scale))
        if queries.upperBound < t { parts.append(try plain(queries.upperBound..<t)) }
        rows.append(parts.count == 1 ? parts[0] : try concat(parts, axis: 2))
    }
    return rows.count == 1 ? rows[0] : try concat(rows, axis: 0)
}

/// The heads of `x` [B, H, rows, width] (dense rows, any head stride) transposed: [B·H, width, rows].
private func transposedHeads(_ x: Tensor, batch: Int, heads: Int, rows: Int, width: Int) -> Tensor {
    let base = x.storage.pointer + x.offset
    return Tensor.make([batch * heads, width, rows]) { out in
        for bh in 0..<(batch * heads) {
            let src = base + (bh / heads) * x.strides[0] + (bh % heads) * x.strides[1], dst = out.baseAddress! + bh * width * rows
            // Tiles of 16 rows keep both the reads and the strided writes within a few cache lines.
            for r0 in stride(from: 0, to: rows, by: 16) {
                for c in 0..<width {
                    for r in r0..<min(rows, r0 + 16) { dst[c * rows + r] = src[r * width + c] }
                }
            }
        }
    }
}

/// Runs `body(head)` for every head, spread over the engine's threads with BLAS set to one
/// thread meanwhile (so the two kinds of parallelism never multiply); small work runs serially
/// with BLAS threads as they are.
private func parallelOverHeads(_ heads: Int, _ body: (Int) -> Void) {
    if heads < 2 || EngineThreads.count == 1 {
        for h in 0..<heads { body(h) }
        return
    }
    EngineThreads.withSingleThreadedBLAS {
        DispatchQueue.concurrentPerform(iterations: heads, execute: body)
    }
}
