import TensorEngine

/// A layer's parts by their names in the one list (`DecoderLayerModule`), so that loading, LoRA
/// and checkpoint writing walk the same modules.
extension LlamaBlock {
    /// The linear layer of a projection; nil for the norms.
    func linear(_ module: DecoderLayerModule) -> Linear? {
        switch module {
        case .qProj: return attention.qProj
        case .kProj: return attention.kProj
        case .vProj: return attention.vProj
        case .oProj: return attention.oProj
        case .gateProj: return mlp.gateProj
        case .upProj: return mlp.upProj
        case .downProj: return mlp.downProj
        default: return nil
        }
    }

    /// The weight of a norm as checkpoints store it; nil for the projections and for norms the
    /// architecture lacks.
    func normWeight(_ module: DecoderLayerModule) -> Tensor? { norms[module] }
}
