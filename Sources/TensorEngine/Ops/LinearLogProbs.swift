/// Token log-probabilities through a final linear layer without materialising the logits:
/// out[b, t] = log softmax(hidden[b, t] · Wᵀ)[targets[b][t]] (0 where the target is negative).
///
/// Training only needs one log-prob per position, but [B, T, V] logits for a 49152-token vocabulary
/// are 200 MB per 1024 positions — and as many again for their gradient — written and read back
/// every step. Here `rowsPerChunk` positions at a time go through one reused scratch buffer:
/// logits by sgemm, then each row's log-sum-exp. Backward recomputes the chunk's logits (one more
/// GEMM of the same size as the forward one) and forms dlogits = g·(onehot − softmax) in place,
/// then dhidden = dlogits·W and, when W is trainable, dW += dlogitsᵀ·hidden.
/// Equal to `tokenLogProbs(logits: linear(hidden, weight), targets:)` up to summation order.
public func linearTokenLogProbs(hidden: Tensor, weight: Tensor, targets: [[Int]], rowsPerChunk: Int = 256) throws -> Tensor {
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
    let rows = b * t, chunk = max(1, min(rowsPerChunk, rows))
    let h = hidden.contiguous(), w = weight.contiguous()
    let ph = h.storage.pointer + h.offset, pw = w.storage.pointer + w.offset
    let lse = Storage(uninitializedCount: rows)

    /// Runs `body(firstRow, rowCount, logits)` for each chunk with its logits computed in scratch.
    func forEachChunk(_ body: (Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunk * vocab)
        defer { scratch.deallocate() }
        var start = 0
        while start < rows {
            let n = min(chunk, rows - start)
            BLAS.sgemm(transA: false, transB: true, m: n, n: vocab, k: width, a: ph + start * width, lda: width,
                       b: pw, ldb: width, c: scratch, ldc: vocab)
            body(start, n, scratch)
            start += n
        }
    }

    let out = Tensor.make([b, t]) { o in
        forEachChunk { start, n, logits in
            EngineThreads.parallelRanges(n, work: n * vocab) { range in
                for i in range {
                    let r = start + i, row = logits + i * vocab
                    let z = logSumExp(row, vocab)
                    lse.pointer[r] = z
                    o[r] = flat[r] < 0 ? 0 : row[flat[r]] - z
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
        forEachChunk { start, n, logits in
            // dlogits = g·(onehot(target) − softmax), in place.
            EngineThreads.parallelRanges(n, work: n * vocab) { range in
                for i in range {
                    let r = start + i, row = logits + i * vocab, target = flat[r]
                    if target < 0 || pg[r] == 0 { row.update(repeating: 0, count: vocab); continue }
                    logSoftmaxGradient(row, into: row, vocab, logSumExp: lse.pointer[r], target: target, scale: pg[r])
                }
            }
            if let dHidden {
                BLAS.sgemm(transA: false, transB: false, m: n, n: width, k: vocab, a: logits, lda: vocab, b: pw, ldb: width,
                           c: dHidden.storage.pointer + start * width, ldc: width)
            }
            if let dWeight {
                BLAS.sgemm(transA: true, transB: false, m: vocab, n: width, k: n, a: logits, lda: vocab, b: ph + start * width,
                           ldb: width, beta: 1, c: dWeight.storage.pointer, ldc: width)
            }
        }
        return [dHidden, dWeight]
    }
}
