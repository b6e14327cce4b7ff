import TensorEngine

/// One post-norm BERT/RoBERTa block:
///
///     h = LayerNorm(x + Wo·Attention(Wq x, Wk x, Wv x))     (bidirectional, padding masked)
///     y = LayerNorm(h + W2·act(W1 h))
///
/// Q, K and V come from one fused projection (a single sgemm of width 3·hidden). With rotary
/// positions (jina-embeddings-v3), queries and keys are rotated by their positions 0…T−1 before
/// attention; padding sits after the real tokens, so their positions are unchanged.
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
    let rotary: RotaryEmbedding?

    init(heads: Int, queryKeyValue: Linear, attentionOutput: Linear, attentionNorm: (Tensor, Tensor),
         intermediate: Linear, output: Linear, outputNorm: (Tensor, Tensor), activation: EncoderActivation, eps: Float,
         rotary: RotaryEmbedding? = nil) {
        self.heads = heads
        self.queryKeyValue = queryKeyValue
        self.attentionOutput = attentionOutput
        self.attentionNorm = attentionNorm
        self.intermediate = intermediate
        self.output = output
        self.outputNorm = outputNorm
        self.activation = activation
        self.eps = eps
        self.rotary = rotary
    }

    /// x [B, T, H] holding `lengths[b]` real tokens per row, then padding.
    func callAsFunction(_ x: Tensor, lengths: [Int]) throws -> Tensor {
        let (b, t, h) = (x.shape[0], x.shape[1], x.shape[2])
        let merged: Tensor
        if Tensor.isGradEnabled || rotary != nil {
            // Split heads, masked attention, merge heads: differentiable, and where rotary
            // positions must turn the split queries and keys.
            let d = h / heads
            let qkv = try permute(reshape(queryKeyValue(x), [b, t, 3, heads, d]), [2, 0, 3, 1, 4])
            var q = try reshape(slice(qkv, axis: 0, range: 0..<1), [b, heads, t, d])
            var k = try reshape(slice(qkv, axis: 0, range: 1..<2), [b, heads, t, d])
            if let rotary {
                let positions = Array(0..<t)
                q = try rotary.apply(q, positions: positions)
                k = try rotary.apply(k, positions: positions)
            }
            let v = try reshape(slice(qkv, axis: 0, range: 2..<3), [b, heads, t, d])
            let keyPadding = lengths.contains { $0 < t } ? lengths.map { n in (0..<t).map { $0 < n } } : nil
            let attended = try scaledDotProductAttention(query: q, key: k, value: v, causal: false, keyPadding: keyPadding)
            merged = try reshape(permute(attended, [0, 2, 1, 3]), [b, t, h])
        } else {
            // Inference: heads read from and written to the packed layouts, padding skipped.
            merged = try packedSelfAttention(queryKeyValue(x), heads: heads, lengths: lengths)
        }
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
