import TensorEngine

/// One pre-norm decoder layer: h = x + attn(norm(x)); out = h + mlp(norm(h)).
final class LlamaBlock {
    let attention: LlamaAttention
    let mlp: LlamaMLP
    let inputNorm: Tensor
    let postAttentionNorm: Tensor
    let eps: Float

    init(attention: LlamaAttention, mlp: LlamaMLP, inputNorm: Tensor, postAttentionNorm: Tensor, eps: Float) {
        self.attention = attention
        self.mlp = mlp
        self.inputNorm = inputNorm
        self.postAttentionNorm = postAttentionNorm
        self.eps = eps
    }

    func callAsFunction(_ x: Tensor, positions: [Int], keyPadding: [[Bool]]?, hiddenKeys: [HiddenKeys] = [], cache: KVCache?) throws -> Tensor {
        try residual(x) { try attention($0, positions: positions, keyPadding: keyPadding, hiddenKeys: hiddenKeys, cache: cache) }
    }

    /// A decode step of B sequences with their own caches (x [B, 1, hidden]).
    func decode(_ x: Tensor, caches: [KVCache]) throws -> Tensor {
        try residual(x) { try attention.decode($0, caches: caches) }
    }

    private func residual(_ x: Tensor, attend: (Tensor) throws -> Tensor) throws -> Tensor {
        let h = try add(x, attend(rmsNorm(x, weight: inputNorm, eps: eps)))
        return try add(h, mlp(rmsNorm(h, weight: postAttentionNorm, eps: eps)))
    }
}
