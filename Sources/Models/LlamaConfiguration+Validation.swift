/// Checks on a configuration read from a downloaded file, made before anything is allocated from
/// it: every size is positive and below a limit far above any released model, the products used
/// as tensor sizes cannot overflow, and the floating-point constants are finite and positive.
extension LlamaConfiguration {
    /// Upper bounds on the sizes, with room to spare over the largest released models (Llama 3.1
    /// 405B: hidden 16,384, FFN 53,248, 126 layers, 128 heads; Gemma 3: vocabulary 262,144, head
    /// size 256; Llama 4: 10M-token context), and low enough that products of them fit an `Int`.
    public static let sizeLimits: [(key: String, limit: Int)] = [
        ("hidden_size", 1 << 16), ("intermediate_size", 1 << 18), ("num_hidden_layers", 1 << 10),
        ("num_attention_heads", 1 << 10), ("num_key_value_heads", 1 << 10), ("head_dim", 1 << 12),
        ("vocab_size", 1 << 22), ("max_position_embeddings", 1 << 24),
    ]

    /// Structural checks that would otherwise surface as traps, huge allocations or NaN output.
    public func validate() throws {
        func bad(_ key: String, _ why: String) -> ModelError { .invalidConfiguration(key: key, reason: why) }
        let sizes = ["hidden_size": hiddenSize, "intermediate_size": intermediateSize, "num_hidden_layers": numHiddenLayers,
                     "num_attention_heads": numAttentionHeads, "num_key_value_heads": numKeyValueHeads, "head_dim": headDim,
                     "vocab_size": vocabSize, "max_position_embeddings": maxPositionEmbeddings]
        for (key, limit) in Self.sizeLimits {
            let value = sizes[key] ?? 0
            guard value > 0 else { throw bad(key, "must be positive, got \(value)") }
            guard value <= limit else { throw bad(key, "\(value) is above the limit of \(limit)") }
        }
        guard numAttentionHeads % numKeyValueHeads == 0 else {
            throw bad("num_key_value_heads", "\(numKeyValueHeads) does not divide num_attention_heads \(numAttentionHeads)")
        }
        guard headDim % 2 == 0 else { throw bad("head_dim", "RoPE needs an even head dimension, got \(headDim)") }
        // Within the limits these products fit easily; the query width must still be a sane layer.
        guard queryWidth <= 1 << 18 else {
            throw bad("num_attention_heads", "\(numAttentionHeads) heads of \(headDim) make a \(queryWidth)-wide query projection (limit \(1 << 18))")
        }
        guard rmsNormEps.isFinite, rmsNormEps > 0 else { throw bad("rms_norm_eps", "must be a positive finite number, got \(rmsNormEps)") }
        guard ropeTheta.isFinite, ropeTheta > 0 else { throw bad("rope_theta", "must be a positive finite number, got \(ropeTheta)") }
        if let scaling = ropeScaling { try scaling.validate() }
        try gemma?.validate(layers: numHiddenLayers)
    }

    /// `hidden_size / num_attention_heads`, when config.json or GGUF metadata give no head size.
    static func derivedHeadDim(hiddenSize: Int, heads: Int) throws -> Int {
        guard heads > 0 else { throw ModelError.invalidConfiguration(key: "num_attention_heads", reason: "must be positive, got \(heads)") }
        guard hiddenSize % heads == 0 else {
            throw ModelError.invalidConfiguration(key: "num_attention_heads",
                                                  reason: "\(heads) does not divide hidden_size \(hiddenSize), and no head size is given")
        }
        return hiddenSize / heads
    }
}

extension RopeScalingConfiguration {
    /// Finite positive factors; llama3's smoothing divides by `high_freq_factor − low_freq_factor`.
    func validate() throws {
        func bad(_ key: String, _ why: String) -> ModelError { .invalidConfiguration(key: "rope_scaling.\(key)", reason: why) }
        guard factor.isFinite, factor > 0 else { throw bad("factor", "must be a positive finite number, got \(factor)") }
        guard ropeType == "llama3" else { return }
        let low = lowFreqFactor ?? 1, high = highFreqFactor ?? 4
        guard low.isFinite, low > 0 else { throw bad("low_freq_factor", "must be a positive finite number, got \(low)") }
        guard high.isFinite, high > low else { throw bad("high_freq_factor", "must be finite and above low_freq_factor \(low), got \(high)") }
        if let original = originalMaxPositionEmbeddings, original <= 0 {
            throw bad("original_max_position_embeddings", "must be positive, got \(original)")
        }
    }
}
