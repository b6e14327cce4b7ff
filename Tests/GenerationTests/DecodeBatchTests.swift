import Foundation
import Generation
import Models
import Sampling
import TensorEngine
import Testing

/// Continuous batching (docs/methods.md §12) on the real SmolLM2-135M-Instruct: requests with
/// their own parameters join a batch that is already running, leave it when they finish, fail or
/// are cancelled, and wait when memory is short — and every sample is still exactly what decoding
/// it alone with the same seed gives.
@Suite(.serialized) struct DecodeBatchTests {
    /// The outcome of each request, by the order it was added.
    final class Outcomes {
        var byRequest: [Int: DecodeBatch.Outcome] = [:]
        func samples(_ request: Int) -> [GeneratedSample]? {
            if case .finished(let samples) = byRequest[request] { return samples }
            return nil
        }
    }

    func add(_ batch: DecodeBatch, _ request: DecodeBatch.Request, to outcomes: Outcomes) throws {
        let index = request.index
        try batch.add(request) { outcomes.byRequest[index] = $0 }
    }

    /// Steps until idle (or `limit` steps), returning the most samples that ran together.
    @discardableResult
    func run(_ batch: DecodeBatch, steps limit: Int = 10_000) -> Int {
        var widest = 0
        for _ in 0..<limit where !batch.isIdle {
            batch.step()
            widest = max(widest, batch.running)
        }
        return widest
    }

    func expectEqualAlone(_ got: [GeneratedSample]?, _ generator: Generator, _ request: DecodeBatch.Request) throws {
        let alone = try generator.generate(prompts: [request.prompt], count: request.count, parameters: request.parameters, maxBatch: 1)[0]
        guard let got else { Issue.record("request \(request.index) did not finish"); return }
        #expect(got.count == alone.count)
        for (i, (b, a)) in zip(got, alone).enumerated() {
            #expect(b.ids == a.ids && b.text == a.text && b.logprobs == a.logprobs && b.finishReason == a.finishReason,
                    "request \(request.index) sample \(i): \(b.text) vs \(a.text)")
        }
    }

    @Test func requestsJoiningARunningBatchEqualTheirSamplesAlone() throws {
        let instruct = try TestModel.shared.get(), base = try TestModel.load()
        let renderer = try PromptRenderer(model: instruct)
        let chat = Generator.Prompt(ids: try renderer.ids(prompt: "Name one colour.", style: .chat),
                                    baseIds: try renderer.ids(prompt: "Name one colour.", style: .completion))
        let story = Generator.Prompt(ids: try renderer.ids(prompt: "The lighthouse keeper", style: .completion))
        var conformative = GenerationParameters(maxTokens: 8, sampling: SamplingParameters(temperature: 1.0, topP: 0.9), seed: 9)
        conformative.conformative = ConformativeDecoding(weight: 0.5)
        let requests = [
            DecodeBatch.Request(prompt: story, count: 2, parameters: GenerationParameters(
                maxTokens: 12, sampling: SamplingParameters(temperature: 1.0, topK: 40), seed: 5, stop: ["."]), index: 0),
            DecodeBatch.Request(prompt: chat, count: 1, parameters: GenerationParameters(maxTokens: 6, sampling: .greedy), index: 1),
            DecodeBatch.Request(prompt: chat, count: 2, parameters: conformative, index: 2),
        ]
        let batch = try DecodeBatch(model: instruct, base: base, maxBatch: 4)
        let outcomes = Outcomes()
        try add(batch, requests[0], to: outcomes)
        var widest = run(batch, steps: 3)
        try add(batch, requests[1], to: outcomes)   // joins a batch mid-run
        widest = max(widest, run(batch, steps: 2))
        try add(batch, requests[2], to: outcomes)   // one of its samples may wait for a free row
        widest = max(widest, run(batch))
        #expect(widest > 1 && widest <= 4)
        let generator = Generator(model: instruct, base: base)
        for request in requests { try expectEqualAlone(outcomes.samples(request.index), generator, request) }
    }

    /// Requests that arrive together have their prompts prefilled in one packed pass (each
    /// distinct prompt once, short ones too: the quantized model's passes are row-exact), and a
    /// request repeating a prompt starts from the prompt cache — every sample still exactly what
    /// decoding it alone gives.
    @Test func promptsArrivingTogetherArePackedAndRepeatsComeFromThePromptCache() throws {
        let model = try TestModel.shared.get()
        let renderer = try PromptRenderer(model: model)
        let chats = try ["Name one colour.", "Write a line about the sea.", "Invent a fruit."].map {
            Generator.Prompt(ids: try renderer.ids(prompt: $0, style: .chat))
        }
        let short = Generator.Prompt(ids: try renderer.ids(prompt: "Once", style: .completion))
        #expect(chats.allSatisfy { $0.ids.count >= 16 } && short.ids.count < 16)
        let sampled = { (seed: UInt64) in GenerationParameters(maxTokens: 6, sampling: SamplingParameters(temperature: 1.0), seed: seed) }
        var requests = [
            DecodeBatch.Request(prompt: chats[0], count: 2, parameters: sampled(1), index: 0),
            DecodeBatch.Request(prompt: chats[1], count: 1, parameters: GenerationParameters(maxTokens: 5, sampling: .greedy), index: 1),
            DecodeBatch.Request(prompt: chats[0], count: 1, parameters: sampled(7), index: 2),   // the same prompt, another seed
            DecodeBatch.Request(prompt: short, count: 1, parameters: sampled(3), index: 3),
            DecodeBatch.Request(prompt: chats[2], count: 1, parameters: sampled(4), index: 4),
        ]
        let batch = try DecodeBatch(model: model, maxBatch: 8, promptCacheBytes: 64 << 20)
        let outcomes = Outcomes()
        for request in requests { try add(batch, request, to: outcomes) }
        batch.step()
        let tokens = (chats.map(\.ids.count) + [short.ids.count]).reduce(0, +)
        // Without row-exact passes (no AVX-512) the short prompt runs in a pass of its own.
        let passes = model.model.passesAreRowExact ? 1 : 2
        #expect(batch.prefillCounts == DecodeBatch.PrefillCounts(passes: passes, prompts: 4, tokens: tokens))
        run(batch)
        // Later requests repeating prompts start from the cache, with room for more new tokens.
        requests += [DecodeBatch.Request(prompt: chats[1], count: 2, parameters: sampled(11), index: 5),
                     DecodeBatch.Request(prompt: short, count: 1, parameters: GenerationParameters(maxTokens: 9, sampling: .greedy), index: 6)]
        for request in requests[5...] { try add(batch, request, to: outcomes) }
        run(batch)
        #expect(batch.prefillCounts == DecodeBatch.PrefillCounts(passes: passes, prompts: 4, tokens: tokens, cacheHits: 2))
        let generator = Generator(model: model)
        for request in requests { try expectEqualAlone(outcomes.samples(request.index), generator, request) }
    }

    /// A packed pass that fails (one prompt holds a token outside the vocabulary) is redone prompt
    /// by prompt: only that request fails, the others' samples are those of decoding them alone.
    @Test func aPromptThatBreaksThePackedPassFailsAlone() throws {
        let model = try TestModel.shared.get()
        let renderer = try PromptRenderer(model: model)
        let good = try ["Name one colour.", "Invent a fruit."].map { Generator.Prompt(ids: try renderer.ids(prompt: $0, style: .chat)) }
        let bad = Generator.Prompt(ids: good[0].ids + [model.configuration.vocabSize])
        let parameters = GenerationParameters(maxTokens: 4, sampling: SamplingParameters(temperature: 1.0), seed: 2)
        let requests = [good[0], bad, good[1]].enumerated().map { DecodeBatch.Request(prompt: $1, parameters: parameters, index: $0) }
        let batch = try DecodeBatch(model: model, maxBatch: 4)
        let outcomes = Outcomes()
        for request in requests { try add(batch, request, to: outcomes) }
        run(batch)
        guard case .failed(let error)? = outcomes.byRequest[1] else { Issue.record("the bad prompt did not fail"); return }
        #expect("\(error)".contains("outside the vocabulary"))
        #expect(batch.prefillCounts == DecodeBatch.PrefillCounts(passes: 2, prompts: 2, tokens: good[0].ids.count + good[1].ids.count))
        let generator = Generator(model: model)
        for request in [requests[0], requests[2]] { try expectEqualAlone(outcomes.samples(request.index), generator, request) }
    }

    /// Without room for a prompt's caches the prompt cache keeps nothing; a full cache lets the
    /// least recently used prompt go first (a hit makes a prompt the most recently used).
    @Test func thePromptCacheKeepsWhatFits() throws {
        let model = try TestModel.shared.get()
        let renderer = try PromptRenderer(model: model)
        let prompts = try ["One.", "Two.", "Three."].map { Generator.Prompt(ids: try renderer.ids(prompt: $0, style: .chat)) }
        let bytes = BatchMemory.bytesPerSequence(positions: prompts.map(\.ids.count).max()!, models: [model])
        for (room, hits) in [(0, 0), (2 * bytes, 2)] {
            let batch = try DecodeBatch(model: model, maxBatch: 1, promptCacheBytes: room)
            let outcomes = Outcomes()
            // 0, 1 fill a cache for two; 0 comes back (a hit), so 2 pushes out 1, and 0 is kept (a hit).
            for (i, p) in [0, 1, 0, 2, 0].enumerated() {
                try add(batch, DecodeBatch.Request(prompt: prompts[p], parameters: GenerationParameters(maxTokens: 1, sampling: .greedy), index: i), to: outcomes)
                run(batch)
            }
            #expect(batch.prefillCounts.cacheHits == hits, "room \(room)")
            #expect(batch.prefillCounts.prompts == 5 - hits, "room \(room)")
            // With room, 1 and 2 continue the chat template's beginning kept with 0.
            #expect((batch.prefillCounts.reusedTokens > 0) == (room > 0 && model.model.passesAreRowExact), "room \(room)")
        }
    }

    /// A prompt that begins like a kept one continues from the kept beginning's keys and values —
    /// the chat template's system prompt, or a whole kept prompt plus one token (at least two
    /// tokens always run) — and its samples are exactly those of the prompt run whole.
    @Test func aPromptBeginningLikeAKeptOneContinuesFromIt() throws {
        let model = try TestModel.shared.get()
        let renderer = try PromptRenderer(model: model)
        let chats = try ["Name one colour.", "Invent a fruit with a long name."].map {
            Generator.Prompt(ids: try renderer.ids(prompt: $0, style: .chat))
        }
        let shared = zip(chats[0].ids, chats[1].ids).prefix { $0 == $1 }.count
        let longer = Generator.Prompt(ids: chats[1].ids + [chats[0].ids[shared]])
        let sampled = { (seed: UInt64) in GenerationParameters(maxTokens: 6, sampling: SamplingParameters(temperature: 1.0), seed: seed) }
        let requests = [chats[0], chats[1], longer].enumerated().map { DecodeBatch.Request(prompt: $1, parameters: sampled(UInt64($0)), index: $0) }
        let batch = try DecodeBatch(model: model, maxBatch: 2, promptCacheBytes: 64 << 20)
        let outcomes = Outcomes()
        for request in requests {
            try add(batch, request, to: outcomes)
            run(batch)
        }
        #expect(shared > 10)
        let expected = model.model.passesAreRowExact
            ? DecodeBatch.PrefillCounts(passes: 3, prompts: 3, tokens: chats[0].ids.count + (chats[1].ids.count - shared) + 2,
                                        reusedTokens: shared + longer.ids.count - 2)
            : DecodeBatch.PrefillCounts(passes: 3, prompts: 3, tokens: requests.map(\.prompt.ids.count).reduce(0, +))
        #expect(batch.prefillCounts == expected)
        let generator = Generator(model: model)
        for request in requests { try expectEqualAlone(outcomes.samples(request.index), generator, request) }
    }

    /// Where passes are not row-exact — here an enabled LoRA adapter, whose many-row product runs
    /// on BLAS — prompts are reused whole only, a short prompt is prefilled alone, and every
    /// sample is still exactly what decoding it alone gives.
    @Test func withoutRowExactPassesOnlyWholePromptsAreReused() throws {
        let model = try TestModel.load()
        let layer = model.model.linearLayers[0].layer
        let a = try Tensor((0..<(2 * layer.inFeatures)).map { Float($0 % 7) * 0.01 }, shape: [2, layer.inFeatures])
        let b = try Tensor((0..<(layer.outFeatures * 2)).map { Float($0 % 5) * 0.01 }, shape: [layer.outFeatures, 2])
        layer.lora = try LoRALayer(a: a, b: b, alpha: 4, dropout: 0)
        #expect(!model.model.passesAreRowExact)
        let renderer = try PromptRenderer(model: model)
        let prompts = try [("Name one colour.", PromptStyle.chat), ("Invent a fruit.", .chat), ("Once", .completion)].map {
            Generator.Prompt(ids: try renderer.ids(prompt: $0, style: $1))
        }
        #expect(prompts[2].ids.count < 16)
        let requests = prompts.enumerated().map {
            DecodeBatch.Request(prompt: $1, parameters: GenerationParameters(maxTokens: 4, sampling: SamplingParameters(temperature: 1.0), seed: 3), index: $0)
        }
        let batch = try DecodeBatch(model: model, maxBatch: 4, promptCacheBytes: 64 << 20)
        let outcomes = Outcomes()
        try add(batch, requests[0], to: outcomes)
        run(batch)
        for request in requests[1...] { try add(batch, request, to: outcomes) }
        run(batch)
        // 0 alone; 1 shares 0's system prompt but runs whole, in a pass of its own as 2 (short) does.
        #expect(batch.prefillCounts == DecodeBatch.PrefillCounts(passes: 3, prompts: 3, tokens: prompts.map(\.ids.count).reduce(0, +)))
        let generator = Generator(model: model)
        for request in requests { try expectEqualAlone(outcomes.samples(request.index), generator, request) }
    }

    /// A cancelled request leaves at the next step and one whose prompt cannot run fails on its
    /// own; the request decoding beside them is untouched.
    @Test func cancelledAndFailedRequestsLeaveTheOthersUntouched() throws {
        let model = try TestModel.shared.get()
        let ids = try PromptRenderer(model: model).ids(prompt: "The lighthouse keeper", style: .completion)
        let parameters = GenerationParameters(maxTokens: 10, sampling: SamplingParameters(temperature: 0.8), seed: 2)
        var cancelled = false
        let requests = [
            DecodeBatch.Request(prompt: .init(ids: ids), count: 2, parameters: parameters, index: 0),
            DecodeBatch.Request(prompt: .init(ids: ids), count: 1, parameters: parameters, index: 1, isCancelled: { cancelled }),
            DecodeBatch.Request(prompt: .init(ids: [model.configuration.vocabSize + 5]), count: 1, parameters: parameters, index: 2),
        ]
        let batch = try DecodeBatch(model: model, maxBatch: 4)
        let outcomes = Outcomes()
        for request in requests { try add(batch, request, to: outcomes) }
        run(batch, steps: 3)
        cancelled = true
        run(batch)
        try expectEqualAlone(outcomes.samples(0), Generator(model: model), requests[0])
        guard case .cancelled = outcomes.byRequest[1] else { Issue.record("request 1: \(String(describing: outcomes.byRequest[1]))"); return }
        guard case .failed = outcomes.byRequest[2] else { Issue.record("request 2: \(String(describing: outcomes.byRequest[2]))"); return }
    }

    /// With memory for one sample only, a second request waits and finishes alone — none is
    /// dropped; a request that cannot fit even alone fails with the estimate.
    @Test func aSampleThatDoesNotFitWaitsAndFinishesAlone() throws {
        let model = try TestModel.shared.get()
        let ids = try PromptRenderer(model: model).ids(prompt: "Hi", style: .chat)
        let parameters = GenerationParameters(maxTokens: 6, sampling: .greedy)
        let one = BatchMemory.bytesPerSequence(positions: ids.count + parameters.maxTokens, models: [model])
        let batch = try DecodeBatch(model: model, maxBatch: 4, availableBytes: { one + one / 2 })
        let outcomes = Outcomes()
        let requests = (0..<2).map { DecodeBatch.Request(prompt: .init(ids: ids), count: 1, parameters: parameters, index: $0) }
        for request in requests { try add(batch, request, to: outcomes) }
        #expect(run(batch) == 1)
        for request in requests { try expectEqualAlone(outcomes.samples(request.index), Generator(model: model), request) }

        let tight = try DecodeBatch(model: model, maxBatch: 4, availableBytes: { one / 2 })
        try add(tight, requests[0], to: outcomes)
        run(tight)
        guard case .failed(let error) = outcomes.byRequest[0] else { Issue.record("\(String(describing: outcomes.byRequest[0]))"); return }
        #expect("\(error)".contains("GiB"))
    }
}
