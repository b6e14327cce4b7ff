import Base
import Foundation
import Testing
@testable import divtune

/// `evaluate run` and `evaluate compare` as the CLI runs them, on the real SmolLM2-135M-Instruct
/// (a few tokens per sample) with the tiny RoBERTa fixture as the semantic embedder.
@Suite(.serialized) struct EvaluationCommandsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let tinyEmbedder = root.appendingPathComponent("Tests/EmbeddingsTests/Fixtures/tiny-roberta").path
    static var smolLM: String { get throws { try ModelCache(root: root).require(ModelCache.smolLM2).path } }

    static func run(_ arguments: [String]) throws {
        var command = try DivTune.parseAsRoot(arguments)
        try command.run()
    }

    static func errorText(_ arguments: [String]) -> String {
        do { try run(arguments); return "no error" } catch { return "\(error) " + DivTune.message(for: error) }
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test func runResumesToTheSameSamplesAndCompareDrawsEveryRun() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let prompts = folder.appendingPathComponent("prompts.jsonl")
        try Data("{\"prompt\": \"A cat <runs> & hides.\"}\n{\"prompt\": \"Snow in July.\"}\n".utf8).write(to: prompts)
        let out = folder.appendingPathComponent("smol")
        let arguments = ["evaluate", "run", "--model", try Self.smolLM, "--prompts", prompts.path, "--samples-per-prompt", "2",
                         "--max-tokens", "6", "--embedder", Self.tinyEmbedder, "--threads", "2", "--output", out.path]
        try Self.run(arguments)
        let samplesURL = out.appendingPathComponent("samples.jsonl")
        let complete = try String(contentsOf: samplesURL, encoding: .utf8)
        let lines = complete.split(separator: "\n")
        #expect(lines.count == 2)
        let metrics = try Self.json(out.appendingPathComponent("metrics.json"))
        #expect(metrics["prompts"] as? Int == 2 && metrics["samples_per_prompt"] as? Int == 2 && metrics["run"] as? String == "smol")
        #expect(metrics["quality_measure"] as? String == "mean_logprob_per_token")
        let quality = try #require(metrics["quality"] as? [String: Any])
        #expect(try #require(quality["mean"] as? Double) < 0)
        #expect(metrics["semantic_diversity"] as? [String: Any] != nil && metrics["style_diversity"] as? [String: Any] != nil)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))

        // Interrupt after the first prompt: the rerun generates only the second, identically.
        try Data((lines[0] + "\n").utf8).write(to: samplesURL)
        try Self.run(arguments)
        #expect(try String(contentsOf: samplesURL, encoding: .utf8) == complete)

        // Another prompt file in the same folder is refused.
        try Data("{\"prompt\": \"Something else.\"}\n".utf8).write(to: prompts)
        #expect(Self.errorText(arguments).contains("use another --output"))

        let html = folder.appendingPathComponent("compare.html")
        try Self.run(["evaluate", "compare", out.path, out.path, "--output", html.path])
        let page = try String(contentsOf: html, encoding: .utf8)
        let svg = try String(contentsOf: folder.appendingPathComponent("compare.svg"), encoding: .utf8)
        // Two runs (the second renamed by its folder) in each of the two panels.
        #expect(svg.components(separatedBy: "class=\"point\"").count - 1 == 4)
        #expect(page.contains("smol (\(out.path))") && page.contains("A cat &lt;runs&gt; &amp; hides."))
    }

    @Test func badInputsAreNamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let missing = folder.appendingPathComponent("nope").path
        #expect(Self.errorText(["evaluate", "compare", missing]).contains(missing))
        let prompts = folder.appendingPathComponent("prompts.jsonl")
        try Data("{\"prompt\": \"ok\"}\n{\"text\": \"no prompt\"}\n".utf8).write(to: prompts)
        let text = Self.errorText(["evaluate", "run", "--model", try Self.smolLM, "--prompts", prompts.path, "--output", folder.appendingPathComponent("o").path])
        #expect(text.contains("prompts.jsonl:2") && text.contains("\"prompt\""))
        #expect(Self.errorText(["evaluate", "run", "--model", "m", "--prompts", prompts.path, "--output", "o", "--conformative-weight", "0.5"])
            .contains("--base-model"))
    }
}
