/// Embedding lookup: rows of `weight` [vocab, dim] gathered by id, output `shape + [dim]`.
/// Ids are bounds-checked; backward scatter-adds into the rows used (only if the table is trainable).
public func embedding(_ weight: Tensor, ids: [Int], shape: [Int]) throws -> Tensor {
    guard weight.rank == 2 else {
        throw TensorError.shapeMismatch(op: "embedding", shapes: [weight.shape], reason: "weight must be [vocab, dim]")
    }
    guard Shape.count(shape) == ids.count else {
        throw TensorError.shapeMismatch(op: "embedding", shapes: [shape, [ids.count]], reason: "shape must hold one element per id")
    }
    let (vocab, dim) = (weight.shape[0], weight.shape[1])
    if let bad = ids.first(where: { $0 < 0 || $0 >= vocab }) {
        throw TensorError.invalidArgument(op: "embedding", reason: "token id \(bad) is outside the vocabulary 0..<\(vocab)")
    }
    let wc = weight.contiguous()
    let pw = wc.storage.pointer + wc.offset
    let out = Tensor.make(shape + [dim]) { o in
        for (i, id) in ids.enumerated() { (o.baseAddress! + i * dim).update(from: pw + id * dim, count: dim) }
    }
    return Tensor.result(out, inputs: [weight], name: "embedding") { g in
        let gc = g.contiguous()
        let pg = gc.storage.pointer + gc.offset
        let dw = Tensor.zeros([vocab, dim])
        let pd = dw.storage.pointer
        for (i, id) in ids.enumerated() {
            for j in 0..<dim { pd[id * dim + j] += pg[i * dim + j] }
        }
        return [dw]
    }
}
