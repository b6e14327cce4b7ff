import TensorEngine

/// A Llama-family decoder-only transformer (llama, mistral, qwen2): token embedding, N pre-norm
/// blocks with grouped-query attention and SwiGLU, final RMSNorm, and an lm head that is the
/// embedding matrix when `tie_word_embeddings` is set (SmolLM2).
///
/// The same forward serves inference (inside `Tensor.withNoGrad`, with a `KVCache`) and training
/// (autograd through frozen base weights into LoRA adapters).
public final class LlamaModel {
    public let configuration: LlamaConfiguration
    let embedTokens: Tensor
    let layers: [LlamaBlock]
    let norm: Tensor
    let lmHead: Linear

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
        embedTokens = try load(N.weight(N.embedTokens), [c.vocabSize, c.hiddenSize])
        norm = try load(N.weight(N.norm), [c.hiddenSize])
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
            func normWeight(_ m: DecoderLayerModule) throws -> Tensor { try load(N.weight(N.path(layer: i, m)), Self.weightShape(m, c)) }
            let attention = LlamaAttention(config: c, layerIndex: i, q: try module(.qProj), k: try module(.kProj),
                                           v: try module(.vProj), o: try module(.oProj), rope: rope)
            let mlp = LlamaMLP(gate: try module(.gateProj), up: try module(.upProj), down: try module(.downProj))
            return LlamaBlock(attention: attention, mlp: mlp, inputNorm: try normWeight(.inputNorm),
                              postAttentionNorm: try normWeight(.postAttentionNorm), eps: c.rmsNormEps)
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
        return try lmHead(h)
    }

    /// [B, T] log-probabilities of `targets` (negative: ignored, 0) at every position, through the
    /// output head without materialising [B, T, V] logits (``linearTokenLogProbs``) — the training
    /// path. Falls back to full logits when the head has a bias or a LoRA adapter. `positions`
    /// and `hiddenKeys` as in ``hiddenStates(_:positions:keyPadding:hiddenKeys:cache:)``.
    public func tokenLogProbs(_ ids: [[Int]], positions: [[Int]]? = nil, keyPadding: [[Bool]]? = nil,
                              hiddenKeys: [HiddenKeys] = [], targets: [[Int]]) throws -> Tensor {
        let h = try hiddenStates(ids, positions: positions, keyPadding: keyPadding, hiddenKeys: hiddenKeys)
        if lmHead.bias == nil && !(lmHead.lora?.isEnabled ?? false) {
            return try linearTokenLogProbs(hidden: h, weight: lmHead.weight, targets: targets)
        }
        return try TensorEngine.tokenLogProbs(logits: lmHead(h), targets: targets)
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
        var x = try embedding(embedTokens, ids: ids.flatMap { $0 }, shape: [b, t])
        for block in layers {
            x = try block(x, positions: flatPositions, keyPadding: keyPadding, hiddenKeys: hiddenKeys, cache: cache)
        }
        return try rmsNorm(x, weight: norm, eps: configuration.rmsNormEps)
    }
}
