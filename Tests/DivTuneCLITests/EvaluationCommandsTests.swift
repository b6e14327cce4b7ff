import Base
import Evaluation
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
        // A run against itself: paired differences are all zero, and the page claims none.
        #expect(page.contains("Which differences hold") && page.contains("None of the"))
    }

    /// Issue 24: samples of several prompts decoded together (`--max-batch 8`, 4 prompts × 3
    /// samples) are byte for byte those of one sample at a time (`--max-batch 1`), plain and
    /// conformative; a rerun with another sampling setting or model is refused, naming it.
    @Test func batchingAcrossPromptsKeepsTheSamplesAndOtherSettingsAreRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let prompts = folder.appendingPathComponent("prompts.jsonl")
        try Data(["Snow in July.", "A dragon learns to knit.", "The last lighthouse.", "Rain on the moon, told by a child."]
            .map { "{\"prompt\": \"\($0)\"}\n" }.joined().utf8).write(to: prompts)
        func arguments(_ out: String, maxBatch: Int, _ extra: [String] = []) throws -> [String] {
            ["evaluate", "run", "--model", try Self.smolLM, "--prompts", prompts.path, "--samples-per-prompt", "3", "--max-tokens", "10",
             "--embedder", Self.tinyEmbedder, "--threads", "2", "--max-batch", "\(maxBatch)",
             "--output", folder.appendingPathComponent(out).path] + extra
        }
        let conformative = ["--base-model", try Self.smolLM, "--conformative-weight", "0.5"]
        for (name, extra) in [("plain", [String]()), ("conformative", conformative)] {
            try Self.run(try arguments("\(name)-1", maxBatch: 1, extra))
            try Self.run(try arguments("\(name)-8", maxBatch: 8, extra))
            let one = try Data(contentsOf: folder.appendingPathComponent("\(name)-1/samples.jsonl"))
            let eight = try Data(contentsOf: folder.appendingPathComponent("\(name)-8/samples.jsonl"))
            #expect(one == eight && one.split(separator: 0x0A).count == 4, "\(name)")
        }
        #expect(try Data(contentsOf: folder.appendingPathComponent("plain-1/samples.jsonl"))
                != Data(contentsOf: folder.appendingPathComponent("conformative-1/samples.jsonl")))

        // The settings are recorded; --max-batch is not one of them, so any value resumes.
        let settings = try Self.json(folder.appendingPathComponent("plain-8/sample_settings.json"))
        #expect(settings["max_batch"] == nil && settings["top_k"] as? String == "50" && settings["seed"] as? String == "0")
        try Self.run(try arguments("plain-8", maxBatch: 2))
        let hotter = Self.errorText(try arguments("plain-8", maxBatch: 8, ["--temperature", "0.8"]))
        #expect(hotter.contains("--temperature 0.8 conflicts with the samples in") && hotter.contains("drawn with temperature 1.0")
                && hotter.contains("another --output"), "\(hotter)")
        let mixed = Self.errorText(try arguments("plain-8", maxBatch: 8, conformative))
        #expect(mixed.contains("--base-model \(try Self.smolLM)") && mixed.contains("--conformative-weight 0.5")
                && mixed.contains("conformative_weight") == false, "\(mixed)")
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

    /// The papers' human line: a dataset's own responses measured as a run, drawn per prompt by
    /// the prompt's seed (the same on a rerun), then compared with other runs like any run.
    @Test func goldMeasuresTheHumanResponsesAsARun() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-gold-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = folder.appendingPathComponent("raw.jsonl")
        let responses = ["Snow in July.": ["The lake froze at noon.", "Children built snowmen in swimsuits.", "The ice cream van gave up.",
                                          "Farmers wept over the strawberries."],
                         "A dragon learns to knit.": ["Scarves, mostly, and all of them singed.", "Her claws were the problem.",
                                                      "Needles melted until she tried bone."]]
        var lines = ""
        for (prompt, texts) in responses.sorted(by: { $0.key < $1.key }) {
            for (i, text) in texts.enumerated() { lines += "{\"prompt\": \"\(prompt)\", \"response\": \"\(text)\", \"score\": \(i + 1)}\n" }
        }
        try Data(lines.utf8).write(to: data)
        let out = folder.appendingPathComponent("human")
        let arguments = ["evaluate", "gold", "--data", data.path, "--samples-per-prompt", "3", "--embedder", Self.tinyEmbedder,
                         "--threads", "2", "--output", out.path]
        try Self.run(arguments)
        let records = try JSONLines.read(SampleRecord.self, from: out.appendingPathComponent("samples.jsonl"))
        #expect(records.count == 2)
        for record in records {
            let texts = try #require(responses[record.prompt])
            #expect(record.samples.count == 3 && Set(record.samples).count == 3 && record.samples.allSatisfy(texts.contains))
        }
        let metrics = try Self.json(out.appendingPathComponent("metrics.json"))
        #expect(metrics["model"] as? String == "human: \(data.path)" && metrics["quality"] is NSNull)
        #expect(((metrics["semantic_diversity"] as? [String: Any])?["mean"] as? Double).map { $0 > 0 } == true)
        // A rerun resumes to the same draw.
        let first = try Data(contentsOf: out.appendingPathComponent("samples.jsonl"))
        try Self.run(arguments)
        #expect(try Data(contentsOf: out.appendingPathComponent("samples.jsonl")) == first)
        // Too few responses, or a prompt the data does not have: the file and the prompt are named.
        var text = Self.errorText(["evaluate", "gold", "--data", data.path, "--samples-per-prompt", "4", "--embedder", Self.tinyEmbedder,
                                   "--output", folder.appendingPathComponent("four").path])
        #expect(text.contains(data.path) && text.contains("dragon") && text.contains("fewer than the 4"))
        let prompts = folder.appendingPathComponent("prompts.jsonl")
        try Data("{\"prompt\": \"Rain on the moon.\"}\n".utf8).write(to: prompts)
        text = Self.errorText(["evaluate", "gold", "--data", data.path, "--prompts", prompts.path, "--embedder", Self.tinyEmbedder,
                               "--output", folder.appendingPathComponent("moon").path])
        #expect(text.contains("no responses for the prompt") && text.contains("Rain on the moon."))
    }
}
