import Foundation

/// RMSNorm (Zhang & Sennrich 2019) over the last axis: y = x / √(mean(x²) + ε) ⊙ w.
/// Fused forward and backward; the per-row inverse RMS is saved for backward.
public func rmsNorm(_ x: Tensor, weight: Tensor, eps: Float) throws -> Tensor {
    try normalize(x, weight: weight, bias: nil, eps: eps, centered: false, name: "rms_norm")
}

/// LayerNorm (Ba et al. 2016) over the last axis: y = (x − μ) / √(σ² + ε) ⊙ w + b.
public func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor?, eps: Float) throws -> Tensor {
    try normalize(x, weight: weight, bias: bias, eps: eps, centered: true, name: "layer_norm")
}

private func normalize(_ x: Tensor, weight: Tensor, bias: Tensor?, eps: Float, centered: Bool, name: String) throws -> Tensor {
    let h = x.shape.last ?? 0
    guard weight.shape == [h], bias.map({ $0.shape == [h] }) ?? true else {
        throw TensorError.shapeMismatch(op: name, shapes: [x.shape, weight.shape] + (bias.map { [$0.shape] } ?? []),
                                        reason: "weight (and bias) must be [\(h)], the input's last dimension")
    }
    let rows = x.count / max(h, 1)
    let xc = x.contiguous(), wc = weight.contiguous(), bc = bias?.contiguous()
    let px = xc.storage.pointer + xc.offset, pw = wc.storage.pointer + wc.offset
    let pb = bc.map { $0.storage.pointer + $0.offset }
    let stats = Storage(uninitializedCount: rows * 2)   // (mean, 1/σ) per row
    let ps = stats.pointer
    let out = Tensor.make(x.shape) { o in
        let po = o.baseAddress!
        EngineThreads.parallelRanges(rows, work: x.count * 2) { range in
            for r in range {
                let src = px + r * h, dst = po + r * h
                let mu = centered ? Float(vectorSum(src, h)) / Float(h) : 0
                let vm = V(repeating: mu)
                var acc = V(repeating: 0)
                var i = 0
                while i + 16 <= h { let d = Vectorized.load(src + i) - vm; acc += d * d; i += 16 }
                var ss = acc.sum()
                while i < h { let d = src[i] - mu; ss += d * d; i += 1 }
                let inv = 1 / (ss / Float(h) + eps).squareRoot()
                ps[2 * r] = mu
                ps[2 * r + 1] = inv
                normalizedRow(src, mean: mu, inverse: inv, weight: pw, bias: pb, into: dst, h)
            }
        }
    }
    var inputs = [x, weight]
    if let bias { inputs.append(bias) }
    return Tensor.result(out, inputs: inputs, name: name) { g in
        _ = (stats, xc, wc, bc)   // keep the buffers behind px, pw, ps alive
        let gc = g.contiguous()
        let pg = gc.storage.pointer + gc.offset
        var dx: Tensor?
        if x.requiresGrad {
            dx = Tensor.make(x.shape) { d in
                let pd = d.baseAddress!
                EngineThreads.parallelRanges(rows, work: x.count * 4) { range in
                    for r in range {
                        let src = px + r * h, gr = pg + r * h, dr = pd + r * h
                        let mu = ps[2 * r], inv = ps[2 * r + 1]
                        let vm = V(repeating: mu), vinv = V(repeating: inv)
                        // n̂ = (x − μ)·inv; with gw = g ⊙ w:
                        // RMS:   dx = inv · (gw − n̂ · mean(gw ⊙ n̂))
                        // Layer: dx = inv · (gw − mean(gw) − n̂ · mean(gw ⊙ n̂))
                        var dotAcc = V(repeating: 0), gwAcc = V(repeating: 0)
                        var i = 0
                        while i + 16 <= h {
                            let gw = Vectorized.load(gr + i) * Vectorized.load(pw + i)
                            dotAcc += gw * (Vectorized.load(src + i) - vm) * vinv
                            gwAcc += gw
                            i += 16
                        }
                        var dotMean = dotAcc.sum(), gwMean = gwAcc.sum()
                        while i < h {
                            let gw = gr[i] * pw[i]
                            dotMean += gw * (src[i] - mu) * inv
                            gwMean += gw
                            i += 1
                        }
                        let vdot = V(repeating: dotMean / Float(h)), vgw = V(repeating: centered ? gwMean / Float(h) : 0)
                        rowMap3(src, gr, pw, dr, h) { x, g, w in vinv * (g * w - vgw - (x - vm) * vinv * vdot) }
                    }
                }
            }
        }
        var dw: Tensor?
        if weight.requiresGrad {
            // dw = Σ_rows g ⊙ n̂, parallel over column blocks; Float partial sums of 256 rows, then Double.
            dw = Tensor.make([h]) { d in
                let pd = d.baseAddress!
                let columnBlocks = (h + 63) / 64
                EngineThreads.parallelRanges(columnBlocks, work: x.count * 2) { blocks in
                    for block in blocks {
                        let lo = block * 64, width = min(64, h - lo)
                        var total = [Double](repeating: 0, count: width)
                        var partial = [Float](repeating: 0, count: width)
                        var r0 = 0
                        while r0 < rows {
                            for j in 0..<width { partial[j] = 0 }
                            for r in r0..<min(rows, r0 + 256) {
                                let mu = ps[2 * r], inv = ps[2 * r + 1]
                                let gr = pg + r * h + lo, xr = px + r * h + lo
                                partial.withUnsafeMutableBufferPointer { p in
                                    for j in 0..<width { p[j] += gr[j] * (xr[j] - mu) * inv }
                                }
                            }
                            for j in 0..<width { total[j] += Double(partial[j]) }
                            r0 += 256
                        }
                        for j in 0..<width { pd[lo + j] = Float(total[j]) }
                    }
                }
            }
        }
        var grads: [Tensor?] = [dx, dw]
        if let bias {
            grads.append(bias.requiresGrad ? try sum(reshape(gc, [rows, h]), axes: [0]) : nil)
        }
        return grads
    }
}

private typealias V = Vectorized.V

/// dst = (x − mean) · inverse · weight (+ bias) over one row of n, 16 lanes at a time. Loops
/// written out (a closure taking SIMD16 values is called through the stack, 128 bits at a time).
@inline(__always)
private func normalizedRow(_ x: UnsafePointer<Float>, mean: Float, inverse: Float, weight: UnsafePointer<Float>,
                           bias: UnsafePointer<Float>?, into dst: UnsafeMutablePointer<Float>, _ n: Int) {
    let (vm, vinv) = (V(repeating: mean), V(repeating: inverse))
    var i = 0
    if let bias {
        while i + 16 <= n {
            Vectorized.store((Vectorized.load(x + i) - vm) * vinv * Vectorized.load(weight + i) + Vectorized.load(bias + i), dst + i)
            i += 16
        }
        if i < n {
            let c = n - i
            Vectorized.store((Vectorized.load(x + i, count: c) - vm) * vinv * Vectorized.load(weight + i, count: c) + Vectorized.load(bias + i, count: c),
                             dst + i, count: c)
        }
    } else {
        while i + 16 <= n {
            Vectorized.store((Vectorized.load(x + i) - vm) * vinv * Vectorized.load(weight + i), dst + i)
            i += 16
        }
        if i < n {
            let c = n - i
            Vectorized.store((Vectorized.load(x + i, count: c) - vm) * vinv * Vectorized.load(weight + i, count: c), dst + i, count: c)
        }
    }
}

/// dst[i] = f(a[i], b[i], c[i]) over n elements, 16 lanes at a time.
@inline(__always)
private func rowMap3(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
                     _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ f: (V, V, V) -> V) {
    var i = 0
    while i + 16 <= n {
        Vectorized.store(f(Vectorized.load(a + i), Vectorized.load(b + i), Vectorized.load(c + i)), dst + i)
        i += 16
    }
    if i < n {
        let count = n - i
        Vectorized.store(f(Vectorized.load(a + i, count: count), Vectorized.load(b + i, count: count), Vectorized.load(c + i, count: count)),
                         dst + i, count: count)
    }
}
