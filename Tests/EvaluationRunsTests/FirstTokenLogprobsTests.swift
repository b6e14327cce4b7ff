import Foundation
@testable import EvaluationRuns
import Testing

/// A judge's question to an OpenAI-compatible endpoint: one greedy token with its top_logprobs,
/// and the errors of a server that does not list them.
@Suite struct FirstTokenLogprobsTests {
    static func endpoint(_ server: StubChatServer) throws -> ChatCompletionsEndpoint {
        try ChatCompletionsEndpoint(baseURL: "http://127.0.0.1:\(server.port)", model: "m", apiKey: nil, retries: 0, timeout: 30)
    }

    @Test func asksOneGreedyTokenAndReadsItsAlternatives() throws {
        let body = """
            {"choices": [{"index": 0, "finish_reason": "length", "message": {"role": "assistant", "content": "Yes"},
             "logprobs": {"content": [{"token": "Yes", "logprob": -0.5, "bytes": [89, 101, 115],
               "top_logprobs": [{"token": "Yes", "logprob": -0.5, "bytes": []}, {"token": "No", "logprob": -1.25, "bytes": []},
                                {"token": "Yes", "logprob": -7, "bytes": []}]}]}}]}
            """
        let server = try StubChatServer { _, _ in (200, body) }
        defer { server.stop() }
        let answer = try Self.endpoint(server).firstTokenLogprobs([.init(role: "user", content: "Good? Yes or No.")], top: 5)
        #expect(answer.chosen == "Yes" && answer.alternatives == ["Yes": -0.5, "No": -1.25])
        let sent = try #require(server.requests.first?.body)
        #expect(sent["max_tokens"] as? Int == 1 && sent["temperature"] as? Double == 0 && sent["logprobs"] as? Bool == true
                && sent["top_logprobs"] as? Int == 5)
        #expect((sent["messages"] as? [[String: String]]) == [["role": "user", "content": "Good? Yes or No."]])
    }

    @Test func aServerWithoutLogprobsIsNamed() throws {
        for (body, reason) in [
            (#"{"choices": [{"message": {"content": "Yes"}, "logprobs": null}]}"#, "the server does not return log-probs for chat completions"),
            (#"{"choices": [{"message": {"content": "Yes"}, "logprobs": {"content": [{"token": "Yes", "logprob": -1, "top_logprobs": []}]}}]}"#,
             "the server does not return top_logprobs"),
        ] {
            let server = try StubChatServer { _, _ in (200, body) }
            defer { server.stop() }
            do {
                _ = try Self.endpoint(server).firstTokenLogprobs([.init(role: "user", content: "q")])
                Issue.record("no error for \(body)")
            } catch {
                #expect("\(error)".contains("POST http://127.0.0.1:\(server.port)/v1/chat/completions failed") && "\(error)".contains(reason), "\(error)")
            }
        }
    }
}
