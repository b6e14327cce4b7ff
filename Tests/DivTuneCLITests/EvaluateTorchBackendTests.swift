import Foundation
import Testing

/// `evaluate run --backend torch` (docs/scale-out.md §5) on SmolLM2-135M's HF folder (made from the
/// GGUF by scripts/reference/torch_backend_parity.py): greedy samples equal the Swift engine's, a
/// conformative run writes samples and metrics, and a run killed between the sampler's record and
/// samples.jsonl ends as the uninterrupted one. Few prompts and tokens: each run starts Python.
@Suite(.serialized) struct EvaluateTorchBackendTests {
    static func prompts(in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent("prompts.jsonl")
        try ["A lighthouse keeper finds a letter.", "Write about rain on a tin roof.", "A dragon learns to bake bread."]
            .map { "{\"prompt\": \"\($0)\"}" }.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func evaluate(_ model: String, prompts: URL, output: URL, torch: Bool, _ extra: [String]) throws -> DivTuneProcess.Result {
        let backend = torch ? ["--backend", "torch", "--python", try TorchPython.executable] : []
        return try DivTuneProcess.run(["evaluate", "run", "--model", model, "--prompts", prompts.path, "--samples-per-prompt", "2",
                                       "--embedder", EmbeddingCommandsTests.tinyModel, "--threads", "2", "--output", output.path]
                                      + backend + extra)
    }

    static func lines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func greedySamplesEqualTheSwiftEngines() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        let model = try TorchBackendParityTests.model(), prompts = try Self.prompts(in: dir)
        let flags = ["--temperature", "0", "--max-tokens", "12", "--limit", "2"]
        let swift = try Self.evaluate(model, prompts: prompts, output: dir.appendingPathComponent("swift"), torch: false, flags)
        #expect(swift.status == 0, "\(swift.stderr.suffix(2000))")
        let torch = try Self.evaluate(model, prompts: prompts, output: dir.appendingPathComponent("torch"), torch: true, flags)
        #expect(torch.status == 0, "\(torch.stderr.suffix(3000))")
        let expected = try Self.lines(dir.appendingPathComponent("swift/samples.jsonl"))
        let got = try Self.lines(dir.appendingPathComponent("torch/samples.jsonl"))
        #expect(got.count == 2 && expected.count == 2)
        for (g, e) in zip(got, expected) {
            #expect(g["samples"] as? [String] == e["samples"] as? [String])
            #expect(g["tokens"] as? [Int] == e["tokens"] as? [Int])
            let a = try #require(g["logprob_per_token"] as? [Double]), b = try #require(e["logprob_per_token"] as? [Double])
            for (x, y) in zip(a, b) { #expect(abs(x - y) < 1e-4, "mean log-prob per token: torch \(x), swift \(y)") }
        }
        let settings = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("torch/sample_settings.json"))) as? [String: String])
        #expect(settings["backend"] == "torch" && settings["precision"] == "fp32")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("torch/metrics.json").path))
    }

    @Test func aConformativeRunWritesMetricsAndAKilledOneResumesToTheSameSamples() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        let model = try TorchBackendParityTests.model(), prompts = try Self.prompts(in: dir)
        // Two prompts per generate call (4 rows): calls [0, 1] and [2].
        let flags = ["--base-model", model, "--conformative-weight", "0.5", "--max-tokens", "10", "--max-batch", "4", "--seed", "3"]
        let straight = dir.appendingPathComponent("straight")
        let first = try Self.evaluate(model, prompts: prompts, output: straight, torch: true, flags)
        #expect(first.status == 0, "\(first.stderr.suffix(3000))")
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: straight.appendingPathComponent("metrics.json"))) as? [String: Any])
        #expect(metrics["conformative_weight"] as? Double == 0.5)
        let samples = try Data(contentsOf: straight.appendingPathComponent("samples.jsonl"))
        #expect(try Self.lines(straight.appendingPathComponent("samples.jsonl")).count == 3)

        // Killed after the sampler recorded the first call's prompts and samples.jsonl got prompt 0.
        let killed = dir.appendingPathComponent("killed")
        try FileManager.default.createDirectory(at: killed, withIntermediateDirectories: true)
        for name in ["sample_settings.json"] {
            try FileManager.default.copyItem(at: straight.appendingPathComponent(name), to: killed.appendingPathComponent(name))
        }
        func firstLines(_ name: String, _ n: Int) throws {
            let text = try String(contentsOf: straight.appendingPathComponent(name), encoding: .utf8)
            try (text.split(separator: "\n").prefix(n).joined(separator: "\n") + "\n").write(to: killed.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try firstLines("samples.jsonl", 1)
        try firstLines("torch_samples.jsonl", 2)
        let resumed = try Self.evaluate(model, prompts: prompts, output: killed, torch: true, flags)
        #expect(resumed.status == 0, "\(resumed.stderr.suffix(3000))")
        #expect(try Data(contentsOf: killed.appendingPathComponent("samples.jsonl")) == samples)
    }

    @Test func refusesWhatTheTorchSamplerCannotRun() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        let prompts = try Self.prompts(in: dir), gguf = try DivTuneProcess.smolLM2
        let onGGUF = try Self.evaluate(gguf, prompts: prompts, output: dir.appendingPathComponent("gguf"), torch: true, [])
        #expect(onGGUF.status != 0 && onGGUF.stderr.contains("python -m divtune_torch.gguf_folder"), "\(onGGUF.stderr)")
        let folder = try TorchBackendParityTests.model()
        let noStack = try DivTuneProcess.run(["evaluate", "run", "--model", folder, "--prompts", prompts.path, "--backend", "torch",
                                              "--python", "/nonexistent/python3", "--embedder", EmbeddingCommandsTests.tinyModel,
                                              "--output", dir.appendingPathComponent("nostack").path])
        #expect(noStack.status != 0 && noStack.stderr.contains("Nothing was installed"), "\(noStack.stderr)")
        let swiftOnly = try Self.evaluate(gguf, prompts: prompts, output: dir.appendingPathComponent("p"), torch: false, ["--precision", "bf16"])
        #expect(swiftOnly.status != 0 && swiftOnly.stderr.contains("--precision is an option of --backend torch"), "\(swiftOnly.stderr)")
        let server = try DivTuneProcess.run(["evaluate", "run", "--openai-base-url", "http://127.0.0.1:9/v1", "--backend", "torch",
                                             "--prompts", prompts.path, "--output", dir.appendingPathComponent("s").path])
        #expect(server.status != 0 && server.stderr.contains("--backend torch and --openai-base-url exclude each other"), "\(server.stderr)")
    }
}
