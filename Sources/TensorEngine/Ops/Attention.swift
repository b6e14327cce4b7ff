import Foundation

/// Causal scaled-dot-product attention with grouped-query heads and a key padding mask, as one
/// fused op: per head, scores = scale·Q·Kᵀ (sgemm) → mask → softmax → ·V (sgemm) in a scratch
/// buffer that never enters the graph. Only the output and each row's log-sum-exp are kept;
/// backward recomputes the probabilities from them (as FlashAttention does).
///
/// - query [B, Hq, T, D]; key, value [B, Hkv, S, D] with Hq a multiple of Hkv (query head h reads
///   kv head h / (Hq/Hkv)).
/// - `queryOffset`: the position of query row 0 among the keys (a KV cache holding S − T earlier
///   positions); causal masking lets row t see keys s ≤ queryOffset + t.
/// - `keyPadding`: B rows of S flags, true where the key is a real token.
/// - Rows that can see no key at all (a padding query under left padding) output zeros.
public func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, causal: Bool, queryOffset: Int = 0,
                                      keyPadding: [[Bool]]? = nil, scale: Float? = nil) throws -> Tensor {
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
    let group = hq / hkv
    let scale = scale ?? 1 / Float(d).squareRoot()
    let q = query.contiguous(), k = key.contiguous(), v = value.contiguous()
    let pq = q.storage.pointer + q.offset, pk = k.storage.pointer + k.offset, pv = v.storage.pointer + v.offset

    // The visible key range of row t in batch bi: s < limit(t), and padding.
    let padding: [Float]? = keyPadding.map { rows in rows.flatMap { $0.map { $0 ? 0 : -Float.infinity } } }
    @inline(__always) func limit(_ ti: Int) -> Int { causal ? min(s, queryOffset + ti + 1) : s }

    /// Fills `p` [T, S] with masked probabilities of head (bi, hi); writes the row log-sum-exps.
    func probabilities(_ bi: Int, _ hi: Int, _ p: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>) {
        let qh = pq + (bi * hq + hi) * t * d, kh = pk + (bi * hkv + hi / group) * s * d
        BLAS.sgemm(transA: false, transB: true, m: t, n: s, k: d, alpha: scale, a: qh, lda: d, b: kh, ldb: d, c: p, ldc: s)
        EngineThreads.parallelRanges(t, work: t * s * 4) { rows in
            for ti in rows {
                let row = p + ti * s
                let end = limit(ti)
                if let padding {
                    let pad = padding.withUnsafeBufferPointer { $0.baseAddress! + bi * s }
                    for j in 0..<end { row[j] += pad[j] }
                }
                var m = -Float.infinity
                for j in 0..<end { m = max(m, row[j]) }
                if m == -.infinity {
                    for j in 0..<s { row[j] = 0 }
                    lse[ti] = -.infinity
                    continue
                }
                var total: Float = 0
                for j in 0..<end { let e = Foundation.exp(row[j] - m); row[j] = e; total += e }
                let inv = 1 / total
                for j in 0..<end { row[j] *= inv }
                for j in end..<s { row[j] = 0 }
                lse[ti] = m + Foundation.log(total)
            }
        }
    }

    let lseStorage = Storage(uninitializedCount: b * hq * t)
    let scratch = Storage(uninitializedCount: t * s)
    let out = Tensor.make([b, hq, t, d]) { o in
        for bi in 0..<b {
            for hi in 0..<hq {
                probabilities(bi, hi, scratch.pointer, lse: lseStorage.pointer + (bi * hq + hi) * t)
                BLAS.sgemm(transA: false, transB: false, m: t, n: d, k: s, a: scratch.pointer, lda: s,
                           b: pv + (bi * hkv + hi / group) * s * d, ldb: d, c: o.baseAddress! + (bi * hq + hi) * t * d, ldc: d)
            }
        }
    }
    let outStorage = out.storage
    return Tensor.result(out, inputs: [query, key, value], name: "attention") { g in
        _ = (q, k, v)
        let gc = g.contiguous()
        let pg = gc.storage.pointer + gc.offset, po = outStorage.pointer
        let dq = Tensor.zeros(q.shape), dk = Tensor.zeros(k.shape), dv = Tensor.zeros(v.shape)
        let p = Storage(uninitializedCount: t * s), dp = Storage(uninitializedCount: t * s)
        var rowDot = [Float](repeating: 0, count: t)
        for bi in 0..<b {
            for hi in 0..<hq {
                let head = (bi * hq + hi) * t * d, kvHead = (bi * hkv + hi / group) * s * d
                // Recompute P exactly as forward did.
                var lse = [Float](repeating: 0, count: t)
                lse.withUnsafeMutableBufferPointer { probabilities(bi, hi, p.pointer, lse: $0.baseAddress!) }
                if value.requiresGrad {   // dV += Pᵀ·dO
                    BLAS.sgemm(transA: true, transB: false, m: s, n: d, k: t, a: p.pointer, lda: s, b: pg + head, ldb: d,
                               beta: 1, c: dv.storage.pointer + kvHead, ldc: d)
                }
                guard query.requiresGrad || key.requiresGrad else { continue }
                // dP = dO·Vᵀ;  dS = P ⊙ (dP − rowsum(dO ⊙ O))
                BLAS.sgemm(transA: false, transB: true, m: t, n: s, k: d, a: pg + head, lda: d, b: pv + kvHead, ldb: d,
                           c: dp.pointer, ldc: s)
                for ti in 0..<t {
                    var acc: Float = 0
                    for j in 0..<d { acc += pg[head + ti * d + j] * po[head + ti * d + j] }
                    rowDot[ti] = acc
                }
                for ti in 0..<t {
                    let pr = p.pointer + ti * s, dr = dp.pointer + ti * s
                    for j in 0..<s { dr[j] = pr[j] * (dr[j] - rowDot[ti]) }
                }
                if query.requiresGrad {   // dQ = scale·dS·K
                    BLAS.sgemm(transA: false, transB: false, m: t, n: d, k: s, alpha: scale, a: dp.pointer, lda: s,
                               b: pk + kvHead, ldb: d, c: dq.storage.pointer + head, ldc: d)
                }
                if key.requiresGrad {     // dK += scale·dSᵀ·Q
                    BLAS.sgemm(transA: true, transB: false, m: s, n: d, k: t, alpha: scale, a: dp.pointer, lda: s,
                               b: pq + head, ldb: d, beta: 1, c: dk.storage.pointer + kvHead, ldc: d)
                }
            }
        }
        return [query.requiresGrad ? dq : nil, key.requiresGrad ? dk : nil, value.requiresGrad ? dv : nil]
    }
}
