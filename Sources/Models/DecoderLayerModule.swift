/// One module of a decoder layer, in the layer's order: its path inside the layer as Hugging Face
/// names it and the name llama.cpp gives it in GGUF files (docs/formats.md §2.1). An architecture
/// has a subset of the norms (`ModelArchitecture.layerModules`).
public enum DecoderLayerModule: String, CaseIterable, Sendable {
    case inputNorm = "input_layernorm"
    case qProj = "self_attn.q_proj"
    case kProj = "self_attn.k_proj"
    case vProj = "self_attn.v_proj"
    case qNorm = "self_attn.q_norm"
    case kNorm = "self_attn.k_norm"
    case oProj = "self_attn.o_proj"
    case postAttentionNorm = "post_attention_layernorm"
    case preFeedForwardNorm = "pre_feedforward_layernorm"
    case gateProj = "mlp.gate_proj"
    case upProj = "mlp.up_proj"
    case downProj = "mlp.down_proj"
    case postFeedForwardNorm = "post_feedforward_layernorm"

    /// The linear projections, the modules LoRA adapts.
    public static let projections: [DecoderLayerModule] = allCases.filter(\.isProjection)

    public var isProjection: Bool { !isNorm }

    public var isNorm: Bool {
        switch self {
        case .inputNorm, .qNorm, .kNorm, .postAttentionNorm, .preFeedForwardNorm, .postFeedForwardNorm: return true
        default: return false
        }
    }

    /// The module's own name (`q_proj`), as PEFT's `target_modules` lists it.
    public var name: String { String(rawValue.split(separator: ".").last ?? "") }

    /// The GGUF tensor stem inside `blk.N.` in a file of `architecture`: llama.cpp calls the norm
    /// before the MLP `ffn_norm` whatever HF calls it, and a norm after the attention `post_attention_norm`.
    public func ggufName(in architecture: ModelArchitecture) -> String {
        switch self {
        case .inputNorm: return "attn_norm"
        case .qProj: return "attn_q"
        case .kProj: return "attn_k"
        case .vProj: return "attn_v"
        case .qNorm: return "attn_q_norm"
        case .kNorm: return "attn_k_norm"
        case .oProj: return "attn_output"
        case .postAttentionNorm: return architecture.layerNorms.feedForwardInput == self ? "ffn_norm" : "post_attention_norm"
        case .preFeedForwardNorm: return "ffn_norm"
        case .gateProj: return "ffn_gate"
        case .upProj: return "ffn_up"
        case .downProj: return "ffn_down"
        case .postFeedForwardNorm: return "post_ffw_norm"
        }
    }
}
