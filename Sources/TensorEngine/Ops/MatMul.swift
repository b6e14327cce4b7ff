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
    try linearProduct(x, weight: weight, bias: bias, base: nil, lowRank: nil)
}

/// A low-rank (LoRA) update of a linear layer: Δy = scale · (input·Aᵀ)·Bᵀ with A [r, in] and
/// B [out, r]; `input` is what A reads when it differs from the layer's input (dropout's copy).
public struct LowRankUpdate {
    public var a: Tensor
    public var b: Tensor
    public var scale: Float
    public var input: Tensor?

    public init(a: Tensor, b: Tensor, scale: Float, input: Tensor? = nil) {
        (self.a, self.b, self.scale, self.input) = (a, b, scale, input)
    }
}

/// x·Wᵀ (+ bias) + scale·(input·Aᵀ)·Bᵀ as one op (PEFT's order: the rank-r product is scaled,
/// not the [..., out] result). The rank-r products run on `BLAS.thinGEMM`, the up-projection sums
/// into the output inside sgemm (beta = 1), and backward adds the update's dx into the base
/// product's (beta = 1): no separate nodes for the scaling, the sum, or dx's accumulation.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, lowRank: LowRankUpdate) throws -> Tensor {
    try linearProduct(x, weight: weight, bias: bias, base: nil, lowRank: lowRank)
}

/// base + x·Wᵀ for base [..., out]: a LoRA up-projection added onto its frozen projection's
/// output. When nothing else holds `base` or its memory (the check of `Autograd.accumulate`: a
/// fresh projection output), sgemm sums the product straight into it (beta = 1) — the pass over
/// [..., out] of a separate `add` saved; otherwise base is copied first. Backward passes the
/// gradient to base unchanged.
public func linear(_ x: Tensor, weight: Tensor, addingTo base: inout Tensor) throws -> Tensor {
    let reusable = base.isContiguous && isKnownUniquelyReferenced(&base) && base.storageIsUnshared()
    return try linearProduct(x, weight: weight, bias: nil, base: (base, reusable), lowRank: nil)
}

private func linearProduct(_ x: Tensor, weight: Tensor, bias: Tensor?, base: (tensor: Tensor, reusable: Bool)?,
                           lowRank: LowRankUpdate?) throws -> Tensor {
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
    let update = try lowRank.map { try LowRankProduct($0, input: xc, rows: rows, outFeatures: outF) }
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
            update?.addForward(into: y.baseAddress!)
        }
    }
    var inputs = [x, weight]
    if let bias { inputs.append(bias) }
    if let base { inputs.append(base.tensor) }
    if let lowRank { inputs += [lowRank.a, lowRank.b] + (lowRank.input.map { [$0] } ?? []) }
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
        if let update {
            let (dInput, da, db) = try update.backward(pg, addingInputGradientTo: grads[0])
            grads += [da, db] + (update.hasOwnInput ? [dInput] : [])
        }
        return grads
    }
}

/// The forward state and backward products of a ``LowRankUpdate`` inside `linear` (x [rows, in]
/// already contiguous): u = scale·input·Aᵀ [rows, r] is kept for dB.
private struct LowRankProduct {
    let update: LowRankUpdate
    let input: Tensor, a: Tensor, b: Tensor, u: Tensor
    let rows: Int, inF: Int, outF: Int, rank: Int
    var hasOwnInput: Bool { update.input != nil }

    init(_ update: LowRankUpdate, input layerInput: Tensor, rows: Int, outFeatures: Int) throws {
        let (a, b) = (update.a, update.b)
        let inF = layerInput.shape[layerInput.rank - 1]
        guard a.rank == 2, b.rank == 2, a.shape[1] == inF, b.shape == [outFeatures, a.shape[0]] else {
            throw TensorError.shapeMismatch(op: "linear", shapes: [layerInput.shape, a.shape, b.shape],
                                            reason: "a low-rank update needs A [r, in] and B [out, r]")
        }
        if let own = update.input, own.shape != layerInput.shape {
            throw TensorError.shapeMismatch(op: "linear", shapes: [layerInput.shape, own.shape], reason: "the low-rank input must have the layer input's shape")
        }
        self.update = update
        self.input = update.input?.contiguous() ?? layerInput
        (self.a, self.b) = (a.contiguous(), b.contiguous())
        (self.rows, self.inF, self.outF, self.rank) = (rows, inF, outFeatures, a.shape[0])
        // u = scale · input·Aᵀ, from Aᵀ [in, r] (a copy of r·in floats) so both operands are row-major.
        let at = try Tensor.withNoGrad { [a = self.a] in try transpose(a, 0, 1).contiguous() }
        let (input, scale, rank) = (self.input, update.scale, self.rank)
        self.u = Tensor.make([rows, rank]) { u in
            BLAS.thinGEMM(m: rows, w: rank, k: inF, alpha: scale, a: input.storage.pointer + input.offset, aRow: inF, aCol: 1,
                          b: at.storage.pointer + at.offset, c: u.baseAddress!)
        }
    }

    /// y += u·Bᵀ (summed inside sgemm).
    func addForward(into y: UnsafeMutablePointer<Float>) {
        BLAS.sgemm(transA: false, transB: true, m: rows, n: outF, k: rank, a: u.storage.pointer, lda: rank,
                   b: b.storage.pointer + b.offset, ldb: rank, beta: 1, c: y, ldc: outF)
    }

    /// From the output gradient g [rows, out]: du = g·B, dB = gᵀ·u, dA = scale·duᵀ·input, and
    /// scale·du·A for the input — summed into `layerGradient` (the base product's dx, a fresh
    /// tensor) when A reads the layer input itself, else returned as the own input's gradient.
    func backward(_ g: UnsafePointer<Float>, addingInputGradientTo layerGradient: Tensor?) throws -> (Tensor?, Tensor?, Tensor?) {
        let (rows, inF, outF, rank, scale) = (rows, inF, outF, rank, update.scale)
        let inputGradient = hasOwnInput ? (update.input!.requiresGrad ? Tensor.zeros(update.input!.shape) : nil) : layerGradient
        let needsDu = a.requiresGrad || inputGradient != nil
        let du = needsDu ? Tensor.make([rows, rank]) { du in
            BLAS.thinGEMM(m: rows, w: rank, k: outF, a: g, aRow: outF, aCol: 1, b: b.storage.pointer + b.offset, c: du.baseAddress!)
        } : nil
        let db = b.requiresGrad ? Tensor.make([outF, rank]) { db in
            BLAS.thinGEMM(m: outF, w: rank, k: rows, a: g, aRow: 1, aCol: outF, b: u.storage.pointer, c: db.baseAddress!)
        } : nil
        var da: Tensor?
        if a.requiresGrad, let du {
            // dAᵀ [in, r] = scale · inputᵀ·du, transposed back (r·in floats).
            let dat = Tensor.make([inF, rank]) { dat in
                BLAS.thinGEMM(m: inF, w: rank, k: rows, alpha: scale, a: input.storage.pointer + input.offset, aRow: 1, aCol: inF,
                              b: du.storage.pointer, c: dat.baseAddress!)
            }
            da = try Tensor.withNoGrad { try transpose(dat, 0, 1).contiguous() }
        }
        if let inputGradient, let du {
            BLAS.sgemm(transA: false, transB: false, m: rows, n: inF, k: rank, alpha: scale, a: du.storage.pointer, lda: rank,
                       b: a.storage.pointer + a.offset, ldb: inF, beta: 1, c: inputGradient.storage.pointer + inputGradient.offset, ldc: inF)
        }
        return (hasOwnInput ? inputGradient : nil, da, db)
    }
}
