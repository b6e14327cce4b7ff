import Foundation
import Testing
import Models
import TensorEngine
@testable import Training

@Suite struct LoRATests {
    let ids = [[1, 5, 9, 3, 7], [2, 4, 6, 8, 10]]

    @Test func freshAdapterIsANoOpAndFollowsPEFTInit() throws {
        let model = try Support.tinyModel()
        let base = try Tensor.withNoGrad { try model(ids).scalars }
        let adapter = try LoRAAdapter(configuration: LoRAConfiguration(rank: 4, alpha: 8, targetModules: ["q_proj", "v_proj"]), model: model, seed: 1)
        #expect(adapter.layers.count == 4)
        #expect(adapter.layers.map(\.path).allSatisfy { $0.hasSuffix("q_proj") || $0.hasSuffix("v_proj") })
        for (_, l) in adapter.layers {
            let bound = 1 / Float(l.a.shape[1]).squareRoot()
            #expect(l.a.scalars.allSatisfy { abs($0) <= bound })
            #expect(l.a.scalars.map(abs).max()! > bound * 0.7)
            #expect(l.b.scalars.allSatisfy { $0 == 0 })
            #expect(l.scaling == 2)
        }
        try model.attach(adapter)
        #expect(try Tensor.withNoGrad { try model(ids).scalars } == base)
        #expect(adapter.parameterCount == 2 * 4 * (16 + 16) + 2 * 4 * (16 + 8))
    }

    @Test func disablingAndDetachingRestoresTheBase() throws {
        let model = try Support.tinyModel()
        let base = try Tensor.withNoGrad { try model(ids).scalars }
        try model.attach(Support.randomAdapter(model: model))
        let adapted = try Tensor.withNoGrad { try model(ids).scalars }
        #expect(adapted != base)
        #expect(try model.withAdaptersDisabled { try Tensor.withNoGrad { try model(ids).scalars } } == base)
        #expect(try Tensor.withNoGrad { try model(ids).scalars } == adapted)
        model.detachAdapters()
        #expect(try Tensor.withNoGrad { try model(ids).scalars } == base)
    }

    @Test func peftSaveLoadRoundTripAndMerge() throws {
        let model = try Support.tinyModel()
        let adapter = try Support.randomAdapter(model: model, targets: ["q_proj", "k_proj", "down_proj"])
        adapter.configuration.baseModelNameOrPath = "tiny"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lora-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try adapter.save(directory: dir)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("adapter_config.json"))) as? [String: Any]
        #expect(json?["peft_type"] as? String == "LORA")
        #expect(json?["task_type"] as? String == "CAUSAL_LM")
        #expect(json?["r"] as? Int == 2)
        #expect(json?["target_modules"] as? [String] == ["q_proj", "k_proj", "down_proj"])
        let loaded = try LoRAAdapter.load(directory: dir)
        #expect(loaded.configuration == adapter.configuration)
        #expect(loaded.parameterNames == adapter.parameterNames)
        #expect(loaded.parameterNames.first == "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")
        #expect(zip(loaded.parameters, adapter.parameters).allSatisfy { $0.scalars == $1.scalars })

        try model.attach(loaded)
        let adapted = try Tensor.withNoGrad { try model(ids).scalars }
        try model.mergeAdapters()
        let merged = try Tensor.withNoGrad { try model(ids).scalars }
        #expect(zip(adapted, merged).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test func loadNamesTheMissingFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nolora-\(UUID().uuidString)")
        #expect(throws: ModelError.self) { try LoRAAdapter.load(directory: dir) }
    }

    @Test func parityAdapterLoadsFromPEFT() throws {
        let adapter = try LoRAAdapter.load(directory: Support.fixtureURL("trl_parity_adapter"))
        #expect(adapter.layers.count == 14)
        #expect(adapter.configuration.rank == 4 && adapter.configuration.alpha == 8)
        try Support.parityModel().attach(adapter)
    }
}
