/// The tensors a configuration implies, checked against a weight source before any is read:
/// numbers in a file that disagree with its tensors must give an error naming the tensor, not
/// a trap in the Q/K un-permutation or an allocation sized by the wrong number.
extension LlamaModel {
    /// Every tensor of `c` by HF name with its shape; `lm_head.weight` when `withHead`.
    static func tensorShapes(_ c: LlamaConfiguration, withHead: Bool) -> [(name: String, shape: [Int])] {
        var shapes: [(String, [Int])] = [("model.embed_tokens.weight", [c.vocabSize, c.hiddenSize]), ("model.norm.weight", [c.hiddenSize])]
        if withHead { shapes.append(("lm_head.weight", [c.vocabSize, c.hiddenSize])) }
        for i in 0..<c.numHiddenLayers {
            let p = "model.layers.\(i)."
            shapes += [(p + "input_layernorm.weight", [c.hiddenSize]), (p + "post_attention_layernorm.weight", [c.hiddenSize]),
                       (p + "self_attn.q_proj.weight", [c.queryWidth, c.hiddenSize]), (p + "self_attn.k_proj.weight", [c.keyValueWidth, c.hiddenSize]),
                       (p + "self_attn.v_proj.weight", [c.keyValueWidth, c.hiddenSize]), (p + "self_attn.o_proj.weight", [c.hiddenSize, c.queryWidth]),
                       (p + "mlp.gate_proj.weight", [c.intermediateSize, c.hiddenSize]), (p + "mlp.up_proj.weight", [c.intermediateSize, c.hiddenSize]),
                       (p + "mlp.down_proj.weight", [c.hiddenSize, c.intermediateSize])]
            if c.attentionBias {
                shapes += [(p + "self_attn.q_proj.bias", [c.queryWidth]), (p + "self_attn.k_proj.bias", [c.keyValueWidth]),
                           (p + "self_attn.v_proj.bias", [c.keyValueWidth])]
            }
        }
        return shapes
    }

    /// Throws the source's missing-tensor error or `ModelError.tensorShape` for the first tensor of
    /// `c` that `weights` lacks or stores with another shape.
    static func checkShapes(_ c: LlamaConfiguration, in weights: some WeightSource, withHead: Bool) throws {
        for (name, expected) in tensorShapes(c, withHead: withHead) {
            let found = try weights.shape(named: name)
            guard found == expected else { throw ModelError.tensorShape(name: weights.displayName(of: name), expected: expected, got: found) }
        }
    }
}
