/// Shape changes that share storage where possible: reshape, permute, transpose, slice.

/// A new shape with the same elements; one dimension may be -1. A view when `x` is contiguous.
public func reshape(_ x: Tensor, _ shape: [Int]) throws -> Tensor {
    var shape = shape
    let unknown = shape.indices.filter { shape[$0] == -1 }
    guard unknown.count <= 1, shape.allSatisfy({ $0 >= -1 }) else {
        throw TensorError.shapeMismatch(op: "reshape", shapes: [x.shape, shape], reason: "at most one -1 and no other negative sizes")
    }
    if let u = unknown.first {
        let known = shape.enumerated().filter { $0.offset != u }.reduce(1) { $0 * $1.element }
        guard known > 0, x.count % known == 0 else {
            throw TensorError.shapeMismatch(op: "reshape", shapes: [x.shape, shape], reason: "cannot infer -1")
        }
        shape[u] = x.count / known
    }
    guard Shape.count(shape) == x.count else {
        throw TensorError.shapeMismatch(op: "reshape", shapes: [x.shape, shape], reason: "element counts differ (\(x.count) vs \(Shape.count(shape)))")
    }
    if shape == x.shape { return x }
    let c = x.contiguous()
    let out = Tensor(storage: c.storage, shape: shape, offset: c.offset)
    return Tensor.result(out, inputs: [c], name: "reshape") { [cs = c.shape] g in [try reshape(g, cs)] }
}

/// Reorders axes (a view): out.shape[i] = x.shape[dims[i]].
public func permute(_ x: Tensor, _ dims: [Int]) throws -> Tensor {
    guard dims.count == x.rank, Set(dims) == Set(0..<x.rank) else {
        throw TensorError.shapeMismatch(op: "permute", shapes: [x.shape, dims], reason: "dims must be a permutation of 0..<\(x.rank)")
    }
    if dims == Array(0..<x.rank) { return x }
    let out = Tensor(storage: x.storage, shape: dims.map { x.shape[$0] }, strides: dims.map { x.strides[$0] }, offset: x.offset)
    var inverse = [Int](repeating: 0, count: dims.count)
    for (i, d) in dims.enumerated() { inverse[d] = i }
    return Tensor.result(out, inputs: [x], name: "permute") { g in [try permute(g, inverse)] }
}

public func transpose(_ x: Tensor, _ a: Int, _ b: Int) throws -> Tensor {
    let a = try Shape.axis(a, rank: x.rank, op: "transpose"), b = try Shape.axis(b, rank: x.rank, op: "transpose")
    var dims = Array(0..<x.rank)
    dims.swapAt(a, b)
    return try permute(x, dims)
}

/// Elements `range` along `axis` (a view).
public func slice(_ x: Tensor, axis: Int, range: Range<Int>) throws -> Tensor {
    let a = try Shape.axis(axis, rank: x.rank, op: "slice")
    guard range.lowerBound >= 0, range.upperBound <= x.shape[a] else {
        throw TensorError.shapeMismatch(op: "slice", shapes: [x.shape], reason: "range \(range) is outside 0..<\(x.shape[a]) on axis \(a)")
    }
    var shape = x.shape
    shape[a] = range.count
    let out = Tensor(storage: x.storage, shape: shape, strides: x.strides, offset: x.offset + range.lowerBound * x.strides[a])
    return Tensor.result(out, inputs: [x], name: "slice") { g in
        // Scatter the gradient into zeros of the input's shape.
        let full = Tensor.zeros(x.shape)
        let gc = g.contiguous()
        let outer = Shape.count(Array(x.shape[..<a])), inner = Shape.count(Array(x.shape[(a + 1)...]))
        let pg = gc.storage.pointer + gc.offset, pf = full.storage.pointer
        for o in 0..<outer {
            (pf + (o * x.shape[a] + range.lowerBound) * inner).update(from: pg + o * range.count * inner, count: range.count * inner)
        }
        return [full]
    }
}
