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
    /// The stored quantized weight (GGUF), used instead of `weight` for inputs without gradients
    /// that its kernels take (``quantizedWeight(for:)``): decode steps, and prefills where the
    /// kernels multiply many rows in one pass over the weights.
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
        if let quantized = quantizedWeight(for: x) { return try Self.quantizedProducts([self], [quantized], of: x)[0] }
        if isDecodeBatch(x) { return try eachRow(of: x) { try self($0) } }
        if let lora, lora.isEnabled { return try lora.projection(of: x, weight: weight, bias: bias) }
        return try linear(x, weight: weight, bias: bias)
    }

    /// Several projections of one input (q/k/v, gate/up). A decode step's quantized products run
    /// together, in one parallel run; anything else runs layer by layer.
    public static func project(_ x: Tensor, through layers: [Linear]) throws -> [Tensor] {
        let weights = layers.compactMap { $0.quantizedWeight(for: x) }
        guard weights.count == layers.count, layers.count > 1 else { return try layers.map { try $0(x) } }
        return try quantizedProducts(layers, weights, of: x)
    }

    /// `residual` + self(x), the sum made by the product's parallel run where the quantized
    /// kernels take `x` (``fusedProducts(_:through:combine:)``); the same numbers either way.
    func callAsFunction(_ x: Tensor, plus residual: Tensor) throws -> Tensor {
        guard residual.shape == Array(x.shape.dropLast()) + [outFeatures], let weights = Self.fusedWeights(x, through: [self]) else {
            return try add(residual, self(x))
        }
        let r = residual.contiguous()
        let width = outFeatures
        return r.withUnsafeBufferPointer { r in
            let r = r.baseAddress!
            return Self.fusedProducts(x, through: [self], weights) { products, out, rows, range in
                let product = UnsafePointer(products[0])
                for i in 0..<rows {
                    let (a, b, o) = (r + i * width, product + i * width, out + i * width)
                    for j in range { o[j] = a[j] + b[j] }
                }
            }
        }
    }

    /// The products of several layers of one output width (gate and up) combined elementwise
    /// into one tensor as they come out: `combine(products, out, rows, outputs)` writes `out`'s
    /// columns `outputs` of each of the `rows` rows (rows `outFeatures` apart) from the products'
    /// (one layer: its product is `out` itself, updated in place). It runs inside the products'
    /// parallel run, on the ranges of outputs each core has just computed, so the elementwise
    /// step that follows the products (SwiGLU, a residual sum) costs no serial pass of its own.
    /// Nil where the layers' quantized kernels do not take `x`, or a bias or an enabled adapter
    /// adds to a product.
    static func fusedProducts(_ x: Tensor, through layers: [Linear],
                              combine: @escaping ([UnsafeMutablePointer<Float>], UnsafeMutablePointer<Float>, Int, Range<Int>) -> Void) -> Tensor? {
        fusedWeights(x, through: layers).map { fusedProducts(x, through: layers, $0, combine: combine) }
    }

    /// ``fusedProducts(_:through:combine:)`` with the layers' ``fusedWeights(_:through:)``.
    private static func fusedProducts(_ x: Tensor, through layers: [Linear], _ weights: [QuantizedWeight],
                                      combine: @escaping ([UnsafeMutablePointer<Float>], UnsafeMutablePointer<Float>, Int, Range<Int>) -> Void) -> Tensor {
        let width = layers[0].outFeatures
        let rows = x.count / x.shape.last!
        return Tensor.make(x.shape.dropLast() + [width]) { out in
            let out = out.baseAddress!
            withUnsafeTemporaryAllocation(of: Float.self, capacity: layers.count > 1 ? layers.count * rows * width : 0) { scratch in
                let products = layers.count > 1 ? layers.indices.map { scratch.baseAddress! + $0 * rows * width } : [out]
                x.withUnsafeBufferPointer { x in
                    QuantizedWeight.multiply(weights, rows: rows, x.baseAddress!, into: products) { range in
                        combine(products, out, rows, range)
                    }
                }
            }
        }
    }

    /// The layers' quantized weights where ``fusedProducts(_:through:combine:)`` applies: the
    /// kernels take `x` for every layer, all of one output width, none with a bias or an enabled
    /// adapter.
    private static func fusedWeights(_ x: Tensor, through layers: [Linear]) -> [QuantizedWeight]? {
        let width = layers[0].outFeatures
        let weights = layers.compactMap { $0.bias == nil && !($0.lora?.isEnabled ?? false) && $0.outFeatures == width ? $0.quantizedWeight(for: x) : nil }
        return weights.count == layers.count ? weights : nil
    }

    /// The layers' outputs from their quantized weights, all rows of `x` in one run, written
    /// straight into the output tensors.
    private static func quantizedProducts(_ layers: [Linear], _ weights: [QuantizedWeight], of x: Tensor) throws -> [Tensor] {
        let rows = x.count / x.shape.last!
        let products = Tensor.make(layers.map { x.shape.dropLast() + [$0.outFeatures] }) { ys in
            x.withUnsafeBufferPointer { QuantizedWeight.multiply(weights, rows: rows, $0.baseAddress!, into: ys.map { $0.baseAddress! }) }
        }
        return try zip(layers, products).map { try $0.output($1, input: x) }
    }

    /// The quantized weight when `x` has no gradients and is one row, a batch of sequences one
    /// position each ([B, 1, in]), or any rows where the kernels multiply them together in one
    /// pass over the weights — else nil. Each row's outputs are then those of the row alone,
    /// whatever the other rows (docs/methods.md §12).
    private func quantizedWeight(for x: Tensor) -> QuantizedWeight? {
        guard let quantized, !GradMode.isEnabled, x.shape.last == inFeatures else { return nil }
        return x.shape.dropLast().reduce(1, *) == 1 || isDecodeBatch(x) || quantized.matrix.multipliesRowsTogether ? quantized : nil
    }

    /// Whether a product without gradients gives every row the numbers it would get alone,
    /// whatever the other rows: the quantized kernels take any number of rows and no adapter is
    /// enabled (an adapter's product over many rows runs on BLAS).
    var multipliesRowsExactly: Bool {
        (quantized?.matrix.multipliesRowsTogether ?? false) && !(lora?.isEnabled ?? false)
    }

    /// Whether `x` is [B, 1, in] with B > 1 and no gradients: a batched decode step, whose rows
    /// must come out exactly as each would alone.
    private func isDecodeBatch(_ x: Tensor) -> Bool {
        !GradMode.isEnabled && x.rank == 3 && x.shape[0] > 1 && x.shape[1] == 1 && x.shape[2] == inFeatures
    }

    /// `body` applied to each [1, 1, n] row of a decode batch, the results stacked back: BLAS may
    /// sum a B-row product in another order than a one-row one, so row by row keeps each
    /// sequence's numbers those of its decoding alone.
    private func eachRow(of x: Tensor, _ body: (Tensor) throws -> Tensor) throws -> Tensor {
        try concat((0..<x.shape[0]).map { try body(slice(x, axis: 0, range: $0..<($0 + 1)).contiguous()) }, axis: 0)
    }

    /// The layer's output from the quantized product `y` of the input rows (a fresh tensor of
    /// the output's shape): bias, adapter.
    private func output(_ y: Tensor, input x: Tensor) throws -> Tensor {
        if let bias {
            let b = bias.scalars
            y.withUnsafeMutableBufferPointer { out in
                for i in out.indices { out[i] += b[i % outFeatures] }
            }
        }
        guard let lora, lora.isEnabled, isDecodeBatch(x) else {
            var base = y
            return try adapted(&base, input: x)
        }
        // The adapter's product row by row (as eachRow), each onto its own row of the base product.
        return try concat((0..<x.shape[0]).map { i in
            var base = try slice(y, axis: 0, range: i..<(i + 1)).copy()
            return try lora.adding(to: &base, input: slice(x, axis: 0, range: i..<(i + 1)).contiguous())
        }, axis: 0)
    }

    /// `base` plus the adapter's product (summed in place when nothing else holds `base`).
    private func adapted(_ base: inout Tensor, input x: Tensor) throws -> Tensor {
        guard let lora, lora.isEnabled else { return base }
        return try lora.adding(to: &base, input: x)
    }
}
