/// One module of a Llama-family decoder layer, in the layer's order: its path inside the layer as
/// Hugging Face names it and the name llama.cpp gives it in GGUF files (docs/formats.md §2.1).
public enum DecoderLayerModule: String, CaseIterable, Sendable {
    case inputNorm = "input_layernorm"
    case qProj = "self_attn.q_proj"
    case kProj = "self_attn.k_proj"
    case vProj = "self_attn.v_proj"
    case oProj = "self_attn.o_proj"
    case postAttentionNorm = "post_attention_layernorm"
    case gateProj = "mlp.gate_proj"
    case upProj = "mlp.up_proj"
    case downProj = "mlp.down_proj"

    /// The linear projections, the modules LoRA adapts.
    public static let projections: [DecoderLayerModule] = allCases.filter(\.isProjection)

    public var isProjection: Bool { self != .inputNorm && self != .postAttentionNorm }

    /// The module's own name (`q_proj`), as PEFT's `target_modules` lists it.
    public var name: String { String(rawValue.split(separator: ".").last ?? "") }

    /// The GGUF tensor stem inside `blk.N.`.
    public var ggufName: String {
        switch self {
        case .inputNorm: return "attn_norm"
        case .qProj: return "attn_q"
        case .kProj: return "attn_k"
        case .vProj: return "attn_v"
        case .oProj: return "attn_output"
        case .postAttentionNorm: return "ffn_norm"
        case .gateProj: return "ffn_gate"
        case .upProj: return "ffn_up"
        case .downProj: return "ffn_down"
        }
    }
}
