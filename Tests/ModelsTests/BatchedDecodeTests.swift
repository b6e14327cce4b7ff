import Base
import Foundation
import Models
import TensorEngine
import Testing

/// Batched decode steps (docs/methods.md §12) on the real SmolLM2-135M-Instruct (Q4_1): B
/// sequences of different prompt lengths, each with its own cache, through one step give each
/// sequence's logits exactly as its own one-token step does — with and without LoRA adapters.
@Suite(.serialized) struct BatchedDecodeTests {
    /// Prompts of 16, 19 and 24 tokens.
    static let prompts = [16, 19, 24].enumerated().map { i, n in (0..<n).map { 1 + ($0 * 7919 + i * 104_729) % 49_000 } }

    func model() throws -> LanguageModel {
        try LanguageModel.load(path: testModels.require(ModelCache.smolLM2).path)
    }

    /// The three prompts prefilled in one packed pass, then three decode steps of the three
    /// sequences, batched and alone, compared bit for bit.
    func expectBatchEqualsAlone(_ lm: LlamaModel, _ comment: Comment) throws {
        try Tensor.withNoGrad {
            let batch = Self.prompts.map { lm.makeCache(capacity: $0.count + 4) }
            let alone = Self.prompts.map { lm.makeCache(capacity: $0.count + 4) }
            let packed = try lm.prefill(Self.prompts, caches: batch)
            var tokens: [Int] = []
            for (i, prompt) in Self.prompts.enumerated() {
                let logits = try lm([prompt], cache: alone[i], logits: .last).scalars
                #expect(packed[i] == logits, "\(comment): prefill of prompt \(i)")
                tokens.append(logits.indices.max { logits[$0] < logits[$1] }!)
            }
            for step in 0..<3 {
                let together = try lm.decodeStep(tokens: tokens, caches: batch)
                for i in tokens.indices {
                    let single = try lm([[tokens[i]]], cache: alone[i], logits: .last).scalars
                    #expect(together[i] == single, "\(comment): step \(step), sequence \(i)")
                    #expect(batch[i].length == alone[i].length)
                }
                // Different tokens per sequence next, so the rows differ in content as well as length.
                tokens = together.enumerated().map { i, row in (row.indices.max { row[$0] < row[$1] }! + i) % row.count }
            }
        }
    }

    /// Decode steps past the caches' first buffers (64 positions after a short prompt): the
    /// batched step writes in place into buffers `KVCache.room` grows, the one-token step appends
    /// through its own growth, and the logits stay equal bit for bit on both sides of it.
    @Test func stepsAcrossCacheGrowthEqualEachSequenceAlone() throws {
        let lm = try model().model
        try Tensor.withNoGrad {
            let batch = Self.prompts.map { _ in lm.makeCache(capacity: 200) }
            let alone = Self.prompts.map { _ in lm.makeCache(capacity: 200) }
            var tokens = try lm.prefill(Self.prompts, caches: batch).map { row in row.indices.max { row[$0] < row[$1] }! }
            for (i, prompt) in Self.prompts.enumerated() { _ = try lm([prompt], cache: alone[i], logits: .last) }
            for step in 0..<48 {
                let together = try lm.decodeStep(tokens: tokens, caches: batch)
                for i in tokens.indices {
                    #expect(together[i] == (try lm([[tokens[i]]], cache: alone[i], logits: .last)).scalars, "step \(step), sequence \(i)")
                }
                tokens = together.enumerated().map { i, row in (row.indices.max { row[$0] < row[$1] }! + i) % row.count }
            }
            #expect(batch.map(\.length) == Self.prompts.map { $0.count + 48 })
            for i in batch.indices {
                #expect(try #require(batch[i].keys.last!).scalars == (try #require(alone[i].keys.last!)).scalars, "sequence \(i) keys")
            }
        }
    }

    /// A packed prefill that continues caches already holding positions (a conversation's next
    /// turn) equals each continuation alone.
    @Test func packedPrefillContinuesFilledCaches() throws {
        let lm = try model().model
        try Tensor.withNoGrad {
            let batch = Self.prompts.map { lm.makeCache(capacity: 2 * $0.count) }
            let alone = Self.prompts.map { lm.makeCache(capacity: 2 * $0.count) }
            _ = try lm.prefill(Self.prompts, caches: batch)
            for (i, prompt) in Self.prompts.enumerated() { _ = try lm([prompt], cache: alone[i], logits: .last) }
            let turns = Self.prompts.map { $0.reversed().map { $0 } }
            let packed = try lm.prefill(turns, caches: batch)
            for (i, turn) in turns.enumerated() {
                #expect(packed[i] == (try lm([turn], cache: alone[i], logits: .last)).scalars, "turn of prompt \(i)")
                #expect(batch[i].length == 2 * turn.count)
            }
        }
    }

    /// On the quantized model every pass is row-exact: prompts of any length packed together equal
    /// each alone, and a prompt continued from the cache of its first m positions equals the prompt
    /// run whole — logits and every layer's keys and values — for beginnings inside and across the
    /// attention kernel's 64-row blocks. (An enabled adapter ends the guarantee: see below.)
    @Test func rowExactPassesPackAnyLengthAndContinueACachedBeginning() throws {
        let lm = try model().model
        try #require(lm.passesAreRowExact, "row-exact passes need the row-group kernels (AVX-512)")
        let long = (0..<150).map { 1 + ($0 * 6151) % 49_000 }
        try Tensor.withNoGrad {
            let short = [1, 2, 5, 9].map { Array(long.prefix($0)) }
            let packed = try lm.prefill(short, caches: short.map { lm.makeCache(capacity: $0.count) })
            for (i, prompt) in short.enumerated() {
                let same = packed[i] == (try lm([prompt], cache: lm.makeCache(capacity: prompt.count), logits: .last)).scalars
                #expect(same, "\(prompt.count) tokens")
            }
            let whole = lm.makeCache(capacity: long.count)
            let logits = try lm([long], cache: whole, logits: .last).scalars
            for m in [1, 7, 63, 64, 65, 100, 148] {
                let beginning = lm.makeCache(capacity: m)
                _ = try lm([Array(long.prefix(m))], cache: beginning, logits: .last)
                let continued = beginning.copy(positions: m, capacity: long.count)
                let same = try lm.prefill([Array(long[m...])], caches: [continued])[0] == logits
                #expect(same, "continued after \(m)")
                for layer in [0, lm.configuration.numHiddenLayers - 1] {
                    let same = continued.keys[layer]!.scalars == whole.keys[layer]!.scalars && continued.values[layer]!.scalars == whole.values[layer]!.scalars
                    #expect(same, "layer \(layer) after \(m)")
                }
            }
        }
    }

    @Test func batchedStepEqualsEachSequenceAlone() throws {
        try expectBatchEqualsAlone(model().model, "plain")
    }

    /// A LoRA adapter on the attention and MLP projections: its product runs row by row, onto the
    /// batched base product, and the logits stay those of each sequence alone.
    @Test func batchedStepWithAdaptersEqualsEachSequenceAlone() throws {
        let lm = try model().model
        var rng = SeededGenerator(seed: 5)
        for (path, layer) in lm.linearLayers where path.hasSuffix("q_proj") || path.hasSuffix("down_proj") {
            let rank = 4
            let a = try Tensor((0..<(rank * layer.inFeatures)).map { _ in Float(rng.nextDouble() - 0.5) * 0.1 }, shape: [rank, layer.inFeatures])
            let b = try Tensor((0..<(layer.outFeatures * rank)).map { _ in Float(rng.nextDouble() - 0.5) * 0.1 }, shape: [layer.outFeatures, rank])
            layer.lora = try LoRALayer(a: a, b: b, alpha: 8, dropout: 0)
        }
        #expect(!lm.passesAreRowExact)
        try expectBatchEqualsAlone(lm, "LoRA")
    }

    /// Bad input: caches shared between sequences, too few caches, a full cache, an unknown token,
    /// an empty prompt — refused before any cache moves.
    @Test func badStepsAreRefused() throws {
        let lm = try model().model
        let cache = lm.makeCache(capacity: 2), other = lm.makeCache(capacity: 8)
        _ = try Tensor.withNoGrad { try lm([[1, 2]], cache: cache, logits: .last) }
        #expect(throws: ModelError.self) { try lm.decodeStep(tokens: [1, 2], caches: [other, other]) }
        #expect(throws: ModelError.self) { try lm.decodeStep(tokens: [1, 2], caches: [other]) }
        #expect(throws: ModelError.self) { try lm.decodeStep(tokens: [1], caches: [cache]) }
        #expect(throws: ModelError.self) { try lm.decodeStep(tokens: [lm.configuration.vocabSize], caches: [other]) }
        #expect(throws: ModelError.self) { try lm.prefill([[1, 2], []], caches: [other, lm.makeCache(capacity: 8)]) }
        #expect(throws: ModelError.self) { try lm.prefill([[1, 2], [3]], caches: [cache, other]) }
        #expect(throws: ModelError.self) { try lm.prefill([[1, 2], [3, lm.configuration.vocabSize]], caches: [other, lm.makeCache(capacity: 8)]) }
        #expect(other.length == 0)
    }
}
