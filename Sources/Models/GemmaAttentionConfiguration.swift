/// Gemma 2's attention settings (config.json keys below; GGUF `gemma2.*` keys in GGUFWeights.swift):
/// queries scaled by 1/√`query_pre_attn_scalar`, attention scores and final logits soft-capped
/// (cap·tanh(x/cap)), and layers alternating between a sliding window of `sliding_window` keys and
/// global attention (docs/formats.md §2.6). A field config.json lacks takes `Gemma2Config`'s default;
/// a soft-cap given as null means none.
public struct GemmaAttentionConfiguration: Codable, Sendable, Equatable {
    public var queryPreAttnScalar: Float
    public var attnLogitSoftcapping: Float?
    public var finalLogitSoftcapping: Float?
    public var slidingWindow: Int
    /// transformers' `layer_types`: "sliding_attention" or "full_attention" per layer.
    public var layerTypes: [String]

    public static let slidingAttention = "sliding_attention", fullAttention = "full_attention"

    /// `Gemma2Config`'s defaults for a model of `layers` layers: even layers slide.
    public init(layers: Int, queryPreAttnScalar: Float = 256, attnLogitSoftcapping: Float? = 50,
                finalLogitSoftcapping: Float? = 30, slidingWindow: Int = 4096, layerTypes: [String]? = nil) {
        self.queryPreAttnScalar = queryPreAttnScalar
        self.attnLogitSoftcapping = attnLogitSoftcapping
        self.finalLogitSoftcapping = finalLogitSoftcapping
        self.slidingWindow = slidingWindow
        self.layerTypes = layerTypes ?? Self.alternating(layers)
    }

    static func alternating(_ layers: Int) -> [String] {
        (0..<max(layers, 0)).map { $0 % 2 == 0 ? slidingAttention : fullAttention }
    }

    /// The key window of layer `index`, nil for a global layer.
    public func window(layer index: Int) -> Int? {
        layerTypes[index] == Self.slidingAttention ? slidingWindow : nil
    }

    enum CodingKeys: String, CodingKey {
        case queryPreAttnScalar = "query_pre_attn_scalar", attnLogitSoftcapping = "attn_logit_softcapping"
        case finalLogitSoftcapping = "final_logit_softcapping", slidingWindow = "sliding_window", layerTypes = "layer_types"
        case numHiddenLayers = "num_hidden_layers"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        /// Absent: the default; null: none.
        func cap(_ key: CodingKeys, _ fallback: Float) throws -> Float? {
            guard c.contains(key) else { return fallback }
            return try c.decodeNil(forKey: key) ? nil : c.decode(Float.self, forKey: key)
        }
        let layers = try c.decode(Int.self, forKey: .numHiddenLayers)
        self.init(layers: layers, queryPreAttnScalar: try c.decodeIfPresent(Float.self, forKey: .queryPreAttnScalar) ?? 256,
                  attnLogitSoftcapping: try cap(.attnLogitSoftcapping, 50), finalLogitSoftcapping: try cap(.finalLogitSoftcapping, 30),
                  slidingWindow: try c.decodeIfPresent(Int.self, forKey: .slidingWindow) ?? 4096,
                  layerTypes: try c.decodeIfPresent([String].self, forKey: .layerTypes))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(queryPreAttnScalar, forKey: .queryPreAttnScalar)
        try c.encode(attnLogitSoftcapping, forKey: .attnLogitSoftcapping)   // null: none
        try c.encode(finalLogitSoftcapping, forKey: .finalLogitSoftcapping)
        try c.encode(slidingWindow, forKey: .slidingWindow)
        try c.encode(layerTypes, forKey: .layerTypes)
    }

    /// Finite positive numbers, and one known layer type per layer.
    func validate(layers: Int) throws {
        func bad(_ key: CodingKeys, _ why: String) -> ModelError { .invalidConfiguration(key: key.rawValue, reason: why) }
        guard queryPreAttnScalar.isFinite, queryPreAttnScalar > 0 else {
            throw bad(.queryPreAttnScalar, "must be a positive finite number, got \(queryPreAttnScalar)")
        }
        for (key, value) in [(CodingKeys.attnLogitSoftcapping, attnLogitSoftcapping), (.finalLogitSoftcapping, finalLogitSoftcapping)] {
            if let value, !(value.isFinite && value > 0) { throw bad(key, "must be a positive finite number or null, got \(value)") }
        }
        guard slidingWindow > 0 else { throw bad(.slidingWindow, "must be positive, got \(slidingWindow)") }
        guard layerTypes.count == layers else {
            throw bad(.layerTypes, "has \(layerTypes.count) entries for \(layers) layers (num_hidden_layers)")
        }
        if let unknown = layerTypes.first(where: { $0 != Self.slidingAttention && $0 != Self.fullAttention }) {
            throw bad(.layerTypes, "'\(unknown)' is not \(Self.slidingAttention) or \(Self.fullAttention)")
        }
    }
}
