import TensorEngine

/// A linear projection y = x·Wᵀ (+ b) with HF layout W [out, in].
///
/// The base weight is frozen (`requiresGrad == false`): training adapts it through LoRA, and the
/// engine then computes gradients *through* W to the input without ever forming dW.
public final class Linear {
    public let inFeatures: Int
    public let outFeatures: Int
    public var weight: Tensor
    public var bias: Tensor?
    /// The stored quantized weight (GGUF), used instead of `weight` for one-row inputs without
    /// gradients — decode steps.
    public var quantized: QuantizedWeight?
    /// A LoRA adapter added to this projection's output (nil: plain projection).
    public var lora: LoRALayer?

    public init(weight: Tensor, bias: Tensor? = nil) throws {
        guard weight.shape.count == 2 else {
            throw TensorError.shapeMismatch(op: "Linear", shapes: [weight.shape], reason: "weight must be [out, in]")
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw TensorError.shapeMismatch(op: "Linear", shapes: [weight.shape, bias.shape], reason: "bias must be [out]")
        }
        self.outFeatures = weight.shape[0]
        self.inFeatures = weight.shape[1]
        self.weight = weight
        self.bias = bias
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        if let quantized = decodeWeight(for: x) { return try output(quantized.multiply(x.scalars), input: x) }
        if let lora, lora.isEnabled { return try lora.projection(of: x, weight: weight, bias: bias) }
        return try linear(x, weight: weight, bias: bias)
    }

    /// Several projections of one input (q/k/v, gate/up). A decode step's quantized products run
    /// together, in one parallel run; anything else runs layer by layer.
    public static func project(_ x: Tensor, through layers: [Linear]) throws -> [Tensor] {
        let weights = layers.compactMap { $0.decodeWeight(for: x) }
        guard weights.count == layers.count, layers.count > 1 else { return try layers.map { try $0(x) } }
        return try zip(layers, QuantizedWeight.multiply(weights, x.scalars)).map { try $0.output($1, input: x) }
    }

    /// The quantized weight when `x` is one row without gradients (a decode step), else nil.
    private func decodeWeight(for x: Tensor) -> QuantizedWeight? {
        guard let quantized, !GradMode.isEnabled, x.shape.last == inFeatures, x.shape.dropLast().reduce(1, *) == 1 else { return nil }
        return quantized
    }

    /// The layer's output from the quantized product `y` of one input row: bias, shape, adapter.
    private func output(_ y: [Float], input x: Tensor) throws -> Tensor {
        var y = y
        if let bias { y = zip(y, bias.scalars).map { $0 + $1 } }
        var base = try Tensor(y, shape: x.shape.dropLast() + [outFeatures])
        return try adapted(&base, input: x)
    }

    /// `base` plus the adapter's product (summed in place when nothing else holds `base`).
    private func adapted(_ base: inout Tensor, input x: Tensor) throws -> Tensor {
        guard let lora, lora.isEnabled else { return base }
        return try lora.adding(to: &base, input: x)
    }
}
