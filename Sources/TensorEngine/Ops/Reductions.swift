/// Sums and means over axes.

/// Σ over `axes` (all axes when nil). Reduces one axis at a time as an [outer, axis, inner] loop
/// accumulating in Double, so long reductions (losses over many tokens) stay accurate.
public func sum(_ x: Tensor, axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
    let normalized = try Set((axes ?? Array(0..<x.rank)).map { try Shape.axis($0, rank: x.rank, op: "sum") })
    var keptShape = x.shape
    for a in normalized { keptShape[a] = 1 }
    let outShape = keepDims ? keptShape : x.shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
    var current = x.contiguous()
    for a in normalized.sorted() {
        current = reduceAxis(current, a)
    }
    let out = Tensor(storage: current.storage, shape: outShape, offset: current.offset)
    return Tensor.result(out, inputs: [x], name: "sum") { g in
        // Broadcast the gradient back over the reduced axes.
        let expanded = try reshape(g, keptShape)
        return [try add(Tensor.zeros(x.shape), expanded)]
    }
}

private func reduceAxis(_ x: Tensor, _ axis: Int) -> Tensor {
    let outer = Shape.count(Array(x.shape[..<axis]))
    let size = x.shape[axis]
    let inner = Shape.count(Array(x.shape[(axis + 1)...]))
    var shape = x.shape
    shape[axis] = 1
    let px = x.storage.pointer + x.offset
    return Tensor.make(shape) { o in
        let po = o.baseAddress!
        EngineThreads.parallelRanges(outer, work: x.count) { rows in
            var acc = [Double](repeating: 0, count: inner)
            for r in rows {
                for j in 0..<inner { acc[j] = 0 }
                for s in 0..<size {
                    let base = px + (r * size + s) * inner
                    for j in 0..<inner { acc[j] += Double(base[j]) }
                }
                for j in 0..<inner { po[r * inner + j] = Float(acc[j]) }
            }
        }
    }
}

public func mean(_ x: Tensor, axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
    let normalized = try (axes ?? Array(0..<x.rank)).map { try Shape.axis($0, rank: x.rank, op: "mean") }
    let n = Set(normalized).reduce(1) { $0 * x.shape[$1] }
    return try mul(sum(x, axes: axes, keepDims: keepDims), 1 / Float(max(n, 1)))
}
