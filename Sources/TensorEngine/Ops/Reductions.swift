/// Sums, means and maxima over axes.

/// Σ over `axes` (all axes when nil). Each reduced axis is an [outer, axis, inner] loop; sums run
/// in SIMD Float over blocks of at most 256 terms, and the blocks are added in Double, so long
/// reductions (losses over many tokens) stay accurate. Backward broadcasts the gradient back
/// (a stride-0 view, no copy).
public func sum(_ x: Tensor, axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
    let normalized = try Set((axes ?? Array(0..<x.rank)).map { try Shape.axis($0, rank: x.rank, op: "sum") })
    var keptShape = x.shape
    for a in normalized { keptShape[a] = 1 }
    let outShape = keepDims ? keptShape : x.shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
    var current = x.contiguous()
    if normalized.count == x.rank, x.rank > 0 {
        current = reduceAxis(try reshape(current.detached(), [current.count]), 0)
    } else {
        for a in normalized.sorted() where current.shape[a] != 1 { current = reduceAxis(current, a) }
    }
    if normalized.isEmpty || normalized.allSatisfy({ x.shape[$0] == 1 }) { current = current.copy() }
    let out = Tensor(storage: current.storage, shape: outShape, offset: current.offset)
    return Tensor.result(out, inputs: [x], name: "sum") { g in
        [try broadcast(reshape(g, keptShape), to: x.shape)]
    }
}

/// Reduces axis `axis` of a contiguous tensor to size 1.
private func reduceAxis(_ x: Tensor, _ axis: Int) -> Tensor {
    let outer = Shape.count(Array(x.shape[..<axis]))
    let size = x.shape[axis]
    let inner = Shape.count(Array(x.shape[(axis + 1)...]))
    var shape = x.shape
    shape[axis] = 1
    let px = x.storage.pointer + x.offset
    if outer == 1 && inner == 1 {   // one long vector: split it over the threads
        let pieces = x.count >= 65_536 ? EngineThreads.count : 1
        var partial = [Double](repeating: 0, count: pieces)
        partial.withUnsafeMutableBufferPointer { parts in
            EngineThreads.parallel(chunks: pieces, work: x.count) { p in
                let lo = p * size / pieces, hi = (p + 1) * size / pieces
                parts[p] = vectorSum(px + lo, hi - lo)
            }
        }
        return Tensor.make(shape) { $0[0] = Float(partial.reduce(0, +)) }
    }
    return Tensor.make(shape) { o in
        let po = o.baseAddress!
        EngineThreads.parallelRanges(outer, work: x.count) { rows in
            let acc = UnsafeMutablePointer<Double>.allocate(capacity: max(inner, 1))
            let block = UnsafeMutablePointer<Float>.allocate(capacity: max(inner, 1))
            defer { acc.deallocate(); block.deallocate() }
            for r in rows {
                if inner == 1 { po[r] = Float(vectorSum(px + r * size, size)); continue }
                acc.update(repeating: 0, count: inner)
                var s = 0
                while s < size {   // Float partial sums of up to 256 rows, then Double
                    let end = min(size, s + 256)
                    block.update(from: px + (r * size + s) * inner, count: inner)
                    for k in (s + 1)..<max(end, s + 1) {
                        let src = px + (r * size + k) * inner
                        var j = 0
                        while j + 16 <= inner { Vectorized.store(Vectorized.load(block + j) + Vectorized.load(src + j), block + j); j += 16 }
                        while j < inner { block[j] += src[j]; j += 1 }
                    }
                    for j in 0..<inner { acc[j] += Double(block[j]) }
                    s = end
                }
                for j in 0..<inner { po[r * inner + j] = Float(acc[j]) }
            }
        }
    }
}

/// Σ p[0..<n]: SIMD Float sums over blocks of 4096, added in Double.
func vectorSum(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
    var total: Double = 0
    var start = 0
    while start < n {
        let end = min(n, start + 4096)
        var acc = Vectorized.V(repeating: 0)
        var i = start
        while i + 16 <= end { acc += Vectorized.load(p + i); i += 16 }
        var block = acc.sum()
        while i < end { block += p[i]; i += 1 }
        total += Double(block)
        start = end
    }
    return total
}

public func mean(_ x: Tensor, axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
    let normalized = try (axes ?? Array(0..<x.rank)).map { try Shape.axis($0, rank: x.rank, op: "mean") }
    let n = Set(normalized).reduce(1) { $0 * x.shape[$1] }
    return try mul(sum(x, axes: axes, keepDims: keepDims), 1 / Float(max(n, 1)))
}

/// The maximum along `axis`; the gradient goes to the (first) maximal element of each slice.
public func max(_ x: Tensor, axis: Int, keepDims: Bool = false) throws -> Tensor {
    let a = try Shape.axis(axis, rank: x.rank, op: "max")
    guard x.shape[a] > 0 else { throw TensorError.shapeMismatch(op: "max", shapes: [x.shape], reason: "axis \(a) is empty") }
    let xc = x.contiguous()
    let outer = Shape.count(Array(x.shape[..<a])), size = x.shape[a], inner = Shape.count(Array(x.shape[(a + 1)...]))
    var keptShape = x.shape
    keptShape[a] = 1
    var argmax = [Int](repeating: 0, count: outer * inner)
    let px = xc.storage.pointer + xc.offset
    let values = Tensor.make(keptShape) { o in
        for r in 0..<outer {
            for j in 0..<inner {
                var best = 0
                for s in 1..<size where px[(r * size + s) * inner + j] > px[(r * size + best) * inner + j] { best = s }
                argmax[r * inner + j] = best
                o[r * inner + j] = px[(r * size + best) * inner + j]
            }
        }
    }
    var outShape = x.shape
    if !keepDims { outShape.remove(at: a) }
    let out = Tensor(storage: values.storage, shape: outShape)
    return Tensor.result(out, inputs: [x], name: "max") { g in
        let gc = g.contiguous()
        let pg = gc.storage.pointer + gc.offset
        let dx = Tensor.zeros(x.shape)
        for r in 0..<outer {
            for j in 0..<inner { dx.storage.pointer[(r * size + argmax[r * inner + j]) * inner + j] = pg[r * inner + j] }
        }
        return [dx]
    }
}
