import Foundation

/// Numerically stable softmax and log-softmax (max-subtracted), over the last axis; other axes are
/// moved last and back.
public func softmax(_ x: Tensor, axis: Int = -1) throws -> Tensor {
    try alongLastAxis(x, axis: axis) { try rowSoftmax($0, log: false) }
}

public func logSoftmax(_ x: Tensor, axis: Int = -1) throws -> Tensor {
    try alongLastAxis(x, axis: axis) { try rowSoftmax($0, log: true) }
}

func alongLastAxis(_ x: Tensor, axis: Int, _ body: (Tensor) throws -> Tensor) throws -> Tensor {
    let a = try Shape.axis(axis, rank: x.rank, op: "softmax")
    if a == x.rank - 1 { return try body(x) }
    let moved = try transpose(x, a, x.rank - 1)
    return try transpose(body(moved), a, x.rank - 1)
}

private func rowSoftmax(_ x: Tensor, log: Bool) throws -> Tensor {
    let width = x.shape.last ?? 1
    let rows = x.count / max(width, 1)
    let xc = x.contiguous()
    let px = xc.storage.pointer + xc.offset
    let out = Tensor.make(x.shape) { o in
        let po = o.baseAddress!
        EngineThreads.parallelRanges(rows, work: x.count * 4) { range in
            for r in range {
                let src = px + r * width, dst = po + r * width
                let m = Vectorized.max(src, width)
                let total = Vectorized.expSubtract(src, dst, width, shift: m)
                if log {
                    let logZ = m + Foundation.log(total)
                    for i in 0..<width { dst[i] = src[i] - logZ }
                } else {
                    Vectorized.scale(dst, dst, width, by: 1 / total)
                }
            }
        }
    }
    let y = out.storage.pointer
    return Tensor.result(out, inputs: [x], name: log ? "log_softmax" : "softmax") { [storage = out.storage] g in
        _ = storage
        let gc = g.contiguous()
        let pg = gc.storage.pointer + gc.offset
        return [Tensor.make(x.shape) { d in
            let pd = d.baseAddress!
            EngineThreads.parallelRanges(rows, work: x.count * 4) { range in
                for r in range {
                    let yr = y + r * width, gr = pg + r * width, dr = pd + r * width
                    if log {
                        // d = g − softmax · Σg, softmax = exp(y)
                        let s = Float(vectorSum(gr, width))
                        _ = Vectorized.expSubtract(yr, dr, width, shift: 0)
                        Vectorized.map2(gr, dr, dr, width) { g, p in g - p * Vectorized.V(repeating: s) }
                    } else {
                        // d = y ⊙ (g − Σ g⊙y)
                        let s = Vectorized.dot(gr, yr, width)
                        Vectorized.map2(gr, yr, dr, width) { g, p in p * (g - Vectorized.V(repeating: s)) }
                    }
                }
            }
        }]
    }
}
