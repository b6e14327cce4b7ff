import Foundation
import TensorEngine
import WeightFormats

/// A GGUF file's tensors under HF names: GGUF names are mapped (`blk.N.attn_q` →
/// `model.layers.N.self_attn.q_proj`), quantized blocks dequantized to Float32, and the Q/K rows
/// of the llama architecture un-permuted back to HF's rotate-half order.
public struct GGUFWeights: WeightSource {
    public let file: GGUFFile
    let heads: Int
    let kvHeads: Int
    let permutesQK: Bool

    public init(file: GGUFFile, heads: Int, kvHeads: Int) {
        self.file = file
        self.heads = heads
        self.kvHeads = kvHeads
        self.permutesQK = file.string("general.architecture") == "llama"
    }

    /// The GGUF name of an HF tensor name (nil for names GGUF has no counterpart for).
    public static func ggufName(_ hf: String) -> String? {
        let fixed = ["model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
                     "lm_head.weight": "output.weight"]
        if let name = fixed[hf] { return name }
        let parts = hf.split(separator: ".")
        guard parts.count >= 5, parts[0] == "model", parts[1] == "layers", let layer = Int(parts[2]) else { return nil }
        let module = parts[3..<(parts.count - 1)].joined(separator: "."), kind = parts.last!
        let table = ["input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
                     "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
                     "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
                     "mlp.down_proj": "ffn_down"]
        guard let g = table[module] else { return nil }
        return "blk.\(layer).\(g).\(kind)"
    }

    public func contains(_ name: String) -> Bool { Self.ggufName(name).flatMap { file.tensorInfo(named: $0) } != nil }

    public func shape(named name: String) throws -> [Int] { try info(named: name).shape }

    public func displayName(of name: String) -> String { "\(name) (GGUF \(Self.ggufName(name) ?? "?"))" }

    private func info(named name: String) throws -> GGUFTensorInfo {
        guard let g = Self.ggufName(name), let info = file.tensorInfo(named: g) else {
            throw ModelError.missingTensor(file: file.path, name: displayName(of: name))
        }
        return info
    }

    public func tensor(named name: String) throws -> Tensor {
        let info = try info(named: name)
        let shape = info.shape
        var heads: Int?
        if permutesQK && (name.contains("self_attn.q_proj") || name.contains("self_attn.k_proj")) {
            let h = name.contains("q_proj") ? self.heads : kvHeads
            // The permutation traps on rows that are not whole heads of even size: refuse those first.
            guard LlamaQKPermutation.isValid(rowCount: shape[0], heads: h) else {
                throw ModelError.unreadable(file: file.path, reason: "tensor '\(displayName(of: name))' has \(shape[0]) rows, not \(h) heads of even size")
            }
            heads = h
        }
        var values = try file.dequantize(info)
        if let heads {
            values = LlamaQKPermutation.unpermute(values, rowCount: shape[0], columns: shape.count > 1 ? shape[1] : 1, heads: heads)
        }
        return try Tensor(values, shape: shape)
    }

    /// Quantized 2-D weights only: F32/F16 matrices gain nothing over the dequantized copy.
    public func quantizedWeight(named name: String) -> QuantizedWeight? {
        guard let g = Self.ggufName(name), let info = file.tensorInfo(named: g), info.shape.count == 2,
              info.type.blockSize > 1, let matrix = try? file.quantizedMatrix(named: g) else { return nil }
        let permuted = permutesQK && (name.contains("self_attn.q_proj") || name.contains("self_attn.k_proj"))
        return QuantizedWeight(matrix: matrix, permutedHeads: permuted ? (name.contains("q_proj") ? heads : kvHeads) : nil)
    }
}

extension LlamaConfiguration {
    /// From GGUF metadata (`<arch>.*` keys); the vocabulary size falls back to the token list.
    public init(gguf f: GGUFFile) throws {
        let arch = f.string("general.architecture") ?? "?"
        guard ["llama", "mistral", "qwen2"].contains(arch) else { throw ModelError.unsupportedArchitecture(file: f.path, architecture: arch) }
        func need(_ key: String) throws -> Int {
            guard let v = f.int("\(arch).\(key)") else { throw ModelError.invalidConfiguration(key: "\(arch).\(key)", reason: "missing in \(f.path)") }
            return v
        }
        let hidden = try need("embedding_length"), heads = try need("attention.head_count")
        let vocab = f.int("\(arch).vocab_size") ?? f.strings("tokenizer.ggml.tokens")?.count ?? 0
        var scaling: RopeScalingConfiguration?
        if f.string("\(arch).rope.scaling.type") == "linear", let factor = f.double("\(arch).rope.scaling.factor") {
            scaling = RopeScalingConfiguration(ropeType: "linear", factor: Float(factor))
        }
        self.init(modelType: arch == "qwen2" ? "qwen2" : "llama", hiddenSize: hidden,
                  intermediateSize: try need("feed_forward_length"), numHiddenLayers: try need("block_count"),
                  numAttentionHeads: heads, numKeyValueHeads: f.int("\(arch).attention.head_count_kv") ?? heads,
                  headDim: try f.int("\(arch).attention.key_length") ?? Self.derivedHeadDim(hiddenSize: hidden, heads: heads), vocabSize: vocab,
                  rmsNormEps: Float(f.double("\(arch).attention.layer_norm_rms_epsilon") ?? 1e-5),
                  ropeTheta: Float(f.double("\(arch).rope.freq_base") ?? 10000), ropeScaling: scaling,
                  maxPositionEmbeddings: f.int("\(arch).context_length") ?? 2048,
                  tieWordEmbeddings: f.tensorInfo(named: "output.weight") == nil,
                  attentionBias: f.tensorInfo(named: "blk.0.attn_q.bias") != nil,
                  bosTokenId: f.int("tokenizer.ggml.bos_token_id"),
                  eosTokenIds: f.int("tokenizer.ggml.eos_token_id").map { [$0] } ?? [])
        try validate()
    }
}
