import Foundation
import Testing
@testable import TorchBackend
import Training

@Suite struct TorchMemoryEstimateTests {
    static let llama8B = TorchMemoryEstimate.ModelShape(hiddenSize: 4096, intermediateSize: 14336, layers: 32, heads: 32, kvHeads: 8,
                                                        headDim: 128, vocabSize: 128_256, tied: false)
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func parameterCountsAreTheModelsOwn() {
        #expect(Self.llama8B.parameterCount == 8_030_261_248)   // Llama-3.1-8B
        let smol = TorchMemoryEstimate.ModelShape(hiddenSize: 576, intermediateSize: 1536, layers: 30, heads: 9, kvHeads: 3, headDim: 64,
                                                  vocabSize: 49152, tied: true)
        #expect(smol.parameterCount == 134_515_008)             // SmolLM2-135M
    }

    @Test func aSmallRunByHand() throws {
        let shape = TorchMemoryEstimate.ModelShape(hiddenSize: 16, intermediateSize: 24, layers: 2, heads: 4, kvHeads: 2, headDim: nil,
                                                   vocabSize: 32, tied: false)
        var settings = TrainingSettings()
        for (key, value) in [("batch_size", "2"), ("max_length", "10"), ("lora_rank", "4"), ("lora_targets", "q_proj")] { settings.setFlag(key, value) }
        let c = try TrainingConfiguration.forRun(.ddpo, settings: settings)
        let e = TorchMemoryEstimate(shape: shape, configuration: c, launch: TorchLaunch(), zeroStage: nil)
        #expect(e.parameters == 4944 && e.loraParameters == 256)
        #expect(e.weightBytes == 4944 * 4)          // F32
        #expect(e.loraBytes == 256 * 16)            // weight, gradient, two moments
        #expect(e.activationBytes == 40 * 2 * 832)  // 2 pairs × 2 sequences × 10 tokens, 2 layers, (6·16 + 2·8 + 4·24) × 4 bytes
        #expect(e.logitBytes == 40 * 32 * 8)
        #expect(e.totalBytes == 100_672)
    }

    @Test(arguments: ["dpo", "ddpo", "orpo", "dorpo"])
    func thePaperPresetsDecodeAndFitAnH100WithZeRO2ButNotASmallCard(method: String) throws {
        let preset = Self.root.appendingPathComponent("configs/paper/\(method).yaml").path
        let c = try TrainingConfiguration.forRun(try #require(TrainingConfiguration.Method(rawValue: method)),
                                                 settings: try TrainingSettings(configFile: preset))
        #expect(c.loraRank == 128 && c.loraAlpha == 256 && c.loraTargets == ["q_proj", "v_proj"] && c.learningRate == 5e-6)
        #expect(c.batchSize * c.gradAccum * 6 == 12)   // the paper's 12 pairs per update on 6 GPUs
        var launch = TorchLaunch()
        (launch.numProcesses, launch.precision) = (6, .bf16)
        launch.deepspeed = Self.root.appendingPathComponent("configs/paper/zero2.json").path
        let stage = try TorchMemoryEstimate.zeroStage(deepspeed: launch.deepspeed)
        #expect(stage == 2)
        let estimate = TorchMemoryEstimate(shape: Self.llama8B, configuration: c, launch: launch, zeroStage: stage)
        #expect(estimate.loraParameters == 54_525_952)
        try estimate.check(deviceMemoryGiB: 80)
        #expect(throws: TorchBackendError.self) { try estimate.check(deviceMemoryGiB: 16) }
        #expect(try TorchMemoryEstimate.zeroStage(deepspeed: Self.root.appendingPathComponent("configs/paper/zero3.json").path) == 3)
    }

    @Test func theSFTPresetDecodesAndFitsAnH100WithZeRO2() throws {
        let preset = Self.root.appendingPathComponent("configs/paper/sft.yaml").path
        let c = try TrainingConfiguration.forRun(.sft, settings: try TrainingSettings(configFile: preset))
        #expect(c.loraRank == 128 && c.loraAlpha == 256 && c.loraTargets == ["q_proj", "v_proj"] && c.learningRate == 3e-5)
        #expect(c.lrScheduler == .cosine && c.warmupSteps == 500 && c.trainOnPrompt && c.effectiveMaxLength == 2048)
        #expect(c.batchSize * c.gradAccum * 6 == 12)
        var launch = TorchLaunch()
        (launch.numProcesses, launch.precision) = (6, .bf16)
        let estimate = TorchMemoryEstimate(shape: Self.llama8B, configuration: c, launch: launch, zeroStage: 2)
        #expect(estimate.sequencesPerMicroBatch == 2 && estimate.sequenceLength == 2048)
        try estimate.check(deviceMemoryGiB: 80)
        #expect(throws: TorchBackendError.self) { try estimate.check(deviceMemoryGiB: 16) }
    }

    /// The reward preset (docs/scale-out.md §2.1, §8): the paper's settings, and an estimate with no
    /// logits (the score head) for one process's share of the 24 examples per update.
    @Test func theRewardPresetDecodesAndItsEstimateHasNoLogits() throws {
        let preset = Self.root.appendingPathComponent("configs/paper/reward.yaml").path
        var settings = try TrainingSettings(configFile: preset)
        #expect(settings.string("loss") == "l1" && settings.string("targets") == "raw" && settings.string("score_transform") == "consistent-shift")
        let c = try TrainingConfiguration.forRun(.sft, settings: settings)
        #expect(c.loraRank == 16 && c.loraAlpha == 32 && c.loraDropout == 0 && c.loraTargets == ["q_proj", "v_proj"])
        #expect(c.learningRate == 3e-5 && c.epochs == 3 && c.batchSize == 24 && c.effectiveMaxLength == 2048)
        settings.setFlag("batch_size", c.batchSize / 6)
        var launch = TorchLaunch()
        (launch.numProcesses, launch.precision) = (6, .bf16)
        let share = try TrainingConfiguration.forRun(.sft, settings: settings)
        let estimate = TorchMemoryEstimate(shape: Self.llama8B, configuration: share, launch: launch, zeroStage: 2, scoreHead: true)
        #expect(estimate.logitBytes == 0 && estimate.sequencesPerMicroBatch == 4 && estimate.loraParameters == 32 * 16 * (3 * 4096 + 1024))
        try estimate.check(deviceMemoryGiB: 80)
        #expect(throws: TorchBackendError.self) { try estimate.check(deviceMemoryGiB: 16) }
    }
}
