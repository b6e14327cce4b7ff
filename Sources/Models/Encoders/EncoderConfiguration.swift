import Foundation

/// The hyper-parameters of a BERT-family encoder (`bert`, `roberta`, `xlm-roberta`, `camembert`),
/// read from an HF `config.json`. A file without `model_type` (jina-embeddings-v3's) is typed by
/// its `architectures` entry (`XLMRobertaModel` → `xlm-roberta`).
///
/// RoBERTa-style models with learned positions number them from `padding_idx + 1` (HF
/// `create_position_ids_from_input_ids`), so their first real token sits at position
/// `pad_token_id + 1`; BERT counts from 0, and rotary positions (jina) from 0.
///
/// Task adapters (`lora_adaptations`, `lora_rank`, `lora_alpha`, `task_instructions`) are read
/// for jina-embeddings-v3; see ``TaskAdaptedWeights``.
public struct EncoderConfiguration: Sendable, Equatable {
    public var modelType: String
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var vocabSize: Int
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float
    public var hiddenAct: String
    public var padTokenId: Int
    public var positions: EncoderPositions
    /// Names of the LoRA tasks, in adapter order (empty: no adapters).
    public var loraTasks: [String]
    public var loraRank: Int
    public var loraAlpha: Float
    /// Text prepended to every input under a task (jina: "Represent the query …: " for retrieval.query).
    public var taskInstructions: [String: String]

    public static let supportedModelTypes: Set<String> = ["bert", "roberta", "xlm-roberta", "camembert"]
    static let robertaStyle: Set<String> = ["roberta", "xlm-roberta", "camembert"]

    public var headDim: Int { hiddenSize / numAttentionHeads }
    /// The position id of token 0.
    public var positionOffset: Int { positions == .absolute && Self.robertaStyle.contains(modelType) ? padTokenId + 1 : 0 }
    /// The longest sequence the position table (or, for rotary positions, `max_position_embeddings`) allows.
    public var maxSequenceLength: Int { maxPositionEmbeddings - positionOffset }

    /// `model_type` of an HF architecture class name, for files that omit the key.
    static func modelType(architecture: String) -> String? {
        if architecture.hasPrefix("XLMRoberta") { return "xlm-roberta" }
        if architecture.hasPrefix("Roberta") { return "roberta" }
        if architecture.hasPrefix("Camembert") { return "camembert" }
        if architecture.hasPrefix("Bert") { return "bert" }
        return nil
    }

    /// Parses `config.json`; errors name the file and the key.
    public init(url: URL) throws {
        guard let data = try? Data(contentsOf: url) else { throw ModelError.missingFile(path: url.path, what: "config.json") }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelError.unreadable(file: url.path, reason: "not a JSON object")
        }
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            if let v = json[key] as? Int { return v }
            if json[key] == nil || json[key] is NSNull, let value { return value }
            throw ModelError.invalidConfiguration(key: "\(url.lastPathComponent): \(key)", reason: "expected an integer")
        }
        let architecture = (json["architectures"] as? [String])?.first
        let type = json["model_type"] as? String ?? architecture.flatMap(Self.modelType(architecture:)) ?? ""
        guard Self.supportedModelTypes.contains(type) else {
            let named = json["model_type"] != nil ? "'\(type)'" : "missing, and architectures[0] '\(architecture ?? "")' names no supported encoder"
            throw ModelError.invalidConfiguration(key: "\(url.path): model_type",
                reason: "\(named) (supported: \(Self.supportedModelTypes.sorted().joined(separator: ", ")))")
        }
        modelType = type
        hiddenSize = try int("hidden_size")
        intermediateSize = try int("intermediate_size")
        numHiddenLayers = try int("num_hidden_layers")
        numAttentionHeads = try int("num_attention_heads")
        vocabSize = try int("vocab_size")
        maxPositionEmbeddings = try int("max_position_embeddings", default: 512)
        typeVocabSize = try int("type_vocab_size", default: 2)
        padTokenId = try int("pad_token_id", default: Self.robertaStyle.contains(type) ? 1 : 0)
        layerNormEps = Float((json["layer_norm_eps"] as? Double) ?? 1e-12)
        hiddenAct = json["hidden_act"] as? String ?? "gelu"
        switch json["position_embedding_type"] as? String ?? "absolute" {
        case "absolute": positions = .absolute
        case "rotary":
            let base = (json["rotary_emb_base"] as? Double) ?? 10_000
            guard base.isFinite, base > 1 else {
                throw ModelError.invalidConfiguration(key: "\(url.lastPathComponent): rotary_emb_base", reason: "must be a finite number above 1, got \(base)")
            }
            positions = .rotary(base: Float(base))
        case let other:
            throw ModelError.invalidConfiguration(key: "\(url.lastPathComponent): position_embedding_type",
                                                  reason: "'\(other)' is not supported (\(EncoderPositions.supported.joined(separator: ", ")))")
        }
        if let tasks = json["lora_adaptations"], !(tasks is NSNull) {
            guard let names = tasks as? [String], !names.isEmpty, Set(names).count == names.count else {
                throw ModelError.invalidConfiguration(key: "\(url.lastPathComponent): lora_adaptations", reason: "expected a list of distinct task names")
            }
            loraTasks = names
        } else {
            loraTasks = []
        }
        loraRank = try int("lora_rank", default: 4)
        let alpha = (json["lora_alpha"] as? Double) ?? 1
        guard (1...1024).contains(loraRank), alpha.isFinite else {
            throw ModelError.invalidConfiguration(key: "\(url.lastPathComponent): lora_rank", reason: "rank \(loraRank) must lie in 1...1024 and lora_alpha \(alpha) be finite")
        }
        loraAlpha = Float(alpha)
        taskInstructions = json["task_instructions"] as? [String: String] ?? [:]
        // The same bounds as LlamaConfiguration.sizeLimits: sizes from a downloaded file must not
        // reach an allocation (1e13 layers) or overflow before the tensors are compared with them.
        for (key, value, limit) in [("hidden_size", hiddenSize, 1 << 16), ("intermediate_size", intermediateSize, 1 << 18),
                                    ("num_hidden_layers", numHiddenLayers, 1 << 10), ("num_attention_heads", numAttentionHeads, 1 << 10),
                                    ("vocab_size", vocabSize, 1 << 22), ("max_position_embeddings", maxPositionEmbeddings, 1 << 24),
                                    ("type_vocab_size", typeVocabSize, 1 << 10)] where !(1...limit).contains(value) {
            throw ModelError.invalidConfiguration(key: "\(url.lastPathComponent): \(key)", reason: "\(value) is outside 1...\(limit)")
        }
        guard (0..<vocabSize).contains(padTokenId) else {
            throw ModelError.invalidConfiguration(key: "\(url.lastPathComponent): pad_token_id", reason: "\(padTokenId) is outside the vocabulary 0..<\(vocabSize)")
        }
        guard layerNormEps.isFinite, layerNormEps > 0 else {
            throw ModelError.invalidConfiguration(key: "\(url.lastPathComponent): layer_norm_eps", reason: "must be a positive finite number, got \(layerNormEps)")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw ModelError.invalidConfiguration(key: "\(url.lastPathComponent): num_attention_heads",
                                                  reason: "hidden_size \(hiddenSize) must be a positive multiple of num_attention_heads \(numAttentionHeads)")
        }
        guard maxSequenceLength > 0 else {
            throw ModelError.invalidConfiguration(key: "\(url.lastPathComponent): max_position_embeddings",
                                                  reason: "\(maxPositionEmbeddings) leaves no positions after the offset \(positionOffset)")
        }
        guard EncoderActivation(hiddenAct) != nil else {
            throw ModelError.invalidConfiguration(key: "\(url.lastPathComponent): hidden_act",
                                                  reason: "'\(hiddenAct)' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)")
        }
    }
}

/// The feed-forward non-linearity named by `hidden_act`.
enum EncoderActivation {
    case gelu, geluTanh, relu

    init?(_ name: String) {
        switch name {
        case "gelu": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": self = .geluTanh
        case "relu": self = .relu
        default: return nil
        }
    }
}
