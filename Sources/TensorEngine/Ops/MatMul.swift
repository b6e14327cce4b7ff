/// Matrix products through BLAS sgemm.

/// Batched matrix product: a [..., m, k] · b [..., k, n] → [..., m, n] (with `transposeA`/`transposeB`
/// the last two axes of that operand are swapped first). Batch dimensions broadcast.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) throws -> Tensor {
    guard a.rank >= 2, b.rank >= 2 else {
        throw TensorError.shapeMismatch(op: "matmul", shapes: [a.shape, b.shape], reason: "operands need at least 2 dimensions")
    }
    let (ar, br) = (a.rank, b.rank)
    let m = transposeA ? a.shape[ar - 1] : a.shape[ar - 2]
    let k = transposeA ? a.shape[ar - 2] : a.shape[ar - 1]
    let k2 = transposeB ? b.shape[br - 1] : b.shape[br - 2]
    let n = transposeB ? b.shape[br - 2] : b.shape[br - 1]
    guard k == k2 else {
        throw TensorError.shapeMismatch(op: "matmul", shapes: [a.shape, b.shape],
                                        reason: "inner dimensions differ (\(k) vs \(k2))\(transposeA || transposeB ? " after transposition" : "")")
    }
    let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
    let batch = try Shape.broadcast(batchA, batchB, op: "matmul")
    let (ac, ta) = blasOperand(a, transposed: transposeA), (bc, tb) = blasOperand(b, transposed: transposeB)
    let batchCount = Shape.count(batch)
    let out = Tensor.make(batch + [m, n]) { c in
        let pa = ac.storage.pointer + ac.offset, pb = bc.storage.pointer + bc.offset
        for i in 0..<batchCount {
            let ia = broadcastIndex(i, batch: batch, source: batchA), ib = broadcastIndex(i, batch: batch, source: batchB)
            BLAS.sgemm(transA: ta, transB: tb, m: m, n: n, k: k,
                       a: pa + ia * m * k, lda: ac.shape[ar - 1],
                       b: pb + ib * k * n, ldb: bc.shape[br - 1],
                       c: c.baseAddress! + i * m * n, ldc: n)
        }
    }
    return Tensor.result(out, inputs: [a, b], name: "matmul") { g in
        // C = op(A)·op(B):  dop(A) = dC·op(B)ᵀ,  dop(B) = op(A)ᵀ·dC
        var ga: Tensor?, gb: Tensor?
        if a.requiresGrad {
            let d = transposeA ? try matmul(b, g, transposeA: transposeB, transposeB: true)
                               : try matmul(g, b, transposeB: !transposeB)
            ga = try sumToShape(d, a.shape)
        }
        if b.requiresGrad {
            let d = transposeB ? try matmul(g, a, transposeA: true, transposeB: transposeA)
                               : try matmul(a, g, transposeA: !transposeA)
            gb = try sumToShape(d, b.shape)
        }
        return [ga, gb]
    }
}

/// An operand as sgemm reads it: a contiguous tensor as is; a view whose last two axes are a
/// swapped contiguous tensor (a `transpose`) as that tensor with the transpose flag flipped — no
/// copy; anything else as a contiguous copy.
private func blasOperand(_ t: Tensor, transposed: Bool) -> (Tensor, Bool) {
    if t.isContiguous { return (t, transposed) }
    let r = t.rank
    var shape = t.shape, strides = t.strides
    shape.swapAt(r - 1, r - 2)
    strides.swapAt(r - 1, r - 2)
    let swapped = Tensor(storage: t.storage, shape: shape, strides: strides, offset: t.offset)
    if swapped.isContiguous { return (swapped, !transposed) }
    return (t.copy(), transposed)
}

/// The flat batch index in `source` (a broadcast operand) that batch element `i` of `batch` reads.
@inline(__always)
func broadcastIndex(_ i: Int, batch: [Int], source: [Int]) -> Int {
    if source.isEmpty || source == batch { return source.isEmpty ? 0 : i }
    var rest = i, index = 0, step = 1
    let offset = batch.count - source.count
    for d in stride(from: batch.count - 1, through: 0, by: -1) {
        let coordinate = rest % batch[d]
        rest /= batch[d]
        if d >= offset {
            let size = source[d - offset]
            index += (size == 1 ? 0 : coordinate) * step
            step *= size
        }
    }
    return index
}

/// A fully connected layer in HF layout: x [..., in] · weightᵀ (+ bias), weight [out, in].
///
/// One sgemm over all leading dimensions. Backward: dx = dy · W; dW = dyᵀ · x and db = Σ dy only
/// when the weight/bias require grad (frozen base weights cost nothing but dx).
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
    try linearProduct(x, weight: weight, bias: bias, base: nil)
}

/// base + x·Wᵀ for base [..., out]: a LoRA up-projection added onto its frozen projection's
/// output. When nothing else holds `base` or its memory (the check of `Autograd.accumulate`: a
/// fresh projection output), sgemm sums the product straight into it (beta = 1) — the pass over
/// [..., out] of a separate `add` saved; otherwise base is copied first. Backward passes the
/// gradient to base unchanged.
public func linear(_ x: Tensor, weight: Tensor, addingTo base: inout Tensor) throws -> Tensor {
    let reusable = base.isContiguous && isKnownUniquelyReferenced(&base) && base.storageIsUnshared()
    return try linearProduct(x, weight: weight, bias: nil, base: (base, reusable))
}

private func linearProduct(_ x: Tensor, weight: Tensor, bias: Tensor?, base: (tensor: Tensor, reusable: Bool)?) throws -> Tensor {
    guard weight.rank == 2, x.rank >= 1, x.shape[x.rank - 1] == weight.shape[1] else {
        throw TensorError.shapeMismatch(op: "linear", shapes: [x.shape, weight.shape], reason: "input's last dimension must equal weight's in-features [out, in]")
    }
    let (outF, inF) = (weight.shape[0], weight.shape[1])
    if let bias, bias.shape != [outF] {
        throw TensorError.shapeMismatch(op: "linear", shapes: [weight.shape, bias.shape], reason: "bias must be [out]")
    }
    let outShape = Array(x.shape.dropLast()) + [outF]
    if let base, base.tensor.shape != outShape {
        throw TensorError.shapeMismatch(op: "linear", shapes: [base.tensor.shape, x.shape, weight.shape], reason: "the tensor added to must be [..., out]")
    }
    let rows = x.count / max(inF, 1)
    let xc = x.isContiguous ? x : x.copy(), wc = weight.isContiguous ? weight : weight.copy()
    let bc = bias?.contiguous()
    func product(into y: UnsafeMutablePointer<Float>, beta: Float) {
        BLAS.sgemm(transA: false, transB: true, m: rows, n: outF, k: inF,
                   a: xc.storage.pointer + xc.offset, lda: inF, b: wc.storage.pointer + wc.offset, ldb: inF,
                   beta: beta, c: y, ldc: outF)
    }
    let out: Tensor
    if let base, base.reusable {
        out = Tensor(storage: base.tensor.storage, shape: outShape, strides: Shape.contiguousStrides(outShape), offset: base.tensor.offset)
        product(into: out.storage.pointer + out.offset, beta: 1)
    } else {
        out = Tensor.make(outShape) { y in
            if let base {
                base.tensor.copyStrided(into: y.baseAddress!)
            } else if let bc {
                let pb = bc.storage.pointer + bc.offset
                for r in 0..<rows { (y.baseAddress! + r * outF).update(from: pb, count: outF) }
            }
            product(into: y.baseAddress!, beta: base != nil || bc != nil ? 1 : 0)
        }
    }
    var inputs = [x, weight]
    if let bias { inputs.append(bias) }
    if let base { inputs.append(base.tensor) }
    return Tensor.result(out, inputs: inputs, name: "linear") { g in
        let gc = g.contiguous()
        let pg = gc.storage.pointer + gc.offset
        var grads: [Tensor?] = [nil, nil]
        if x.requiresGrad {
            grads[0] = Tensor.make(x.shape) { dx in
                BLAS.sgemm(transA: false, transB: false, m: rows, n: inF, k: outF, a: pg, lda: outF,
                           b: wc.storage.pointer + wc.offset, ldb: inF, c: dx.baseAddress!, ldc: inF)
            }
        }
        if weight.requiresGrad {
            grads[1] = Tensor.make([outF, inF]) { dw in
                BLAS.sgemm(transA: true, transB: false, m: outF, n: inF, k: rows, a: pg, lda: outF,
                           b: xc.storage.pointer + xc.offset, ldb: inF, c: dw.baseAddress!, ldc: inF)
            }
        }
        if let bias {
            grads.append(bias.requiresGrad ? try sum(reshape(gc, [rows, outF]), axes: [0]) : nil)
        }
        if base != nil { grads.append(g) }
        return grads
    }
}
