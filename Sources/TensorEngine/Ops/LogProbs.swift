import Foundation

/// Log-probability of each target token under softmax(logits), fused: per row only the
/// log-sum-exp is computed (no [B, T, V] log-softmax is materialised or saved).
///
/// logits [B, T, V], targets B rows of T ids → [B, T]. A negative target (e.g. −100, HF's ignore
/// index) yields 0 and no gradient; other ids must be in 0..<V. Backward:
/// d logits = g · (onehot(target) − softmax(logits)).
public func tokenLogProbs(logits: Tensor, targets: [[Int]]) throws -> Tensor {
    guard logits.rank == 3, targets.count == logits.shape[0], targets.allSatisfy({ $0.count == logits.shape[1] }) else {
        throw TensorError.shapeMismatch(op: "tokenLogProbs", shapes: [logits.shape, [targets.count, targets.first?.count ?? 0]],
                                        reason: "logits must be [B, T, V] and targets B×T")
    }
    let (b, t, vocab) = (logits.shape[0], logits.shape[1], logits.shape[2])
    let flat = targets.flatMap { $0 }
    if let bad = flat.first(where: { $0 >= vocab }) {
        throw TensorError.invalidArgument(op: "tokenLogProbs", reason: "target id \(bad) is outside the vocabulary 0..<\(vocab)")
    }
    let lc = logits.contiguous()
    let pl = lc.storage.pointer + lc.offset
    let lse = Storage(uninitializedCount: b * t)
    let out = Tensor.make([b, t]) { o in
        EngineThreads.parallelRanges(b * t, work: b * t * vocab) { rows in
            for r in rows {
                let row = pl + r * vocab
                let z = logSumExp(row, vocab)
                lse.pointer[r] = z
                o[r] = flat[r] < 0 ? 0 : row[flat[r]] - z
            }
        }
    }
    return Tensor.result(out, inputs: [logits], name: "token_log_probs") { g in
        _ = lc
        let gc = g.contiguous()
        let pg = gc.storage.pointer + gc.offset
        return [Tensor.make(logits.shape) { d in
            let pd = d.baseAddress!
            EngineThreads.parallelRanges(b * t, work: b * t * vocab) { rows in
                for r in rows {
                    let dst = pd + r * vocab
                    let target = flat[r]
                    if target < 0 { for j in 0..<vocab { dst[j] = 0 }; continue }
                    logSoftmaxGradient(pl + r * vocab, into: dst, vocab, logSumExp: lse.pointer[r], target: target, scale: pg[r])
                }
            }
        }]
    }
}

/// log Σ exp(row[0..<n]), shifted by the row's max; blocks of 4096 are summed in Float and the
/// blocks added in Double, so 49152-wide rows keep Float32 precision.
@inline(__always)
func logSumExp(_ row: UnsafePointer<Float>, _ n: Int) -> Float {
    let m = Vectorized.max(row, n)
    var total: Double = 0
    var j = 0
    while j < n {
        let k = min(4096, n - j)
        total += Double(Vectorized.sumExp(row + j, k, shift: m))
        j += k
    }
    return m + Float(Foundation.log(total))
}

/// dst = scale·(onehot(target) − exp(row − logSumExp)): the gradient of scale·log softmax(row)[target]
/// with respect to the row (`dst` may be `row`).
@inline(__always)
func logSoftmaxGradient(_ row: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, _ n: Int,
                        logSumExp: Float, target: Int, scale: Float) {
    _ = Vectorized.expSubtract(row, dst, n, shift: logSumExp)
    Vectorized.scale(dst, dst, n, by: -scale)
    dst[target] += scale
}
