import TensorEngine

/// Grouped-query self-attention with RoPE (port of transformers' `LlamaAttention`).
final class LlamaAttention {
    let config: LlamaConfiguration
    let layerIndex: Int
    let qProj: Linear, kProj: Linear, vProj: Linear, oProj: Linear
    let rope: RotaryEmbedding

    init(config: LlamaConfiguration, layerIndex: Int, q: Linear, k: Linear, v: Linear, o: Linear, rope: RotaryEmbedding) {
        self.config = config
        self.layerIndex = layerIndex
        self.qProj = q; self.kProj = k; self.vProj = v; self.oProj = o
        self.rope = rope
    }

    /// x [B, T, hidden] → [B, T, hidden]. `positions` holds B·T absolute positions (row-major).
    func callAsFunction(_ x: Tensor, positions: [Int], keyPadding: [[Bool]]?, hiddenKeys: [HiddenKeys] = [], cache: KVCache?) throws -> Tensor {
        let (b, t) = (x.shape[0], x.shape[1])
        let d = config.headDim
        func heads(_ y: Tensor, _ n: Int) throws -> Tensor {
            try permute(reshape(y, [b, t, n, d]), [0, 2, 1, 3])
        }
        let qkv = try Linear.project(x, through: [qProj, kProj, vProj])
        var q = try heads(qkv[0], config.numAttentionHeads)
        var k = try heads(qkv[1], config.numKeyValueHeads)
        var v = try heads(qkv[2], config.numKeyValueHeads)
        q = try rope.apply(q, positions: positions)
        k = try rope.apply(k, positions: positions)
        let offset = cache?.storedLength(layer: layerIndex) ?? 0
        if let cache { (k, v) = try cache.append(layer: layerIndex, key: k, value: v) }
        let attended = try scaledDotProductAttention(query: q, key: k, value: v, causal: true,
                                                     queryOffset: offset, keyPadding: keyPadding, hiddenKeys: hiddenKeys)
        let merged = try reshape(permute(attended, [0, 2, 1, 3]), [b, t, config.queryWidth])
        return try oProj(merged)
    }
}
