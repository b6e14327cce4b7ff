import Foundation
import Testing
@testable import Preference

/// The committed sample data in `data/` (see data/README.md): it loads, has the promised shape, and
/// `sft.jsonl` is exactly what `divtune import best` derives from `train.jsonl`.
@Suite struct SampleDataTests {
    static let dataFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data")
    func url(_ name: String) -> URL { Self.dataFolder.appendingPathComponent(name) }

    func objects(_ name: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: url(name), encoding: .utf8)
        return try text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { i, line in
            guard !line.isEmpty else { return nil }
            return try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(name):\(i + 1) is not an object")
        }
    }

    func words(_ text: String) -> Int { text.split(whereSeparator: { $0 == " " || $0 == "\n" }).count }

    @Test func filesAreValidUTF8EndingInNewline() throws {
        for name in ["train.jsonl", "test_prompts.jsonl", "sft.jsonl", "README.md"] {
            let data = try Data(contentsOf: url(name))
            #expect(String(decoding: data, as: UTF8.self).utf8.elementsEqual(data), "\(name) is not valid UTF-8")
            #expect(data.last == 0x0A, "\(name) should end with a newline")
        }
    }

    @Test func trainingPromptsAndResponses() throws {
        let dataset = try PreferenceDataset.read(url: url("train.jsonl"), format: .grouped)
        #expect(dataset.skipped.isEmpty)
        #expect(dataset.prompts.count >= 40)
        #expect(try objects("train.jsonl").count == dataset.prompts.count, "a repeated prompt would have been merged")
        var allTexts = Set<String>()
        for group in dataset.prompts {
            #expect(group.prompt.hasPrefix("[WP] "), "line \(group.line)")
            #expect(group.responses.count >= 6, "line \(group.line): \(group.responses.count) responses")
            for r in group.responses {
                #expect((60...150).contains(words(r.text)), "line \(group.line): \(words(r.text)) words in \"\(r.text.prefix(40))…\"")
                #expect(r.score >= 0 && r.score == r.score.rounded(), "line \(group.line): score \(r.score)")
                #expect(allTexts.insert(r.text).inserted, "line \(group.line): repeated story \"\(r.text.prefix(40))…\"")
            }
        }
    }

    /// Upvote-like: long right tail (mean well above median, half under 20, max in the hundreds), a
    /// top scorer per prompt, near-ties and at least one exact tie.
    @Test func scoresAreSkewedWithNearTies() throws {
        let dataset = try PreferenceDataset.read(url: url("train.jsonl"), format: .grouped)
        let scores = dataset.prompts.flatMap { $0.responses.map(\.score) }.sorted()
        let mean = scores.reduce(0, +) / Double(scores.count), median = scores[scores.count / 2]
        #expect(mean > 2 * median, "mean \(mean), median \(median)")
        #expect(Double(scores.filter { $0 < 20 }.count) >= 0.5 * Double(scores.count))
        #expect(scores.last.map { $0 >= 400 && $0 <= 600 } == true)
        var nearTies = 0, exactTies = 0
        for group in dataset.prompts {
            let s = group.responses.map(\.score).sorted(by: >)
            #expect(s[0] >= 3 * s[3], "line \(group.line): one or two clear top scorers")
            for (a, b) in zip(s, s.dropFirst()) where b > 0 {
                if a == b { exactTies += 1 } else if a - b <= 0.05 * a { nearTies += 1 }
            }
        }
        #expect(nearTies >= 5 && exactTies >= 1, "near-ties \(nearTies), exact ties \(exactTies)")
    }

    @Test func heldOutPromptsDoNotOverlapTraining() throws {
        let rows = try objects("test_prompts.jsonl")
        #expect(rows.count >= 20)
        let prompts = rows.compactMap { $0["prompt"] as? String }
        #expect(prompts.count == rows.count && rows.allSatisfy { $0.count == 1 }, "each row is exactly {\"prompt\": str}")
        #expect(Set(prompts).count == prompts.count, "no duplicate test prompts")
        let train = Set(try PreferenceDataset.read(url: url("train.jsonl")).prompts.map { $0.prompt.lowercased() })
        #expect(prompts.allSatisfy { !train.contains($0.lowercased()) })
    }

    /// `sft.jsonl` is reproducible: byte-for-byte `divtune import best --input data/train.jsonl`.
    @Test func sftIsTheBestResponseOfEachTrainingPrompt() throws {
        let dataset = try PreferenceDataset.read(url: url("train.jsonl"))
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let regenerated = folder.appendingPathComponent("sft.jsonl")
        try BestResponseExporter.write(BestResponseExporter.best(dataset), to: regenerated)
        #expect(try Data(contentsOf: regenerated) == Data(contentsOf: url("sft.jsonl")),
                "data/sft.jsonl is stale: rerun divtune import best --input data/train.jsonl --output data/sft.jsonl")
        let rows = try objects("sft.jsonl")
        #expect(rows.compactMap { $0["prompt"] as? String } == dataset.prompts.map(\.prompt))
        for (row, group) in zip(rows, dataset.prompts) {
            let top = group.responses.map(\.score).max()
            #expect(group.responses.first { $0.text == row["completion"] as? String }?.score == top)
        }
    }

    /// `prepare --deviation style` on the sample: every prompt yields pairs, no pair ties on the raw
    /// score, weights are finite and non-negative, and the weights of each prompt's paired responses
    /// average 1 (docs/methods.md §3.2).
    @Test func prepareWithStyleDeviationSmoke() throws {
        let dataset = try PreferenceDataset.read(url: url("train.jsonl"))
        let result = try PreparePipeline(options: PrepareOptions(deviation: .style)).run(dataset)
        #expect(result.summary.promptsWithPairs == dataset.prompts.count)
        #expect(result.pairs.count >= 3 * dataset.prompts.count)
        for group in dataset.prompts {
            let raw = Dictionary(uniqueKeysWithValues: group.responses.map { ($0.text, $0.score) })
            let pairs = result.pairs.filter { $0.prompt == group.prompt }
            for p in pairs {
                let (c, r) = (try #require(raw[p.chosen]), try #require(raw[p.rejected]))
                #expect(c > r, "line \(group.line): chosen \(c) vs rejected \(r)")
                #expect(p.weight.isFinite && p.weight >= 0 && abs(p.weight - (p.scoreChosen + 1)) < 1e-12)
            }
            let weights = pairs.flatMap { [$0.scoreChosen + 1, $0.scoreRejected + 1] }
            #expect(abs(weights.reduce(0, +) / Double(weights.count) - 1) < 1e-9, "line \(group.line)")
        }
    }
}
