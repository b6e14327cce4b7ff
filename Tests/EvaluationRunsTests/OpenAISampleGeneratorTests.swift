import Base
import Embeddings
import Evaluation
@testable import EvaluationRuns
import Foundation
import Sampling
import Testing

/// Sampling through an OpenAI-compatible endpoint, against a stub server that keeps every request:
/// what is sent (messages, seeds, sampling fields, key), what is read back, iterative prompting,
/// retries and the errors of a server that refuses or fails.
@Suite struct OpenAISampleGeneratorTests {
    static func generator(port: Int, iterative: Bool = false, key: String? = nil, sampling: SamplingParameters = .paperEvaluation,
                          retries: Int = 0, concurrency: Int = 1) throws -> OpenAISampleGenerator {
        let endpoint = try ChatCompletionsEndpoint(baseURL: "http://127.0.0.1:\(port)/v1", model: "stub-model", apiKey: key,
                                                   retries: retries, retryDelay: 0.01, timeout: 30)
        return OpenAISampleGenerator(.init(endpoint: endpoint, system: "Be creative.", maxTokens: 7, sampling: sampling,
                                           iterative: iterative, concurrency: concurrency))
    }

    static func userMessage(_ request: StubChatServer.Request) -> String? {
        ((request.body["messages"] as? [[String: Any]])?.last)?["content"] as? String
    }

    @Test func eachSampleIsOneRequestWithItsSeedAndTheSamplingFields() throws {
        let server = try StubChatServer { i, _ in (200, StubChatServer.completion("story \(i)", logprobs: [-1, -2, -3 - Double(i)])) }
        defer { server.stop() }
        let samples = try Self.generator(port: server.port, key: "sk-secret").samples(prompt: "A red door.", count: 2, firstSeed: 40)

        #expect(samples == [SampledText(text: "story 0", tokens: 3, logprobPerToken: -2, finishReason: "stop"),
                            SampledText(text: "story 1", tokens: 3, logprobPerToken: -7.0 / 3, finishReason: "stop")])
        let requests = server.requests
        #expect(requests.map(\.path) == ["/v1/chat/completions", "/v1/chat/completions"])
        #expect(requests.map { $0.body["seed"] as? Int } == [40, 41])
        let body = requests[0].body
        let messages = try #require(body["messages"] as? [[String: String]])
        #expect(messages == [["role": "system", "content": "Be creative."], ["role": "user", "content": "A red door."]])
        #expect(body["model"] as? String == "stub-model" && body["max_tokens"] as? Int == 7 && body["n"] as? Int == 1)
        #expect(body["temperature"] as? Double == 1 && body["top_p"] as? Double == 0.95 && body["top_k"] as? Int == 50)
        #expect((body["repetition_penalty"] as? Double).map { abs($0 - 1.1) < 1e-6 } == true && body["min_p"] == nil)
        #expect(body["logprobs"] as? Bool == true && body["stream"] as? Bool == false)
        #expect(requests[0].headers["authorization"] == "Bearer sk-secret")
    }

    /// Off stages are left out, so OpenAI itself (which refuses unknown fields) takes the request.
    @Test func offStagesAreNotSent() throws {
        let server = try StubChatServer { _, _ in (200, StubChatServer.completion("x", logprobs: nil, finishReason: "length")) }
        defer { server.stop() }
        let sampled = try Self.generator(port: server.port, sampling: SamplingParameters(temperature: 0.7, topP: 0.9))
            .samples(prompt: "p", count: 1, firstSeed: 0)
        #expect(sampled == [SampledText(text: "x", tokens: 3, logprobPerToken: nil, finishReason: "length")])
        let body = try #require(server.requests.first?.body)
        #expect(body["top_k"] == nil && body["min_p"] == nil && body["repetition_penalty"] == nil)
        #expect(server.requests.first?.headers["authorization"] == nil)
    }

    /// Sample j's user message holds the prompt, the paper's instruction and samples 0…j−1.
    @Test func iterativePromptingShowsTheEarlierSamples() throws {
        let server = try StubChatServer { i, _ in (200, StubChatServer.completion("tale \(i)", logprobs: [-1])) }
        defer { server.stop() }
        _ = try Self.generator(port: server.port, iterative: true).samples(prompt: "A red door.", count: 3, firstSeed: 0)
        let users = server.requests.map(Self.userMessage)
        #expect(users[0] == "A red door.")
        #expect(users[1] == "A red door.\n\nTry to write a creative writing to be far from the given examples, in terms of the plot and style."
            + "\n\n\nExamples:\n\n===========Example 1===========\ntale 0")
        #expect(users[2] == users[1]! + "\n\n===========Example 2===========\ntale 1")
        #expect(server.requests.map { $0.body["seed"] as? Int } == [0, 1, 2])
    }

    @Test func promptsRequestedTogetherKeepTheirSamplesApart() throws {
        let server = try StubChatServer { _, body in
            let user = ((body["messages"] as? [[String: Any]])?.last?["content"] as? String) ?? ""
            return (200, StubChatServer.completion("\(user) #\(body["seed"] as? Int ?? -1)", logprobs: [-0.5]))
        }
        defer { server.stop() }
        let prompts = (0..<5).map { PromptToSample(prompt: "prompt \($0)", firstSeed: UInt64(1000 * $0)) }
        var got: [Int: [String]] = [:]
        try Self.generator(port: server.port, concurrency: 3).sample(prompts, count: 2) { k, samples in got[k] = samples.map(\.text) }
        #expect(got == Dictionary(uniqueKeysWithValues: (0..<5).map { ($0, ["prompt \($0) #\(1000 * $0)", "prompt \($0) #\(1000 * $0 + 1)"]) }))
    }

    @Test func aRefusedKeyFailsAtOnceNamingTheURLStatusAndBody() throws {
        let server = try StubChatServer { _, _ in (401, #"{"error": {"message": "Incorrect API key provided"}}"#) }
        defer { server.stop() }
        let text = errorText { _ = try Self.generator(port: server.port, key: "wrong", retries: 3).samples(prompt: "p", count: 1, firstSeed: 0) }
        #expect(text.contains("POST http://127.0.0.1:\(server.port)/v1/chat/completions failed: HTTP 401"))
        #expect(text.contains("Incorrect API key provided") && text.contains("--api-key-env"))
        #expect(server.requests.count == 1, "a 401 is not retried")
    }

    @Test func serverErrorsAreRetriedThenReported() throws {
        let failing = try StubChatServer { _, _ in (500, "model crashed") }
        defer { failing.stop() }
        let text = errorText { _ = try Self.generator(port: failing.port, retries: 2).samples(prompt: "p", count: 1, firstSeed: 0) }
        #expect(text.contains("/v1/chat/completions failed (3 attempts): HTTP 500: model crashed"))
        #expect(failing.requests.count == 3)
        // A server that recovers within the retries gives the sample.
        let flaky = try StubChatServer { i, _ in i < 2 ? (503, "busy") : (200, StubChatServer.completion("late", logprobs: [-1])) }
        defer { flaky.stop() }
        #expect(try Self.generator(port: flaky.port, retries: 2).samples(prompt: "p", count: 1, firstSeed: 0).map(\.text) == ["late"])
    }

    @Test func aServerThatIsNotThereOrNotOpenAIIsNamed() throws {
        // A port nobody listens on: bind one, then close it.
        let closed = try StubChatServer { _, _ in (200, "") }
        closed.stop()
        let text = errorText { _ = try Self.generator(port: closed.port, retries: 1).samples(prompt: "p", count: 1, firstSeed: 0) }
        #expect(text.contains("POST http://127.0.0.1:\(closed.port)/v1/chat/completions failed (2 attempts)"), "\(text)")
        let html = try StubChatServer { _, _ in (200, "<html>not an API</html>") }
        defer { html.stop() }
        let answer = errorText { _ = try Self.generator(port: html.port).samples(prompt: "p", count: 1, firstSeed: 0) }
        #expect(answer.contains("the answer is not a chat completion") && answer.contains("<html>not an API</html>"))
        #expect(errorText { _ = try ChatCompletionsEndpoint(baseURL: "localhost:8000", model: nil, apiKey: nil) }.contains("'localhost:8000'"))
    }

    @Test func theBaseURLMayEndInV1OrNot() throws {
        for base in ["http://h:1", "http://h:1/", "http://h:1/v1", "http://h:1/v1/"] {
            #expect(try ChatCompletionsEndpoint(baseURL: base, model: nil, apiKey: nil).url.absoluteString == "http://h:1/v1/chat/completions")
        }
        #expect(try ChatCompletionsEndpoint(baseURL: "https://api.example.com/openai/v1", model: nil, apiKey: nil).url.absoluteString
            == "https://api.example.com/openai/v1/chat/completions")
    }

    /// The key is sent but never recorded; without log-probs quality is null and the warning says why.
    @Test func aRunRecordsTheEndpointButNotTheKeyAndSaysWhenQualityIsUnmeasured() throws {
        let server = try StubChatServer { i, _ in (200, StubChatServer.completion("a story numbered \(i) with several words", logprobs: nil)) }
        defer { server.stop() }
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = EvaluationRun(prompts: ["one", "two"], samplesPerPrompt: 2, seeds: SeedScheme(base: 0), name: "api", output: folder,
                                generator: try Self.generator(port: server.port, key: "sk-never-on-disk"),
                                spaces: EmbeddingSpaces(semantic: HashEmbedder(), semanticName: "hash", style: StylometricEmbedder(), styleName: "stylometric"))
        let result = try run.run()
        #expect(result.metrics.quality == nil)
        #expect(result.metrics.warnings.contains { $0.hasPrefix("quality not measured") })
        #expect(result.metrics.model == "stub-model at http://127.0.0.1:\(server.port)/v1/chat/completions")
        let settings = try #require(try SampleSettings.load(from: folder)).values
        #expect(settings["openai_base_url"] == "http://127.0.0.1:\(server.port)/v1/chat/completions" && settings["openai_model"] == "stub-model")
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            #expect(!(try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)).contains("sk-never-on-disk"), "\(file)")
        }
    }
}
