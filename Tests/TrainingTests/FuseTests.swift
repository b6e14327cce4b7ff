import Base
import Foundation
import Testing
import Models
import TensorEngine
@testable import Training

/// Fusing SmolLM2 (GGUF) with an adapter gives an HF folder that loads with `LanguageModel.load`
/// and produces the logits of base + adapter, with the same tokenizer and chat template.
@Suite struct FuseTests {
    static var gguf: String { get throws { try ModelCache.forRepository(containing: #filePath).require(ModelCache.smolLM2).path } }

    @Test func fusedCheckpointMatchesBasePlusAdapter() throws {
        let lm = try LanguageModel.load(path: try Self.gguf)
        let adapter = try LoRAAdapter(configuration: LoRAConfiguration(rank: 4, alpha: 8, dropout: 0, targetModules: ["q_proj", "v_proj", "down_proj"]),
                                      model: lm.model, seed: 1)
        var rng = SeededGenerator(seed: 2)
        for (_, l) in adapter.layers { l.b.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = 0.05 * rng.nextGaussian() } } }
        try lm.model.attach(adapter)
        let text = "Write a story about the sea. 123"
        let ids = lm.tokenizer.encode(text, addSpecialTokens: true)
        let expected = try Tensor.withNoGrad { try lm.model([ids]).scalars }
        let base = try lm.model.withAdaptersDisabled { try Tensor.withNoGrad { try lm.model([ids]).scalars } }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fused-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let notes = try FusedCheckpoint.write(model: lm, adapter: adapter, to: dir)
        #expect(notes.isEmpty, "\(notes)")
        let fused = try LanguageModel.load(path: dir.path)
        #expect(fused.tokenizer.encode(text, addSpecialTokens: true) == ids)
        #expect(fused.chatTemplate == lm.chatTemplate)
        let got = try Tensor.withNoGrad { try fused.model([ids]).scalars }
        let err = zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity
        let moved = zip(base, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(err < 1e-3, "fused vs base+adapter max |Δlogit| \(err)")
        #expect(moved > 100 * err, "the adapter must change the logits (moved \(moved))")
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("config.json"))) as? [String: Any]
        #expect(config?["architectures"] as? [String] == ["LlamaForCausalLM"])
        #expect(config?["model_type"] as? String == "llama")
    }

    /// A Mistral GGUF fuses into a Mistral checkpoint (it was written as llama), which loads back
    /// as Mistral with the same logits.
    @Test func fusingAMistralGGUFRecordsMistral() throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ModelsTests/Fixtures/tiny_mistral.gguf")
        let lm = try LanguageModel.load(path: source.path)
        let ids = [0, 1, 2, 3, 2, 1]
        let expected = try Tensor.withNoGrad { try lm.model([ids]).scalars }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fused-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FusedCheckpoint.write(model: lm, adapter: nil, to: dir)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("config.json"))) as? [String: Any]
        #expect(config?["model_type"] as? String == "mistral")
        #expect(config?["architectures"] as? [String] == ["MistralForCausalLM"])
        let fused = try LanguageModel.load(path: dir.path)
        #expect(fused.configuration == lm.configuration)
        #expect(try Tensor.withNoGrad { try fused.model([ids]).scalars } == expected)
    }

    /// A folder saved by transformers 5 keeps its templates in chat_template.jinja and
    /// additional_chat_templates/: the fused folder carries them on.
    @Test func fusingAnHFFolderKeepsItsChatTemplateFiles() throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ModelsTests/Fixtures/chat-templates/named-files")
        let lm = try LanguageModel.load(path: source.path)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fused-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FusedCheckpoint.write(model: lm, adapter: nil, to: dir)
        let fused = try LanguageModel.load(path: dir.path)
        #expect(fused.chatTemplates == lm.chatTemplates)
        #expect(fused.chatTemplates?.byName.keys.sorted() == ["default", "tool_use"])
    }
}
