import Evaluation
import EvaluationRuns
import Foundation
import Testing
@testable import divtune

/// `embed`, `prepare` and `evaluate diversity` run as the CLI runs them (parsed from arguments),
/// on small JSONL files in a temporary folder, with the tiny RoBERTa fixture of EmbeddingsTests as
/// the semantic model (so no download is needed).
@Suite(.serialized) struct EmbeddingCommandsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let tinyModel = root.appendingPathComponent("Tests/EmbeddingsTests/Fixtures/tiny-roberta").path

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func lines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    static func run(_ arguments: [String]) throws {
        var command = try DivTune.parseAsRoot(arguments)
        try command.run()
    }

    @Test func embedReadsJSONLAndNamesBadLines() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("texts.jsonl")
        try "{\"text\": \"a dragon\"}\n\n{\"text\": \"the sea\"}\n".write(to: input, atomically: true, encoding: .utf8)
        #expect(try EmbedCommand.readTexts(input) == ["a dragon", "the sea"])
        try Self.run(["embed", "--model", Self.tinyModel, "--input", input.path, "--json"])

        try "{\"text\": \"ok\"}\n{\"txt\": \"typo\"}\n".write(to: input, atomically: true, encoding: .utf8)
        #expect { try EmbedCommand.readTexts(input) } throws: { "\($0)" == "\(input.path):2: field \"text\": missing" }
        try Data([0x7B, 0x22, 0x74, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D, 0x0A]).write(to: input)
        #expect { try EmbedCommand.readTexts(input) } throws: { "\($0)" == "\(input.path):1: invalid UTF-8" }
        #expect(throws: (any Error).self) { try Self.run(["embed", "--model", Self.tinyModel]) }
    }

    @Test func prepareWritesWeightedPairsAndUsesTheCache() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("raw.jsonl"), output = folder.appendingPathComponent("pairs.jsonl")
        let cache = folder.appendingPathComponent("embeddings.cache"), log = folder.appendingPathComponent("prepare.jsonl")
        let raw = [
            #"{"prompt": "Write about the sea.", "responses": [{"text": "Waves fold over the grey shore.", "score": 9}, {"text": "The sea is big.", "score": 2}, {"text": "Salt and thunder, a drowned bell ringing under the tide.", "score": 8}, {"text": "Water.", "score": 1}]}"#,
            #"{"prompt": "A poem about bread.", "response": "Warm crust, the kitchen hums.", "score": 7}"#,
            #"{"prompt": "A poem about bread.", "response": "Bread.", "score": 1}"#,
            #"{"prompt": "broken"#,
            #"{"prompt": "Lonely", "responses": [{"text": "only one", "score": 3}]}"#,
        ]
        try raw.joined(separator: "\n").write(to: input, atomically: true, encoding: .utf8)
        let arguments = ["prepare", "--input", input.path, "--output", output.path, "--embedder", Self.tinyModel,
                         "--deviation", "both", "--min-gap", "1", "--skip-invalid", "--cache", cache.path, "--log", log.path]
        try Self.run(arguments)
        let pairs = try Self.lines(output)
        #expect(pairs.count == 3)
        for pair in pairs {
            let weight = try #require(pair["weight"] as? Double), chosen = try #require(pair["score_chosen"] as? Double)
            #expect(weight >= 0 && weight <= 2 && abs(weight - (chosen + 1)) < 1e-12)
            #expect(Set(pair.keys) == ["prompt", "chosen", "rejected", "score_chosen", "score_rejected", "weight"])
        }
        #expect(FileManager.default.fileExists(atPath: cache.path))
        let record = try #require(try Self.lines(log).last)
        #expect(record["pairs"] as? Int == 3 && (record["skipped"] as? [String])?.count == 2)
        // Same input again: every text comes from the cache and the pairs are identical.
        let first = try String(contentsOf: output, encoding: .utf8)
        try Self.run(arguments)
        #expect(try String(contentsOf: output, encoding: .utf8) == first)

        // Without --skip-invalid the broken line stops the run, naming the file and line.
        #expect { try Self.run(["prepare", "--input", input.path, "--output", output.path, "--deviation", "none"]) } throws: {
            "\($0)".contains("raw.jsonl") && "\($0)".contains(":4")
        }
        // --deviation none needs no model: every weight is 1.
        try Self.run(["prepare", "--input", input.path, "--output", output.path, "--deviation", "none", "--min-gap", "1", "--skip-invalid",
                      "--conversational"])
        let plain = try Self.lines(output)
        #expect(plain.count == 3 && plain.allSatisfy { $0["weight"] as? Double == 1 && $0["prompt"] is [Any] })
    }

    @Test func evaluateDiversityReportsMetricsAndResumes() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("samples.jsonl"), output = folder.appendingPathComponent("diversity.json")
        let lines = [
            #"{"prompt": "sea", "samples": ["The sea is wide and grey today.", "Waves break on the old stone pier at dawn.", "The sea is wide and grey today."]}"#,
            #"{"prompt": "one", "samples": ["Only a single sample here, nothing to compare."]}"#,
            #"{"prompt": "bread", "samples": ["Warm bread on the table, steam rising.", "A loaf of rye cooling by the open window."]}"#,
        ]
        try lines.joined(separator: "\n").write(to: input, atomically: true, encoding: .utf8)
        let arguments = ["evaluate", "diversity", "--samples", input.path, "--embedder", Self.tinyModel, "--output", output.path, "--json"]
        try Self.run(arguments)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [String: Any])
        let perPrompt = try #require(report["per_prompt"] as? [[String: Any]])
        #expect(perPrompt.map { $0["prompt"] as? String } == ["sea", "one", "bread"])
        for key in DiversityMetric.allCases.map(\.rawValue) {
            #expect(perPrompt[1][key] is NSNull, "single sample: \(key) is null")
            #expect(perPrompt[0][key] is Double && perPrompt[2][key] is Double, "\(key)")
            let interval = try #require((report["ci95"] as? [String: Any])?[key] as? [Double])
            let mean = try #require((report["mean"] as? [String: Any])?[key] as? Double)
            #expect(interval.count == 2 && interval[0] <= mean && mean <= interval[1])
        }
        #expect(!FileManager.default.fileExists(atPath: DiversityEvaluation.partialFile(for: output).path))
        // The embedders are recorded as `evaluate run` records them; the tiny model and the stylometric
        // features are substitutes, so the numbers say they are not comparable with the paper.
        #expect((report["embedder"] as? String)?.hasPrefix(Self.tinyModel) == true)
        #expect((report["embedder"] as? String)?.contains("substitute, not comparable with the paper") == true)
        #expect((report["style_embedder"] as? String)?.hasPrefix("stylometric (built-in)") == true)
        #expect(report["embedders_match_paper"] as? Bool == false)

        // A partial file from an interrupted run is picked up: its prompt is not recomputed.
        let partial = DiversityEvaluation.partialFile(for: output)
        var marked = perPrompt[0]
        marked["index"] = 0
        marked["semantic_diversity"] = 0.123456
        try (String(data: try JSONSerialization.data(withJSONObject: marked), encoding: .utf8)! + "\n").write(to: partial, atomically: true, encoding: .utf8)
        try Self.run(arguments)
        let resumed = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [String: Any])
        #expect(((resumed["per_prompt"] as? [[String: Any]])?[0]["semantic_diversity"] as? Double) == 0.123456)

        // A partial file of other input is refused.
        marked["prompt"] = "not in the input"
        try (String(data: try JSONSerialization.data(withJSONObject: marked), encoding: .utf8)! + "\n").write(to: partial, atomically: true, encoding: .utf8)
        #expect { try Self.run(arguments) } throws: { "\($0)".contains("partial") }
        try FileManager.default.removeItem(at: partial)

        try "{\"prompt\": \"x\", \"samples\": \"not a list\"}\n".write(to: input, atomically: true, encoding: .utf8)
        #expect { try Self.run(arguments) } throws: { "\($0)" == "\(input.path):1: field \"samples\": must be a list of strings, found a string" }
    }

    @Test func defaultSemanticModelFollowsTheEnvironment() {
        #expect(EmbedderOptions.defaultSemanticDirectory(environment: ["DIVTUNE_MODELS": "/models"]).path == "/models/all-MiniLM-L6-v2")
        #expect(EmbedderOptions.defaultSemanticDirectory(environment: ["DIVTUNE_CACHE": "/c"]).path == "/c/all-MiniLM-L6-v2")
        #expect(EmbedderOptions.defaultSemanticDirectory(environment: [:]).path.hasSuffix(".cache/models/all-MiniLM-L6-v2"))
    }
}
