import Foundation
import Testing
import TensorEngine
@testable import Models

/// Gemma 2 and OLMo 2 against transformers' Gemma2ForCausalLM / Olmo2ForCausalLM on small random
/// checkpoints (scripts/reference/gemma2_olmo2_fixtures.py): logits from the HF folders and from
/// GGUF files written as llama.cpp's converter writes them, KV-cached decode (through Gemma 2's
/// sliding window) and batched decode against the full forward, and checkpoints whose config.json
/// disagrees with their tensors.
@Suite struct Gemma2OLMo2ParityTests {
    struct Reference: Decodable {
        struct Logits: Decodable {
            let logits: [Float]
            let gguf_logits: [Float]?
        }
        let ids: [[Int]]
        let mask: [[Int]]
        let vocab_size: Int
        let gemma2: Logits
        let olmo2: Logits
    }

    static func fixture(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
    }

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixture("gemma2_olmo2_reference.json")))
    }

    /// max |a − b| / max(max |b|, 1e-3)
    func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        let scale = max(b.map(abs).max() ?? 0, 1e-3)
        return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? .infinity
    }

    func logits(_ model: LlamaModel, _ r: Reference) throws -> [Float] {
        try Tensor.withNoGrad { try model(r.ids, keyPadding: r.mask.map { $0.map { $0 == 1 } }).scalars }
    }

    @Test(arguments: ["olmo2", "gemma2"])
    func safetensorsLogitsMatchTransformers(_ name: String) throws {
        let r = try Self.reference()
        let lm = try LanguageModel.load(path: Self.fixture("tiny_\(name)").path)
        #expect(lm.configuration.architecture.rawValue == name)
        let expected = name == "gemma2" ? r.gemma2.logits : r.olmo2.logits
        let got = try logits(lm.model, r)
        #expect(got.count == expected.count)
        #expect(relativeError(got, expected) < 1e-4, "\(name): \(relativeError(got, expected))")
    }

    /// The GGUF files hold the same weights (Gemma's norms as 1 + w); a Gemma 2 GGUF scales queries
    /// by 1/√head_dim as llama.cpp does, so its reference is transformers with that scale.
    @Test(arguments: ["olmo2", "gemma2"])
    func ggufLogitsMatchTransformers(_ name: String) throws {
        let r = try Self.reference()
        let lm = try LanguageModel.load(path: Self.fixture("tiny_\(name).gguf").path)
        #expect(lm.configuration.architecture.rawValue == name)
        let expected = name == "gemma2" ? try #require(r.gemma2.gguf_logits) : r.olmo2.logits
        let got = try logits(lm.model, r)
        #expect(relativeError(got, expected) < 1e-4, "\(name) GGUF: \(relativeError(got, expected))")
        if name == "gemma2" {
            let gemma = try #require(lm.configuration.gemma)
            #expect(gemma.queryPreAttnScalar == Float(lm.configuration.headDim))
            #expect(gemma.attnLogitSoftcapping == 2 && gemma.finalLogitSoftcapping == 3 && gemma.slidingWindow == 3)
        }
    }

    /// The GGUF tokenizer and the tokenizer.json give the same ids.
    @Test func ggufAndFolderTokenizersAgree() throws {
        for name in ["gemma2", "olmo2"] {
            let folder = try LanguageModel.load(path: Self.fixture("tiny_\(name)").path)
            let gguf = try LanguageModel.load(path: Self.fixture("tiny_\(name).gguf").path)
            let text = "Once there was a quiet sailor who sang to the moon."
            #expect(try folder.tokenizer.encode(text, addSpecialTokens: false) == gguf.tokenizer.encode(text, addSpecialTokens: false), "\(name)")
        }
    }

    /// Prefill 3 tokens, then one token at a time: Gemma 2's window of 3 keys cuts in from the 4th
    /// position on, so the cached steps must apply it as the prefill does.
    @Test(arguments: ["olmo2", "gemma2"])
    func cachedDecodeEqualsFullForward(_ name: String) throws {
        let r = try Self.reference()
        let model = try LanguageModel.load(path: Self.fixture("tiny_\(name)").path).model
        let ids = r.ids[0]
        try Tensor.withNoGrad {
            let full = try model([ids]).scalars
            let cache = model.makeCache()
            var stepwise = try model([Array(ids[..<3])], cache: cache).scalars
            for i in 3..<ids.count { stepwise += try model([[ids[i]]], cache: cache).scalars }
            #expect(relativeError(stepwise, full) < 1e-5, "\(name)")
            #expect(cache.length == ids.count)
        }
    }

    /// One batched decode step of two sequences of different lengths gives each its own logits;
    /// their prompts prefilled in one packed pass give each prompt's logits (Gemma 2's window and
    /// soft-caps included; prompts this short are not bit-exact, docs/methods.md §12).
    @Test(arguments: ["olmo2", "gemma2"])
    func batchedDecodeEqualsEachSequenceAlone(_ name: String) throws {
        let r = try Self.reference()
        let model = try LanguageModel.load(path: Self.fixture("tiny_\(name)").path).model
        let prompts = [Array(r.ids[0][..<9]), Array(r.ids[1][..<4])]
        try Tensor.withNoGrad {
            let batch = prompts.map { model.makeCache(capacity: $0.count + 4) }
            let alone = prompts.map { model.makeCache(capacity: $0.count + 4) }
            let packed = try model.prefill(prompts, caches: prompts.map { model.makeCache(capacity: $0.count) })
            for (i, prompt) in prompts.enumerated() {
                _ = try model([prompt], cache: batch[i], logits: .last)
                let logits = try model([prompt], cache: alone[i], logits: .last).scalars
                #expect(relativeError(packed[i], logits) < 1e-5, "\(name): prompt \(i)")
            }
            var tokens = [5, 17]
            for step in 0..<3 {
                let together = try model.decodeStep(tokens: tokens, caches: batch)
                for i in tokens.indices {
                    let single = try model([[tokens[i]]], cache: alone[i], logits: .last).scalars
                    #expect(together[i] == single, "\(name): step \(step), sequence \(i)")
                }
                tokens = tokens.map { ($0 * 7 + 3) % r.vocab_size }
            }
        }
    }

    /// Gemma 2 on a left-padded batch: the window counts key slots as transformers does, so a
    /// padded row matches the unpadded sequence alone only where the window does not reach the
    /// padding; here the short prompt is no longer than the window.
    @Test func gemma2LeftPaddedRowEqualsSequenceAlone() throws {
        let model = try LanguageModel.load(path: Self.fixture("tiny_gemma2").path).model
        let short = [40, 41, 42], long = [50, 51, 52, 53, 54, 55]
        try Tensor.withNoGrad {
            let alone = try model([short], logits: .last).scalars
            let batch = try model([[0, 0, 0] + short, long], positions: [[0, 0, 0, 0, 1, 2], Array(0..<6)],
                                  keyPadding: [[false, false, false, true, true, true], Array(repeating: true, count: 6)], logits: .last)
            let v = model.configuration.vocabSize
            #expect(relativeError(Array(batch.scalars[..<v]), alone) < 1e-5)
            #expect(relativeError(Array(batch.scalars[v...]), try model([long], logits: .last).scalars) < 1e-5)
        }
    }

    // MARK: Bad input

    /// A copy of a fixture folder with config.json edited by `edit`.
    func folder(_ name: String, edit: (inout [String: Any]) -> Void) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-\(name)-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.fixture("tiny_\(name)"), to: dir)
        let url = dir.appendingPathComponent("config.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: url)
        return dir
    }

    func expectLoadError(_ dir: URL, mentions fragments: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            _ = try LanguageModel.load(path: dir.path)
            Issue.record("loaded; expected an error mentioning \(fragments)", sourceLocation: sourceLocation)
        } catch {
            for f in fragments where !"\(error)".contains(f) {
                Issue.record("error \"\(error)\" does not mention \"\(f)\"", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func configThatDisagreesWithTensorsIsRefused() throws {
        // head_dim 16 instead of 24: q_proj is [96, 64], not [64, 64].
        expectLoadError(try folder("gemma2") { $0["head_dim"] = 16 }, mentions: ["model.layers.0.self_attn.q_proj.weight", "[96, 64]"])
        // OLMo 2's q/k norms span the whole projection: 4 KV heads make k_proj and k_norm too wide.
        expectLoadError(try folder("olmo2") { $0["num_key_value_heads"] = 4 }, mentions: ["model.layers.0.self_attn.k_proj.weight"])
        // A Gemma 2 checkpoint declared as OLMo 2 lacks the q/k norms.
        expectLoadError(try folder("gemma2") { $0["model_type"] = "olmo2"; $0["hidden_activation"] = nil },
                        mentions: ["model.layers.0.self_attn.q_norm.weight"])
        expectLoadError(try folder("gemma2") { $0["layer_types"] = ["sliding_attention", "full_attention"] },
                        mentions: ["layer_types", "2 entries for 4 layers"])
        expectLoadError(try folder("gemma2") { $0["attn_logit_softcapping"] = -1 }, mentions: ["attn_logit_softcapping"])
        expectLoadError(try folder("gemma2") { $0["hidden_activation"] = "relu" }, mentions: ["hidden_activation", "relu"])
        expectLoadError(try folder("olmo2") { $0["hidden_act"] = "gelu" }, mentions: ["hidden_act", "gelu"])
    }

    /// Soft-caps given as null turn capping off (Gemma2Config reads null as none); absent ones
    /// take the defaults 50 and 30.
    @Test func gemma2SoftCapsNullMeansNoneAbsentMeansDefault() throws {
        let base: [String: Any] = ["model_type": "gemma2", "hidden_size": 64, "intermediate_size": 16, "num_hidden_layers": 2,
                                   "num_attention_heads": 4, "vocab_size": 8]
        let absent = try JSONDecoder().decode(LlamaConfiguration.self, from: JSONSerialization.data(withJSONObject: base))
        #expect(absent.gemma == GemmaAttentionConfiguration(layers: 2))
        #expect(absent.headDim == 256 && absent.numKeyValueHeads == 4 && absent.tieWordEmbeddings)
        var nulls = base
        nulls["attn_logit_softcapping"] = NSNull()
        nulls["final_logit_softcapping"] = NSNull()
        let none = try JSONDecoder().decode(LlamaConfiguration.self, from: JSONSerialization.data(withJSONObject: nulls))
        #expect(none.gemma?.attnLogitSoftcapping == nil && none.gemma?.finalLogitSoftcapping == nil)
        // Written back (fused checkpoints), the configuration reads the same.
        for c in [absent, none] {
            #expect(try JSONDecoder().decode(LlamaConfiguration.self, from: JSONEncoder().encode(c)) == c)
        }
    }
}
