/// The tensors a configuration implies, checked against a weight source before any is read:
/// numbers in a file that disagree with its tensors must give an error naming the tensor, not
/// a trap in the Q/K un-permutation or an allocation sized by the wrong number.
extension LlamaModel {
    /// The weight shape of a layer module under `c`: [out, in] for a projection, [hidden] for a norm.
    static func weightShape(_ module: DecoderLayerModule, _ c: LlamaConfiguration) -> [Int] {
        switch module {
        case .inputNorm, .postAttentionNorm, .preFeedForwardNorm, .postFeedForwardNorm: return [c.hiddenSize]
        case .qNorm: return [c.queryWidth]
        case .kNorm: return [c.keyValueWidth]
        case .qProj: return [c.queryWidth, c.hiddenSize]
        case .kProj, .vProj: return [c.keyValueWidth, c.hiddenSize]
        case .oProj: return [c.hiddenSize, c.queryWidth]
        case .gateProj, .upProj: return [c.intermediateSize, c.hiddenSize]
        case .downProj: return [c.hiddenSize, c.intermediateSize]
        }
    }

    /// Whether a layer module has a bias under `c` (q, k and v with `attentionBias`).
    static func hasBias(_ module: DecoderLayerModule, _ c: LlamaConfiguration) -> Bool {
        c.attentionBias && [.qProj, .kProj, .vProj].contains(module)
    }

    /// Every tensor of `c` by HF name with its shape; `lm_head.weight` when `withHead`.
    static func tensorShapes(_ c: LlamaConfiguration, withHead: Bool) -> [(name: String, shape: [Int])] {
        typealias N = HFModuleNames
        var shapes: [(String, [Int])] = [(N.weight(N.embedTokens), [c.vocabSize, c.hiddenSize]), (N.weight(N.norm), [c.hiddenSize])]
        if withHead { shapes.append((N.weight(N.lmHead), [c.vocabSize, c.hiddenSize])) }
        for i in 0..<c.numHiddenLayers {
            for module in c.architecture.layerModules {
                let path = N.path(layer: i, module), shape = weightShape(module, c)
                shapes.append((N.weight(path), shape))
                if hasBias(module, c) { shapes.append((N.bias(path), [shape[0]])) }
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
