import Foundation
import Testing
import WeightFormats
@testable import Models

/// One list of architectures and their defaults (`ModelArchitecture`), checked against what
/// transformers reads (scripts/reference/architecture_fixtures.py) and against GGUF files.
@Suite struct ModelArchitectureTests {
    static func fixture(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
    }

    static func referenceDefaults() throws -> [String: Any] {
        let data = try Data(contentsOf: fixture("architecture_defaults.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func decode(_ config: Any) throws -> LlamaConfiguration {
        try JSONDecoder().decode(LlamaConfiguration.self, from: JSONSerialization.data(withJSONObject: config))
    }

    /// Expects `body` to throw an error whose description has every fragment.
    func expectError(_ fragments: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("no error; expected one mentioning \(fragments)", sourceLocation: sourceLocation)
        } catch {
            let text = "\(error)"
            for f in fragments where !text.contains(f) {
                Issue.record("error \"\(text)\" does not mention \"\(f)\"", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func configWithoutOptionalFieldsTakesTransformersDefaults() throws {
        let architectures = try #require(Self.referenceDefaults()["architectures"] as? [String: [String: Any]])
        #expect(architectures.keys.sorted() == ModelArchitecture.allCases.map(\.modelType).sorted())
        for (modelType, reference) in architectures {
            let config = try #require(reference["config"] as? [String: Any])
            let expected = try #require(reference["expected"] as? [String: Any])
            let c = try Self.decode(config)
            #expect(c.architecture.modelType == modelType)
            #expect(c.rmsNormEps == Float(try #require(expected["rms_norm_eps"] as? Double)), "\(modelType)")
            #expect(c.ropeTheta == Float(try #require(expected["rope_theta"] as? Double)), "\(modelType)")
            #expect(c.maxPositionEmbeddings == expected["max_position_embeddings"] as? Int, "\(modelType)")
            #expect(c.tieWordEmbeddings == expected["tie_word_embeddings"] as? Bool, "\(modelType)")
            #expect(c.numKeyValueHeads == expected["num_key_value_heads"] as? Int, "\(modelType)")
            #expect(c.headDim == expected["head_dim"] as? Int, "\(modelType)")
            // Whether the built model has q/k/v biases, with attention_bias absent, true and false.
            let bias = try #require(reference["attention_bias"] as? [String: Bool])
            #expect(c.attentionBias == bias["absent"], "\(modelType)")
            for given in [true, false] {
                var withField = config
                withField["attention_bias"] = given
                #expect(try Self.decode(withField).attentionBias == bias["\(given)"], "\(modelType) with attention_bias \(given)")
            }
        }
    }

    /// transformers 5 writes RoPE settings only under `rope_parameters`.
    @Test func transformers5RopeParametersAreRead() throws {
        let reference = try #require(Self.referenceDefaults()["rope_parameters"] as? [String: Any])
        let expected = try #require(reference["expected"] as? [String: Any])
        let c = try Self.decode(try #require(reference["config"]))
        #expect(c.ropeTheta == Float(try #require(expected["rope_theta"] as? Double)))
        #expect(c.ropeScaling?.ropeType == expected["rope_type"] as? String)
        #expect(c.ropeScaling?.factor == Float(try #require(expected["factor"] as? Double)))
    }

    /// A GGUF whose general.architecture is "mistral" (written by gguf-py) is a Mistral model.
    @Test func ggufMistralIsMistral() throws {
        let url = try Self.fixture("tiny_mistral.gguf")
        let lm = try LanguageModel.load(path: url.path)
        #expect(lm.configuration.architecture == .mistral)
        #expect(lm.configuration.rmsNormEps == 1e-5)
        #expect(lm.configuration.ropeTheta == 1_000_000)
        #expect(lm.configuration.numKeyValueHeads == 1)
        #expect(!lm.configuration.attentionBias)
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(lm.configuration)) as? [String: Any]
        #expect(encoded?["model_type"] as? String == "mistral")
    }

    /// llama.cpp refuses a file without the RMSNorm epsilon rather than guess one; so do we.
    @Test func ggufWithoutRMSNormEpsilonIsRefused() throws {
        let dir = try TinyModelFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("no-eps.gguf")
        try TinyModelFiles.writeGGUF(to: url, metadata: TinyModelFiles.ggufMetadata.filter { $0.0 != "llama.attention.layer_norm_rms_epsilon" })
        expectError(["llama.attention.layer_norm_rms_epsilon", "missing", url.path]) { _ = try LanguageModel.load(path: url.path) }
    }

    @Test func unsupportedArchitecturesAreRefusedWithTheSupportedList() throws {
        let dir = try TinyModelFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gguf = dir.appendingPathComponent("gemma3.gguf")
        try TinyModelFiles.writeGGUF(to: gguf, metadata: TinyModelFiles.ggufMetadata.filter { $0.0 != "general.architecture" }
                                         + [("general.architecture", .string("gemma3"))])
        expectError([gguf.path, "'gemma3'", "llama, mistral, qwen2, gemma2, olmo2"]) { _ = try LanguageModel.load(path: gguf.path) }
        let folder = dir.appendingPathComponent("olmo3")
        try TinyModelFiles.writeFolder(at: folder, configJSON: TinyModelFiles.configJSON(["model_type": "\"olmo3\""]))
        expectError(["config.json", "'olmo3'", "llama, mistral, qwen2, gemma2, olmo2"]) { _ = try LanguageModel.load(path: folder.path) }
    }

    @Test func moduleNamesMapToGGUFAndBack() throws {
        #expect(HFModuleNames.ggufTensorName("model.embed_tokens.weight") == "token_embd.weight")
        #expect(HFModuleNames.ggufTensorName("model.norm.weight") == "output_norm.weight")
        #expect(HFModuleNames.ggufTensorName("lm_head.weight") == "output.weight")
        #expect(HFModuleNames.ggufTensorName("model.layers.12.self_attn.q_proj.bias") == "blk.12.attn_q.bias")
        #expect(HFModuleNames.ggufTensorName("model.layers.0.post_attention_layernorm.weight") == "blk.0.ffn_norm.weight")
        #expect(HFModuleNames.ggufTensorName("model.layers.0.mlp.down_proj.weight") == "blk.0.ffn_down.weight")
        for name in ["model.layers.x.mlp.up_proj.weight", "model.layers.03.mlp.up_proj.weight", "model.layers.0.mlp.fc1.weight", "lm_head.bias"] {
            #expect(HFModuleNames.ggufTensorName(name) == nil, "\(name)")
        }
        let found = HFModuleNames.module(atPath: "model.layers.7.self_attn.o_proj")
        #expect(found?.layer == 7 && found?.module == .oProj)
        #expect(HFModuleNames.projectionNames == ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
        for target in ["q_proj", "self_attn.q_proj", "layers.3.mlp.down_proj", "model.layers.3.mlp.down_proj"] {
            #expect(HFModuleNames.isProjectionTarget(target), "\(target)")
        }
        for target in ["qproj", "input_layernorm", "lm_head", "embed_tokens", "mlp.q_proj", "layers.x.mlp.up_proj", "model.layers.0", ""] {
            #expect(!HFModuleNames.isProjectionTarget(target), "\(target)")
        }
    }

    /// LoRA targets, adapter files and adapter saving all use the one list: a name outside it is
    /// refused with an error naming it.
    @Test func namesOutsideTheListAreRefusedByLoRA() throws {
        let dir = try TinyModelFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try LanguageModel.load(path: Self.fixture("tiny_mistral.gguf").path).model
        expectError(["target_modules", "'qproj'", "q_proj, k_proj"]) {
            _ = try LoRAAdapter(configuration: LoRAConfiguration(rank: 2, targetModules: ["q_proj", "qproj"]), model: model, seed: 0)
        }
        let adapter = try LoRAAdapter(configuration: LoRAConfiguration(rank: 2, targetModules: ["v_proj"]), model: model, seed: 0)
        #expect(adapter.parameterNames == ["base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight",
                                           "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight"])

        // adapter_config.json naming a module outside the list.
        let saved = dir.appendingPathComponent("adapter")
        try adapter.save(directory: saved)
        let configURL = saved.appendingPathComponent(LoRAAdapter.configFile)
        let good = try Data(contentsOf: configURL)
        try Data(String(decoding: good, as: UTF8.self).replacingOccurrences(of: "\"v_proj\"", with: "\"lm_head\"").utf8).write(to: configURL)
        expectError([configURL.path, "'lm_head'"]) { _ = try LoRAAdapter.load(directory: saved) }
        try good.write(to: configURL)

        // A tensor on a module outside the list.
        let weightsURL = saved.appendingPathComponent(LoRAAdapter.weightsFile)
        let stray = "base_model.model.model.layers.0.self_attn.x_proj.lora_A.weight"
        func writeTensor(_ name: String, _ shape: [Int]) throws {
            try SafetensorsWriter.write(tensors: [(name, shape, [Float](repeating: 0, count: shape.reduce(1, *)))], to: weightsURL)
        }
        try writeTensor(stray, [2, 8])
        expectError([weightsURL.path, stray, "'model.layers.0.self_attn.x_proj'"]) { _ = try LoRAAdapter.load(directory: saved) }
        let embedding = "base_model.model.model.embed_tokens.lora_embedding_A"
        try writeTensor(embedding, [2, 4])
        expectError([weightsURL.path, embedding]) { _ = try LoRAAdapter.load(directory: saved) }

        // Saving a layer whose path is outside the list.
        let odd = LoRAAdapter(configuration: adapter.configuration, layers: [("model.layers.0.mlp.fc1", adapter.layers[0].layer)])
        expectError(["'model.layers.0.mlp.fc1'"]) { try odd.save(directory: dir.appendingPathComponent("odd")) }
    }
}
