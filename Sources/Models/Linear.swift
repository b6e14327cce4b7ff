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
        var base: Tensor
        if let quantized, !GradMode.isEnabled, x.shape.last == inFeatures, x.shape.dropLast().reduce(1, *) == 1 {
            var y = quantized.multiply(x.scalars)
            if let bias { y = zip(y, bias.scalars).map { $0 + $1 } }
            base = try Tensor(y, shape: x.shape.dropLast() + [outFeatures])
        } else {
            base = try linear(x, weight: weight, bias: bias)
        }
        guard let lora, lora.isEnabled else { return base }
        return try lora.adding(to: &base, input: x)
    }
}
