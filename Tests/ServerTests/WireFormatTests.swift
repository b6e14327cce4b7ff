import Foundation
@testable import Generation
import LoopbackTesting
import Models
import Testing
@testable import Server

/// The exact JSON the server writes for each OpenAI shape (the id and creation time normalised), so
/// a change of how it is built cannot change the wire. The expected strings were recorded from the
/// server before its responses became typed (JSONSerialization, keys sorted for the record).
@Suite(.serialized) struct WireFormatTests {
    static let model: Result<ServedModel, Error> = Result {
        return try ServedModel(model: LanguageModel.load(path: try TestServer.modelPath), id: "smollm2", base: nil, baseId: nil,
                               maxQueue: 0, limits: RequestLimits(), log: nil)
    }

    /// Tokens with plain, newline, special and half-a-character (the byte 0xE2) texts.
    static let ids = [504, 2113, 198, 2, 163]
    static let values: [Float] = [0, -0.0, -1, -1e-8, -12.345678]
    static let top: [[(id: Int, logprob: Float)]] = [[(504, -0.25), (2113, -1.5)], [(2113, -0.125), (198, -3)], [(198, -2e-9), (2, -7.5)],
                                                     [(2, 0), (163, -0.5)], [(163, -0.75), (504, -0.75)]]
    static let tricky = "é 🙂 \"q\" \\ / </script>\n\t\u{1}\u{7f}\u{2028}"

    func shapes(_ endpoint: CompletionRequest.Endpoint, _ body: String) throws -> OpenAIResponses {
        let request = try CompletionRequest(endpoint: endpoint, fields: FieldReader.parse(body: Data(body.utf8)), limits: RequestLimits(),
                                            contextLength: 2048)
        return OpenAIResponses(model: try Self.model.get(), request: request)
    }

    var samples: [GeneratedSample] {
        [GeneratedSample(promptIds: [1, 2], ids: Self.ids, text: Self.tricky, logprobs: Self.values, topLogprobs: Self.top, finishReason: .stop),
         GeneratedSample(promptIds: [1, 2], ids: [504], text: "", logprobs: [-0.5], topLogprobs: [], finishReason: .length)]
    }

    /// The bytes the server sends, the random id and the clock normalised.
    func wire(_ value: some Encodable) -> String {
        normalised(String(decoding: jsonData(value), as: UTF8.self))
    }

    func normalised(_ json: String) -> String {
        json.replacingOccurrences(of: #""id":"(chatcmpl|cmpl)-[0-9a-f]{32}""#, with: #""id":"$1-ID""#, options: .regularExpression)
            .replacingOccurrences(of: #""created":[0-9]+"#, with: #""created":0"#, options: .regularExpression)
    }

    /// Every shape, in the order of `expected`.
    func actual() async throws -> [String] {
        let chat = try shapes(.chat, #"{"messages": [{"role": "user", "content": "hi"}], "logprobs": true, "top_logprobs": 2}"#)
        let chatPlain = try shapes(.chat, #"{"messages": [{"role": "user", "content": "hi"}]}"#)
        let text = try shapes(.text, #"{"prompt": "hi", "logprobs": 2}"#)
        let textPlain = try shapes(.text, #"{"prompt": "hi"}"#)
        var out: [String] = []
        for s in [chat, chatPlain, text, textPlain] {
            let logprobs = s.logprobs(ids: Self.ids, logprobs: Self.values, top: Self.top, textOffset: 3)
            out.append(wire(s.completion(promptTokens: 7, samples: samples)))
            out.append(wire(s.chunk(choice: 0, text: "", role: true)))
            out.append(wire(s.chunk(choice: 1, text: Self.tricky, logprobs: s.request.logprobs ? logprobs.logprobs : nil)))
            out.append(wire(s.chunk(choice: 0, text: nil, finishReason: "stop",
                                    logprobs: s.request.logprobs ? s.logprobs(ids: [], logprobs: [], top: []).logprobs : nil)))
            out.append(wire(s.chunk(choice: 0, text: nil, finishReason: "length")))
            out.append(wire(s.usageChunk(promptTokens: 7, samples: samples)))
            out.append("\(logprobs.nextOffset)")
        }
        out.append(wire(APIError.invalid("top_p", "must be in (0, 1], got 0").body))
        out.append(wire(APIError.queueFull(limit: 3).body))
        out.append(wire(APIError(status: .badRequest, message: "plain").body))
        let c = RawHTTPClient(port: try await TestServer.shared.value)
        out.append(normalised(try await c.get("/v1/models").text))
        // Its counters depend on the tests that ran before: only the shape is compared.
        out.append(try await c.get("/health").text)
        return out
    }

    @Test func responsesChunksErrorsAndListsKeepTheirBytes() async throws {
        let out = try await actual()
        try #require(out.count == Self.expected.count)
        for (index, (got, want)) in zip(out, Self.expected).enumerated() {
            if Self.labels[index] == "/health" {
                #expect(got.replacingOccurrences(of: #":(true|false|[0-9]+)"#, with: ":_", options: .regularExpression)
                        == want.replacingOccurrences(of: #":(true|false|[0-9]+)"#, with: ":_", options: .regularExpression))
            } else {
                #expect(got == want, "\(Self.labels[index])")
            }
        }
    }

    static let labels = [
        "chat, logprobs: completion",
        "chat, logprobs: role chunk",
        "chat, logprobs: text chunk",
        "chat, logprobs: finish chunk",
        "chat, logprobs: length chunk",
        "chat, logprobs: usage chunk",
        "chat, logprobs: next text offset",
        "chat: completion",
        "chat: role chunk",
        "chat: text chunk",
        "chat: finish chunk",
        "chat: length chunk",
        "chat: usage chunk",
        "chat: next text offset",
        "text, logprobs: completion",
        "text, logprobs: role chunk",
        "text, logprobs: text chunk",
        "text, logprobs: finish chunk",
        "text, logprobs: length chunk",
        "text, logprobs: usage chunk",
        "text, logprobs: next text offset",
        "text: completion",
        "text: role chunk",
        "text: text chunk",
        "text: finish chunk",
        "text: length chunk",
        "text: usage chunk",
        "text: next text offset",
        "error with param and code",
        "error without param",
        "error without param or code",
        "/v1/models",
        "/health",
    ]

    static let expected = [
        #"{"choices":[{"finish_reason":"stop","index":0,"logprobs":{"content":[{"bytes":[84,104,101],"logprob":0,"token":"The","top_logprobs":[{"bytes":[84,104,101],"logprob":-0.25,"token":"The"},{"bytes":[73,78],"logprob":-1.5,"token":"IN"}]},{"bytes":[73,78],"logprob":-0,"token":"IN","top_logprobs":[{"bytes":[73,78],"logprob":-0.125,"token":"IN"},{"bytes":[10],"logprob":-3,"token":"\n"}]},{"bytes":[10],"logprob":-1,"token":"\n","top_logprobs":[{"bytes":[10],"logprob":-1.999999943436137e-09,"token":"\n"},{"bytes":[60,124,105,109,95,101,110,100,124,62],"logprob":-7.5,"token":"<|im_end|>"}]},{"bytes":[60,124,105,109,95,101,110,100,124,62],"logprob":-9.99999993922529e-09,"token":"<|im_end|>","top_logprobs":[{"bytes":[60,124,105,109,95,101,110,100,124,62],"logprob":0,"token":"<|im_end|>"},{"bytes":[239,191,189],"logprob":-0.5,"token":"�"}]},{"bytes":[239,191,189],"logprob":-12.345678329467773,"token":"�","top_logprobs":[{"bytes":[239,191,189],"logprob":-0.75,"token":"�"},{"bytes":[84,104,101],"logprob":-0.75,"token":"The"}]}]},"message":{"content":"é 🙂 \"q\" \\ / </script>\n\t\u0001\#u{7F}\#u{2028}","role":"assistant"}},{"finish_reason":"length","index":1,"logprobs":{"content":[{"bytes":[84,104,101],"logprob":-0.5,"token":"The","top_logprobs":[]}]},"message":{"content":"","role":"assistant"}}],"created":0,"id":"chatcmpl-ID","model":"smollm2","object":"chat.completion","system_fingerprint":"divtune-smollm2","usage":{"completion_tokens":6,"prompt_tokens":7,"total_tokens":13}}"#,
        #"{"choices":[{"delta":{"content":"","role":"assistant"},"finish_reason":null,"index":0,"logprobs":null}],"created":0,"id":"chatcmpl-ID","model":"smollm2","object":"chat.completion.chunk","system_fingerprint":"divtune-smollm2"}"#,
        #"{"choices":[{"delta":{"content":"é 🙂 \"q\" \\ / </script>\n\t\u0001\#u{7F}\#u{2028}"},"finish_reason":null,"index":1,"logprobs":{"content":[{"bytes":[84,104,101],"logprob":0,"token":"The","top_logprobs":[{"bytes":[84,104,101],"logprob":-0.25,"token":"The"},{"bytes":[73,78],"logprob":-1.5,"token":"IN"}]},{"bytes":[73,78],"logprob":-0,"token":"IN","top_logprobs":[{"bytes":[73,78],"logprob":-0.125,"token":"IN"},{"bytes":[10],"logprob":-3,"token":"\n"}]},{"bytes":[10],"logprob":-1,"token":"\n","top_logprobs":[{"bytes":[10],"logprob":-1.999999943436137e-09,"token":"\n"},{"bytes":[60,124,105,109,95,101,110,100,124,62],"logprob":-7.5,"token":"<|im_end|>"}]},{"bytes":[60,124,105,109,95,101,110,100,124,62],"logprob":-9.99999993922529e-09,"token":"<|im_end|>","top_logprobs":[{"bytes":[60,124,105,109,95,101,110,100,124,62],"logprob":0,"token":"<|im_end|>"},{"bytes":[239,191,189],"logprob":-0.5,"token":"�"}]},{"bytes":[239,191,189],"logprob":-12.345678329467773,"token":"�","top_logprobs":[{"bytes":[239,191,189],"logprob":-0.75,"token":"�"},{"bytes":[84,104,101],"logprob":-0.75,"token":"The"}]}]}}],"created":0,"id":"chatcmpl-ID","model":"smollm2","object":"chat.completion.chunk","system_fingerprint":"divtune-smollm2"}"#,
        #"{"choices":[{"delta":{},"finish_reason":"stop","index":0,"logprobs":{"content":[]}}],"created":0,"id":"chatcmpl-ID","model":"smollm2","object":"chat.completion.chunk","system_fingerprint":"divtune-smollm2"}"#,
        #"{"choices":[{"delta":{},"finish_reason":"length","index":0,"logprobs":null}],"created":0,"id":"chatcmpl-ID","model":"smollm2","object":"chat.completion.chunk","system_fingerprint":"divtune-smollm2"}"#,
        #"{"choices":[],"created":0,"id":"chatcmpl-ID","model":"smollm2","object":"chat.completion.chunk","system_fingerprint":"divtune-smollm2","usage":{"completion_tokens":6,"prompt_tokens":7,"total_tokens":13}}"#,
        #"20"#,
        #"{"choices":[{"finish_reason":"stop","index":0,"logprobs":null,"message":{"content":"é 🙂 \"q\" \\ / </script>\n\t\u0001\#u{7F}\#u{2028}","role":"assistant"}},{"finish_reason":"length","index":1,"logprobs":null,"message":{"content":"","role":"assistant"}}],"created":0,"id":"chatcmpl-ID","model":"smollm2","object":"chat.completion","system_fingerprint":"divtune-smollm2","usage":{"completion_tokens":6,"prompt_tokens":7,"total_tokens":13}}"#,
        #"{"choices":[{"delta":{"content":"","role":"assistant"},"finish_reason":null,"index":0,"logprobs":null}],"created":0,"id":"chatcmpl-ID","model":"smollm2","object":"chat.completion.chunk","system_fingerprint":"divtune-smollm2"}"#,
        #"{"choices":[{"delta":{"content":"é 🙂 \"q\" \\ / </script>\n\t\u0001\#u{7F}\#u{2028}"},"finish_reason":null,"index":1,"logprobs":null}],"created":0,"id":"chatcmpl-ID","model":"smollm2","object":"chat.completion.chunk","system_fingerprint":"divtune-smollm2"}"#,
        #"{"choices":[{"delta":{},"finish_reason":"stop","index":0,"logprobs":null}],"created":0,"id":"chatcmpl-ID","model":"smollm2","object":"chat.completion.chunk","system_fingerprint":"divtune-smollm2"}"#,
        #"{"choices":[{"delta":{},"finish_reason":"length","index":0,"logprobs":null}],"created":0,"id":"chatcmpl-ID","model":"smollm2","object":"chat.completion.chunk","system_fingerprint":"divtune-smollm2"}"#,
        #"{"choices":[],"created":0,"id":"chatcmpl-ID","model":"smollm2","object":"chat.completion.chunk","system_fingerprint":"divtune-smollm2","usage":{"completion_tokens":6,"prompt_tokens":7,"total_tokens":13}}"#,
        #"20"#,
        #"{"choices":[{"finish_reason":"stop","index":0,"logprobs":{"text_offset":[0,3,5,6,16],"token_logprobs":[0,-0,-1,-9.99999993922529e-09,-12.345678329467773],"tokens":["The","IN","\n","<|im_end|>","�"],"top_logprobs":[{"IN":-1.5,"The":-0.25},{"\n":-3,"IN":-0.125},{"\n":-1.999999943436137e-09,"<|im_end|>":-7.5},{"<|im_end|>":0,"�":-0.5},{"The":-0.75,"�":-0.75}]},"text":"é 🙂 \"q\" \\ / </script>\n\t\u0001\#u{7F}\#u{2028}"},{"finish_reason":"length","index":1,"logprobs":{"text_offset":[0],"token_logprobs":[-0.5],"tokens":["The"],"top_logprobs":[null]},"text":""}],"created":0,"id":"cmpl-ID","model":"smollm2","object":"text_completion","system_fingerprint":"divtune-smollm2","usage":{"completion_tokens":6,"prompt_tokens":7,"total_tokens":13}}"#,
        #"{"choices":[{"finish_reason":null,"index":0,"logprobs":null,"text":""}],"created":0,"id":"cmpl-ID","model":"smollm2","object":"text_completion","system_fingerprint":"divtune-smollm2"}"#,
        #"{"choices":[{"finish_reason":null,"index":1,"logprobs":{"text_offset":[3,6,8,9,19],"token_logprobs":[0,-0,-1,-9.99999993922529e-09,-12.345678329467773],"tokens":["The","IN","\n","<|im_end|>","�"],"top_logprobs":[{"IN":-1.5,"The":-0.25},{"\n":-3,"IN":-0.125},{"\n":-1.999999943436137e-09,"<|im_end|>":-7.5},{"<|im_end|>":0,"�":-0.5},{"The":-0.75,"�":-0.75}]},"text":"é 🙂 \"q\" \\ / </script>\n\t\u0001\#u{7F}\#u{2028}"}],"created":0,"id":"cmpl-ID","model":"smollm2","object":"text_completion","system_fingerprint":"divtune-smollm2"}"#,
        #"{"choices":[{"finish_reason":"stop","index":0,"logprobs":{"text_offset":[],"token_logprobs":[],"tokens":[],"top_logprobs":[]},"text":""}],"created":0,"id":"cmpl-ID","model":"smollm2","object":"text_completion","system_fingerprint":"divtune-smollm2"}"#,
        #"{"choices":[{"finish_reason":"length","index":0,"logprobs":null,"text":""}],"created":0,"id":"cmpl-ID","model":"smollm2","object":"text_completion","system_fingerprint":"divtune-smollm2"}"#,
        #"{"choices":[],"created":0,"id":"cmpl-ID","model":"smollm2","object":"text_completion","system_fingerprint":"divtune-smollm2","usage":{"completion_tokens":6,"prompt_tokens":7,"total_tokens":13}}"#,
        #"20"#,
        #"{"choices":[{"finish_reason":"stop","index":0,"logprobs":null,"text":"é 🙂 \"q\" \\ / </script>\n\t\u0001\#u{7F}\#u{2028}"},{"finish_reason":"length","index":1,"logprobs":null,"text":""}],"created":0,"id":"cmpl-ID","model":"smollm2","object":"text_completion","system_fingerprint":"divtune-smollm2","usage":{"completion_tokens":6,"prompt_tokens":7,"total_tokens":13}}"#,
        #"{"choices":[{"finish_reason":null,"index":0,"logprobs":null,"text":""}],"created":0,"id":"cmpl-ID","model":"smollm2","object":"text_completion","system_fingerprint":"divtune-smollm2"}"#,
        #"{"choices":[{"finish_reason":null,"index":1,"logprobs":null,"text":"é 🙂 \"q\" \\ / </script>\n\t\u0001\#u{7F}\#u{2028}"}],"created":0,"id":"cmpl-ID","model":"smollm2","object":"text_completion","system_fingerprint":"divtune-smollm2"}"#,
        #"{"choices":[{"finish_reason":"stop","index":0,"logprobs":null,"text":""}],"created":0,"id":"cmpl-ID","model":"smollm2","object":"text_completion","system_fingerprint":"divtune-smollm2"}"#,
        #"{"choices":[{"finish_reason":"length","index":0,"logprobs":null,"text":""}],"created":0,"id":"cmpl-ID","model":"smollm2","object":"text_completion","system_fingerprint":"divtune-smollm2"}"#,
        #"{"choices":[],"created":0,"id":"cmpl-ID","model":"smollm2","object":"text_completion","system_fingerprint":"divtune-smollm2","usage":{"completion_tokens":6,"prompt_tokens":7,"total_tokens":13}}"#,
        #"20"#,
        #"{"error":{"code":"invalid_value","message":"'top_p': must be in (0, 1], got 0","param":"top_p","type":"invalid_request_error"}}"#,
        #"{"error":{"code":"queue_full","message":"The server is busy: 3 requests are already waiting. Retry later.","param":null,"type":"server_error"}}"#,
        #"{"error":{"code":null,"message":"plain","param":null,"type":"invalid_request_error"}}"#,
        #"{"data":[{"created":0,"id":"smollm2","object":"model","owned_by":"divtune"},{"created":0,"divtune_role":"base (conformative decoding)","id":"smollm2-base","object":"model","owned_by":"divtune"}],"object":"list"}"#,
        #"{"busy":false,"cancelled":0,"completed":0,"decoding":0,"log_write_failures":0,"model":"smollm2","status":"ok","waiting":0}"#,
    ]
}
