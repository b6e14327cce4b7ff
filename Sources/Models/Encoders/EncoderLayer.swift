import TensorEngine

/// One post-norm BERT/RoBERTa block:
///
///     h = LayerNorm(x + Wo·Attention(Wq x, Wk x, Wv x))     (bidirectional, padding masked)
///     y = LayerNorm(h + W2·act(W1 h))
///
/// Q, K and V come from one fused projection (a single sgemm of width 3·hidden).
final class EncoderLayer {
    let heads: Int
    let queryKeyValue: Linear
    let attentionOutput: Linear
    let attentionNorm: (weight: Tensor, bias: Tensor)
    let intermediate: Linear
    let output: Linear
    let outputNorm: (weight: Tensor, bias: Tensor)
    let activation: EncoderActivation
    let eps: Float

    init(heads: Int, queryKeyValue: Linear, attentionOutput: Linear, attentionNorm: (Tensor, Tensor),
         intermediate: Linear, output: Linear, outputNorm: (Tensor, Tensor), activation: EncoderActivation, eps: Float) {
        self.heads = heads
        self.queryKeyValue = queryKeyValue
        self.attentionOutput = attentionOutput
        self.attentionNorm = attentionNorm
        self.intermediate = intermediate
        self.output = output
        self.outputNorm = outputNorm
        self.activation = activation
        self.eps = eps
    }

    /// x [B, T, H]; `keyPadding` B rows of T flags (true = real token), nil when no row is padded.
    func callAsFunction(_ x: Tensor, keyPadding: [[Bool]]?) throws -> Tensor {
        let (b, t, h) = (x.shape[0], x.shape[1], x.shape[2])
        let d = h / heads
        // [B, T, 3·H] → [3, B, heads, T, d]: q, k and v are views of one projection.
        let qkv = try permute(reshape(queryKeyValue(x), [b, t, 3, heads, d]), [2, 0, 3, 1, 4])
        let q = try reshape(slice(qkv, axis: 0, range: 0..<1), [b, heads, t, d])
        let k = try reshape(slice(qkv, axis: 0, range: 1..<2), [b, heads, t, d])
        let v = try reshape(slice(qkv, axis: 0, range: 2..<3), [b, heads, t, d])
        let attended = try scaledDotProductAttention(query: q, key: k, value: v, causal: false, keyPadding: keyPadding)
        let merged = try reshape(permute(attended, [0, 2, 1, 3]), [b, t, h])
        let hidden = try layerNorm(add(attentionOutput(merged), x), weight: attentionNorm.weight, bias: attentionNorm.bias, eps: eps)
        let inner = try intermediate(hidden)
        let activated: Tensor
        switch activation {
        case .gelu: activated = try inferenceGELU(inner)
        case .geluTanh: activated = try gelu(inner, approximation: .tanh)
        case .relu: activated = try relu(inner)
        }
        return try layerNorm(add(output(activated), hidden), weight: outputNorm.weight, bias: outputNorm.bias, eps: eps)
    }
}
