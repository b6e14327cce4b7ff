/// How the layers of each architecture are built (docs/formats.md §2.6): which norms a layer has
/// and where they apply, the feed-forward activation, and the Gemma 2 extras (norm weights stored
/// as offsets from 1, scaled embeddings, soft-capped scores, sliding-window layers).
extension ModelArchitecture {
    /// The norm modules of a layer by where they apply; nil where the architecture has none.
    /// Llama: pre-norm (`post_attention_layernorm` is the norm *before* the MLP). Gemma 2: norms
    /// before and after both the attention and the MLP. OLMo 2: only after them, before the
    /// residual addition.
    public struct LayerNorms: Sendable, Equatable {
        public var attentionInput: DecoderLayerModule?
        public var attentionOutput: DecoderLayerModule?
        public var feedForwardInput: DecoderLayerModule?
        public var feedForwardOutput: DecoderLayerModule?

        public var all: [DecoderLayerModule] { [attentionInput, attentionOutput, feedForwardInput, feedForwardOutput].compactMap { $0 } }
    }

    public var layerNorms: LayerNorms {
        switch self {
        case .llama, .mistral, .qwen2:
            return LayerNorms(attentionInput: .inputNorm, attentionOutput: nil, feedForwardInput: .postAttentionNorm, feedForwardOutput: nil)
        case .gemma2:
            return LayerNorms(attentionInput: .inputNorm, attentionOutput: .postAttentionNorm,
                              feedForwardInput: .preFeedForwardNorm, feedForwardOutput: .postFeedForwardNorm)
        case .olmo2:
            return LayerNorms(attentionInput: nil, attentionOutput: .postAttentionNorm, feedForwardInput: nil, feedForwardOutput: .postFeedForwardNorm)
        }
    }

    /// OLMo 2 normalises the whole q and k projections (RMSNorm over all heads) before the head split.
    public var hasQKNorm: Bool { self == .olmo2 }

    /// Every module of a layer of this architecture, in the one list's order.
    public var layerModules: [DecoderLayerModule] {
        let norms = Set(layerNorms.all + (hasQKNorm ? [.qNorm, .kNorm] : []))
        return DecoderLayerModule.allCases.filter { $0.isProjection || norms.contains($0) }
    }

    /// The feed-forward's gate activation: SiLU (SwiGLU) or GELU's tanh approximation (GeGLU,
    /// transformers' `gelu_pytorch_tanh`).
    public enum Activation: String, Sendable { case silu, geluTanh = "gelu_pytorch_tanh" }

    public var activation: Activation { self == .gemma2 ? .geluTanh : .silu }

    /// What the RMSNorm multiplies by is `offset + weight`: Gemma stores its norm weights as
    /// offsets from 1 (`Gemma2RMSNorm`: x̂·(1 + w)); llama.cpp's converter stores 1 + w in GGUF.
    public var normWeightOffset: Float { self == .gemma2 ? 1 : 0 }

    /// Gemma 2 multiplies the token embeddings by √hidden (rounded to the model's dtype).
    public var scalesEmbeddings: Bool { self == .gemma2 }

    /// Gemma 2's soft-capping (attention scores and final logits), query scale and alternating
    /// sliding-window layers are read from its configuration; the others have none of them.
    public var hasGemmaAttention: Bool { self == .gemma2 }
}
