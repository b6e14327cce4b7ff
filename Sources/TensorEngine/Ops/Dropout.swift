import Base
/// Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1−p), so
/// evaluation (training == false or p == 0) is the identity. The mask comes from the caller's
/// seeded generator, so runs are reproducible.
public func dropout(_ x: Tensor, p: Float, training: Bool, using rng: inout SeededGenerator) throws -> Tensor {
    guard p >= 0, p < 1 else { throw TensorError.invalidArgument(op: "dropout", reason: "p must be in [0, 1), got \(p)") }
    if !training || p == 0 { return x }
    let keep = 1 / (1 - p)
    let mask = Tensor.make(x.shape) { m in for i in m.indices { m[i] = rng.nextFloat() < p ? 0 : keep } }
    return try mul(x, mask)
}
