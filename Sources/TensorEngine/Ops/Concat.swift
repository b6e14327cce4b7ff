/// Joining tensors: concat along an existing axis, stack along a new one.

public func concat(_ xs: [Tensor], axis: Int) throws -> Tensor {
    guard let first = xs.first else { throw TensorError.invalidArgument(op: "concat", reason: "needs at least one tensor") }
    let a = try Shape.axis(axis, rank: first.rank, op: "concat")
    for x in xs where x.rank != first.rank || (0..<x.rank).contains(where: { $0 != a && x.shape[$0] != first.shape[$0] }) {
        throw TensorError.shapeMismatch(op: "concat", shapes: xs.map(\.shape), reason: "all dimensions but axis \(a) must agree")
    }
    let sizes = xs.map { $0.shape[a] }
    var shape = first.shape
    shape[a] = sizes.reduce(0, +)
    let outer = Shape.count(Array(first.shape[..<a])), inner = Shape.count(Array(first.shape[(a + 1)...]))
    let parts = xs.map { $0.contiguous() }
    let out = Tensor.make(shape) { o in
        var column = 0
        for (p, size) in zip(parts, sizes) {
            let src = p.storage.pointer + p.offset
            for r in 0..<outer {
                (o.baseAddress! + (r * shape[a] + column) * inner).update(from: src + r * size * inner, count: size * inner)
            }
            column += size
        }
    }
    return Tensor.result(out, inputs: xs, name: "concat") { g in
        var start = 0
        return try zip(xs, sizes).map { x, size in
            defer { start += size }
            return x.requiresGrad ? try slice(g, axis: a, range: start..<(start + size)).contiguous() : nil
        }
    }
}

public func stack(_ xs: [Tensor], axis: Int) throws -> Tensor {
    guard let first = xs.first else { throw TensorError.invalidArgument(op: "stack", reason: "needs at least one tensor") }
    let a = try Shape.axis(axis, rank: first.rank + 1, op: "stack")
    for x in xs where x.shape != first.shape {
        throw TensorError.shapeMismatch(op: "stack", shapes: xs.map(\.shape), reason: "all tensors must have the same shape")
    }
    var expanded = first.shape
    expanded.insert(1, at: a)
    return try concat(xs.map { try reshape($0, expanded) }, axis: a)
}
