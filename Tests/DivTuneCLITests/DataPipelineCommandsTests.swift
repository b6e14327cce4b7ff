import Base
import Foundation
import Models
import Preference
import Testing
@testable import divtune

/// The papers' data steps as the CLI runs them (issue 21 item 3): `prepare`'s length filter by
/// SmolLM2's tokenizer and chat template, its seeded prompt split with a test slice, and `stats`.
@Suite(.serialized) struct DataPipelineCommandsTests {
    static let root = EvaluationCommandsTests.root
    static let train = root.appendingPathComponent("data/train.jsonl")

    @Test func prepareFiltersByTokensSplitsPromptsAndStatsDescribesTheResult() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-data-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let pairs = folder.appendingPathComponent("pairs.jsonl"), test = folder.appendingPathComponent("test.jsonl")
        let smol = try EvaluationCommandsTests.smolLM
        let renderer = try PromptRenderer(model: try LanguageModel.load(path: smol))
        func tokens(_ prompt: String, _ response: String) throws -> Int {
            try renderer.ids(messages: [.user(prompt), .assistant(response)], addGenerationPrompt: false).count
        }
        // The limit: the median length as the model sees it, so about half the responses go.
        let all = try PreferenceDataset.read(url: Self.train)
        let lengths = try all.prompts.flatMap { g in try g.responses.map { try tokens(g.prompt, $0.text) } }.sorted()
        let limit = lengths[lengths.count / 2]
        try EvaluationCommandsTests.run(["prepare", "--input", Self.train.path, "--output", pairs.path, "--deviation", "none",
                                         "--max-length", "\(limit)", "--tokenizer", smol, "--test-fraction", "0.1", "--split-seed", "3",
                                         "--test-output", test.path, "--test-slice", "0:3"])
        // Every response left, in pairs or in the test file, fits in the limit.
        let rows = try JSONLines.rows(of: pairs)
        for row in rows {
            let prompt = try row.string("prompt")
            #expect(try tokens(prompt, try row.string("chosen")) <= limit && tokens(prompt, try row.string("rejected")) <= limit)
        }
        // About a tenth of the prompts left held out, the slice keeping at most 3; none of them is in a pair.
        let held = try PreferenceDataset.read(url: test)
        #expect((1...3).contains(held.prompts.count))
        let paired = Set(try rows.map { try $0.string("prompt") })
        #expect(held.prompts.allSatisfy { !paired.contains($0.prompt) })
        #expect(try held.prompts.allSatisfy { g in try g.responses.allSatisfy { try tokens(g.prompt, $0.text) <= limit } })

        // stats reads the same file and the pairs' weights (1 without a deviation).
        let stats = try DatasetStatistics(all, weights: try rows.map { try #require(try $0.finiteNumber("weight")) })
        #expect(stats.prompts == 40 && stats.weights?.min == 1 && stats.weights?.max == 1)
        try EvaluationCommandsTests.run(["stats", "--input", Self.train.path, "--pairs", pairs.path, "--json"])
        #expect(EvaluationCommandsTests.errorText(["stats", "--input", Self.train.path, "--pairs", Self.train.path]).contains("weight"))
        // Flags that go together are refused alone.
        #expect(EvaluationCommandsTests.errorText(["prepare", "--input", Self.train.path, "--output", pairs.path, "--max-length", "9"])
            .contains("--tokenizer"))
        #expect(EvaluationCommandsTests.errorText(["prepare", "--input", Self.train.path, "--output", pairs.path, "--test-fraction", "0.1"])
            .contains("--test-output"))
    }
}
