import Foundation

/// Bidirectional multi-head attention for encoder inference, read straight from the packed
/// output of a fused Q/K/V projection and written straight into the merged-heads layout:
///
///     qkv [B, T, 3·H] (per token: q heads ‖ k heads ‖ v heads, each head `H / heads` wide)
///       → out [B, T, H],  out[b, t, head] = softmax(scale · q·kᵀ over the row's real keys) · v
///
/// Row b holds `lengths[b]` real tokens followed by padding (right padding). Padded keys are
/// skipped rather than masked (the products run over `lengths[b]` keys only), and padded query
/// rows are not computed: their outputs are zero. Every real row equals what
/// `scaledDotProductAttention(causal: false, keyPadding:)` computes on the split heads, without
/// the four [B, T, H] copies that splitting and merging heads cost (each head is a strided
/// operand of sgemm).
///
/// Forward only: no autograd graph is recorded, so it throws while gradients are enabled.
public func packedSelfAttention(_ qkv: Tensor, heads: Int, lengths: [Int], scale: Float? = nil) throws -> Tensor {
    guard !Tensor.isGradEnabled else {
        throw TensorError.invalidArgument(op: "packed_attention", reason: "inference only: call it inside Tensor.withNoGrad")
    }
    guard qkv.rank == 3, heads > 0, qkv.shape[2] % (3 * heads) == 0, lengths.count == qkv.shape[0] else {
        throw TensorError.shapeMismatch(op: "packed_attention", shapes: [qkv.shape, [lengths.count]],
                                        reason: "expected qkv [B, T, 3·H] with H a multiple of heads, and B lengths")
    }
    let (b, t, h) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
    guard lengths.allSatisfy({ $0 >= 0 && $0 <= t }) else {
        throw TensorError.invalidArgument(op: "packed_attention", reason: "lengths must lie in 0...\(t)")
    }
    let d = h / heads
    let scale = scale ?? 1 / Float(d).squareRoot()
    let source = qkv.contiguous()
    let input = source.storage.pointer + source.offset
    let out = Tensor.zeros([b, t, h])
    let output = out.storage.pointer
    let tasks = b * heads
    let body = { (task: Int) in
        let (bi, head) = (task / heads, task % heads)
        let n = lengths[bi]
        guard n > 0 else { return }
        let rows = input + bi * t * 3 * h + head * d
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        defer { scores.deallocate() }
        // S = scale · Q Kᵀ over the real tokens (Q, K: strided views with leading dimension 3H).
        BLAS.sgemm(transA: false, transB: true, m: n, n: n, k: d, alpha: scale, a: rows, lda: 3 * h,
                   b: rows + h, ldb: 3 * h, c: scores, ldc: n)
        for i in 0..<n {
            let row = scores + i * n
            let total = Vectorized.expSubtract(row, row, n, shift: Vectorized.max(row, n))
            Vectorized.scale(row, row, n, by: 1 / total)
        }
        // O = P V, written into columns [head·d, (head+1)·d) of the merged rows.
        BLAS.sgemm(transA: false, transB: false, m: n, n: d, k: n, a: scores, lda: n, b: rows + 2 * h, ldb: 3 * h,
                   c: output + bi * t * h + head * d, ldc: h)
    }
    if tasks > 1 && EngineThreads.count > 1 {
        EngineThreads.withSingleThreadedBLAS { DispatchQueue.concurrentPerform(iterations: tasks, execute: body) }
    } else {
        for task in 0..<tasks { body(task) }
    }
    EngineProfiler.mark("packed_attention")
    return out
}
