/// Token log-probabilities through a final linear layer without materialising the logits:
/// out[b, t] = log softmax(hidden[b, t] · Wᵀ)[targets[b][t]] (0 where the target is negative).
///
/// Training only needs one log-prob per position, but [B, T, V] logits for a 49152-token vocabulary
/// are 200 MB per 1024 positions — and as many again for their gradient. Here:
/// - Positions without a target (negative: padding, and the prompt where only the completion
///   is scored, as in DPO) are left out of every product: their rows are gathered away first.
/// - `rowsPerChunk` positions at a time go through a scratch buffer: logits by sgemm, then each
///   row's log-sum-exp.
/// - When gradients are needed and the scored positions' logits fit in `storedLogitsBytes`,
///   forward writes them into one buffer that backward turns into dlogits = g·(onehot − softmax)
///   in place; otherwise backward recomputes each chunk's logits (one more GEMM the size of the
///   forward one). Then dhidden = dlogits·W and, when W is trainable, dW += dlogitsᵀ·hidden.
/// Equal to `tokenLogProbs(logits: linear(hidden, weight), targets:)` up to summation order.
public func linearTokenLogProbs(hidden: Tensor, weight: Tensor, targets: [[Int]], rowsPerChunk: Int = 256,
                                storedLogitsBytes: Int = 256 << 20) throws -> Tensor {
    guard hidden.rank == 3, weight.rank == 2, hidden.shape[2] == weight.shape[1],
          targets.count == hidden.shape[0], targets.allSatisfy({ $0.count == hidden.shape[1] }) else {
        throw TensorError.shapeMismatch(op: "linearTokenLogProbs", shapes: [hidden.shape, weight.shape, [targets.count, targets.first?.count ?? 0]],
                                        reason: "hidden must be [B, T, H], weight [V, H] and targets B×T")
    }
    let (b, t, width, vocab) = (hidden.shape[0], hidden.shape[1], hidden.shape[2], weight.shape[0])
    let flat = targets.flatMap { $0 }
    if let bad = flat.first(where: { $0 >= vocab }) {
        throw TensorError.invalidArgument(op: "linearTokenLogProbs", reason: "target id \(bad) is outside the vocabulary 0..<\(vocab)")
    }
    // The scored positions, and their hidden rows back to back (`h` itself when every row is scored).
    let scored = flat.indices.filter { flat[$0] >= 0 }
    let rows = scored.count, chunk = max(1, min(rowsPerChunk, rows))
    let h = hidden.contiguous(), w = weight.contiguous()
    let pw = w.storage.pointer + w.offset
    let gathered: Storage? = rows == flat.count ? nil : Storage(uninitializedCount: max(1, rows * width))
    if let gathered {
        let src = h.storage.pointer + h.offset
        for (i, r) in scored.enumerated() { (gathered.pointer + i * width).update(from: src + r * width, count: width) }
    }
    let ph = gathered?.pointer ?? h.storage.pointer + h.offset
    let lse = Storage(uninitializedCount: max(1, rows))
    let needsGradient = GradMode.isEnabled && (hidden.requiresGrad || weight.requiresGrad)
    let stored: Storage? = needsGradient && rows * vocab * MemoryLayout<Float>.size <= storedLogitsBytes
        ? Storage(uninitializedCount: max(1, rows * vocab)) : nil

    /// Runs `body(firstRow, rowCount, logits)` over the scored rows chunk by chunk, with the chunk's
    /// logits in `stored` or scratch — computed now unless `reuse` (forward already stored them).
    func forEachChunk(reuse: Bool, _ body: (Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        let scratch = stored == nil ? UnsafeMutablePointer<Float>.allocate(capacity: chunk * vocab) : nil
        defer { scratch?.deallocate() }
        var start = 0
        while start < rows {
            let n = min(chunk, rows - start)
            let logits = stored.map { $0.pointer + start * vocab } ?? scratch!
            if !reuse {
                BLAS.sgemm(transA: false, transB: true, m: n, n: vocab, k: width, a: ph + start * width, lda: width,
                           b: pw, ldb: width, c: logits, ldc: vocab)
            }
            body(start, n, logits)
            start += n
        }
    }

    let out = Tensor.make([b, t]) { o in
        o.update(repeating: 0)
        forEachChunk(reuse: false) { start, n, logits in
            EngineThreads.parallelRanges(n, work: n * vocab) { range in
                for i in range {
                    let r = start + i, row = logits + i * vocab
                    let z = logSumExp(row, vocab)
                    lse.pointer[r] = z
                    o[scored[r]] = row[flat[scored[r]]] - z
                }
            }
        }
    }
    return Tensor.result(out, inputs: [hidden, weight], name: "linear_token_log_probs") { g in
        _ = (h, w)
        let gc = g.contiguous()
        let pg = gc.storage.pointer + gc.offset
        let dHidden = hidden.requiresGrad ? Tensor.zeros(hidden.shape) : nil
        let dWeight = weight.requiresGrad ? Tensor.zeros(weight.shape) : nil
        // dhidden of the scored rows, back to back (scattered to their positions at the end).
        let dRows = dHidden.map { d in gathered == nil ? d.storage.pointer : UnsafeMutablePointer<Float>.allocate(capacity: rows * width) }
        defer { if gathered != nil { dRows?.deallocate() } }
        /// dlogits = g·(onehot(target) − softmax) over rows start ..< start + n, in place.
        func logitGradients(_ start: Int, _ n: Int, _ logits: UnsafeMutablePointer<Float>) {
            EngineThreads.parallelRanges(n, work: n * vocab) { range in
                for i in range {
                    let r = start + i, row = logits + i * vocab, scale = pg[scored[r]]
                    if scale == 0 { row.update(repeating: 0, count: vocab); continue }
                    logSoftmaxGradient(row, into: row, vocab, logSumExp: lse.pointer[r], target: flat[scored[r]], scale: scale)
                }
            }
        }
        /// The products of dlogits rows start ..< start + n.
        func products(_ start: Int, _ n: Int, _ logits: UnsafeMutablePointer<Float>) {
            if let dRows {
                BLAS.sgemm(transA: false, transB: false, m: n, n: width, k: vocab, a: logits, lda: vocab, b: pw, ldb: width,
                           c: dRows + start * width, ldc: width)
            }
            if let dWeight {
                BLAS.sgemm(transA: true, transB: false, m: vocab, n: width, k: n, a: logits, lda: vocab, b: ph + start * width,
                           ldb: width, beta: 1, c: dWeight.storage.pointer, ldc: width)
            }
        }
        if let stored {
            // Everything in place at once, then each product as one GEMM over all scored rows.
            forEachChunk(reuse: true) { start, n, logits in logitGradients(start, n, logits) }
            if rows > 0 { products(0, rows, stored.pointer) }
        } else {
            forEachChunk(reuse: false) { start, n, logits in
                logitGradients(start, n, logits)
                products(start, n, logits)
            }
        }
        if let dHidden, let dRows, gathered != nil {
            for (i, r) in scored.enumerated() { (dHidden.storage.pointer + r * width).update(from: dRows + i * width, count: width) }
        }
        return [dHidden, dWeight]
    }
}
