import TensorEngine

/// One decoder layer. Llama family (pre-norm): h = x + attn(norm(x)); out = h + mlp(norm(h)).
/// Gemma 2 adds norms after the attention and the MLP, OLMo 2 has only those
/// (`ModelArchitecture.layerNorms`); a norm the architecture lacks is skipped.
final class LlamaBlock {
    let attention: LlamaAttention
    let mlp: LlamaMLP
    /// The norm weights as checkpoints store them, by module (q/k norms included).
    let norms: [DecoderLayerModule: Tensor]
    /// What each norm multiplies by (Gemma: 1 + stored weight), by where it applies.
    private let attentionInput: Tensor?, attentionOutput: Tensor?, feedForwardInput: Tensor?, feedForwardOutput: Tensor?
    let eps: Float

    init(attention: LlamaAttention, mlp: LlamaMLP, norms: [DecoderLayerModule: Tensor], placement: ModelArchitecture.LayerNorms,
         weightOffset: Float, eps: Float) throws {
        self.attention = attention
        self.mlp = mlp
        self.norms = norms
        self.eps = eps
        func effective(_ module: DecoderLayerModule?) throws -> Tensor? {
            try module.flatMap { norms[$0] }.map { try LlamaBlock.effectiveNormWeight($0, offset: weightOffset) }
        }
        attentionInput = try effective(placement.attentionInput)
        attentionOutput = try effective(placement.attentionOutput)
        feedForwardInput = try effective(placement.feedForwardInput)
        feedForwardOutput = try effective(placement.feedForwardOutput)
    }

    /// `offset + weight` (the same tensor when the offset is 0, so gradients reach it unchanged).
    static func effectiveNormWeight(_ weight: Tensor, offset: Float) throws -> Tensor {
        offset == 0 ? weight : try add(weight, offset)
    }

    func callAsFunction(_ x: Tensor, positions: [Int], keyPadding: [[Bool]]?, hiddenKeys: [HiddenKeys] = [], cache: KVCache?) throws -> Tensor {
        try residual(x) { try attention($0, positions: positions, keyPadding: keyPadding, hiddenKeys: hiddenKeys, cache: cache, plus: $1) }
    }

    /// Several sequences with their own caches, laid along `axis` of x (``LlamaAttention/attendEach``).
    func attendEach(_ x: Tensor, axis: Int, lengths: [Int], caches: [KVCache]) throws -> Tensor {
        try residual(x) { try attention.attendEach($0, axis: axis, lengths: lengths, caches: caches, plus: $1) }
    }

    /// `attend(y, r)` is the attention of y plus r when r is given. Without a norm after the
    /// attention or the MLP, the residual sums are made as the output projections come out.
    private func residual(_ x: Tensor, attend: (Tensor, Tensor?) throws -> Tensor) throws -> Tensor {
        let h = try attentionOutput == nil ? attend(normed(x, attentionInput), x)
            : add(x, normed(attend(normed(x, attentionInput), nil), attentionOutput))
        return try feedForwardOutput == nil ? mlp(normed(h, feedForwardInput), plus: h)
            : add(h, normed(mlp(normed(h, feedForwardInput)), feedForwardOutput))
    }

    @inline(__always) private func normed(_ x: Tensor, _ weight: Tensor?) throws -> Tensor {
        guard let weight else { return x }
        return try rmsNorm(x, weight: weight, eps: eps)
    }
}
