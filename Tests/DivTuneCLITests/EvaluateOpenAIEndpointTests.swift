import Base
import Evaluation
import Foundation
import Testing
@testable import divtune

/// `evaluate run --openai-base-url` against a real `divtune serve` (the built executable, on a free
/// loopback port, with the real SmolLM2-135M-Instruct, an API key and a request log): the run's
/// files, an identical resume, iterative prompting as the server saw it, and the errors of a
/// wrong key or a server that is not there.
@Suite(.serialized) struct EvaluateOpenAIEndpointTests {
    static let keyVariable = "DIVTUNE_TEST_ENDPOINT_KEY"
    static let key = "sk-test-0123456789"

    /// A running `divtune serve`; the first stdout line names the port.
    final class Served {
        let process = Process()
        let port: Int
        let log: URL

        init(folder: URL) throws {
            log = folder.appendingPathComponent("requests.jsonl")
            port = try DivTuneProcess.startServer(process, ["serve", "--model", try DivTuneProcess.smolLM2, "--model-name", "smol", "--port", "0",
                                                            "--threads", "2", "--api-key", EvaluateOpenAIEndpointTests.key, "--log", log.path])
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }

        /// The request log's prompt-token counts, in request order.
        func promptTokens() throws -> [Int] {
            try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map { line in
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                return try #require(object["prompt_tokens"] as? Int)
            }
        }
    }

    @Test func samplesFromDivtuneServeResumeIdenticallyAndIterativeSendsTheEarlierSamples() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-openai-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try Served(folder: folder)
        defer { server.stop() }
        setenv(Self.keyVariable, Self.key, 1)
        let prompts = folder.appendingPathComponent("prompts.jsonl")
        try Data("{\"prompt\": \"Snow in July.\"}\n{\"prompt\": \"A dragon learns to knit.\"}\n".utf8).write(to: prompts)
        func arguments(_ out: String, _ extra: [String] = []) -> [String] {
            ["evaluate", "run", "--openai-base-url", "http://127.0.0.1:\(server.port)", "--openai-model", "smol",
             "--api-key-env", Self.keyVariable, "--prompts", prompts.path, "--samples-per-prompt", "2", "--max-tokens", "5",
             "--embedder", EvaluationCommandsTests.tinyEmbedder, "--openai-concurrency", "1", "--output", folder.appendingPathComponent(out).path] + extra
        }

        try EvaluationCommandsTests.run(arguments("plain"))
        let run = folder.appendingPathComponent("plain")
        let samplesURL = run.appendingPathComponent("samples.jsonl")
        let complete = try Data(contentsOf: samplesURL)
        let records = try JSONLines.read(SampleRecord.self, from: samplesURL)
        #expect(records.map(\.promptIndex) == [0, 1] && records.allSatisfy { $0.samples.count == 2 && $0.tokens.allSatisfy { $0 > 0 } })
        let metrics = try EvaluationCommandsTests.json(run.appendingPathComponent("metrics.json"))
        #expect(metrics["quality_measure"] as? String == "mean_logprob_per_token")
        #expect(try #require((metrics["quality"] as? [String: Any])?["mean"] as? Double) < 0, "the server's log-probs give the quality")
        #expect(metrics["model"] as? String == "smol at http://127.0.0.1:\(server.port)/v1/chat/completions")
        let settings = try String(contentsOf: run.appendingPathComponent("sample_settings.json"), encoding: .utf8)
        #expect(settings.contains("\"openai_base_url\" : \"http://127.0.0.1:\(server.port)/v1/chat/completions\"") && settings.contains("\"openai_model\" : \"smol\""))
        #expect(!settings.contains(Self.key))
        // Plain sampling: both samples of a prompt see the same prompt.
        let plainTokens = try server.promptTokens()
        #expect(plainTokens.count == 4 && plainTokens[0] == plainTokens[1] && plainTokens[2] == plainTokens[3])

        // A run cut after its first prompt resumes to the same file; a rerun of the finished run asks nothing.
        let firstLine = complete.prefix(through: try #require(complete.firstIndex(of: UInt8(ascii: "\n"))))
        try Data(firstLine).write(to: samplesURL)
        try EvaluationCommandsTests.run(arguments("plain"))
        #expect(try Data(contentsOf: samplesURL) == complete)
        try EvaluationCommandsTests.run(arguments("plain"))
        #expect(try server.promptTokens().count == 6)
        // Other settings into the same folder are refused by name.
        #expect(EvaluationCommandsTests.errorText(arguments("plain", ["--iterative"])).contains("--iterative true conflicts"))

        // Iterative: sample 1 of each prompt is asked with sample 0 and the instruction in its prompt.
        try EvaluationCommandsTests.run(arguments("iterative", ["--iterative"]))
        let iterative = Array(try server.promptTokens().suffix(4))
        let iterativeRecords = try JSONLines.read(SampleRecord.self, from: folder.appendingPathComponent("iterative/samples.jsonl"))
        #expect(iterative[0] == plainTokens[0] && iterative[2] == plainTokens[2])
        #expect(iterative[1] > iterative[0] + iterativeRecords[0].tokens[0] && iterative[3] > iterative[2] + iterativeRecords[1].tokens[0])
        #expect(iterativeRecords[0].samples[0] == records[0].samples[0], "sample 0 sees the plain prompt with the same seed")
    }

    @Test func aWrongKeyAMissingKeyOrNoServerIsAClearError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-openai-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try Served(folder: folder)
        defer { server.stop() }
        let prompts = folder.appendingPathComponent("prompts.jsonl")
        try Data("{\"prompt\": \"Snow in July.\"}\n".utf8).write(to: prompts)
        func arguments(_ url: String, _ extra: [String]) -> [String] {
            ["evaluate", "run", "--openai-base-url", url, "--prompts", prompts.path, "--samples-per-prompt", "1", "--max-tokens", "3",
             "--embedder", EvaluationCommandsTests.tinyEmbedder, "--openai-retries", "0", "--output", folder.appendingPathComponent("o").path] + extra
        }
        let url = "http://127.0.0.1:\(server.port)/v1"
        setenv("DIVTUNE_TEST_WRONG_KEY", "sk-wrong", 1)
        let wrong = EvaluationCommandsTests.errorText(arguments(url, ["--api-key-env", "DIVTUNE_TEST_WRONG_KEY"]))
        #expect(wrong.contains("POST \(url)/chat/completions failed: HTTP 401") && wrong.contains("--api-key-env"), "\(wrong)")
        let none = EvaluationCommandsTests.errorText(arguments(url, []))
        #expect(none.contains("HTTP 401") && none.contains("the server wants an API key"), "\(none)")
        unsetenv("DIVTUNE_TEST_UNSET_KEY")
        #expect(EvaluationCommandsTests.errorText(arguments(url, ["--api-key-env", "DIVTUNE_TEST_UNSET_KEY"]))
            .contains("the environment variable DIVTUNE_TEST_UNSET_KEY is not set"))
        let gone = EvaluationCommandsTests.errorText(arguments("http://127.0.0.1:1", []))
        #expect(gone.contains("POST http://127.0.0.1:1/v1/chat/completions failed: cannot connect"), "\(gone)")
        #expect(EvaluationCommandsTests.errorText(arguments("127.0.0.1:8000", [])).contains("--openai-base-url '127.0.0.1:8000'"))
        #expect(EvaluationCommandsTests.errorText(arguments(url, ["--model", "m"])).contains("--model and --openai-base-url exclude each other"))
        #expect(EvaluationCommandsTests.errorText(["evaluate", "run", "--prompts", prompts.path, "--output", "o"]).contains("--openai-base-url"))
        #expect(EvaluationCommandsTests.errorText(["evaluate", "run", "--model", "m", "--iterative", "--prompts", prompts.path, "--output", "o"])
            .contains("--iterative needs --openai-base-url"))
    }
}
