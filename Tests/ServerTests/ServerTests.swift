import Foundation
import Generation
import LoopbackTesting
import Models
import Sampling
import Testing
@testable import Server

/// The OpenAI-compatible server end to end: real HTTP over loopback against the real
/// SmolLM2-135M-Instruct GGUF. `max_tokens` stays small so the suite runs in well under a minute.
@Suite(.serialized) struct ServerTests {

    func client() async throws -> RawHTTPClient {
        RawHTTPClient(port: try await TestServer.shared.value)
    }

    let story: [String: Any] = ["role": "user", "content": "Write one sentence about the sea."]

    @Test func healthAndModels() async throws {
        let c = try await client()
        let health = try await c.get("/health")
        #expect(health.status == 200)
        #expect(try health.json()["status"] as? String == "ok")
        let models = try await c.get("/v1/models")
        let data = try #require(try models.json()["data"] as? [[String: Any]])
        #expect(data.map { $0["id"] as? String } == [TestServer.modelId, TestServer.baseId])
        #expect(data.allSatisfy { $0["object"] as? String == "model" })
        #expect(try await c.get("/v1/nothing").status == 404)
    }

    /// Greedy decoding through the server matches the library's `Generator` on the same rendered prompt.
    @Test func chatCompletionMatchesGenerator() async throws {
        let c = try await client()
        let response = try await c.post("/v1/chat/completions", json: ["model": TestServer.modelId, "messages": [story],
                                                                       "temperature": 0, "max_tokens": 12])
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        let json = try response.json()
        #expect(json["object"] as? String == "chat.completion")
        #expect((json["id"] as? String)?.hasPrefix("chatcmpl-") == true)
        let choice = try #require((json["choices"] as? [[String: Any]])?.first)
        let message = try #require(choice["message"] as? [String: Any])
        #expect(message["role"] as? String == "assistant")
        let content = try #require(message["content"] as? String)

        let model = try LanguageModel.load(path: try TestServer.modelPath)
        let ids = try PromptRenderer(model: model).ids(messages: [.user("Write one sentence about the sea.")])
        let expected = try Generator(model: model).generate(promptIds: ids, parameters: GenerationParameters(
            maxTokens: 12, sampling: .greedy))[0]
        #expect(content == expected.text)
        #expect(choice["finish_reason"] as? String == expected.finishReason.rawValue)
        let usage = try #require(json["usage"] as? [String: Int])
        #expect(usage["prompt_tokens"] == ids.count)
        #expect(usage["completion_tokens"] == expected.ids.count)
        #expect(usage["total_tokens"] == ids.count + expected.ids.count)
    }

    @Test func streamingMatchesNonStreaming() async throws {
        let c = try await client()
        let body: [String: Any] = ["messages": [story], "temperature": 0.8, "seed": 11, "max_tokens": 16]
        let plain = try await c.post("/v1/chat/completions", json: body)
        let expected = try #require(((try plain.json()["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String)

        var streamBody = body
        streamBody["stream"] = true
        streamBody["stream_options"] = ["include_usage": true]
        let streamed = try await c.post("/v1/chat/completions", json: streamBody)
        #expect(streamed.status == 200)
        #expect(streamed.headers["content-type"] == "text/event-stream")
        let (chunks, done) = try streamChunks(streamed)
        #expect(done)
        #expect(Set(chunks.compactMap { $0["id"] as? String }).count == 1)
        #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
        let first = try #require((chunks.first?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])
        #expect(first["role"] as? String == "assistant")
        #expect(streamedText(chunks) == expected)
        // The last choice chunk carries the finish reason; then the usage chunk with no choices.
        let usageChunk = try #require(chunks.last)
        #expect((usageChunk["choices"] as? [Any])?.isEmpty == true)
        #expect((usageChunk["usage"] as? [String: Int])?["completion_tokens"] ?? 0 > 0)
        let finish = try #require((chunks[chunks.count - 2]["choices"] as? [[String: Any]])?.first)
        #expect(["stop", "length"].contains(finish["finish_reason"] as? String))

        // Without include_usage there is no usage chunk, but still a finish_reason and [DONE].
        streamBody["stream_options"] = nil
        let (noUsage, done2) = try streamChunks(try await c.post("/v1/chat/completions", json: streamBody))
        #expect(done2)
        #expect(noUsage.allSatisfy { $0["usage"] == nil })
        #expect(((noUsage.last?["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String) != nil)
    }

    /// A stop string ends the text before it, in both modes; the stream never leaks part of it.
    @Test func stopStrings() async throws {
        let c = try await client()
        let base: [String: Any] = ["messages": [story], "temperature": 0, "max_tokens": 16]
        let full = try #require(((try await c.post("/v1/chat/completions", json: base).json()["choices"] as? [[String: Any]])?
            .first?["message"] as? [String: Any])?["content"] as? String)
        let words = full.split(separator: " ")
        try #require(words.count >= 3, "greedy output too short to pick a stop word: \(full)")
        let stop = " " + words[2]
        var body = base
        body["stop"] = [stop, "never-appears"]
        let cut = try await c.post("/v1/chat/completions", json: body).json()
        let choice = try #require((cut["choices"] as? [[String: Any]])?.first)
        let text = try #require((choice["message"] as? [String: Any])?["content"] as? String)
        #expect(text == String(full[..<full.range(of: stop)!.lowerBound]))
        #expect(choice["finish_reason"] as? String == "stop")
        body["stream"] = true
        let (chunks, _) = try streamChunks(try await c.post("/v1/chat/completions", json: body))
        #expect(streamedText(chunks) == text)
        body["stop"] = stop.trimmingCharacters(in: .whitespaces)   // a plain string works too
        #expect(try await c.post("/v1/chat/completions", json: body).status == 200)
    }

    @Test func chatLogprobs() async throws {
        let c = try await client()
        let json = try await c.post("/v1/chat/completions", json: ["messages": [story], "temperature": 0, "max_tokens": 5,
                                                                   "logprobs": true, "top_logprobs": 3]).json()
        let choice = try #require((json["choices"] as? [[String: Any]])?.first)
        let content = try #require((choice["logprobs"] as? [String: Any])?["content"] as? [[String: Any]])
        #expect(content.count == (json["usage"] as? [String: Int])?["completion_tokens"])
        for entry in content {
            let top = try #require(entry["top_logprobs"] as? [[String: Any]])
            #expect(top.count == 3)
            let values = top.compactMap { $0["logprob"] as? Double }
            #expect(values == values.sorted(by: >))
            // Greedy picks the most likely token, so its log-prob is the first alternative's.
            #expect(abs((entry["logprob"] as? Double ?? 1) - values[0]) < 1e-6)
            #expect((entry["logprob"] as? Double ?? 1) <= 0)
            #expect(entry["bytes"] as? [Int] == Array((entry["token"] as? String ?? "").utf8).map(Int.init))
        }
    }

    /// Streamed log-probs arrive with the chunks, token by token, and add up to the
    /// non-streamed response's (same seed and settings).
    @Test func streamedLogprobsArriveWithTheirChunks() async throws {
        let c = try await client()
        var body: [String: Any] = ["messages": [story], "temperature": 0, "max_tokens": 8, "logprobs": true, "top_logprobs": 2]
        let whole = try await c.post("/v1/chat/completions", json: body).json()
        let choice = try #require((whole["choices"] as? [[String: Any]])?.first)
        let expected = try #require((choice["logprobs"] as? [String: Any])?["content"] as? [[String: Any]])
        body["stream"] = true
        let (chunks, done) = try streamChunks(try await c.post("/v1/chat/completions", json: body))
        #expect(done)
        let perChunk: [[[String: Any]]] = chunks.compactMap { chunk in
            ((chunk["choices"] as? [[String: Any]])?.first?["logprobs"] as? [String: Any])?["content"] as? [[String: Any]]
        }
        #expect(perChunk.filter { !$0.isEmpty }.count >= 4, "log-probs come with the text, not all at the end")
        let streamed = perChunk.flatMap { $0 }
        #expect(streamed.compactMap { $0["token"] as? String } == expected.compactMap { $0["token"] as? String })
        let (a, b) = (streamed.compactMap { $0["logprob"] as? Double }, expected.compactMap { $0["logprob"] as? Double })
        #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(streamed.allSatisfy { ($0["top_logprobs"] as? [Any])?.count == 2 })
    }

    @Test func legacyCompletions() async throws {
        let c = try await client()
        let json = try await c.post("/v1/completions", json: ["model": TestServer.modelId, "prompt": "The sea is",
                                                              "temperature": 0, "max_tokens": 4, "logprobs": 2]).json()
        #expect(json["object"] as? String == "text_completion")
        let choice = try #require((json["choices"] as? [[String: Any]])?.first)
        let text = try #require(choice["text"] as? String)
        let logprobs = try #require(choice["logprobs"] as? [String: Any])
        let tokens = try #require(logprobs["tokens"] as? [String])
        #expect(tokens.count == 4 || choice["finish_reason"] as? String == "stop")
        #expect(tokens.joined() == text)
        #expect((logprobs["token_logprobs"] as? [Double])?.count == tokens.count)
        #expect((logprobs["top_logprobs"] as? [[String: Double]])?.allSatisfy { $0.count == 2 } == true)
        #expect((logprobs["text_offset"] as? [Int])?.first == 0)

        // Default max_tokens is OpenAI's 16 for the legacy endpoint; the stream uses text chunks.
        let streamed = try await c.post("/v1/completions", json: ["prompt": "The sea is", "temperature": 0, "stream": true])
        let (chunks, done) = try streamChunks(streamed)
        #expect(done)
        #expect(chunks.allSatisfy { $0["object"] as? String == "text_completion" })
        let plain = try await c.post("/v1/completions", json: ["prompt": "The sea is", "temperature": 0]).json()
        let plainText = try #require((plain["choices"] as? [[String: Any]])?.first?["text"] as? String)
        #expect(streamedText(chunks) == plainText)
        #expect((plain["usage"] as? [String: Int])?["completion_tokens"] ?? 99 <= 16)
    }

    /// `n` choices use seeds seed, seed+1, …; the same seed reproduces the same choices.
    @Test func multipleChoicesAndSeeds() async throws {
        let c = try await client()
        let body: [String: Any] = ["messages": [story], "n": 3, "seed": 5, "temperature": 1.0, "top_p": 0.95, "max_tokens": 8]
        func texts(_ json: [String: Any]) -> [String] {
            ((json["choices"] as? [[String: Any]]) ?? []).map { ($0["message"] as? [String: Any])?["content"] as? String ?? "?" }
        }
        let a = try await c.post("/v1/chat/completions", json: body).json()
        let b = try await c.post("/v1/chat/completions", json: body).json()
        #expect(texts(a).count == 3)
        #expect(texts(a) == texts(b))
        #expect(((a["choices"] as? [[String: Any]]) ?? []).map { $0["index"] as? Int } == [0, 1, 2])
        var streamBody = body
        streamBody["stream"] = true
        let (chunks, _) = try streamChunks(try await c.post("/v1/chat/completions", json: streamBody))
        #expect((0..<3).map { streamedText(chunks, choice: $0) } == texts(a))
    }

    /// Conformative decoding through the body: w = 0 reproduces plain sampling exactly; other
    /// settings run; a wrong base name is a 404.
    @Test func conformativeExtensions() async throws {
        let c = try await client()
        let body: [String: Any] = ["messages": [story], "seed": 3, "temperature": 1.0, "top_p": 0.9, "max_tokens": 10]
        func text(_ b: [String: Any]) async throws -> String {
            let r = try await c.post("/v1/chat/completions", json: b)
            #expect(r.status == 200, "\(r.text)")
            return ((try r.json()["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String ?? "?"
        }
        var identity = body
        identity["conformative_weight"] = 0
        identity["base_model"] = TestServer.baseId
        #expect(try await text(identity) == text(body))
        for (space, truncation, style) in [("prob", "instruct", "completion"), ("log", "mixture", "chat")] {
            var mixed = body
            mixed["conformative_weight"] = 0.5
            mixed["conformative_space"] = space
            mixed["truncate_on"] = truncation
            mixed["base_prompt_style"] = style
            _ = try await text(mixed)
        }
        var wrong = body
        wrong["conformative_weight"] = 0.5
        wrong["base_model"] = "gpt-2"
        let error = try await c.post("/v1/chat/completions", json: wrong)
        #expect(error.status == 404)
        #expect((try error.json()["error"] as? [String: Any])?["param"] as? String == "base_model")
    }

    @Test func badRequestsGetOpenAIErrors() async throws {
        let c = try await client()
        func expectError(_ response: RawHTTPClient.Response, status: Int, param: String?, _ comment: Comment) throws {
            #expect(response.status == status, comment)
            let error = try #require(try response.json()["error"] as? [String: Any], comment)
            #expect(error["message"] as? String != nil, comment)
            #expect(error["type"] as? String != nil, comment)
            if let param { #expect(error["param"] as? String == param, comment) }
            #expect(error.keys.contains("code"), comment)
        }
        try expectError(try await c.post("/v1/chat/completions", raw: Data("{\"messages\": [".utf8)), status: 400, param: nil, "truncated JSON")
        try expectError(try await c.post("/v1/chat/completions", raw: Data("[1, 2]".utf8)), status: 400, param: nil, "not an object")
        let cases: [([String: Any], String)] = [
            (["messages": [story], "temperature": "hot"], "temperature"),
            (["messages": [story], "temperature": 3], "temperature"),
            (["messages": [story], "top_p": 1.5], "top_p"),
            (["messages": [story], "max_tokens": 2.5], "max_tokens"),
            (["messages": [story], "max_tokens": 0], "max_tokens"),
            (["messages": [story], "n": true], "n"),
            (["messages": [story], "stream": "yes"], "stream"),
            (["messages": [story], "stop": [1]], "stop[0]"),
            (["messages": [story], "stop": ["a", "b", "c", "d", "e"]], "stop"),
            (["messages": [story], "top_logprobs": 50, "logprobs": true], "top_logprobs"),
            (["messages": [story], "conformative_weight": 1.5], "conformative_weight"),
            (["messages": [story], "conformative_weight": 0.5, "conformative_space": "cubic"], "conformative_space"),
            (["messages": [["role": "wizard", "content": "hi"]]], "messages[0].role"),
            (["messages": [["role": "user", "content": 7]]], "messages[0].content"),
            (["messages": "hello"], "messages"),
            (["model": TestServer.modelId], "messages"),
        ]
        for (body, param) in cases {
            try expectError(try await c.post("/v1/chat/completions", json: body), status: 400, param: param, "\(body)")
        }
        try expectError(try await c.post("/v1/completions", json: ["prompt": ["a", "b"]]), status: 400, param: "prompt", "batched prompt")
        try expectError(try await c.post("/v1/chat/completions", json: ["model": "gpt-4o", "messages": [story]]),
                        status: 404, param: "model", "unknown model")
        // 300 KiB of JSON against the 256 KiB limit.
        let huge = ["messages": [["role": "user", "content": String(repeating: "sea ", count: 300 << 8)]]]
        try expectError(try await c.post("/v1/chat/completions", json: huge), status: 413, param: nil, "huge body")
        // Still serving.
        #expect(try await c.post("/v1/chat/completions", json: ["messages": [story], "max_tokens": 2]).status == 200)
    }

    /// 16 clients at once: all served (joining the decode batch in turn), each with its own seed.
    @Test func sixteenConcurrentClients() async throws {
        let c = try await client()
        let results = try await withThrowingTaskGroup(of: (Int, RawHTTPClient.Response).self) { group in
            for i in 0..<16 {
                group.addTask {
                    var body: [String: Any] = ["messages": [self.story], "seed": i, "max_tokens": 4]
                    if i % 2 == 1 { body["stream"] = true }
                    return (i, try await c.post("/v1/chat/completions", json: body))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 16)
        for (i, response) in results {
            #expect(response.status == 200, "client \(i): \(response.text.prefix(300))")
            if i % 2 == 1 { #expect(try streamChunks(response).done) }
        }
    }

    /// Concurrent requests decode together (continuous batching: they join the running batch as
    /// they arrive and leave as they finish), and each gets exactly the answer it gets alone.
    @Test func concurrentRequestsShareTheBatchAndKeepTheirAnswers() async throws {
        let server = try await TestServer.start(configuration: ServerConfiguration(port: 0, maxBatch: 4))
        let c = RawHTTPClient(port: server.port)
        let bodies: [[String: Any]] = [(3, 24), (4, 10), (5, 30), (6, 6), (7, 16)].enumerated().map { i, request in
            ["messages": [story], "seed": request.0, "max_tokens": request.1, "temperature": 1.0, "stream": i % 2 == 1]
        }
        func text(_ response: RawHTTPClient.Response, streamed: Bool) throws -> String {
            guard streamed else {
                return ((try response.json()["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String ?? "?"
            }
            return try streamChunks(response).chunks.compactMap {
                (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
            }.joined()
        }
        let watcher = Task {
            var widest = 0
            while !Task.isCancelled {
                widest = max(widest, try await c.get("/health").json()["decoding"] as? Int ?? 0)
                try? await Task.sleep(nanoseconds: 10_000_000)
            }
            return widest
        }
        let together = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for (i, body) in bodies.enumerated() {
                group.addTask { (i, try text(try await c.post("/v1/chat/completions", json: body), streamed: i % 2 == 1)) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        watcher.cancel()
        let widest = try await watcher.value
        #expect(widest >= 2 && widest <= 4, "samples decoded together: \(widest)")
        for (i, body) in bodies.enumerated() {
            let alone = try text(try await c.post("/v1/chat/completions", json: body), streamed: i % 2 == 1)
            #expect(together[i] == alone, "request \(i)")
        }
        await server.group.triggerGracefulShutdown()
        try await server.finished.value
    }

    /// A client that hangs up mid-stream cancels its generation, and the server keeps serving.
    @Test func disconnectCancelsGeneration() async throws {
        let c = try await client()
        let before = try await c.get("/health").json()["cancelled"] as? Int ?? -1
        let partial = try await c.postAndHangUp("/v1/completions", json: ["prompt": "Once upon a time", "max_tokens": 2000,
                                                                          "stream": true, "seed": 1], afterBytes: 600)
        #expect(partial.contains("data: "))
        var cancelled = before
        for _ in 0..<600 where cancelled == before {
            try await Task.sleep(nanoseconds: 50_000_000)
            cancelled = try await c.get("/health").json()["cancelled"] as? Int ?? -1
        }
        #expect(cancelled == before + 1)
        #expect(try await c.post("/v1/chat/completions", json: ["messages": [story], "max_tokens": 3]).status == 200)
    }

    /// A client waiting for a single (non-streamed) answer hangs up: its generation stops too,
    /// though no write ever failed, and the server keeps serving.
    @Test func disconnectCancelsNonStreamingGeneration() async throws {
        let c = try await client()
        let before = try await c.get("/health").json()["cancelled"] as? Int ?? -1
        let release = DispatchSemaphore(value: 0)
        let hangUp = Task {
            try await c.postAndHangUp("/v1/completions", json: ["prompt": "Once upon a time", "max_tokens": 2000, "seed": 1,
                                                                "ignore_eos": true],
                                      afterBytes: 0, release: release)
        }
        for _ in 0..<600 {
            if try await c.get("/health").json()["busy"] as? Bool == true { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        release.signal()
        #expect(try await hangUp.value.isEmpty)
        // 2000 tokens take far longer than this wait (≥ 25 s here) unless the generation stops.
        var cancelled = before
        for _ in 0..<200 where cancelled == before {
            try await Task.sleep(nanoseconds: 50_000_000)
            cancelled = try await c.get("/health").json()["cancelled"] as? Int ?? -1
        }
        #expect(cancelled == before + 1)
        let next = try await c.post("/v1/chat/completions", json: ["messages": [story], "max_tokens": 3])
        #expect(next.status == 200)
        // The worker marks itself idle just after it answers: give it a moment.
        var busy = true
        for _ in 0..<100 where busy {
            busy = try await c.get("/health").json()["busy"] as? Bool ?? true
            if busy { try await Task.sleep(nanoseconds: 20_000_000) }
        }
        #expect(!busy)
    }

    /// With `--api-key`, every route but /health needs the Bearer key; a missing or wrong one gets
    /// 401 in OpenAI's error shape. Unknown routes get 404 with an OpenAI error body.
    @Test func apiKeyGuardsEveryRouteButHealth() async throws {
        let server = try await TestServer.start(configuration: ServerConfiguration(port: 0, apiKey: "sk-test-123"))
        let c = RawHTTPClient(port: server.port)
        #expect(try await c.get("/health").status == 200)
        let missing = try await c.get("/v1/models")
        #expect(missing.status == 401)
        #expect((try missing.json()["error"] as? [String: Any])?["code"] as? String == "invalid_api_key")
        for wrong in ["Bearer sk-test-12", "Bearer sk-test-1234", "Basic sk-test-123", "Bearer "] {
            #expect(try await c.get("/v1/models", headers: ["Authorization": wrong]).status == 401, "\(wrong)")
        }
        let ok = try await c.get("/v1/models", headers: ["Authorization": "Bearer sk-test-123"])
        #expect(ok.status == 200)
        let unknown = try await c.get("/v1/nothing", headers: ["Authorization": "Bearer sk-test-123"])
        #expect(unknown.status == 404)
        #expect(((try unknown.json()["error"] as? [String: Any])?["message"] as? String)?.contains("/v1/nothing") == true)
        #expect(APIKeyMiddleware.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!APIKeyMiddleware.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!APIKeyMiddleware.constantTimeEqual(Array("abc".utf8), Array("ab".utf8)))
        #expect(!APIKeyMiddleware.constantTimeEqual(Array("abc".utf8), Array("abc".utf8) + [UInt8](repeating: 0, count: 256)))
        await server.group.triggerGracefulShutdown()
        try await server.finished.value
    }

    /// With a batch of one and `maxQueue` 0 the worker takes one request; another arriving
    /// meanwhile gets 503.
    @Test func fullQueueAnswers503() async throws {
        let server = try await TestServer.start(configuration: ServerConfiguration(port: 0, maxQueue: 0, maxBatch: 1))
        let c = RawHTTPClient(port: server.port)
        let release = DispatchSemaphore(value: 0)
        let long = Task {
            try await c.postAndHangUp("/v1/completions", json: ["prompt": "Once upon a time", "max_tokens": 2000, "stream": true],
                                      afterBytes: 400, release: release)
        }
        // Wait until the long request holds the worker.
        for _ in 0..<600 {
            if try await c.get("/health").json()["busy"] as? Bool == true { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        let rejected = try await c.post("/v1/chat/completions", json: ["messages": [story], "max_tokens": 2])
        #expect(rejected.status == 503)
        #expect((try rejected.json()["error"] as? [String: Any])?["code"] as? String == "queue_full")
        release.signal()
        _ = try await long.value
        var accepted = 0
        for _ in 0..<600 where accepted != 200 {
            accepted = try await c.post("/v1/chat/completions", json: ["messages": [story], "max_tokens": 2]).status
            if accepted != 200 { try await Task.sleep(nanoseconds: 50_000_000) }
        }
        #expect(accepted == 200)
        await server.group.triggerGracefulShutdown()
        try await server.finished.value
    }

    /// Graceful shutdown lets an in-flight stream finish with its final chunk and `[DONE]`.
    @Test func gracefulShutdownFinishesStreams() async throws {
        let server = try await TestServer.start(configuration: ServerConfiguration(port: 0))
        let c = RawHTTPClient(port: server.port)
        let stream = Task {
            try await c.post("/v1/chat/completions", json: ["messages": [story], "stream": true, "max_tokens": 24,
                                                            "temperature": 0])
        }
        for _ in 0..<600 {
            if try await c.get("/health").json()["busy"] as? Bool == true { break }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        await server.group.triggerGracefulShutdown()
        let response = try await stream.value
        #expect(response.status == 200)
        let (chunks, done) = try streamChunks(response)
        #expect(done)
        #expect(chunks.contains { (($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String) != nil })
        try await server.finished.value
    }
}

/// Pure pieces of the server: strict JSON field types and the worker's batch and line.
@Suite struct ServerPartsTests {
    @Test func fieldTypesAreStrict() throws {
        let f = try FieldReader.parse(body: Data(#"{"a": true, "b": 1, "c": 1.5, "d": "x", "e": null}"#.utf8))
        #expect(try f.bool("a") == true)
        #expect(throws: APIError.self) { try f.bool("b") }
        #expect(throws: APIError.self) { try f.number("a") }
        #expect(try f.integer("b") == 1)
        #expect(throws: APIError.self) { try f.integer("c") }
        #expect(try f.string("e") == nil)
        #expect(throws: APIError.self) { try f.number("c", in: 0...1) }
        do {
            _ = try f.number("d")
            Issue.record("a string was read as a number")
        } catch let error as APIError {
            #expect(error.param == "d")
            #expect(error.message.contains("'d'") && error.message.contains("a string"))
        }
    }

    /// Requests join the batch in arrival order while it has room; the rest wait in a bounded line.
    @Test func workerJoinsBatchInOrderAndBoundsTheLine() async throws {
        let batch = StubBatch(maxBatch: 2)
        let worker = GenerationWorker(batch: batch, maxQueue: 1)
        #expect(worker.submit(samples: 1) { $0.add(0, samples: 1) })
        while !worker.isBusy { try await Task.sleep(nanoseconds: 1_000_000) }
        #expect(worker.submit(samples: 1) { $0.add(1, samples: 1) })   // room in the batch
        while worker.decoding < 2 { try await Task.sleep(nanoseconds: 1_000_000) }
        #expect(worker.submit(samples: 2) { $0.add(2, samples: 2) })   // waits: the line holds 1
        while worker.waiting < 1 { try await Task.sleep(nanoseconds: 1_000_000) }
        #expect(!worker.submit(samples: 1) { $0.add(3, samples: 1) })
        batch.release()
        while batch.joined.count < 3 { try await Task.sleep(nanoseconds: 1_000_000) }
        #expect(batch.joined == [0, 1, 2])
        worker.stop()
    }
}

/// A batch whose samples run until `release()`, recording the order requests joined in.
final class StubBatch: SteppedBatch, @unchecked Sendable {
    let maxBatch: Int
    private let lock = NSLock()
    private var pending: [(request: Int, samples: Int)] = []
    private var decodingSamples = 0, released = false
    private(set) var joinedRequests: [Int] = []

    init(maxBatch: Int) { self.maxBatch = maxBatch }

    func add(_ request: Int, samples: Int) { locked { pending.append((request, samples)) } }
    func release() { locked { released = true } }
    var joined: [Int] { locked { joinedRequests } }
    var isIdle: Bool { locked { pending.isEmpty && decodingSamples == 0 } }
    var running: Int { locked { decodingSamples } }
    var waitingRequests: Int { locked { pending.count } }
    var waitingSamples: Int { locked { pending.reduce(0) { $0 + $1.samples } } }

    func step() {
        locked {
            if released { decodingSamples = 0 }
            while let next = pending.first, decodingSamples + next.samples <= maxBatch {
                pending.removeFirst()
                decodingSamples += next.samples
                joinedRequests.append(next.request)
            }
        }
        Thread.sleep(forTimeInterval: 0.001)
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}

final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Int] = []
    func add(_ i: Int) { lock.lock(); items.append(i); lock.unlock() }
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return items }
}
