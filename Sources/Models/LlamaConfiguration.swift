import Foundation

/// The hyper-parameters of a decoder (`ModelArchitecture`: llama, mistral, qwen2, gemma2, olmo2),
/// read from an HF `config.json` (snake_case keys below) or from GGUF metadata (`<arch>.*` keys).
/// A field config.json lacks takes the architecture's transformers default.
///
/// Differences between the families that matter here: Qwen2 has biases on q/k/v projections;
/// Mistral and Qwen2 may declare a sliding window (ignored: our contexts are shorter); Llama 3.1+
/// uses "llama3" RoPE scaling; Gemma 2 soft-caps attention scores and logits, scales queries by
/// `query_pre_attn_scalar` and alternates sliding-window and global layers (`gemma`, below).
public struct LlamaConfiguration: Codable, Sendable, Equatable {
    public var architecture: ModelArchitecture
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int
    public var headDim: Int
    public var vocabSize: Int
    public var rmsNormEps: Float
    public var ropeTheta: Float
    public var ropeScaling: RopeScalingConfiguration?
    public var maxPositionEmbeddings: Int
    public var tieWordEmbeddings: Bool
    public var attentionBias: Bool
    public var bosTokenId: Int?
    public var eosTokenIds: [Int]
    /// Gemma 2's attention settings; nil for every other architecture.
    public var gemma: GemmaAttentionConfiguration?

    /// Fields left nil take `architecture`'s defaults.
    public init(architecture: ModelArchitecture = .llama, hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int,
                numAttentionHeads: Int, numKeyValueHeads: Int? = nil, headDim: Int? = nil, vocabSize: Int,
                rmsNormEps: Float? = nil, ropeTheta: Float? = nil, ropeScaling: RopeScalingConfiguration? = nil,
                maxPositionEmbeddings: Int? = nil, tieWordEmbeddings: Bool? = nil, attentionBias: Bool? = nil,
                bosTokenId: Int? = nil, eosTokenIds: [Int] = [], gemma: GemmaAttentionConfiguration? = nil) {
        self.architecture = architecture
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numKeyValueHeads = numKeyValueHeads ?? architecture.defaultKeyValueHeads(attentionHeads: numAttentionHeads)
        self.headDim = headDim ?? architecture.defaultHeadDim ?? hiddenSize / max(numAttentionHeads, 1)   // validate() refuses heads ≤ 0
        self.vocabSize = vocabSize
        self.rmsNormEps = rmsNormEps ?? architecture.defaultRMSNormEps
        self.ropeTheta = ropeTheta ?? architecture.defaultRopeTheta
        self.ropeScaling = ropeScaling
        self.maxPositionEmbeddings = maxPositionEmbeddings ?? architecture.defaultMaxPositionEmbeddings
        self.tieWordEmbeddings = tieWordEmbeddings ?? architecture.defaultTieWordEmbeddings
        self.attentionBias = architecture.fixedAttentionBias ?? attentionBias ?? false
        self.bosTokenId = bosTokenId
        self.eosTokenIds = eosTokenIds
        self.gemma = architecture.hasGemmaAttention
            ? gemma ?? GemmaAttentionConfiguration(layers: numHiddenLayers) : nil
    }

    enum CodingKeys: String, CodingKey {
        case architecture = "model_type", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads", headDim = "head_dim", vocabSize = "vocab_size"
        case rmsNormEps = "rms_norm_eps", ropeTheta = "rope_theta", ropeScaling = "rope_scaling"
        case maxPositionEmbeddings = "max_position_embeddings", tieWordEmbeddings = "tie_word_embeddings"
        case attentionBias = "attention_bias", bosTokenId = "bos_token_id", eosTokenIds = "eos_token_id"
        case hiddenAct = "hidden_act", hiddenActivation = "hidden_activation"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(architecture, forKey: .architecture)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(numKeyValueHeads, forKey: .numKeyValueHeads)
        try c.encode(headDim, forKey: .headDim)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(rmsNormEps, forKey: .rmsNormEps)
        try c.encode(ropeTheta, forKey: .ropeTheta)
        try c.encodeIfPresent(ropeScaling, forKey: .ropeScaling)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encode(attentionBias, forKey: .attentionBias)
        try c.encodeIfPresent(bosTokenId, forKey: .bosTokenId)
        try c.encode(eosTokenIds, forKey: .eosTokenIds)
        // transformers reads the activation under its architecture's own key.
        try c.encode(architecture.activation.rawValue, forKey: architecture == .gemma2 ? .hiddenActivation : .hiddenAct)
        try gemma?.encode(to: encoder)
    }

    /// transformers 5 writes the RoPE settings (theta, type, scaling factors) as one
    /// `rope_parameters` object instead of `rope_theta` and `rope_scaling`.
    private enum RopeParametersKey: String, CodingKey { case ropeParameters = "rope_parameters" }
    private struct RopeParametersTheta: Decodable {
        var ropeTheta: Float?
        enum CodingKeys: String, CodingKey { case ropeTheta = "rope_theta" }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let modelType = try c.decode(String.self, forKey: .architecture)
        guard let architecture = ModelArchitecture(modelType: modelType) else {
            throw DecodingError.dataCorruptedError(forKey: .architecture, in: c, debugDescription:
                "unsupported model_type '\(modelType)' (supported: \(ModelArchitecture.supportedNames))")
        }
        let v5 = try decoder.container(keyedBy: RopeParametersKey.self)
        let ropeParameters = try v5.decodeIfPresent(RopeScalingConfiguration.self, forKey: .ropeParameters)
        let ropeParametersTheta = try v5.decodeIfPresent(RopeParametersTheta.self, forKey: .ropeParameters)?.ropeTheta
        let attentionHeads = try c.decode(Int.self, forKey: .numAttentionHeads)
        let hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        let headDim = try c.decodeIfPresent(Int.self, forKey: .headDim) ?? architecture.defaultHeadDim
        self.init(architecture: architecture, hiddenSize: hiddenSize,
                  intermediateSize: try c.decode(Int.self, forKey: .intermediateSize),
                  numHiddenLayers: try c.decode(Int.self, forKey: .numHiddenLayers),
                  numAttentionHeads: attentionHeads, numKeyValueHeads: try c.decodeIfPresent(Int.self, forKey: .numKeyValueHeads),
                  headDim: try headDim ?? Self.derivedHeadDim(hiddenSize: hiddenSize, heads: attentionHeads),
                  vocabSize: try c.decode(Int.self, forKey: .vocabSize),
                  rmsNormEps: try c.decodeIfPresent(Float.self, forKey: .rmsNormEps),
                  ropeTheta: try ropeParametersTheta ?? c.decodeIfPresent(Float.self, forKey: .ropeTheta),
                  ropeScaling: try ropeParameters.flatMap { $0.ropeType == "default" ? nil : $0 }
                      ?? c.decodeIfPresent(RopeScalingConfiguration.self, forKey: .ropeScaling),
                  maxPositionEmbeddings: try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings),
                  tieWordEmbeddings: try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings),
                  attentionBias: try c.decodeIfPresent(Bool.self, forKey: .attentionBias),
                  bosTokenId: try c.decodeIfPresent(Int.self, forKey: .bosTokenId),
                  eosTokenIds: try (try? c.decodeIfPresent([Int].self, forKey: .eosTokenIds))
                      ?? c.decodeIfPresent(Int.self, forKey: .eosTokenIds).map { [$0] } ?? [],
                  gemma: try architecture.hasGemmaAttention ? GemmaAttentionConfiguration(from: decoder) : nil)
        // Gemma 2 names its activation `hidden_activation` (transformers ignores its `hidden_act`).
        let activationKey: CodingKeys = architecture == .gemma2 ? .hiddenActivation : .hiddenAct
        if let activation = try c.decodeIfPresent(String.self, forKey: activationKey), activation != architecture.activation.rawValue {
            throw DecodingError.dataCorruptedError(forKey: activationKey, in: c, debugDescription:
                "\(architecture.rawValue) runs with \(architecture.activation.rawValue), not '\(activation)'")
        }
        try validate()
    }

    public var queryWidth: Int { numAttentionHeads * headDim }
    public var keyValueWidth: Int { numKeyValueHeads * headDim }
}

/// `rope_scaling` of config.json. Supported: "llama3" (Llama 3.1+) and "linear"; "default" or
/// absent means none.
public struct RopeScalingConfiguration: Codable, Sendable, Equatable {
    public var ropeType: String
    public var factor: Float
    public var lowFreqFactor: Float?
    public var highFreqFactor: Float?
    public var originalMaxPositionEmbeddings: Int?

    public init(ropeType: String, factor: Float, lowFreqFactor: Float? = nil, highFreqFactor: Float? = nil,
                originalMaxPositionEmbeddings: Int? = nil) {
        self.ropeType = ropeType
        self.factor = factor
        self.lowFreqFactor = lowFreqFactor
        self.highFreqFactor = highFreqFactor
        self.originalMaxPositionEmbeddings = originalMaxPositionEmbeddings
    }

    enum CodingKeys: String, CodingKey {
        case ropeType = "rope_type", type, factor
        case lowFreqFactor = "low_freq_factor", highFreqFactor = "high_freq_factor"
        case originalMaxPositionEmbeddings = "original_max_position_embeddings"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ropeType = try c.decodeIfPresent(String.self, forKey: .ropeType) ?? c.decodeIfPresent(String.self, forKey: .type) ?? "default"
        factor = try c.decodeIfPresent(Float.self, forKey: .factor) ?? 1
        lowFreqFactor = try c.decodeIfPresent(Float.self, forKey: .lowFreqFactor)
        highFreqFactor = try c.decodeIfPresent(Float.self, forKey: .highFreqFactor)
        originalMaxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .originalMaxPositionEmbeddings)
        guard ["llama3", "linear", "default"].contains(ropeType) else {
            throw DecodingError.dataCorruptedError(forKey: .ropeType, in: c, debugDescription:
                "unsupported rope_scaling type '\(ropeType)' (supported: llama3, linear)")
        }
        if ropeType == "llama3" && (lowFreqFactor == nil || highFreqFactor == nil || originalMaxPositionEmbeddings == nil) {
            throw DecodingError.dataCorruptedError(forKey: .factor, in: c, debugDescription:
                "llama3 rope_scaling needs factor, low_freq_factor, high_freq_factor and original_max_position_embeddings")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ropeType, forKey: .ropeType)
        try c.encode(factor, forKey: .factor)
        try c.encodeIfPresent(lowFreqFactor, forKey: .lowFreqFactor)
        try c.encodeIfPresent(highFreqFactor, forKey: .highFreqFactor)
        try c.encodeIfPresent(originalMaxPositionEmbeddings, forKey: .originalMaxPositionEmbeddings)
    }
}

import TensorEngine

extension RopeScalingConfiguration {
    /// The engine's description of this scaling (nil for "default").
    var engineScaling: RopeScaling? {
        switch ropeType {
        case "llama3":
            return .llama3(factor: factor, lowFreqFactor: lowFreqFactor ?? 1, highFreqFactor: highFreqFactor ?? 4,
                           originalMaxPositionEmbeddings: originalMaxPositionEmbeddings ?? 8192)
        case "linear": return .linear(factor: factor)
        default: return nil
        }
    }
}
