/// The decoder architectures DivTune runs, and everything that tells them apart by name or by
/// default: the one list that config.json, GGUF metadata, fused checkpoints and error messages
/// read (docs/formats.md §2). How their layers differ (norm placement, activation, soft-capping,
/// sliding windows) is in ModelArchitecture+Layout.swift.
public enum ModelArchitecture: String, CaseIterable, Codable, Sendable {
    case llama, mistral, qwen2, gemma2, olmo2

    /// config.json's `model_type`.
    public var modelType: String { rawValue }

    /// GGUF's `general.architecture` (also the prefix of its `<arch>.*` keys).
    public var ggufName: String { rawValue }

    /// The transformers class written to a fused checkpoint's `architectures`.
    public var causalLMClassName: String {
        switch self {
        case .llama: return "LlamaForCausalLM"
        case .mistral: return "MistralForCausalLM"
        case .qwen2: return "Qwen2ForCausalLM"
        case .gemma2: return "Gemma2ForCausalLM"
        case .olmo2: return "Olmo2ForCausalLM"
        }
    }

    /// The architecture config.json's `model_type` names, or nil when DivTune does not run it.
    public init?(modelType: String) { self.init(rawValue: modelType) }

    /// The architecture GGUF's `general.architecture` names, or nil when DivTune does not run it.
    public init?(ggufName: String) {
        guard let found = Self.allCases.first(where: { $0.ggufName == ggufName }) else { return nil }
        self = found
    }

    /// "llama, mistral, qwen2, gemma2, olmo2": for errors that list what is supported.
    public static var supportedNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    // MARK: Defaults

    /// What transformers' config class (`LlamaConfig`, `MistralConfig`, `Qwen2Config`,
    /// `Gemma2Config`, `Olmo2Config`) uses when config.json lacks the field;
    /// scripts/reference/architecture_fixtures.py records them.
    public var defaultRMSNormEps: Float { self == .olmo2 ? 1e-5 : 1e-6 }
    public var defaultRopeTheta: Float { 10_000 }
    public var defaultTieWordEmbeddings: Bool { self == .gemma2 }
    public var defaultMaxPositionEmbeddings: Int {
        switch self {
        case .llama, .olmo2: return 2048
        case .mistral: return 4096 * 32
        case .qwen2: return 32768
        case .gemma2: return 8192
        }
    }

    /// `head_dim` when config.json lacks it: Gemma 2's class default, else hidden / heads (nil).
    public var defaultHeadDim: Int? { self == .gemma2 ? 256 : nil }

    /// `num_key_value_heads` when config.json lacks it: Llama falls back to the query head count,
    /// the others to their class default.
    public func defaultKeyValueHeads(attentionHeads: Int) -> Int {
        switch self {
        case .llama, .olmo2: return attentionHeads
        case .mistral: return 8
        case .qwen2: return 32
        case .gemma2: return 4
        }
    }

    /// Whether q/k/v projections carry biases, when the architecture decides it; nil where config.json's
    /// `attention_bias` (GGUF: a `blk.0.attn_q.bias` tensor) does. Mistral and Qwen2 build their
    /// projections without and with biases whatever `attention_bias` says.
    public var fixedAttentionBias: Bool? {
        switch self {
        case .llama, .gemma2, .olmo2: return nil
        case .mistral: return false
        case .qwen2: return true
        }
    }

    /// Whether a GGUF file of this architecture stores q/k rows permuted for interleaved RoPE:
    /// llama.cpp's converter does so for `llama` (HF Mistral checkpoints become `llama` files too);
    /// `qwen2`, `gemma2` and `olmo2` use NeoX RoPE, and `mistral` files are read as stored
    /// (docs/formats.md §2.1).
    public var ggufPermutesQK: Bool { self == .llama }
}
