import Base
import Foundation
import Testing
@testable import divtune

/// `--embedder` (jina-embeddings-v3), `--embedder-task` and `--style-embedder` (Style-Embedding)
/// through `prepare` and `evaluate run`, on the small random models of their layouts from
/// EmbeddingsTests: which embedders produced the numbers is recorded, and runs with substitutes
/// (MiniLM-like models, the stylometric features, a jina task) are marked not comparable with the paper.
@Suite(.serialized) struct PaperEmbeddersCommandsTests {
    static let fixtures = EvaluationCommandsTests.root.appendingPathComponent("Tests/EmbeddingsTests/Fixtures")
    static let jina = fixtures.appendingPathComponent("jina-v3-tiny").path
    static let styleEmbedding = fixtures.appendingPathComponent("style-embedding-tiny").path
    static let substitute = EvaluationCommandsTests.tinyEmbedder

    @Test func prepareRecordsItsEmbeddersAndTheStyleModelChangesTheWeights() throws {
        let folder = try EmbeddingCommandsTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("raw.jsonl"), log = folder.appendingPathComponent("prepare.jsonl")
        try #"{"prompt": "Write about the sea.", "responses": [{"text": "Waves fold over the grey shore.", "score": 9}, {"text": "The sea is big!!! lol", "score": 2}, {"text": "Salt and thunder; a drowned bell ringing under the tide.", "score": 8}, {"text": "Water.", "score": 1}]}"#
            .write(to: input, atomically: true, encoding: .utf8)
        func prepare(_ name: String, _ extra: [String]) throws -> (pairs: [[String: Any]], record: [String: Any]) {
            let output = folder.appendingPathComponent(name + ".jsonl")
            try EmbeddingCommandsTests.run(["prepare", "--input", input.path, "--output", output.path, "--min-gap", "1",
                                            "--log", log.path] + extra)
            return (try EmbeddingCommandsTests.lines(output), try #require(try EmbeddingCommandsTests.lines(log).last))
        }
        let paper = try prepare("paper", ["--deviation", "both", "--embedder", Self.jina, "--style-embedder", Self.styleEmbedding])
        #expect(paper.record["embedders_match_paper"] as? Bool == true)
        #expect((paper.record["embedder"] as? String)?.contains("jina-embeddings-v3; the paper's semantic embedder") == true)
        #expect((paper.record["style_embedder"] as? String)?.contains("Style-Embedding; the paper's style embedder") == true)

        let task = try prepare("task", ["--deviation", "semantic", "--embedder", Self.jina, "--embedder-task", "text-matching"])
        #expect(task.record["embedders_match_paper"] as? Bool == false && task.record["style_embedder"] is NSNull)
        #expect((task.record["embedder"] as? String)?.contains("task text-matching; substitute, not comparable with the paper") == true)

        // The style space alone decides these weights: the style model and the stylometric features differ.
        let styleModel = try prepare("style-model", ["--deviation", "style", "--style-embedder", Self.styleEmbedding])
        let stylometric = try prepare("stylometric", ["--deviation", "style"])
        #expect(styleModel.record["embedders_match_paper"] as? Bool == true)
        #expect(stylometric.record["embedders_match_paper"] as? Bool == false)
        #expect((stylometric.record["style_embedder"] as? String)?.contains("stylometric features; substitute") == true)
        let weights = { (pairs: [[String: Any]]) in pairs.compactMap { $0["weight"] as? Double } }
        #expect(weights(styleModel.pairs).count == 2 && weights(styleModel.pairs) != weights(stylometric.pairs))

        #expect(EvaluationCommandsTests.errorText(["prepare", "--input", input.path, "--output", folder.appendingPathComponent("x").path,
                                                   "--deviation", "semantic", "--embedder", Self.jina, "--embedder-task", "poetry"])
            .contains("text-matching"))
    }

    @Test func evaluateRunRecordsItsEmbeddersAndReportsMarkSubstitutes() throws {
        let folder = try EmbeddingCommandsTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let prompts = folder.appendingPathComponent("prompts.jsonl")
        try Data("{\"prompt\": \"Snow in July.\"}\n{\"prompt\": \"A dragon learns to knit.\"}\n".utf8).write(to: prompts)
        func evaluate(_ name: String, _ embedders: [String]) throws -> [String: Any] {
            let out = folder.appendingPathComponent(name)
            try EvaluationCommandsTests.run(["evaluate", "run", "--model", try EvaluationCommandsTests.smolLM, "--prompts", prompts.path,
                                             "--samples-per-prompt", "2", "--max-tokens", "6", "--threads", "2", "--output", out.path] + embedders)
            return try EvaluationCommandsTests.json(out.appendingPathComponent("metrics.json"))
        }
        let paper = try evaluate("paper", ["--embedder", Self.jina, "--style-embedder", Self.styleEmbedding])
        #expect(paper["embedders_match_paper"] as? Bool == true)
        #expect((paper["style_embedder"] as? String)?.hasPrefix(Self.styleEmbedding) == true)
        #expect(paper["style_diversity"] as? [String: Any] != nil)
        let paperReport = try String(contentsOf: folder.appendingPathComponent("paper/report.html"), encoding: .utf8)
        #expect(!paperReport.contains("Not comparable with the paper"))

        let substitute = try evaluate("substitute", ["--embedder", Self.substitute])
        #expect(substitute["embedders_match_paper"] as? Bool == false)
        #expect((substitute["style_embedder"] as? String)?.contains("stylometric features; substitute") == true)
        let report = try String(contentsOf: folder.appendingPathComponent("substitute/report.html"), encoding: .utf8)
        #expect(report.contains("Not comparable with the paper: substitute"))

        let html = folder.appendingPathComponent("compare.html")
        try EvaluationCommandsTests.run(["evaluate", "compare", folder.appendingPathComponent("paper").path,
                                         folder.appendingPathComponent("substitute").path, "--output", html.path])
        let comparison = try String(contentsOf: html, encoding: .utf8)
        #expect(comparison.contains("Not comparable with the paper: substitute —"))
    }
}
