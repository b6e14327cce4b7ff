import Foundation
import TensorEngine
import WeightFormats

/// A GGUF file's tensors under HF names: GGUF names are mapped (`blk.N.attn_q` →
/// `model.layers.N.self_attn.q_proj`), quantized blocks dequantized to Float32, the Q/K rows
/// of the llama architecture un-permuted back to HF's rotate-half order, and Gemma 2's norm
/// weights, which llama.cpp's converter stores as 1 + w, given back as w (docs/formats.md §2.1).
public struct GGUFWeights: WeightSource {
    public let file: GGUFFile
    let heads: Int
    let kvHeads: Int
    let architecture: ModelArchitecture
    let permutesQK: Bool

    public init(file: GGUFFile, heads: Int, kvHeads: Int) {
        self.file = file
        self.heads = heads
        self.kvHeads = kvHeads
        self.architecture = file.string("general.architecture").flatMap(ModelArchitecture.init(ggufName:)) ?? .llama
        self.permutesQK = architecture.ggufPermutesQK
    }

    private func ggufName(_ name: String) -> String? { HFModuleNames.ggufTensorName(name, architecture: architecture) }

    public func contains(_ name: String) -> Bool { ggufName(name).flatMap { file.tensorInfo(named: $0) } != nil }

    public func shape(named name: String) throws -> [Int] { try info(named: name).shape }

    public func displayName(of name: String) -> String { "\(name) (GGUF \(ggufName(name) ?? "?"))" }

    /// Whether `name` is a norm weight (the final norm or a layer's), which Gemma's converter shifts by 1.
    private func isNorm(_ name: String) -> Bool {
        guard name.hasSuffix(".weight") else { return false }
        let path = String(name.dropLast(".weight".count))
        return path == HFModuleNames.norm || HFModuleNames.module(atPath: path)?.module.isNorm == true
    }

    /// The head count whose rows the file stores permuted for tensor `name` (q: query heads, k: KV
    /// heads), nil when it stores them as HF does.
    private func permutedHeads(_ name: String) -> Int? {
        guard permutesQK, let dot = name.lastIndex(of: "."), let module = HFModuleNames.module(atPath: String(name[..<dot]))?.module else { return nil }
        switch module {
        case .qProj: return heads
        case .kProj: return kvHeads
        default: return nil
        }
    }

    private func info(named name: String) throws -> GGUFTensorInfo {
        guard let g = ggufName(name), let info = file.tensorInfo(named: g) else {
            throw ModelError.missingTensor(file: file.path, name: displayName(of: name))
        }
        return info
    }

    public func tensor(named name: String) throws -> Tensor {
        let info = try info(named: name)
        let shape = info.shape
        let heads = permutedHeads(name)
        // The permutation traps on rows that are not whole heads of even size: refuse those first.
        if let heads, !LlamaQKPermutation.isValid(rowCount: shape[0], heads: heads) {
            throw ModelError.unreadable(file: file.path, reason: "tensor '\(displayName(of: name))' has \(shape[0]) rows, not \(heads) heads of even size")
        }
        var values = try file.dequantize(info)
        if let heads {
            values = LlamaQKPermutation.unpermute(values, rowCount: shape[0], columns: shape.count > 1 ? shape[1] : 1, heads: heads)
        }
        let offset = architecture.normWeightOffset
        if offset != 0 && isNorm(name) { values = values.map { $0 - offset } }
        return try Tensor(values, shape: shape)
    }

    /// Quantized 2-D weights only: F32/F16 matrices gain nothing over the dequantized copy.
    public func quantizedWeight(named name: String) -> QuantizedWeight? {
        guard let g = ggufName(name), let info = file.tensorInfo(named: g), info.shape.count == 2,
              info.type.blockSize > 1, let matrix = try? file.quantizedMatrix(named: g) else { return nil }
        guard let heads = permutedHeads(name) else { return QuantizedWeight(matrix: matrix) }
        // Rows that are not whole heads of even size are refused when the dequantized tensor is read.
        guard LlamaQKPermutation.isValid(rowCount: matrix.rowCount, heads: heads) else { return nil }
        return QuantizedWeight(matrix: matrix.reorderingRows(LlamaQKPermutation.ggufRows(rowCount: matrix.rowCount, heads: heads)))
    }
}

extension LlamaConfiguration {
    /// From GGUF metadata (`<arch>.*` keys); the vocabulary size falls back to the token list.
    /// `<arch>.attention.layer_norm_rms_epsilon` is required, as llama.cpp requires it.
    public init(gguf f: GGUFFile) throws {
        let name = f.string("general.architecture") ?? "?"
        guard let architecture = ModelArchitecture(ggufName: name) else { throw ModelError.unsupportedArchitecture(file: f.path, architecture: name) }
        let arch = architecture.ggufName
        func missing(_ key: String) -> ModelError { .invalidConfiguration(key: "\(arch).\(key)", reason: "missing in \(f.path)") }
        func need(_ key: String) throws -> Int {
            guard let v = f.int("\(arch).\(key)") else { throw missing(key) }
            return v
        }
        guard let eps = f.double("\(arch).attention.layer_norm_rms_epsilon") else { throw missing("attention.layer_norm_rms_epsilon") }
        let hidden = try need("embedding_length"), heads = try need("attention.head_count")
        let vocab = f.int("\(arch).vocab_size") ?? f.strings("tokenizer.ggml.tokens")?.count ?? 0
        var scaling: RopeScalingConfiguration?
        if f.string("\(arch).rope.scaling.type") == "linear", let factor = f.double("\(arch).rope.scaling.factor") {
            scaling = RopeScalingConfiguration(ropeType: "linear", factor: Float(factor))
        }
        let tensors = GGUFWeights(file: f, heads: heads, kvHeads: heads)   // only asked which tensors exist
        let layers = try need("block_count")
        let headDim = try f.int("\(arch).attention.key_length") ?? architecture.defaultHeadDim ?? Self.derivedHeadDim(hiddenSize: hidden, heads: heads)
        self.init(architecture: architecture, hiddenSize: hidden,
                  intermediateSize: try need("feed_forward_length"), numHiddenLayers: layers,
                  numAttentionHeads: heads, numKeyValueHeads: f.int("\(arch).attention.head_count_kv") ?? heads,
                  headDim: headDim, vocabSize: vocab,
                  rmsNormEps: Float(eps),
                  ropeTheta: Float(f.double("\(arch).rope.freq_base") ?? 10000), ropeScaling: scaling,
                  maxPositionEmbeddings: f.int("\(arch).context_length") ?? 2048,
                  tieWordEmbeddings: !tensors.contains(HFModuleNames.weight(HFModuleNames.lmHead)),
                  attentionBias: tensors.contains(HFModuleNames.bias(HFModuleNames.path(layer: 0, .qProj))),
                  bosTokenId: f.int("tokenizer.ggml.bos_token_id"),
                  eosTokenIds: f.int("tokenizer.ggml.eos_token_id").map { [$0] } ?? [],
                  gemma: architecture.hasGemmaAttention ? Self.gemmaAttention(f, layers: layers, hidden: hidden, heads: heads, headDim: headDim) : nil)
        try validate()
    }

    /// Gemma 2's attention settings from `gemma2.*` keys, as llama.cpp reads them: the soft-caps
    /// and window default to Gemma2Config's values, layers alternate sliding/global, and queries
    /// are scaled by 1/√head_dim except in the 46-layer 27B model, by 1/√(hidden/heads) — a GGUF
    /// file carries no `query_pre_attn_scalar`.
    private static func gemmaAttention(_ f: GGUFFile, layers: Int, hidden: Int, heads: Int, headDim: Int) -> GemmaAttentionConfiguration {
        let arch = ModelArchitecture.gemma2.ggufName
        return GemmaAttentionConfiguration(layers: layers, queryPreAttnScalar: Float(layers == 46 ? hidden / max(heads, 1) : headDim),
                                           attnLogitSoftcapping: Float(f.double("\(arch).attn_logit_softcapping") ?? 50),
                                           finalLogitSoftcapping: Float(f.double("\(arch).final_logit_softcapping") ?? 30),
                                           slidingWindow: f.int("\(arch).attention.sliding_window") ?? 4096)
    }
}
