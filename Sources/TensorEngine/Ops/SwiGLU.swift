/// The gate of a SwiGLU feed-forward, silu(gate) ⊙ up, as one op. Composed of `silu` and `mul`
/// it writes silu(gate) and reads it back, and backward makes two passes over three FFN-sized
/// tensors; fused, forward reads each input once and backward recomputes σ(gate) and writes both
/// gradients in one pass:
///
///     out = g·σ(g)·u,   ∂out/∂u = g·σ(g),   ∂out/∂g = u·σ(g)·(1 + g·(1 − σ(g)))
public func swiGLU(gate: Tensor, up: Tensor) throws -> Tensor {
    guard gate.shape == up.shape else {
        throw TensorError.shapeMismatch(op: "swiglu", shapes: [gate.shape, up.shape], reason: "gate and up must have the same shape")
    }
    let gc = gate.contiguous(), uc = up.contiguous()
    let n = gate.count
    let pg = gc.storage.pointer + gc.offset, pu = uc.storage.pointer + uc.offset
    let out = Tensor.make(gate.shape) { o in
        let po = o.baseAddress!
        EngineThreads.parallelRanges((n + 15) / 16, work: n * 4) { blocks in
            let start = blocks.lowerBound * 16
            swiGLU(gate: pg + start, up: pu + start, into: po + start, count: min(n, blocks.upperBound * 16) - start)
        }
    }
    return Tensor.result(out, inputs: [gate, up], name: "swiglu") { grad in
        _ = (gc, uc)   // keep the inputs behind pg, pu alive
        let gr = grad.contiguous()
        let pd = gr.storage.pointer + gr.offset
        let dGate = Tensor.make(gate.shape) { _ in }, dUp = Tensor.make(up.shape) { _ in }
        let pdg = dGate.storage.pointer, pdu = dUp.storage.pointer
        EngineThreads.parallelRanges((n + 15) / 16, work: n * 4) { blocks in
            var i = blocks.lowerBound * 16
            let end = min(n, blocks.upperBound * 16)
            while i + 16 <= end {
                let (dg, du) = gradients(gate: Vectorized.load(pg + i), up: Vectorized.load(pu + i), grad: Vectorized.load(pd + i))
                Vectorized.store(dg, pdg + i)
                Vectorized.store(du, pdu + i)
                i += 16
            }
            if i < end {
                let count = end - i
                let (dg, du) = gradients(gate: Vectorized.load(pg + i, count: count), up: Vectorized.load(pu + i, count: count),
                                         grad: Vectorized.load(pd + i, count: count))
                Vectorized.store(dg, pdg + i, count: count)
                Vectorized.store(du, pdu + i, count: count)
            }
        }
        return [gate.requiresGrad ? dGate : nil, up.requiresGrad ? dUp : nil]
    }
}

/// out[i] = SiLU(gate[i])·up[i] for `count` elements: ``swiGLU(gate:up:)``'s numbers, for callers
/// that fuse it into the products that make gate and up (a decode step, docs/methods.md §12).
public func swiGLU(gate pg: UnsafePointer<Float>, up pu: UnsafePointer<Float>, into po: UnsafeMutablePointer<Float>, count n: Int) {
    // Loops written out with static kernels (no closures: a SIMD16 passed through a closure call
    // is split into 128-bit quarters).
    var i = 0
    while i + 16 <= n {
        Vectorized.store(value(gate: Vectorized.load(pg + i), up: Vectorized.load(pu + i)), po + i)
        i += 16
    }
    if i < n {
        let count = n - i
        Vectorized.store(value(gate: Vectorized.load(pg + i, count: count), up: Vectorized.load(pu + i, count: count)), po + i, count: count)
    }
}

@inline(__always)
private func value(gate g: Vectorized.V, up u: Vectorized.V) -> Vectorized.V { g * Vectorized.sigmoid(g) * u }

/// (∂/∂gate, ∂/∂up) times the incoming gradient.
@inline(__always)
private func gradients(gate g: Vectorized.V, up u: Vectorized.V, grad d: Vectorized.V) -> (Vectorized.V, Vectorized.V) {
    let s = Vectorized.sigmoid(g)
    return (d * u * s * (1 + g * (1 - s)), d * g * s)
}
