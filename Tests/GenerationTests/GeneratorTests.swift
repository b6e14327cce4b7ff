import ChatTemplates
import Foundation
import Generation
import Models
import Sampling
import TensorEngine
import Testing
import Tokenizers

/// The decoding loop on the real SmolLM2-135M-Instruct: stop strings across token boundaries, UTF-8
/// split across tokens, n samples and conformative lockstep. Streamed pieces must always add up to
/// the final text. Serialized: the tests share one model instance.
@Suite(.serialized) struct GeneratorTests {
    struct Run {
        var sample: GeneratedSample
        var pieces: [GeneratedPiece]
        var streamed: String { pieces.map(\.text).joined() }
    }

    func run(_ generator: Generator, prompt ids: [Int], parameters: GenerationParameters) throws -> Run {
        var pieces: [GeneratedPiece] = []
        let sample = try generator.generate(promptIds: ids, parameters: parameters) { pieces.append($0); return true }[0]
        return Run(sample: sample, pieces: pieces)
    }

    static let length = 12

    /// Greedy "Once upon a time", streamed without stop strings (computed once: debug builds decode slowly).
    static let baselineRun: Result<(ids: [Int], run: Run), Error> = Result {
        let model = try TestModel.shared.get()
        let ids = try PromptRenderer(model: model).ids(prompt: "Once upon a time", style: .completion)
        var pieces: [GeneratedPiece] = []
        let sample = try Generator(model: model).generate(promptIds: ids, parameters: GenerationParameters(
            maxTokens: length, sampling: .greedy, ignoreEOS: true)) { pieces.append($0); return true }[0]
        return (ids, Run(sample: sample, pieces: pieces))
    }

    func baseline() throws -> (generator: Generator, ids: [Int], run: Run) {
        let (ids, run) = try Self.baselineRun.get()
        try #require(run.streamed == run.sample.text && run.sample.ids.count == Self.length, "\(run.sample.text)")
        return (Generator(model: try TestModel.shared.get()), ids, run)
    }

    /// The first piece index k ≥ 2 where pieces k, k+1 and k+2 each hold at least `length` scalars.
    func wordRun(_ pieces: [GeneratedPiece], length: Int = 3) throws -> Int {
        try #require((2..<(pieces.count - 2)).first { k in
            (k...(k + 2)).allSatisfy { pieces[$0].ids.count == 1 && pieces[$0].text.unicodeScalars.count >= length }
        }, "no three long tokens in a row: \(pieces.map(\.text))")
    }

    /// Checks a run with `stop` against the baseline: text up to the stop's first occurrence, streamed
    /// exactly, and generation ended on the token that completed the stop.
    func expectStopped(at stop: String, generator: Generator, ids: [Int], baseline: Run, _ comment: Comment) throws {
        let decode = { (ids: [Int]) in generator.model.tokenizer.decode(ids, skipSpecialTokens: true) }
        let stopped = try run(generator, prompt: ids, parameters: GenerationParameters(maxTokens: Self.length, sampling: .greedy,
                                                                                    stop: [stop], ignoreEOS: true))
        let cut = try #require(baseline.sample.text.range(of: stop, options: .literal))
        let expected = String(baseline.sample.text[..<cut.lowerBound])
        #expect(stopped.sample.text == expected, comment)
        #expect(stopped.streamed == expected, "the stream leaked part of the stop or lost text: \(comment)")
        #expect(stopped.sample.finishReason == .stop, comment)
        #expect(Array(baseline.sample.ids.prefix(stopped.sample.ids.count)) == stopped.sample.ids, comment)
        #expect(decode(stopped.sample.ids).contains(stop) && !decode(Array(stopped.sample.ids.dropLast())).contains(stop), comment)
    }

    @Test func stopStringSplitOverTwoAndThreeTokens() throws {
        let (generator, ids, base) = try baseline()
        let k = try wordRun(base.pieces)
        let (a, b, c) = (base.pieces[k].text, base.pieces[k + 1].text, base.pieces[k + 2].text)
        // The end of one token and the start of the next.
        try expectStopped(at: String(a.suffix(2)) + String(b.prefix(2)), generator: generator, ids: ids, baseline: base, "two tokens")
        // The end of one token, a whole token and the start of a third.
        try expectStopped(at: String(a.suffix(1)) + b + String(c.prefix(1)), generator: generator, ids: ids, baseline: base, "three tokens")
    }

    @Test func stopBeginningMidTokenKeepsTheTextBeforeIt() throws {
        let (generator, ids, base) = try baseline()
        let k = try wordRun(base.pieces)
        let a = base.pieces[k].text
        // Inside one token: its first character is text before the stop in the same (last) piece.
        try expectStopped(at: String(a.dropFirst()), generator: generator, ids: ids, baseline: base, "inside one token")
        try expectStopped(at: String(a.dropFirst()) + String(base.pieces[k + 1].text.prefix(1)), generator: generator, ids: ids,
                          baseline: base, "mid-token into the next")
    }

    @Test func falseStartIsHeldThenReleased() throws {
        let (generator, ids, base) = try baseline()
        let k = try wordRun(base.pieces)
        // Token k's text starts the stop, token k+1 does not continue it.
        let stop = base.pieces[k].text + "\u{7}"
        let held = try run(generator, prompt: ids, parameters: GenerationParameters(maxTokens: Self.length, sampling: .greedy, stop: [stop], ignoreEOS: true))
        #expect(held.sample.text == base.sample.text)
        #expect(held.streamed == base.sample.text)
        #expect(held.sample.finishReason == .length)
        #expect(held.pieces[k].text == "")
        #expect(held.pieces[k + 1].text == base.pieces[k].text + base.pieces[k + 1].text)
        // Held back when the generation ends: released at the end, with no tokens of its own.
        let last = try #require(base.pieces.last)
        let tail = try run(generator, prompt: ids, parameters: GenerationParameters(maxTokens: Self.length, sampling: .greedy,
                                                                                 stop: [last.text + "\u{7}"], ignoreEOS: true))
        #expect(tail.streamed == base.sample.text && tail.sample.text == base.sample.text)
        #expect(tail.pieces.last?.text == last.text && tail.pieces.last?.ids == [])
    }

    /// Known text through the real tokenizer: characters whose bytes span tokens come out whole,
    /// a stop made of such characters is found, and an unfinished character is flushed at the end.
    @Test func textStreamJoinsCharactersSplitAcrossTokens() throws {
        let tokenizer = try TestModel.shared.get().tokenizer
        let text = "Caf\u{E9} 日本語の海 🌊🐚 na\u{EF}ve"
        let ids = tokenizer.encode(text, addSpecialTokens: false)
        try #require(tokenizer.decode(ids, skipSpecialTokens: true) == text)
        var stream = TextStream(tokenizer: tokenizer, stops: [])
        let pieces = ids.map { stream.append($0) }
        #expect(pieces.contains(nil), "no character was split across tokens: \(ids)")
        #expect(!pieces.contains { $0?.contains("\u{FFFD}") == true })
        #expect(pieces.compactMap { $0 }.joined() + stream.finish() == text)

        var stopped = TextStream(tokenizer: tokenizer, stops: ["海 🌊"])
        #expect(ids.compactMap { stopped.append($0) }.joined() == "Caf\u{E9} 日本語の" && stopped.reachedStop)
        #expect(stopped.finish() == "")

        // Up to the first token that leaves a character unfinished: finish() flushes it as U+FFFD.
        let cut = try #require((1...ids.count).first { tokenizer.decode(Array(ids[..<$0]), skipSpecialTokens: true).hasSuffix("\u{FFFD}") })
        var short = TextStream(tokenizer: tokenizer, stops: [])
        let streamed = ids[..<cut].compactMap { short.append($0) }.joined() + short.finish()
        #expect(streamed == tokenizer.decode(Array(ids[..<cut]), skipSpecialTokens: true) && streamed.hasSuffix("\u{FFFD}"))
    }

    /// Chinese and emoji text: some tokens end mid-character. Nothing streamed may hold U+FFFD
    /// when the sample's text is valid, and a sample cut mid-character flushes the tail.
    @Test func utf8SplitAcrossTokensNeverStreamsReplacementCharacters() throws {
        let model = try TestModel.shared.get()
        let generator = Generator(model: model)
        let ids = try PromptRenderer(model: model).ids(prompt: "用中文写一首关于大海的诗，加上很多表情符号 🌊🐚🌅", style: .chat)
        var pieces: [GeneratedPiece] = []
        let parameters = GenerationParameters(maxTokens: 20, sampling: SamplingParameters(temperature: 1.0, topK: 40), seed: 3, ignoreEOS: true)
        let samples = try generator.generate(promptIds: ids, count: 2, parameters: parameters) { pieces.append($0); return true }
        let decode = { (ids: ArraySlice<Int>) in model.tokenizer.decode(Array(ids), skipSpecialTokens: true) }
        // Per sample, the token counts after which the text ends inside a character.
        let midCharacter = samples.map { s in (1...s.ids.count).filter { decode(s.ids[..<$0]).hasSuffix("\u{FFFD}") } }
        var clean = 0
        for (index, sample) in samples.enumerated() {
            let own = pieces.filter { $0.sample == index }
            #expect(own.map(\.text).joined() == sample.text, "sample \(index)")
            #expect(own.flatMap(\.ids) == Array(sample.ids.prefix(own.flatMap(\.ids).count)), "sample \(index)")
            if !sample.text.contains("\u{FFFD}") {
                clean += 1
                #expect(!own.contains { $0.text.contains("\u{FFFD}") }, "sample \(index)")
            }
        }
        let index = try #require(midCharacter.firstIndex { !$0.isEmpty },
                                 "no character split across tokens in \(samples.map(\.text))")
        try #require(clean > 0, "every sample ended mid-character: \(samples.map(\.text))")

        // Cut right after a token that ends mid-character: the tail (U+FFFD) is flushed into the text and the stream.
        var short = parameters
        short.maxTokens = midCharacter[index][0]
        short.seed = parameters.seed + UInt64(index)
        let cut = try run(generator, prompt: ids, parameters: short)
        let expected = decode(samples[index].ids[..<short.maxTokens])
        #expect(cut.sample.ids == Array(samples[index].ids.prefix(short.maxTokens)))
        #expect(cut.sample.finishReason == .length)
        #expect(cut.sample.text == expected && cut.streamed == expected)
    }

    /// Sample i of n uses seed + i: the same as a single sample with that seed; pieces name their
    /// sample (one at a time with maxBatch 1: in sample order).
    @Test func nSamplesEqualSingleSamplesWithConsecutiveSeeds() throws {
        let model = try TestModel.shared.get()
        let generator = Generator(model: model)
        let ids = try PromptRenderer(model: model).ids(prompt: "Write one sentence about the sea.", style: .chat)
        let parameters = GenerationParameters(maxTokens: 8, sampling: SamplingParameters(temperature: 1.0, topP: 0.95), seed: 40)
        var order: [Int] = []
        let samples = try generator.generate(promptIds: ids, count: 3, parameters: parameters, maxBatch: 1) { order.append($0.sample); return true }
        #expect(samples.count == 3)
        #expect(order == order.sorted() && Set(order) == [0, 1, 2])
        for i in [0, 2] {
            var single = parameters
            single.seed = parameters.seed + UInt64(i)
            let alone = try generator.generate(promptIds: ids, parameters: single)[0]
            #expect(samples[i].ids == alone.ids && samples[i].text == alone.text, "sample \(i)")
        }
        #expect(Set(samples.map(\.ids)).count > 1, "three seeds gave one sample")
    }

    /// The one messages-to-prompt join: chat through the template; completion (a base model's
    /// view of a conversation) the contents joined by blank lines.
    @Test func messagesRenderInBothStyles() throws {
        let renderer = try PromptRenderer(model: TestModel.shared.get())
        let messages: [ChatMessage] = [.system("Be brief."), .user("Name a colour.")]
        #expect(try renderer.ids(messages: messages, style: .completion)
                == renderer.ids(prompt: "Be brief.\n\nName a colour.", style: .completion))
        #expect(try renderer.ids(messages: messages, style: .chat) == renderer.ids(messages: messages))
    }

    /// Conformative decoding with two model instances, the base seeing the prompt as raw text:
    /// w = 0 is plain sampling of the instruct model; greedy w = 1 is the base model's own greedy
    /// continuation, which needs the base cache to advance with every token.
    @Test func conformativeLockstep() throws {
        let instruct = try TestModel.shared.get(), base = try TestModel.load()
        let question = "Name three colours of the sea."
        let ids = try PromptRenderer(model: instruct).ids(prompt: question, style: .chat)
        let baseIds = try PromptRenderer(model: base).ids(prompt: question, style: .completion)
        let mixed = Generator(model: instruct, base: base)

        let sampling = SamplingParameters(temperature: 1.0, topP: 0.9)
        var plain = GenerationParameters(maxTokens: 8, sampling: sampling, seed: 9)
        let expected = try Generator(model: instruct).generate(promptIds: ids, count: 2, parameters: plain)
        plain.conformative = ConformativeDecoding(weight: 0)
        let identity = try mixed.generate(promptIds: ids, basePromptIds: baseIds, count: 2, parameters: plain)
        #expect(identity.map(\.ids) == expected.map(\.ids))

        let greedy = GenerationParameters(maxTokens: 8, sampling: .greedy, ignoreEOS: true)
        let baseAlone = try Generator(model: base).generate(promptIds: baseIds, parameters: greedy)[0]
        let instructAlone = try Generator(model: instruct).generate(promptIds: ids, parameters: greedy)[0]
        try #require(baseAlone.ids != instructAlone.ids, "the two renderings should continue differently")
        var allBase = greedy
        allBase.conformative = ConformativeDecoding(weight: 1)
        let followed = try mixed.generate(promptIds: ids, basePromptIds: baseIds, parameters: allBase)[0]
        #expect(followed.ids == baseAlone.ids)
        // The log-probs reported are the instruct model's, from its own cache fed the same tokens:
        // the same as scoring the whole sequence in one forward pass.
        let all = try instruct.model([ids + followed.ids], logits: .all).scalars
        let vocabulary = instruct.configuration.vocabSize
        let forced = followed.ids.enumerated().map { t, token in
            let row = (ids.count - 1 + t) * vocabulary
            return TokenLogProbs(logits: Array(all[row..<(row + vocabulary)]))[token]
        }
        #expect(zip(forced, followed.logprobs).allSatisfy { abs($0 - $1) < 2e-3 }, "\(forced) vs \(followed.logprobs)")
    }
}
