import Base
import Foundation
import Testing
@testable import divtune

/// `divtune judge` as the CLI runs it, on the real SmolLM2 (`make models`) and a few of the
/// creative sample's labelled ideas.
@Suite(.serialized) struct JudgeCommandTests {
    static let root = EmbeddingCommandsTests.root

    static func sample(_ name: String, first count: Int, in folder: URL) throws -> URL {
        let lines = try String(contentsOf: root.appendingPathComponent("data/creative/\(name)"), encoding: .utf8).split(separator: "\n")
        let url = folder.appendingPathComponent(name)
        try (lines.prefix(count).joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func pointwiseAndPairwiseWriteJudgementsAndSummaries() throws {
        let model = try DivTuneProcess.smolLM2
        let folder = try EmbeddingCommandsTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try Self.sample("ideas_heldout.jsonl", first: 4, in: folder)  // b05: good, bad, bad, good
        let validation = try Self.sample("ideas.jsonl", first: 2, in: folder)
        let out = folder.appendingPathComponent("pointwise")
        try EmbeddingCommandsTests.run(["judge", "pointwise", "--model", model, "--input", input.path, "--validation", validation.path,
                                        "--output", out.path, "--resamples", "50", "--threads", "2"])
        let judgements = try EmbeddingCommandsTests.lines(out.appendingPathComponent("judgements.jsonl"))
        #expect(judgements.count == 4)
        #expect(judgements.allSatisfy { ($0["score"] as? Double).map { $0 > 0 && $0 < 1 } == true })
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any])
        #expect(summary["threshold_source"] as? String == "validation" && summary["validation_items"] as? Int == 2)
        let agreement = try #require(summary["agreement"] as? [String: Any])
        #expect(agreement["items"] as? Int == 4 && agreement["accuracy"] != nil && agreement["roc_auc"] != nil)
        // The predictions follow the threshold written in the summary.
        let threshold = try #require(summary["threshold"] as? Double)
        #expect(judgements.allSatisfy { ($0["prediction"] as? String == "good") == (($0["score"] as? Double ?? 0) > threshold) })

        let pairs = folder.appendingPathComponent("pairwise")
        try EmbeddingCommandsTests.run(["judge", "pairwise", "--model", model, "--input", input.path, "--output", pairs.path,
                                        "--resamples", "50", "--threads", "2"])
        let pairJudgements = try EmbeddingCommandsTests.lines(pairs.appendingPathComponent("judgements.jsonl"))
        #expect(pairJudgements.count == 4)  // 2 good × 2 bad
        let pairSummary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: pairs.appendingPathComponent("summary.json"))) as? [String: Any])
        #expect(pairSummary["pairs"] as? Int == 4 && pairSummary["orders_disagree"] != nil)
    }

    @Test func badOptionsAndTemplatesAreNamed() throws {
        let folder = try EmbeddingCommandsTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try Self.sample("ideas_heldout.jsonl", first: 2, in: folder)
        #expect(throws: (any Error).self) {
            try EmbeddingCommandsTests.run(["judge", "pointwise", "--model", "m.gguf", "--input", input.path, "--output", folder.path,
                                            "--validation", input.path, "--threshold", "0.5"])
        }
        let template = folder.appendingPathComponent("t.txt")
        try "answers: Yes / No\nIs {idea} good for {brand}?\n".write(to: template, atomically: true, encoding: .utf8)
        let model = try DivTuneProcess.smolLM2
        #expect {
            try EmbeddingCommandsTests.run(["judge", "pointwise", "--model", model, "--input", input.path, "--output", folder.path,
                                            "--template", template.path])
        } throws: { "\($0)" == "\(template.path):1: the answer word \"Yes\" does not appear in the prompt: tell the model it may answer it" }
    }
}
