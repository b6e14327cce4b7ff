import Base
import Embeddings
import Evaluation
@testable import EvaluationRuns
import Models
import Foundation
import Sampling
import Testing

/// The protocol on the real SmolLM2-135M-Instruct (a few tokens per sample): the generator keeps
/// the seed contract the run relies on, and a tiny run measures real samples.
@Suite(.serialized) struct ModelSampleGeneratorTests {
    static var smolLM: String { get throws { try ModelCache.forRepository(containing: #filePath).require(ModelCache.smolLM2).path } }

    static func options(maxTokens: Int = 5) throws -> ModelSampleGenerator.Options {
        .init(model: try smolLM, system: "You write a creative writing based on the user-given writing prompt.",
              maxTokens: maxTokens, sampling: SamplingParameters(temperature: 1, topK: 50, topP: 0.95, repetitionPenalty: 1.1))
    }

    static func generator() throws -> ModelSampleGenerator { ModelSampleGenerator(try options()) }

    @Test func sampleJDrawsWithTheFirstSeedPlusJ() throws {
        let generator = try Self.generator()
        let prompt = "A dragon learns to knit."
        let pair = try generator.samples(prompt: prompt, count: 2, firstSeed: 1000)
        #expect(try generator.samples(prompt: prompt, count: 1, firstSeed: 1001) == [pair[1]])
        #expect(try generator.samples(prompt: prompt, count: 2, firstSeed: 1000) == pair)
        #expect(pair.allSatisfy { $0.tokens >= 1 && $0.tokens <= 5 && ($0.logprobPerToken ?? 0) < 0 })
        #expect(pair.allSatisfy { ["stop", "length"].contains($0.finishReason) })
    }

    /// Batching across prompts (issue 24): samples of three prompts decoded 8 at a time, plain
    /// and conformative, are those of each prompt sampled alone one sample at a time; every
    /// prompt is handed over once, with all its samples.
    @Test func samplesOfPromptsBatchedTogetherEqualThoseDrawnOneAtATime() throws {
        let prompts = [PromptToSample(prompt: "A dragon learns to knit.", firstSeed: 0),
                       PromptToSample(prompt: "Snow in July.", firstSeed: 1000),
                       PromptToSample(prompt: "The last lighthouse keeper writes a letter.", firstSeed: 2000)]
        var conformative = try Self.options(maxTokens: 8)
        conformative.baseModel = try Self.smolLM
        conformative.conformative = ConformativeDecoding(weight: 0.5)
        for options in [try Self.options(maxTokens: 8), conformative] {
            var handed: [Int: [SampledText]] = [:]
            try ModelSampleGenerator(options).sample(prompts, count: 3) { k, samples in
                #expect(handed[k] == nil)
                handed[k] = samples
            }
            var single = options
            single.maxBatch = 1
            let alone = ModelSampleGenerator(single)
            for (k, prompt) in prompts.enumerated() {
                let expected = try alone.samples(prompt: prompt.prompt, count: 3, firstSeed: prompt.firstSeed)
                #expect(handed[k] == expected, "prompt \(k), conformative: \(options.conformative != nil)")
            }
        }
    }

    /// The settings a run records: what decides the samples, paths made absolute, not the batch size.
    @Test func settingsNameWhatDecidesTheSamples() throws {
        var options = try Self.options()
        options.adapter = "runs/../adapters/dpo"
        let plain = ModelSampleGenerator(options).settings
        #expect(plain["model"] == (try Self.smolLM) && plain["adapter"] == FileManager.default.currentDirectoryPath + "/adapters/dpo")
        #expect(plain["max_tokens"] == "5" && plain["top_k"] == "50" && plain["top_p"] == "0.95" && plain["repetition_penalty"] == "1.1")
        #expect(plain["system"] == options.system && plain["base_model"] == "none" && plain["conformative_weight"] == "none")
        options.maxBatch = 1
        #expect(ModelSampleGenerator(options).settings == plain)
        options.baseModel = try Self.smolLM
        #expect(ModelSampleGenerator(options).settings == plain, "a base model without conformative decoding changes nothing")
        options.conformative = ConformativeDecoding(weight: 0.25, space: .logarithmic)
        let mixed = ModelSampleGenerator(options).settings
        #expect(mixed["base_model"] == (try Self.smolLM) && mixed["conformative_weight"] == "0.25" && mixed["conformative_space"] == "log")
        #expect(mixed["base_prompt_style"] == "completion" && mixed["base_adapter"] == "none" && mixed["truncate_on"] == "instruct")
    }

    /// `--prompt-style completion` feeds the raw prompt text (BOS framing as the tokenizer adds it,
    /// no template, no system prompt); chat renders the template with the system prompt. The
    /// style is recorded, and the samples differ.
    @Test func promptStyleChoosesTheTokensTheModelSees() throws {
        let prompt = "A dragon learns to knit."
        var options = try Self.options()
        let chat = ModelSampleGenerator(options)
        options.promptStyle = .completion
        let completion = ModelSampleGenerator(options)
        let model = try LanguageModel.load(path: try Self.smolLM)
        let chatIds = try chat.promptIds(prompt)
        // SmolLM2's own template, rendered.
        #expect(model.tokenizer.decode(chatIds, skipSpecialTokens: false)
                == "<|im_start|>system\n\(options.system!)<|im_end|>\n<|im_start|>user\n\(prompt)<|im_end|>\n<|im_start|>assistant\n")
        let completionIds = try completion.promptIds(prompt)
        #expect(completionIds == model.tokenizer.encode(prompt, addSpecialTokens: true))
        #expect(model.tokenizer.decode(completionIds, skipSpecialTokens: false) == prompt, "raw text only")
        #expect(chat.settings["prompt_style"] == "chat" && completion.settings["prompt_style"] == "completion")
        #expect(chat.sampledModel.promptStyle == "chat" && completion.sampledModel.promptStyle == "completion")
        #expect(try chat.samples(prompt: prompt, count: 2, firstSeed: 0) != completion.samples(prompt: prompt, count: 2, firstSeed: 0))
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
