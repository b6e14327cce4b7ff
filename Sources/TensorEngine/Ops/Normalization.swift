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
                var mu: Float = 0
                if centered {
                    var s: Float = 0
                    for i in 0..<h { s += src[i] }
                    mu = s / Float(h)
                }
                var ss: Float = 0
                for i in 0..<h { let d = src[i] - mu; ss += d * d }
                let inv = 1 / (ss / Float(h) + eps).squareRoot()
                ps[2 * r] = mu
                ps[2 * r + 1] = inv
                if let pb {
                    for i in 0..<h { dst[i] = (src[i] - mu) * inv * pw[i] + pb[i] }
                } else {
                    for i in 0..<h { dst[i] = (src[i] - mu) * inv * pw[i] }
                }
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
                        // n̂ = (x − μ)·inv; with gw = g ⊙ w:
                        // RMS:   dx = inv · (gw − n̂ · mean(gw ⊙ n̂))
                        // Layer: dx = inv · (gw − mean(gw) − n̂ · mean(gw ⊙ n̂))
                        var dotMean: Float = 0, gwMean: Float = 0
                        for i in 0..<h {
                            let gw = gr[i] * pw[i]
                            dotMean += gw * (src[i] - mu) * inv
                            gwMean += gw
                        }
                        dotMean /= Float(h)
                        gwMean = centered ? gwMean / Float(h) : 0
                        for i in 0..<h {
                            let n = (src[i] - mu) * inv
                            dr[i] = inv * (gr[i] * pw[i] - gwMean - n * dotMean)
                        }
                    }
                }
            }
        }
        var dw: Tensor?
        if weight.requiresGrad {
            dw = Tensor.make([h]) { d in
                var acc = [Double](repeating: 0, count: h)
                for r in 0..<rows {
                    let mu = ps[2 * r], inv = ps[2 * r + 1]
                    for i in 0..<h { acc[i] += Double(pg[r * h + i] * (px[r * h + i] - mu) * inv) }
                }
                for i in 0..<h { d[i] = Float(acc[i]) }
            }
        }
        var grads: [Tensor?] = [dx, dw]
        if let bias {
            grads.append(bias.requiresGrad ? try sum(reshape(gc, [rows, h]), axes: [0]) : nil)
        }
        return grads
    }
}
