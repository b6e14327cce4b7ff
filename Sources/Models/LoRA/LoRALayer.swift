import Base
import TensorEngine

/// The low-rank update of one projection (PEFT's `lora.Linear`): Δy = dropout(x)·Aᵀ·Bᵀ · α/r with
/// A [r, in] and B [out, r] the only trainable tensors.
public final class LoRALayer {
    public let a: Tensor
    public let b: Tensor
    public let scaling: Float
    public let dropout: Float
    /// Off: the projection behaves as the frozen base (DPO's implicit reference model).
    public var isEnabled = true
    /// Dropout is applied only while training; its masks come from `rng`, stored by checkpoints.
    public var isTraining = false
    public var rng: SeededGenerator

    public init(a: Tensor, b: Tensor, alpha: Float, dropout: Float, seed: UInt64 = 0) throws {
        guard a.rank == 2, b.rank == 2, b.shape[1] == a.shape[0] else {
            throw TensorError.shapeMismatch(op: "LoRALayer", shapes: [a.shape, b.shape], reason: "need A [r, in] and B [out, r]")
        }
        guard dropout >= 0, dropout < 1 else {
            throw TensorError.invalidArgument(op: "LoRALayer", reason: "lora_dropout must be in [0, 1), got \(dropout)")
        }
        self.a = a
        self.b = b
        self.scaling = alpha / Float(a.shape[0])
        self.dropout = dropout
        self.rng = SeededGenerator(seed: seed)
        a.requiresGrad = true
        b.requiresGrad = true
    }

    /// PEFT's initialisation: A ~ kaiming_uniform(a=√5) = U(−1/√in, 1/√in), B = 0, so a fresh
    /// adapter leaves the model unchanged.
    public static func initialized(inFeatures: Int, outFeatures: Int, rank: Int, alpha: Float, dropout: Float,
                                   using rng: inout SeededGenerator) throws -> LoRALayer {
        let bound = 1 / Float(inFeatures).squareRoot()
        let a = Tensor.randomUniform([rank, inFeatures], low: -bound, high: bound, using: &rng)
        return try LoRALayer(a: a, b: Tensor.zeros([outFeatures, rank]), alpha: alpha, dropout: dropout, seed: rng.next())
    }

    public var rank: Int { a.shape[0] }

    /// x·Wᵀ (+ bias) + Δy for input x [..., in] as one engine op (`linear(_:weight:bias:lowRank:)`).
    public func projection(of x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        let dropped = try TensorEngine.dropout(x, p: dropout, training: isTraining, using: &rng)
        return try linear(x, weight: weight, bias: bias,
                          lowRank: LowRankUpdate(a: a, b: b, scale: scaling, input: dropped === x ? nil : dropped))
    }

    /// base + Δy for input x [..., in] (Δy = dropout(x)·Aᵀ·Bᵀ · α/r), summed into `base` (a fresh
    /// projection output) where possible: for a base that is not `x·Wᵀ` (a decode step's quantized product).
    public func adding(to base: inout Tensor, input x: Tensor) throws -> Tensor {
        try linear(down(x), weight: b, addingTo: &base)
    }

    /// The rank-r intermediate dropout(x)·Aᵀ · α/r. The scaling multiplies it rather than the
    /// [..., out] result (PEFT's order): the same product up to rounding, without a pass over
    /// every projection's output forward and backward.
    private func down(_ x: Tensor) throws -> Tensor {
        let dropped = try TensorEngine.dropout(x, p: dropout, training: isTraining, using: &rng)
        return try mul(linear(dropped, weight: a), scaling)
    }

    /// scaling · B·A [out, in]: what merging adds to the base weight.
    public func delta() throws -> Tensor {
        try Tensor.withNoGrad { try mul(matmul(b, a), scaling) }
    }
}
