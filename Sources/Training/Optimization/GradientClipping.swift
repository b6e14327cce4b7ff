import TensorEngine

/// `torch.nn.utils.clip_grad_norm_`: the global L2 norm of all gradients, and (when `maxNorm` is
/// positive) every gradient scaled by min(1, maxNorm/(norm + 1e-6)). Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var total: Double = 0
    for p in parameters { p.grad?.withUnsafeBufferPointer { g in for x in g { total += Double(x) * Double(x) } } }
    let norm = Float(total.squareRoot())
    guard maxNorm > 0, norm.isFinite else { return norm }
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        for p in parameters {
            p.grad?.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] *= coefficient } }
        }
    }
    return norm
}
