import Foundation
import LoopbackTesting
import Testing
@testable import Server

/// Request limits, connection timeouts, `/health` counters and request-log failures (docs/formats.md
/// §5.4–5.5), against the real model. Part of the serialized `ServerTests` suite.
extension ServerTests {

    /// The error object of a response, after checking its status.
    func error(_ response: RawHTTPClient.Response, status: Int, _ comment: Comment) throws -> [String: Any] {
        #expect(response.status == status, comment)
        return try #require(try response.json()["error"] as? [String: Any], comment)
    }

    /// Each limit answers 400 naming the field, the limit and the option; a request at every limit is served.
    @Test func limitsAnswer400NamingFieldAndLimit() async throws {
        let limits = RequestLimits(maxChoices: 2, maxTokens: 8, maxPromptTokens: 40, maxStopStrings: 2, maxStopLength: 5)
        let server = try await TestServer.start(configuration: ServerConfiguration(port: 0, maxBodyBytes: 4096, limits: limits))
        let c = RawHTTPClient(port: server.port)
        let over: [([String: Any], field: String, limit: String, option: String)] = [
            (["messages": [story], "n": 3], "n", "at most 2", "--max-n"),
            (["messages": [story], "max_tokens": 9], "max_tokens", "at most 8", "--max-tokens"),
            (["messages": [story], "max_completion_tokens": 100], "max_completion_tokens", "at most 8", "--max-tokens"),
            (["messages": [story], "stop": ["a", "b", "c"]], "stop", "at most 2 strings", "--max-stop"),
            (["messages": [story], "stop": ["end", "toolong"]], "stop[1]", "at most 5 characters", "--max-stop-length"),
            (["messages": [story], "stop": "toolong"], "stop", "at most 5 characters", "--max-stop-length"),
        ]
        for (body, field, limit, option) in over {
            let e = try error(try await c.post("/v1/chat/completions", json: body), status: 400, "\(body)")
            #expect(e["param"] as? String == field, "\(body)")
            let message = e["message"] as? String ?? ""
            #expect(message.contains(limit) && message.contains(option), "\(message)")
        }
        // About 60 prompt tokens against the limit of 40.
        let long = try error(try await c.post("/v1/completions", json: ["prompt": String(repeating: "the sea ", count: 30)]),
                             status: 400, "long prompt")
        #expect(long["param"] as? String == "prompt")
        #expect(long["code"] as? String == "context_length_exceeded")
        #expect((long["message"] as? String)?.contains("at most 40 (serve --max-prompt-tokens)") == true)
        let huge = try error(try await c.post("/v1/completions", json: ["prompt": String(repeating: "sea ", count: 2000)]),
                             status: 413, "body over 4096 bytes")
        #expect(huge["code"] as? String == "request_too_large")

        // At every limit: served; the default chat max_tokens (512) is capped at the limit.
        let atLimits = try await c.post("/v1/chat/completions", json: ["messages": [story], "n": 2, "stop": ["abcde", "fghij"],
                                                                      "ignore_eos": true])
        #expect(atLimits.status == 200, "\(atLimits.text.prefix(300))")
        let usage = try #require(try atLimits.json()["usage"] as? [String: Int])
        #expect(usage["completion_tokens"] == 16)
        await server.group.triggerGracefulShutdown()
        try await server.finished.value
    }

    /// Without `--max-tokens` the limit is the model's context length.
    @Test func maxTokensDefaultsToTheContextLength() async throws {
        let c = try await client()
        let e = try error(try await c.post("/v1/chat/completions", json: ["messages": [story], "max_tokens": 8193]), status: 400, "8193")
        #expect(e["param"] as? String == "max_tokens")
        #expect((e["message"] as? String)?.contains("at most 8192") == true)
    }

    @Test func limitsTheModelCannotHonourAreRefused() throws {
        #expect(throws: APIError.self) { try RequestLimits(maxPromptTokens: 64).validate(contextLength: 64) }
        #expect(throws: APIError.self) { try RequestLimits(maxChoices: 0).validate(contextLength: 64) }
        #expect(throws: APIError.self) { try RequestLimits(maxStopLength: -1).validate(contextLength: 64) }
        try RequestLimits(maxPromptTokens: 63).validate(contextLength: 64)
        #expect(RequestLimits().tokenLimit(contextLength: 64) == 64)
        #expect(RequestLimits().promptLimit(contextLength: 64) == 63)
    }

    /// A finished single answer counts as completed in /health, not as cancelled (its reader stops
    /// at the last event, which used to set the cancellation flag before the count).
    /// (Its own server: the shared one answers other tests' requests meanwhile.)
    @Test func finishedAnswersCountAsCompleted() async throws {
        let server = try await TestServer.start(configuration: ServerConfiguration(port: 0))
        let c = RawHTTPClient(port: server.port)
        for stream in [false, false, true, false] {
            let response = try await c.post("/v1/completions", json: ["prompt": "The sea", "max_tokens": 3, "stream": stream])
            #expect(response.status == 200)
        }
        let after = try await c.get("/health").json()
        #expect(after["completed"] as? Int == 4)
        #expect(after["cancelled"] as? Int == 0)
        await server.group.triggerGracefulShutdown()
        try await server.finished.value
    }

    /// A client sending its request head or body a byte at a time, and connections that send
    /// nothing, are closed after the timeouts; other clients are served meanwhile, and an answer
    /// that takes longer than the timeouts is not cut short.
    @Test func slowAndSilentClientsAreClosed() async throws {
        let server = try await TestServer.start(configuration: ServerConfiguration(port: 0, idleTimeout: .seconds(1),
                                                                                   readTimeout: .seconds(1)))
        let port = server.port
        let c = RawHTTPClient(port: port)
        let head = Data("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n".utf8)
            + Data(repeating: UInt8(ascii: "x"), count: 400)
        // Without the timeouts each trickle lasts 40 s.
        async let slowHead = offThread { try Socket(port: port).trickle(head, every: 0.1) }
        async let slowBody = offThread { () -> Double? in
            let socket = try Socket(port: port)
            try socket.write(Data("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 400\r\n\r\n".utf8))
            return socket.trickle(Data(repeating: UInt8(ascii: " "), count: 400), every: 0.1)
        }
        async let silent = offThread { () -> Int in
            let sockets = try (0..<100).map { _ in try Socket(port: port) }
            return sockets.filter { $0.closedByPeer(within: 15) }.count
        }
        async let long = c.post("/v1/completions", json: ["prompt": "Once upon a time", "max_tokens": 64, "ignore_eos": true])
        #expect(try await c.get("/health").status == 200)
        #expect(try await c.post("/v1/completions", json: ["prompt": "The sea", "max_tokens": 2]).status == 200)

        let headSeconds = try #require(try await slowHead, "a head sent a byte per 0.1 s was never cut off")
        let bodySeconds = try #require(try await slowBody, "a body sent a byte per 0.1 s was never cut off")
        #expect(headSeconds < 15 && bodySeconds < 15, "closed after \(headSeconds) s and \(bodySeconds) s")
        #expect(try await silent == 100)
        let answer = try await long
        #expect(answer.status == 200)
        #expect((try answer.json()["usage"] as? [String: Int])?["completion_tokens"] == 64)
        await server.group.triggerGracefulShutdown()
        try await server.finished.value
    }

    /// A request-log line that cannot be written (/dev/full: no space left) leaves the answer alone
    /// and is counted in /health.
    @Test func requestLogFailuresAreCounted() async throws {
        let server = try await TestServer.start(configuration: ServerConfiguration(port: 0, requestLog: URL(fileURLWithPath: "/dev/full")))
        let c = RawHTTPClient(port: server.port)
        #expect(try await c.get("/health").json()["log_write_failures"] as? Int == 0)
        #expect(try await c.post("/v1/completions", json: ["prompt": "The sea", "max_tokens": 2]).status == 200)
        #expect(try await c.post("/v1/completions", json: ["prompt": 7]).status == 400)
        #expect(try await c.get("/health").json()["log_write_failures"] as? Int == 2)
        await server.group.triggerGracefulShutdown()
        try await server.finished.value
    }
}
