import Foundation

/// The hyper-parameters of a Llama-family decoder (`llama`, `mistral`, `qwen2`), read from an HF
/// `config.json` (snake_case keys below) or from GGUF metadata (`<arch>.*` keys).
///
/// Differences between the three families that matter here: Qwen2 has biases on q/k/v projections;
/// Mistral and Qwen2 may declare a sliding window (ignored: our contexts are shorter); Llama 3.1+
/// uses "llama3" RoPE scaling.
public struct LlamaConfiguration: Codable, Sendable, Equatable {
    public var modelType: String
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

    public static let supportedModelTypes: Set<String> = ["llama", "mistral", "qwen2"]

    public init(modelType: String = "llama", hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int,
                numAttentionHeads: Int, numKeyValueHeads: Int? = nil, headDim: Int? = nil, vocabSize: Int,
                rmsNormEps: Float = 1e-5, ropeTheta: Float = 10000, ropeScaling: RopeScalingConfiguration? = nil,
                maxPositionEmbeddings: Int = 2048, tieWordEmbeddings: Bool = false, attentionBias: Bool = false,
                bosTokenId: Int? = nil, eosTokenIds: [Int] = []) {
        self.modelType = modelType
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numKeyValueHeads = numKeyValueHeads ?? numAttentionHeads
        self.headDim = headDim ?? hiddenSize / max(numAttentionHeads, 1)   // validate() refuses heads ≤ 0
        self.vocabSize = vocabSize
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        self.ropeScaling = ropeScaling
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.tieWordEmbeddings = tieWordEmbeddings
        self.attentionBias = attentionBias
        self.bosTokenId = bosTokenId
        self.eosTokenIds = eosTokenIds
    }

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads", headDim = "head_dim", vocabSize = "vocab_size"
        case rmsNormEps = "rms_norm_eps", ropeTheta = "rope_theta", ropeScaling = "rope_scaling"
        case maxPositionEmbeddings = "max_position_embeddings", tieWordEmbeddings = "tie_word_embeddings"
        case attentionBias = "attention_bias", bosTokenId = "bos_token_id", eosTokenIds = "eos_token_id"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelType = try c.decode(String.self, forKey: .modelType)
        guard Self.supportedModelTypes.contains(modelType) else {
            throw DecodingError.dataCorruptedError(forKey: .modelType, in: c, debugDescription:
                "unsupported model_type '\(modelType)' (supported: \(Self.supportedModelTypes.sorted().joined(separator: ", ")))")
        }
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        numHiddenLayers = try c.decode(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try c.decode(Int.self, forKey: .numAttentionHeads)
        numKeyValueHeads = try c.decodeIfPresent(Int.self, forKey: .numKeyValueHeads) ?? numAttentionHeads
        if let given = try c.decodeIfPresent(Int.self, forKey: .headDim) {
            headDim = given
        } else {
            headDim = try Self.derivedHeadDim(hiddenSize: hiddenSize, heads: numAttentionHeads)
        }
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        rmsNormEps = try c.decodeIfPresent(Float.self, forKey: .rmsNormEps) ?? 1e-6
        ropeTheta = try c.decodeIfPresent(Float.self, forKey: .ropeTheta) ?? 10000
        ropeScaling = try c.decodeIfPresent(RopeScalingConfiguration.self, forKey: .ropeScaling)
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 2048
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
        attentionBias = try c.decodeIfPresent(Bool.self, forKey: .attentionBias) ?? (modelType == "qwen2")
        bosTokenId = try c.decodeIfPresent(Int.self, forKey: .bosTokenId)
        if let many = try? c.decodeIfPresent([Int].self, forKey: .eosTokenIds) {
            eosTokenIds = many
        } else {
            eosTokenIds = (try c.decodeIfPresent(Int.self, forKey: .eosTokenIds)).map { [$0] } ?? []
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
