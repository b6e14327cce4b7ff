import Base
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
///   kv head h / (Hq/Hkv)). Key and value rows are read through their strides (a permuted
///   projection output is not copied).
/// - The output [B, Hq, T, D] is a view of a [B, T, Hq, D] buffer: merging its heads into
///   [B, T, Hq·D] (permute + reshape) is free, and so is the way back for its gradient.
/// - `queryOffset`: the position of query row 0 among the keys (a KV cache holding S − T earlier
///   positions); causal masking lets row t see keys s ≤ queryOffset + t.
/// - `keyPadding`: B rows of S flags, true where the key is a real token.
/// - `hiddenKeys`: keys that a span of query rows must not see, on top of the causal mask
///   (``HiddenKeys``: two completions packed after one shared prompt, or the sequences of a
///   padding-free row, each hiding the ones before it). A span's rows run over the keys around the
///   hidden ones as runs of score columns; the hidden products are never computed.
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
    guard queryOffset >= 0, !causal || queryOffset + t <= s else {
        throw TensorError.invalidArgument(op: "attention", reason: "queryOffset \(queryOffset) + T \(t) exceeds the \(s) keys")
    }
    let spans = try hiddenSpans(hiddenKeys, batch: b, queries: t, keys: s, causal: causal, queryOffset: queryOffset)
    let group = hq / hkv
    let scale = scale ?? 1 / Float(d).squareRoot()
    // Keys and values are read row by row through their row stride: a head of the projection's
    // [B, S, H, D] output permuted to [B, H, S, D], or a KV cache's view of its first S positions,
    // is read in place, without a copy.
    func readable(_ x: Tensor) -> Tensor { (d == 1 || x.strides[3] == 1) && (s == 1 || x.strides[2] >= d) ? x : x.contiguous() }
    let q = query.contiguous(), k = readable(key), v = readable(value)
    let (kRow, vRow) = (s == 1 ? d : k.strides[2], s == 1 ? d : v.strides[2])
    let pq = q.storage.pointer + q.offset
    @inline(__always) func keyHead(_ bi: Int, _ kvh: Int) -> UnsafeMutablePointer<Float> {
        k.storage.pointer + k.offset + bi * k.strides[0] + kvh * k.strides[1]
    }
    @inline(__always) func valueHead(_ bi: Int, _ kvh: Int) -> UnsafeMutablePointer<Float> {
        v.storage.pointer + v.offset + bi * v.strides[0] + kvh * v.strides[1]
    }

    // The visible key range of row t in batch bi: s < limit(t), less a hidden span's keys, and padding.
    let padding: [Float]? = keyPadding.map { rows in rows.flatMap { $0.map { $0 ? 0 : -Float.infinity } } }
    @inline(__always) func limit(_ ti: Int) -> Int { causal ? min(s, queryOffset + ti + 1) : s }

    // Rows are processed in blocks of up to `block` queries that never straddle a hidden span's
    // edges (so every row of a block hides the same keys); a causal block needs only the keys up to
    // its last row's limit, so the products skip most of the masked upper triangle.
    let block = 64
    let blocks: [[Range<Int>]] = (0..<b).map { bi in
        let edges = Set([0, t] + spans[bi].flatMap { [$0.queries.lowerBound, $0.queries.upperBound] }).sorted()
        return zip(edges, edges.dropFirst()).flatMap { lo, hi in stride(from: lo, to: hi, by: block).map { $0..<min(hi, $0 + block) } }
    }

    /// The keys a block sees, as runs of consecutive keys side by side in its score columns: every
    /// key up to the last row's limit, less the keys its spans hide (never computed, rather than
    /// computed and masked). Only the last run meets the causal mask; every run is non-empty.
    func segments(_ bi: Int, _ rows: Range<Int>) -> [KeySegment] {
        let end = limit(rows.upperBound - 1)
        let cuts = spans[bi].filter { $0.queries.contains(rows.lowerBound) }.map(\.keys).sorted { $0.lowerBound < $1.lowerBound }
        var runs: [KeySegment] = [], key = 0, column = 0
        for cut in cuts {   // overlapping spans hide the union of their keys
            if cut.lowerBound > key {
                runs.append(KeySegment(key: key, column: column, count: cut.lowerBound - key, causal: false))
                column += cut.lowerBound - key
            }
            key = max(key, cut.upperBound)
        }
        runs.append(KeySegment(key: key, column: column, count: end - key, causal: causal))
        return runs
    }
    /// The score columns row ti of a block with key runs `runs` sees: its limit less the hidden keys
    /// (all of them before the last run).
    @inline(__always) func visible(_ runs: [KeySegment], _ ti: Int) -> Int {
        limit(ti) - (runs[runs.count - 1].key - runs[runs.count - 1].column)
    }
    /// The causal triangle of a run's products: query row i of `rows` sees the run's keys ≤ its own position.
    func skip(_ run: KeySegment, _ rows: Range<Int>, _ kind: (Int) -> CausalSkip) -> CausalSkip {
        run.causal ? kind(queryOffset + rows.lowerBound - run.key) : .none
    }

    // Kᵀ per KV head ([D, S]), so that Q·Kᵀ is a product of row-major operands — worth its copy
    // for a block of queries, not for decode's single row against a long cache. With it every
    // query row of two or more gets the same scores whatever the other rows of the call (each
    // score one chain of fused multiply-adds over D), so a prompt continued from a cached
    // beginning matches the prompt run whole (docs/methods.md §12).
    // (A tensor, not a raw buffer: backward recomputes the probabilities from it later.)
    let transposes = t >= 2
    let keysTensor = transposes ? transposedHeads(k, batch: b, heads: hkv, rows: s, width: d, rowStride: kRow) : nil
    let keysT = keysTensor.map { $0.storage.pointer }

    /// Fills `p` [rows, width] with the masked probabilities of head (bi, hi) for query rows `rows`
    /// over the runs `runs` (width = their total).
    func probabilities(_ bi: Int, _ hi: Int, rows: Range<Int>, _ runs: [KeySegment], width: Int, _ p: UnsafeMutablePointer<Float>) {
        let qh = pq + ((bi * hq + hi) * t + rows.lowerBound) * d
        for run in runs where run.count > 0 {
            if let keysT {
                BLAS.smallGEMM(m: rows.count, n: run.count, k: d, alpha: scale, a: qh, aRow: d, aCol: 1,
                               b: keysT + (bi * hkv + hi / group) * d * s + run.key, ldb: s, c: p + run.column, ldc: width,
                               skip: skip(run, rows, CausalSkip.columnsAfter))
            } else {
                BLAS.sgemm(transA: false, transB: true, m: rows.count, n: run.count, k: d, alpha: scale, a: qh, lda: d,
                           b: keyHead(bi, hi / group) + run.key * kRow, ldb: kRow, c: p + run.column, ldc: width)
            }
        }
        for (i, ti) in rows.enumerated() {
            let row = p + i * width
            let end = visible(runs, ti)
            if let padding {
                padding.withUnsafeBufferPointer { pad in
                    for run in runs {
                        let pr = pad.baseAddress! + bi * s + run.key
                        for j in 0..<max(0, min(run.count, end - run.column)) { row[run.column + j] += pr[j] }
                    }
                }
            }
            Vectorized.softmaxRow(row, end, width: width)
        }
    }

    // The output is written in the merged-heads layout [B, T, Hq, D] and returned as its
    // [B, Hq, T, D] view, so that merging the heads afterwards (permute + reshape) copies nothing.
    let outRow = hq * d
    @inline(__always) func outputRow(_ o: UnsafeMutablePointer<Float>, _ bi: Int, _ hi: Int, _ ti: Int) -> UnsafeMutablePointer<Float> {
        o + (bi * t + ti) * outRow + hi * d
    }
    let work = blocks.enumerated().flatMap { bi, list in list.map { (bi, $0) } }
    let merged = Tensor.make([b, t, hq, d]) { o in
        // Every (head, row block) is independent: finer tasks balance the uneven causal blocks.
        parallelOverHeads(hq * work.count) { task in
            let (hi, (bi, rows)) = (task % hq, work[task / hq])
            let runs = segments(bi, rows), width = runs.reduce(0) { $0 + $1.count }
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(1, rows.count * width))
            defer { scratch.deallocate() }
            probabilities(bi, hi, rows: rows, runs, width: width, scratch)
            for (index, run) in runs.enumerated() {
                BLAS.smallGEMM(m: rows.count, n: d, k: run.count, a: scratch + run.column, aRow: width, aCol: 1,
                               b: valueHead(bi, hi / group) + run.key * vRow, ldb: vRow, accumulate: index > 0,
                               c: outputRow(o.baseAddress!, bi, hi, rows.lowerBound), ldc: outRow, skip: skip(run, rows, CausalSkip.depthAfter))
            }
        }
    }
    let outStorage = merged.storage
    let out = Tensor(storage: outStorage, shape: [b, hq, t, d], strides: [t * outRow, d, outRow, 1])
    return Tensor.result(out, inputs: [query, key, value], name: "attention") { g in
        _ = (q, k, v, keysTensor)
        // dO is read through its strides when its rows are dense (the merged heads' gradient
        // permuted back is), else copied.
        let gr = (d == 1 || g.strides[3] == 1) && (t == 1 || g.strides[2] >= d) ? g : g.contiguous()
        let (pg, gRow) = (gr.storage.pointer + gr.offset, t == 1 ? d : gr.strides[2])
        @inline(__always) func gradientRow(_ bi: Int, _ hi: Int, _ ti: Int) -> UnsafeMutablePointer<Float> {
            pg + bi * gr.strides[0] + hi * gr.strides[1] + ti * gRow
        }
        let po = outStorage.pointer
        let dq = Tensor.zeros(q.shape), dk = Tensor.zeros(k.shape), dv = Tensor.zeros(v.shape)
        // Every query head is a task with private dK/dV partials [S, D] (so tasks never write the
        // same memory); the partials of each group are then summed into its KV head.
        let headSize = s * d
        let dkParts = key.requiresGrad ? UnsafeMutablePointer<Float>.allocate(capacity: b * hq * headSize) : nil
        let dvParts = value.requiresGrad ? UnsafeMutablePointer<Float>.allocate(capacity: b * hq * headSize) : nil
        defer { dkParts?.deallocate(); dvParts?.deallocate() }
        // Vᵀ per KV head for dP = dO·Vᵀ (only when dQ or dK are wanted).
        let valuesTensor = transposes && (query.requiresGrad || key.requiresGrad)
            ? transposedHeads(v, batch: b, heads: hkv, rows: s, width: d, rowStride: vRow) : nil
        let valuesT = valuesTensor.map { $0.storage.pointer }
        dkParts?.initialize(repeating: 0, count: b * hq * headSize)
        dvParts?.initialize(repeating: 0, count: b * hq * headSize)
        parallelOverHeads(b * hq) { bh in
            let (bi, hi) = (bh / hq, bh % hq)
            let kh = keyHead(bi, hi / group)
            let p = UnsafeMutablePointer<Float>.allocate(capacity: block * s), dp = UnsafeMutablePointer<Float>.allocate(capacity: block * s)
            defer { p.deallocate(); dp.deallocate() }
            for rows in blocks[bi] {
                let n = rows.count
                let runs = segments(bi, rows), width = runs.reduce(0) { $0 + $1.count }
                let head = bh * t * d + rows.lowerBound * d   // the block's rows in Q and dQ
                let dO = gradientRow(bi, hi, rows.lowerBound)
                probabilities(bi, hi, rows: rows, runs, width: width, p)
                if let dvParts {   // dV += Pᵀ·dO
                    for run in runs where run.count > 0 {
                        BLAS.smallGEMM(m: run.count, n: d, k: n, a: p + run.column, aRow: 1, aCol: width, b: dO, ldb: gRow, accumulate: true,
                                       c: dvParts + bh * headSize + run.key * d, ldc: d, skip: skip(run, rows, CausalSkip.depthBefore))
                    }
                }
                guard query.requiresGrad || key.requiresGrad else { continue }
                // dP = dO·Vᵀ;  dS = P ⊙ (dP − rowsum(dO ⊙ O))
                for run in runs where run.count > 0 {
                    if let valuesT {
                        BLAS.smallGEMM(m: n, n: run.count, k: d, a: dO, aRow: gRow, aCol: 1, b: valuesT + (bi * hkv + hi / group) * d * s + run.key,
                                       ldb: s, c: dp + run.column, ldc: width, skip: skip(run, rows, CausalSkip.columnsAfter))
                    } else {
                        BLAS.sgemm(transA: false, transB: true, m: n, n: run.count, k: d, a: dO, lda: gRow,
                                   b: valueHead(bi, hi / group) + run.key * vRow, ldb: vRow, c: dp + run.column, ldc: width)
                    }
                }
                for i in 0..<n {
                    // Only a row's visible keys: dP past them may be unwritten (causal skip), dS is 0.
                    let end = visible(runs, rows.lowerBound + i), row = dp + i * width
                    let dot = Vectorized.V(repeating: Vectorized.dot(dO + i * gRow, outputRow(po, bi, hi, rows.lowerBound + i), d))
                    Vectorized.map2(p + i * width, row, row, end) { pv, dv in pv * (dv - dot) }
                    (row + end).update(repeating: 0, count: width - end)
                }
                if query.requiresGrad {   // dQ = scale·dS·K
                    for (index, run) in runs.enumerated() {
                        BLAS.smallGEMM(m: n, n: d, k: run.count, alpha: scale, a: dp + run.column, aRow: width, aCol: 1,
                                       b: kh + run.key * kRow, ldb: kRow, accumulate: index > 0, c: dq.storage.pointer + head, ldc: d,
                                       skip: skip(run, rows, CausalSkip.depthAfter))
                    }
                }
                if let dkParts {          // dK += scale·dSᵀ·Q
                    for run in runs where run.count > 0 {
                        BLAS.smallGEMM(m: run.count, n: d, k: n, alpha: scale, a: dp + run.column, aRow: 1, aCol: width,
                                       b: pq + head, ldb: d, accumulate: true, c: dkParts + bh * headSize + run.key * d, ldc: d,
                                       skip: skip(run, rows, CausalSkip.depthBefore))
                    }
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

/// A run of `count` consecutive keys from `key` on, placed at score column `column` of a block;
/// `causal`: the causal mask cuts it.
private struct KeySegment {
    let key: Int
    let column: Int
    let count: Int
    let causal: Bool
}

/// Keys `keys` (positions among the S keys) hidden from the query rows `queries` of batch row
/// `batchRow`, which must come after the keys they do not see (causal attention). A row may have
/// several spans; rows that several spans cover hide the union of their keys.
/// Packing a preference pair's two completions after their shared prompt into one row — prompt,
/// chosen, then rejected — hides the chosen tokens from the rejected ones, so the prompt is
/// computed once for both; a padding-free row (docs/methods.md §6.4) hides from each sequence the
/// sequences before it, so attention stays within each sequence.
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

/// The hidden spans of each batch row (those that hide keys), checked: causal attention, each
/// span coming after the keys it hides (so those keys lie wholly before every row of the span).
private func hiddenSpans(_ hiddenKeys: [HiddenKeys], batch b: Int, queries t: Int, keys s: Int, causal: Bool,
                         queryOffset: Int) throws -> [[HiddenKeys]] {
    var spans = [[HiddenKeys]](repeating: [], count: b)
    for span in hiddenKeys {
        guard (0..<b).contains(span.batchRow) else {
            throw TensorError.invalidArgument(op: "attention", reason: "hidden keys \(span) name a batch row outside 0..<\(b)")
        }
        let (queries, cut) = (span.queries, span.keys)
        guard causal, !queries.isEmpty, queries.lowerBound >= 0, queries.upperBound <= t,
              cut.lowerBound >= 0, cut.upperBound <= s, cut.upperBound <= queryOffset + queries.lowerBound else {
            throw TensorError.invalidArgument(op: "attention", reason: "hidden keys \(span) must be spans of causal attention's queries, after the keys they hide")
        }
        if !cut.isEmpty { spans[span.batchRow].append(span) }
    }
    return spans
}

/// The heads of `x` [B, H, rows, width] (dense rows `rowStride` apart, any head stride) transposed: [B·H, width, rows].
private func transposedHeads(_ x: Tensor, batch: Int, heads: Int, rows: Int, width: Int, rowStride: Int) -> Tensor {
    let base = x.storage.pointer + x.offset
    return Tensor.make([batch * heads, width, rows]) { out in
        for bh in 0..<(batch * heads) {
            let src = base + (bh / heads) * x.strides[0] + (bh % heads) * x.strides[1], dst = out.baseAddress! + bh * width * rows
            // Tiles of 16 rows keep both the reads and the strided writes within a few cache lines.
            for r0 in stride(from: 0, to: rows, by: 16) {
                for c in 0..<width {
                    for r in r0..<min(rows, r0 + 16) { dst[c * rows + r] = src[r * rowStride + c] }
                }
            }
        }
    }
}

/// Runs `body(head)` for every head, spread over the engine's threads with BLAS set to one
/// thread meanwhile (so the two kinds of parallelism never multiply); small work runs serially
/// with BLAS threads as they are.
func parallelOverHeads(_ heads: Int, _ body: (Int) -> Void) {
    if heads < 2 || EngineThreads.count == 1 {
        for h in 0..<heads { body(h) }
        return
    }
    EngineThreads.withSingleThreadedBLAS {
        // The pool that runs the quantized products: between those products its workers spin, so
        // attention on GCD's threads would wait for a core behind them.
        if #available(macOS 15, *) { SpinningWorkers.shared.run(chunks: heads, body) } else { DispatchQueue.concurrentPerform(iterations: heads, execute: body) }
    }
}
