import ChatTemplates
import Foundation
@testable import Models
import TensorEngine
import Testing
import Tokenizers
@testable import Server

/// A chat template shipped inside a model file is rendered on every chat request: when it goes
/// past a template limit, the request gets a 400 naming the limit (and nothing crashes or hangs).
@Suite struct HostileTemplateTests {
    /// A one-layer model of zeros and a five-token tokenizer: enough to serve, no files needed.
    func serving(template: String) throws -> ServedModel {
        let c = LlamaConfiguration(hiddenSize: 8, intermediateSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, vocabSize: 5)
        var shapes: [String: [Int]] = ["model.embed_tokens.weight": [5, 8], "model.norm.weight": [8],
                                       "model.layers.0.input_layernorm.weight": [8], "model.layers.0.post_attention_layernorm.weight": [8]]
        for p in ["q_proj", "k_proj", "v_proj", "o_proj"] { shapes["model.layers.0.self_attn.\(p).weight"] = [8, 8] }
        for p in ["gate_proj", "up_proj", "down_proj"] { shapes["model.layers.0.mlp.\(p).weight"] = [8, 8] }
        let weights = try shapes.mapValues { try Tensor([Float](repeating: 0, count: $0.reduce(1, *)), shape: $0) }
        let tokenizer = try PreTrainedTokenizer(data: Data(#"{"model": {"type": "BPE", "vocab": {"h": 0, "i": 1, "<": 2, ">": 3, " ": 4}, "merges": []}}"#.utf8))
        let model = LanguageModel(model: try LlamaModel(configuration: c, weights: InMemoryWeights(weights)), tokenizer: tokenizer,
                                  chatTemplates: NamedChatTemplates(single: template), templateSpecialTokens: [:],
                                  source: "<memory>", stopTokenIds: [])
        return try ServedModel(model: model, id: "hostile", base: nil, baseId: nil, maxQueue: 1, limits: RequestLimits(), log: nil)
    }

    @Test func templateLimitsAnswerBadRequest() throws {
        let request = try CompletionRequest(endpoint: .chat, fields: FieldReader.parse(body: Data(#"{"messages": [{"role": "user", "content": "hi"}]}"#.utf8)),
                                            limits: RequestLimits(), contextLength: 64)
        #expect(try serving(template: "{{ messages[0].content }}").promptIds(for: request).ids == [0, 1])
        let hostile = [
            "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
            "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}",
            "{{ messages | tojson(indent=1000000000000) }}",
        ]
        for template in hostile {
            let served = try serving(template: template)
            do {
                _ = try served.promptIds(for: request)
                Issue.record("rendered: \(template)")
            } catch let error as APIError {
                #expect(error.status == .badRequest)
                #expect(error.message.contains("chat template exceeds a limit"), "\(error.message)")
            }
        }
        // Nesting too deep to parse stops the model from being served, with the same error.
        let deep = "{{ " + String(repeating: "(", count: 20_000) + "1" + String(repeating: ")", count: 20_000) + " }}"
        #expect { _ = try serving(template: deep) } throws: { error in
            "\(error)".contains("nests deeper than")
        }
    }
}
