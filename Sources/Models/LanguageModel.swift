import Base
import Foundation
import TensorEngine
import Tokenizers
import WeightFormats

/// A loaded model with everything needed to talk to it: weights, tokenizer and chat template.
public struct LanguageModel {
    public let model: LlamaModel
    public let tokenizer: any Tokenizer
    /// The model's own Jinja chat templates by name (most have only "default"), when it ships any.
    public let chatTemplates: NamedChatTemplates?
    /// The special-token strings its chat templates see (`bos_token`, `eos_token`, …), as configured.
    public let templateSpecialTokens: [String: String]
    public let source: String
    /// Token ids that end generation (EOS and, for chat models, end-of-turn tokens).
    public let stopTokenIds: Set<Int>

    public var configuration: LlamaConfiguration { model.configuration }
    /// The model's "default" chat template.
    public var chatTemplate: String? { chatTemplates?.defaultTemplate }

    /// Loads a `.gguf` file or an HF model folder (config.json, model*.safetensors, tokenizer.json).
    public static func load(path: String) throws -> LanguageModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelError.missingFile(path: path, what: "model (a .gguf file or an HF model folder)")
        }
        if isDirectory.boolValue { return try loadFolder(URL(fileURLWithPath: path)) }
        return try loadGGUF(path)
    }

    static func loadGGUF(_ path: String) throws -> LanguageModel {
        let file = try GGUFFile(path: path)
        let config = try LlamaConfiguration(gguf: file)
        let model = try LlamaModel(configuration: config, weights: GGUFWeights(file: file, heads: config.numAttentionHeads,
                                                                             kvHeads: config.numKeyValueHeads))
        let tokenizer = try BPETokenizer.fromGGUF(file)
        var stops = Set(config.eosTokenIds)
        if let eos = tokenizer.eosTokenId { stops.insert(eos) }
        for marker in ["<|im_end|>", "<|eot_id|>", "<|endoftext|>", "</s>"] { if let id = tokenizer.tokenToId(marker) { stops.insert(id) } }
        return LanguageModel(model: model, tokenizer: tokenizer, chatTemplates: file.string("tokenizer.chat_template").map(NamedChatTemplates.init(single:)),
                             templateSpecialTokens: tokenizer.config?.templateSpecialTokens ?? [:], source: path, stopTokenIds: stops)
    }

    static func loadFolder(_ url: URL) throws -> LanguageModel {
        let configURL = url.appendingPathComponent("config.json")
        guard let data = try? Data(contentsOf: configURL) else { throw ModelError.missingFile(path: configURL.path, what: "config.json") }
        let config: LlamaConfiguration
        do { config = try JSONDecoder().decode(LlamaConfiguration.self, from: data) } catch {
            throw ModelError.unreadable(file: configURL.path, reason: (error as? DecodingError)?.readableDescription ?? "\(error)")
        }
        // transformers reads a repeated key's last value, Foundation its first: refuse the file.
        if let key = JSONDuplicateKeys.first(in: data) { throw ModelError.unreadable(file: configURL.path, reason: "key \"\(key)\" appears twice") }
        let checkpoint = try SafetensorsCheckpoint(directory: url)
        let model = try LlamaModel(configuration: config, weights: SafetensorsWeights(checkpoint: checkpoint))
        // The tokenizer reads its folder as transformers 5 does: tokenizer_config.json, whose chat
        // template chat_template.jinja (and additional_chat_templates/) replaces.
        let tokenizer = try BPETokenizer(tokenizerJSON: url.appendingPathComponent("tokenizer.json"))
        var stops = Set(config.eosTokenIds)
        if let eos = tokenizer.eosTokenId { stops.insert(eos) }
        for marker in ["<|im_end|>", "<|eot_id|>", "<|endoftext|>", "</s>"] { if let id = tokenizer.tokenToId(marker) { stops.insert(id) } }
        return LanguageModel(model: model, tokenizer: tokenizer, chatTemplates: tokenizer.config?.chatTemplates,
                             templateSpecialTokens: tokenizer.config?.templateSpecialTokens ?? [:], source: url.path, stopTokenIds: stops)
    }
}

/// An HF checkpoint's tensors (names used as they are).
public struct SafetensorsWeights: WeightSource {
    public let checkpoint: SafetensorsCheckpoint
    public init(checkpoint: SafetensorsCheckpoint) { self.checkpoint = checkpoint }
    public func contains(_ name: String) -> Bool { checkpoint.contains(name) }
    public func shape(named name: String) throws -> [Int] { try info(named: name).shape }
    public func tensor(named name: String) throws -> Tensor {
        let info = try info(named: name)
        return try Tensor(checkpoint.floats(named: name), shape: info.shape)
    }
    private func info(named name: String) throws -> SafetensorsTensorInfo {
        guard let info = checkpoint.info(named: name) else { throw ModelError.missingTensor(file: checkpoint.directory.path, name: name) }
        return info
    }
}
