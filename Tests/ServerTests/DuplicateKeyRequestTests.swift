import Foundation
import LoopbackTesting
import Testing
@testable import Server

/// A request body that names a field twice is refused (issue 23): JSON libraries disagree on which
/// value counts (Python keeps the last, Foundation the first), so `{"n": 1, "n": 16}` would ask for
/// one thing and get another. Real HTTP against the shared test server (docs/bad-inputs.md).
@Suite(.serialized) struct DuplicateKeyRequestTests {
    /// Each body, with the key path the error must name.
    static let chatBodies: [(body: String, key: String)] = [
        (#"{"messages": [{"role": "user", "content": "Hi"}], "n": 1, "n": 16}"#, "n"),
        (#"{"max_tokens": 2, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4000}"#, "max_tokens"),
        // The same key spelled with an escape is the same key.
        (#"{"messages": [{"role": "user", "content": "Hi"}], "seed": 1, "se\u0065d": 2}"#, "seed"),
        // Nested: the second message names its content twice; a content part its text twice.
        (#"{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi", "content": "Bye"}]}"#,
         "messages[1].content"),
        (#"{"messages": [{"role": "user", "content": [{"type": "text", "text": "a", "text": "b"}]}]}"#, "messages[0].content[0].text"),
        (#"{"messages": [{"role": "user", "content": "Hi"}], "stream": true, "stream_options": {"include_usage": true, "include_usage": false}}"#,
         "stream_options.include_usage"),
    ]

    func expectRefused(_ response: RawHTTPClient.Response, key: String, _ comment: Comment) throws {
        #expect(response.status == 400, comment)
        let error = try #require(try response.json()["error"] as? [String: Any], comment)
        #expect(error["message"] as? String == "The request body names '\(key)' twice; send each field once.", comment)
        #expect(error["type"] as? String == "invalid_request_error", comment)
        #expect(error["param"] as? String == key, comment)
        #expect(error["code"] as? String == "duplicate_key", comment)
    }

    @Test func repeatedKeysAreRefusedNamingTheKey() async throws {
        let c = RawHTTPClient(port: try await TestServer.shared.value)
        for (body, key) in Self.chatBodies {
            try expectRefused(try await c.post("/v1/chat/completions", raw: Data(body.utf8)), key: key, "\(body)")
        }
        let text = #"{"prompt": "Once", "prompt": "Twice", "max_tokens": 2}"#
        try expectRefused(try await c.post("/v1/completions", raw: Data(text.utf8)), key: "prompt", "\(text)")
        // The same keys in different objects, or inside strings, are no repeats: these are served.
        let fine = #"{"messages": [{"role": "user", "content": "say \"n\": 1, \"n\": 2"}, {"role": "assistant", "content": "ok"},"#
            + #" {"role": "user", "content": "Hi"}], "max_tokens": 2}"#
        #expect(try await c.post("/v1/chat/completions", raw: Data(fine.utf8)).status == 200)
    }

    /// The fuzz target's entry point (``RequestBodyCheck``) refuses them the same way, without a model.
    @Test func requestBodyCheckRefusesThemToo() throws {
        for (body, key) in Self.chatBodies {
            let error = #expect(throws: APIError.self, "\(body)") { try RequestBodyCheck.validate(body: Data(body.utf8), chat: true) }
            #expect(error?.param == key && error?.code == "duplicate_key", "\(body)")
        }
    }
}
