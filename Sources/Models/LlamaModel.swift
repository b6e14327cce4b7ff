import TensorEngine

/// A decoder-only transformer of the Llama family (llama, mistral, qwen2) and its relatives
/// (gemma2, olmo2): token embedding, N blocks with grouped-query attention and a gated MLP, final
/// RMSNorm, and an lm head that is the embedding matrix when `tie_word_embeddings` is set
/// (SmolLM2, Gemma 2). What the architectures do differently is described by
/// `ModelArchitecture` (+Layout) and `GemmaAttentionConfiguration`.
///
/// The same forward serves inference (inside `Tensor.withNoGrad`, with a `KVCache`) and training
/// (autograd through frozen base weights into LoRA adapters).
public final class LlamaModel {
    public let configuration: LlamaConfiguration
    let embedTokens: Tensor
    let layers: [LlamaBlock]
    /// The final norm's weight as checkpoints store it, and what the norm multiplies by.
    let norm: Tensor
    private let finalNormWeight: Tensor
    let lmHead: Linear
    /// Gemma 2: √hidden, the embeddings' scale; nil for the others.
    private let embeddingScale: Float?
    /// Gemma 2's final-logit soft-cap.
    private let logitSoftCap: Float?

    /// Which positions get logits: all of them (training, scoring) or only each sequence's last
    /// (prefill before generation — skips the vocabulary-sized product for every other position).
    public enum LogitPositions: Sendable { case all, last }

    /// Builds the model from weights named as in HF checkpoints (`model.layers.0.self_attn.q_proj.weight`).
    public init(configuration c: LlamaConfiguration, weights: some WeightSource) throws {
        typealias N = HFModuleNames
        try c.validate()
        let untied = !c.tieWordEmbeddings && weights.contains(N.weight(N.lmHead))
        try Self.checkShapes(c, in: weights, withHead: untied)
        self.configuration = c
        func load(_ name: String, _ shape: [Int]) throws -> Tensor {
            let t = try weights.tensor(named: name)
            guard t.shape == shape else { throw ModelError.tensorShape(name: name, expected: shape, got: t.shape) }
            return t
        }
        func linear(_ module: String, shape: [Int], bias: Bool) throws -> Linear {
            let layer = try Linear(weight: load(N.weight(module), shape), bias: bias ? load(N.bias(module), [shape[0]]) : nil)
            layer.quantized = weights.quantizedWeight(named: N.weight(module))
            return layer
        }
        let architecture = c.architecture
        embedTokens = try load(N.weight(N.embedTokens), [c.vocabSize, c.hiddenSize])
        norm = try load(N.weight(N.norm), [c.hiddenSize])
        finalNormWeight = try LlamaBlock.effectiveNormWeight(norm, offset: architecture.normWeightOffset)
        // transformers rounds √hidden to the model's dtype (float32 here) before multiplying.
        embeddingScale = architecture.scalesEmbeddings ? Float(Double(c.hiddenSize).squareRoot()) : nil
        logitSoftCap = c.gemma?.finalLogitSoftcapping
        if !untied {
            lmHead = try Linear(weight: embedTokens)
            lmHead.quantized = weights.quantizedWeight(named: N.weight(N.embedTokens))
        } else {
            lmHead = try linear(N.lmHead, shape: [c.vocabSize, c.hiddenSize], bias: false)
        }
        let rope = try RotaryEmbedding(headDim: c.headDim, theta: c.ropeTheta, scaling: c.ropeScaling?.engineScaling,
                                       layout: .rotateHalf)
        layers = try (0..<c.numHiddenLayers).map { i in
            func module(_ m: DecoderLayerModule) throws -> Linear {
                try linear(N.path(layer: i, m), shape: Self.weightShape(m, c), bias: Self.hasBias(m, c))
            }
            var norms: [DecoderLayerModule: Tensor] = [:]
            for m in architecture.layerModules where m.isNorm {
                norms[m] = try load(N.weight(N.path(layer: i, m)), Self.weightShape(m, c))
            }
            let attention = LlamaAttention(config: c, layerIndex: i, q: try module(.qProj), k: try module(.kProj),
                                           v: try module(.vProj), o: try module(.oProj), rope: rope,
                                           qNorm: norms[.qNorm], kNorm: norms[.kNorm])
            let mlp = LlamaMLP(gate: try module(.gateProj), up: try module(.upProj), down: try module(.downProj),
                               activation: architecture.activation)
            return try LlamaBlock(attention: attention, mlp: mlp, norms: norms, placement: architecture.layerNorms,
                                  weightOffset: architecture.normWeightOffset, eps: c.rmsNormEps)
        }
    }

    /// Every linear projection by its HF module path (`model.layers.3.self_attn.q_proj`), for LoRA.
    public var linearLayers: [(path: String, layer: Linear)] {
        layers.enumerated().flatMap { i, block in
            DecoderLayerModule.projections.compactMap { m in block.linear(m).map { (HFModuleNames.path(layer: i, m), $0) } }
        }
    }

    public func makeCache(capacity: Int? = nil) -> KVCache {
        KVCache(layers: configuration.numHiddenLayers, capacity: capacity ?? configuration.maxPositionEmbeddings)
    }

    /// Logits for a batch of equally long (padded) token rows.
    ///
    /// - Parameters:
    ///   - ids: B rows of T token ids.
    ///   - positions: B rows of T absolute positions; default `cache.length + t`.
    ///   - keyPadding: B rows over all S = cache.length + T keys, true where a key is a real token
    ///     (left padding for batched generation, right padding for training).
    /// - Returns: [B, T, V] logits, or [B, 1, V] with `.last`.
    public func callAsFunction(_ ids: [[Int]], positions: [[Int]]? = nil, keyPadding: [[Bool]]? = nil,
                               cache: KVCache? = nil, logits: LogitPositions = .all) throws -> Tensor {
        var h = try hiddenStates(ids, positions: positions, keyPadding: keyPadding, cache: cache)
        if logits == .last {
            h = try slice(h, axis: 1, range: (h.shape[1] - 1)..<h.shape[1])
        }
        return try outputLogits(h)
    }

    /// The lm head's logits of final hidden states, soft-capped for Gemma 2 (cap·tanh(z/cap)).
    func outputLogits(_ h: Tensor) throws -> Tensor {
        let z = try lmHead(h)
        guard let logitSoftCap else { return z }
        return try mul(tanh(div(z, logitSoftCap)), logitSoftCap)
    }

    /// Token embeddings [B, T, hidden] of `ids` laid out as `shape`, scaled for Gemma 2.
    func embed(_ ids: [Int], shape: [Int]) throws -> Tensor {
        let x = try embedding(embedTokens, ids: ids, shape: shape)
        guard let embeddingScale else { return x }
        return try mul(x, embeddingScale)
    }

    /// The final RMSNorm.
    func finalNorm(_ x: Tensor) throws -> Tensor { try rmsNorm(x, weight: finalNormWeight, eps: configuration.rmsNormEps) }

    /// [B, T] log-probabilities of `targets` (negative: ignored, 0) at every position, through the
    /// output head without materialising [B, T, V] logits (``linearTokenLogProbs``) — the training
    /// path. Falls back to full logits when the head has a bias or a LoRA adapter, or the logits
    /// are soft-capped (Gemma 2). `positions`
    /// and `hiddenKeys` as in ``hiddenStates(_:positions:keyPadding:hiddenKeys:cache:)``.
    public func tokenLogProbs(_ ids: [[Int]], positions: [[Int]]? = nil, keyPadding: [[Bool]]? = nil,
                              hiddenKeys: [HiddenKeys] = [], targets: [[Int]]) throws -> Tensor {
        let h = try hiddenStates(ids, positions: positions, keyPadding: keyPadding, hiddenKeys: hiddenKeys)
        if lmHead.bias == nil && !(lmHead.lora?.isEnabled ?? false) && logitSoftCap == nil {
            return try linearTokenLogProbs(hidden: h, weight: lmHead.weight, targets: targets)
        }
        return try TensorEngine.tokenLogProbs(logits: outputLogits(h), targets: targets)
    }

    /// Final-norm hidden states [B, T, hidden] (reward heads and embeddings start here).
    /// `hiddenKeys`: keys hidden from spans of queries besides the causal mask (sequences packed
    /// into one row that must not see each other, see ``HiddenKeys``).
    public func hiddenStates(_ ids: [[Int]], positions: [[Int]]? = nil, keyPadding: [[Bool]]? = nil,
                             hiddenKeys: [HiddenKeys] = [], cache: KVCache? = nil) throws -> Tensor {
        let b = ids.count
        guard b > 0, let t = ids.first?.count, t > 0, ids.allSatisfy({ $0.count == t }) else {
            throw ModelError.invalidInput("token rows must be non-empty and equally long (pad them)")
        }
        let start = cache?.length ?? 0
        let flatPositions = positions?.flatMap { $0 } ?? (0..<b).flatMap { _ in (start..<(start + t)).map { $0 } }
        guard flatPositions.count == b * t else {
            throw ModelError.invalidInput("positions must have the same shape as ids (\(b)×\(t))")
        }
        if let keyPadding, keyPadding.count != b || keyPadding.contains(where: { $0.count != start + t }) {
            throw ModelError.invalidInput("keyPadding must be \(b) rows of \(start + t) flags")
        }
        if start + t > (cache?.capacity ?? configuration.maxPositionEmbeddings) {
            throw ModelError.contextOverflow(tokens: start + t, limit: cache?.capacity ?? configuration.maxPositionEmbeddings)
        }
        var x = try embed(ids.flatMap { $0 }, shape: [b, t])
        for block in layers {
            x = try block(x, positions: flatPositions, keyPadding: keyPadding, hiddenKeys: hiddenKeys, cache: cache)
        }
        return try finalNorm(x)
    }
}
