import Base
import Embeddings
import Foundation
import Testing
@testable import Preference

/// A deterministic embedder: a pseudo-random 8-d vector per text (FNV-1a of the text seeds it).
final class FakeEmbedder: TextEmbedder {
    var calls = 0
    var texts: [String] = []
    let salt: UInt64
    init(salt: UInt64) { self.salt = salt }
    func embed(_ texts: [String]) throws -> [[Float]] {
        calls += 1
        self.texts += texts
        return texts.map { text in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ salt
            for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            var rng = SeededGenerator(seed: h)
            return (0..<8).map { _ in Float(rng.next() >> 40) / Float(1 << 24) - 0.5 }
        }
    }
}

@Suite struct PreparePipelineTests {
    func dataset(_ sizes: [Int]) -> PreferenceDataset {
        PreferenceDataset(prompts: sizes.enumerated().map { p, n in
            PromptResponses(prompt: "prompt \(p)", responses: (0..<n).map { ScoredResponse(text: "story \(p)-\($0)", score: Double((p * 13 + $0 * 7) % 97)) })
        })
    }

    @Test func noDeviationKeepsRawScores() throws {
        let result = try PreparePipeline(options: PrepareOptions(deviation: .none)).run(dataset([4, 6, 3]))
        #expect(result.pairs.count == 2 + 3 + 1)
        #expect(result.pairs.allSatisfy { $0.weight == 1 && $0.scoreChosen > $0.scoreRejected })
        #expect(result.summary.prompts == 3 && result.summary.responses == 13 && result.summary.pairs == 6)
        #expect(result.summary.weights?.mean == 1)
    }

    @Test func weightsAreChosenDeviationPlusOne() throws {
        let sem = FakeEmbedder(salt: 1), sty = FakeEmbedder(salt: 2)
        let data = dataset([6, 8])
        let result = try PreparePipeline(semanticEmbedder: sem, styleEmbedder: sty).run(data)
        #expect(sem.calls == 1 && Set(sem.texts).count == sem.texts.count, "one batch, each text once")
        for prompt in data.prompts {
            let pairs = result.pairs.filter { $0.prompt == prompt.prompt }
            var texts: [String] = []
            for p in pairs { texts += [p.chosen, p.rejected] }
            let expected = try Deviation.compute(semantic: sem.embed(texts), style: sty.embed(texts))
            for (i, p) in pairs.enumerated() {
                #expect(close(p.scoreChosen, expected.deviations[2 * i]) && close(p.scoreRejected, expected.deviations[2 * i + 1]))
                #expect(close(p.weight, p.scoreChosen + 1))
            }
            let meanWeight = expected.weights.reduce(0, +) / Double(texts.count)
            #expect(close(meanWeight, 1))
        }
        #expect(result.summary.weights.map { $0.min >= 0 && $0.max <= Double(14) } == true)
    }

    @Test func cutoffSortAndMinimumDeviation() throws {
        let data = dataset([12])
        var options = PrepareOptions(deviation: .semantic, maxResponses: 4, sortByScore: true)
        let sem = FakeEmbedder(salt: 3)
        let all = try PreparePipeline(options: PrepareOptions(deviation: .none), semanticEmbedder: sem).run(data).pairs
        let cut = try PreparePipeline(options: options, semanticEmbedder: sem).run(data).pairs
        #expect(cut.count == 2)
        let topTwo = all.map(\.scoreChosen).sorted(by: >).prefix(2)
        #expect(cut.map { r in data.prompts[0].responses.first { $0.text == r.chosen }!.score } == Array(topTwo))
        options.maxResponses = 5
        #expect(try PreparePipeline(options: options, semanticEmbedder: sem).run(data).pairs.count == 3)

        options.maxResponses = nil
        let unclamped = try PreparePipeline(options: options, semanticEmbedder: sem).run(data).pairs
        #expect(unclamped.contains { $0.weight < 0.2 })
        options.minDeviation = -0.8
        let clamped = try PreparePipeline(options: options, semanticEmbedder: sem).run(data).pairs
        #expect(clamped.allSatisfy { $0.weight >= 0.2 - 1e-12 && $0.scoreChosen >= -0.8 })
        #expect(zip(clamped, unclamped).allSatisfy { close($0.weight, max($1.weight, 0.2)) })
    }

    /// Paper Table 5 (ρ 25, max 3 pairs): n = 4, 8, 12, 16 → 2, 3, 3, 3 pairs.
    @Test func divpoPoolSizes() throws {
        let data = PreferenceDataset(prompts: [4, 8, 12, 16].map { n in
            PromptResponses(prompt: "n\(n)", responses: (0..<n).map { ScoredResponse(text: "r\(n)-\($0)", score: Double($0 * 10)) })
        })
        let options = PrepareOptions(deviation: .style, divpo: DivPOOptions(rho: 25, maxPairs: 3))
        let result = try PreparePipeline(options: options, styleEmbedder: FakeEmbedder(salt: 4)).run(data)
        for (n, expected) in [(4, 2), (8, 3), (12, 3), (16, 3)] {
            let pairs = result.pairs.filter { $0.prompt == "n\(n)" }
            #expect(pairs.count == expected, "n = \(n)")
            let pool = DivPOSelection.pools(scores: (0..<n).map { Double($0 * 10) }, options: DivPOOptions(rho: 25, maxPairs: 3))
            #expect(pairs.allSatisfy { p in pool.high.contains { "r\(n)-\($0)" == p.chosen } && pool.low.contains { "r\(n)-\($0)" == p.rejected } })
            #expect(pairs.allSatisfy { $0.weight == 1 })
        }
        let pools = DivPOSelection.pools(scores: [5, 1, 9, 3], options: DivPOOptions())
        #expect(pools.high == [2, 0] && pools.low == [1, 3] && pools.pairs == 2)
        #expect(DivPOSelection.rank([0.2, 0.9, 0.5], mostDiverse: true, take: 2) == [1, 2])
        #expect(DivPOSelection.rank([0.2, 0.9, 0.5], mostDiverse: false, take: 2) == [0, 2])
    }

    @Test func misconfigurationIsAnError() {
        #expect(throws: PreferenceError.missingEmbedder("semantic")) {
            try PreparePipeline(options: PrepareOptions(deviation: .both)).run(dataset([4]))
        }
        #expect(throws: PreferenceError.self) { try PreparePipeline(options: PrepareOptions(maxResponses: 1)).run(dataset([4])) }
        #expect(throws: PreferenceError.self) {
            try PreparePipeline(options: PrepareOptions(deviation: .none, divpo: DivPOOptions())).run(dataset([4]))
        }
        struct Broken: TextEmbedder { func embed(_ t: [String]) throws -> [[Float]] { [[1]] } }
        #expect(throws: EmbeddingError.self) {
            try PreparePipeline(options: PrepareOptions(deviation: .semantic), semanticEmbedder: Broken()).run(dataset([4]))
        }
    }

    @Test func endToEndFilesAndSeeds() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.jsonl"), output = dir.appendingPathComponent("out.jsonl")
        var lines = (0..<10).map { "{\"prompt\": \"p\", \"response\": \"Story number \($0). \\\"Hi,\\\" she said.\", \"score\": \($0 * 3)}" }
        lines.append("{\"prompt\": \"lonely\", \"response\": \"x\", \"score\": 1}")
        try Data(lines.joined(separator: "\n").utf8).write(to: input)
        let pipeline = PreparePipeline(options: PrepareOptions(seed: 11, deviation: .style))
        let summary = try pipeline.run(input: input, skipInvalid: true, output: output, style: .conversational)
        #expect(summary.pairs == 5 && summary.skipped.count == 1 && summary.description.contains("skipped: 1"))
        let first = try String(contentsOf: output, encoding: .utf8)
        _ = try pipeline.run(input: input, skipInvalid: true, output: output)
        _ = try pipeline.run(input: input, skipInvalid: true, output: output, style: .conversational)
        #expect(try String(contentsOf: output, encoding: .utf8) == first, "same seed, same file")
    }
}
