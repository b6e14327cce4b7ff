import Base
import Embeddings
import Evaluation
import EvaluationRuns
import Foundation
import Sampling
import Testing

/// The protocol on the real SmolLM2-135M-Instruct (a few tokens per sample): the generator keeps
/// the seed contract the run relies on, and a tiny run measures real samples.
@Suite(.serialized) struct ModelSampleGeneratorTests {
    static var smolLM: String { get throws { try ModelCache.forRepository(containing: #filePath).require(ModelCache.smolLM2).path } }

    static func generator() throws -> ModelSampleGenerator {
        ModelSampleGenerator(.init(model: try smolLM, system: "You write a creative writing based on the user-given writing prompt.",
                                   maxTokens: 5, sampling: SamplingParameters(temperature: 1, topK: 50, topP: 0.95, repetitionPenalty: 1.1)))
    }

    @Test func sampleJDrawsWithTheFirstSeedPlusJ() throws {
        let generator = try Self.generator()
        let prompt = "A dragon learns to knit."
        let pair = try generator.samples(prompt: prompt, count: 2, firstSeed: 1000)
        #expect(try generator.samples(prompt: prompt, count: 1, firstSeed: 1001) == [pair[1]])
        #expect(try generator.samples(prompt: prompt, count: 2, firstSeed: 1000) == pair)
        #expect(pair.allSatisfy { $0.tokens >= 1 && $0.tokens <= 5 && ($0.logprobPerToken ?? 0) < 0 })
        #expect(pair.allSatisfy { ["stop", "length"].contains($0.finishReason) })
    }

    @Test func aTinyRunOnTheRealModel() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = EvaluationRun(prompts: ["Snow in July.", "The last lighthouse."], samplesPerPrompt: 2, seeds: SeedScheme(base: 0),
                                name: "smol", output: folder, generator: try Self.generator(),
                                spaces: EmbeddingSpaces(semantic: StylometricEmbedder(), semanticName: "stylometric",
                                                        style: StylometricEmbedder(), styleName: "stylometric"))
        let result = try run.run()
        #expect(result.records.count == 2 && result.records.allSatisfy { $0.samples.count == 2 && $0.tokens.allSatisfy { $0 <= 5 } })
        #expect(result.metrics.model == (try Self.smolLM) && result.metrics.samplesPerPrompt == 2)
        #expect(try #require(result.metrics.quality).mean < 0)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("metrics.json").path))
    }
}
