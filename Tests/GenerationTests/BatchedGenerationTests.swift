import Foundation
import Generation
import Models
import Sampling
import Testing

/// Batched decoding (docs/methods.md §12) on the real SmolLM2-135M-Instruct: samples of one or
/// several prompts decoded together, finishing at different steps (EOS, stop strings, max tokens)
/// and leaving the batch while waiting ones join, give each sample exactly what decoding it alone
/// with the same seed gives — greedy, sampled and conformative with both models batched.
@Suite(.serialized) struct BatchedGenerationTests {
    /// Two prompts of different lengths: a short chat question (answers end at EOS or ".") and
    /// a completion prompt (runs to the stop string or max tokens).
    func prompts(_ model: LanguageModel) throws -> [Generator.Prompt] {
        let renderer = try PromptRenderer(model: model)
        return [Generator.Prompt(ids: try renderer.ids(prompt: "Name one colour.", style: .chat),
                                 baseIds: try renderer.ids(prompt: "Name one colour.", style: .completion)),
                Generator.Prompt(ids: try renderer.ids(prompt: "The lighthouse keeper", style: .completion))]
    }

    /// Every sample of a batched call against the same sample generated alone (maxBatch 1).
    func expectBatchedEqualsAlone(_ generator: Generator, _ prompts: [Generator.Prompt], parameters: GenerationParameters,
                                  maxBatch: Int) throws -> [[GeneratedSample]] {
        var streamed: [[String]] = prompts.map { _ in Array(repeating: "", count: 3) }
        let batched = try generator.generate(prompts: prompts, count: 3, parameters: parameters, maxBatch: maxBatch, onPiece: { piece in
            streamed[piece.prompt][piece.sample] += piece.text
            return true
        })
        for (p, prompt) in prompts.enumerated() {
            let alone = try generator.generate(prompts: [prompt], count: 3, parameters: parameters, maxBatch: 1)[0]
            for i in 0..<3 {
                let (b, a) = (batched[p][i], alone[i])
                #expect(b.ids == a.ids && b.text == a.text && b.logprobs == a.logprobs && b.finishReason == a.finishReason,
                        "prompt \(p) sample \(i): \(b.text) vs \(a.text)")
                #expect(streamed[p][i] == b.text, "prompt \(p) sample \(i) streamed")
            }
        }
        return batched
    }

    @Test func sampledAndGreedyBatchesEqualSamplesAlone() throws {
        let model = try TestModel.shared.get()
        let generator = Generator(model: model)
        let prompts = try prompts(model)
        let sampled = GenerationParameters(maxTokens: 14, sampling: SamplingParameters(temperature: 1.0, topK: 40),
                                           seed: 3, stop: [".", "!"])
        // 6 samples through a batch of 4: two join when the first ones finish.
        let samples = try expectBatchedEqualsAlone(generator, prompts, parameters: sampled, maxBatch: 4).flatMap { $0 }
        #expect(Set(samples.map(\.ids.count)).count > 1, "the samples should finish at different steps")
        #expect(Set(samples.map(\.finishReason)) == [.stop, .length])
        let greedy = GenerationParameters(maxTokens: 10, sampling: .greedy, stop: ["\n"])
        _ = try expectBatchedEqualsAlone(generator, prompts, parameters: greedy, maxBatch: 6)
    }

    /// Conformative decoding with both models batched (a second instance as the base, seeing the
    /// first prompt as raw text).
    @Test func conformativeBatchesEqualSamplesAlone() throws {
        let instruct = try TestModel.shared.get(), base = try TestModel.load()
        var parameters = GenerationParameters(maxTokens: 10, sampling: SamplingParameters(temperature: 1.0, topP: 0.9), seed: 11, stop: ["."])
        parameters.conformative = ConformativeDecoding(weight: 0.5)
        _ = try expectBatchedEqualsAlone(Generator(model: instruct, base: base), prompts(instruct), parameters: parameters, maxBatch: 3)
    }

    /// Prompts of one call drawing from their own seeds (as evaluation runs do): each prompt's
    /// samples are those of a call with that prompt alone and its seed as the parameters' seed, and
    /// `onSample` hands over every sample once, the moment it finishes, equal to the returned one.
    @Test func promptsDrawFromTheirOwnSeedsAndFinishedSamplesArriveAsTheyFinish() throws {
        let model = try TestModel.shared.get()
        let generator = Generator(model: model)
        var prompts = try prompts(model)
        prompts[0].seed = 2000
        prompts[1].seed = 7
        let parameters = GenerationParameters(maxTokens: 12, sampling: SamplingParameters(temperature: 1.0, topK: 40),
                                              seed: 99, stop: [".", "!"])
        var finished: [(prompt: Int, sample: Int, ids: [Int])] = []
        let batched = try generator.generate(prompts: prompts, count: 3, parameters: parameters, maxBatch: 4,
                                             onSample: { finished.append(($0, $1, $2.ids)) })
        for (p, prompt) in prompts.enumerated() {
            var own = parameters
            own.seed = prompt.seed!
            let alone = try generator.generate(prompts: [Generator.Prompt(ids: prompt.ids, baseIds: prompt.baseIds)], count: 3,
                                               parameters: own, maxBatch: 1)[0]
            #expect(batched[p].map(\.ids) == alone.map(\.ids), "prompt \(p)")
        }
        #expect(finished.count == 6 && Set(finished.map { "\($0.prompt).\($0.sample)" }).count == 6)
        #expect(finished.allSatisfy { batched[$0.prompt][$0.sample].ids == $0.ids })
        // An error thrown by onSample ends the call.
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try generator.generate(prompts: prompts, count: 3, parameters: parameters, maxBatch: 4, onSample: { _, _, _ in throw Stop() })
        }
    }

    /// A batch whose KV caches cannot fit in memory is refused before anything runs, with the
    /// estimate; a batch size below 1 is refused too.
    @Test func oversizedBatchIsRefusedWithTheEstimate() throws {
        let model = try TestModel.shared.get()
        let ids = try PromptRenderer(model: model).ids(prompt: "Hi", style: .chat)
        let parameters = GenerationParameters(maxTokens: 8000)
        var pieces = 0
        let error = #expect(throws: GenerationError.self) {
            try Generator(model: model).generate(promptIds: ids, count: 4000, parameters: parameters, maxBatch: 4000) { _ in pieces += 1; return true }
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("batch of 4000 samples") && text.contains("GiB") && text.contains("--max-batch"), "\(text)")
        #expect(pieces == 0)
        #expect(throws: ModelError.self) { try Generator(model: model).generate(promptIds: ids, parameters: parameters, maxBatch: 0) }
    }
}
