import Base
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Sampling

/// One OpenAI-compatible `/v1/chat/completions` endpoint (vLLM, llama.cpp's llama-server, `divtune
/// serve`, OpenAI), asked for one completion at a time (docs/methods.md §9): the sampling options
/// as OpenAI names them plus `top_k`, `min_p` and `repetition_penalty` as the extra body fields
/// vLLM and llama.cpp accept (sent only when they are on, since OpenAI refuses unknown fields),
/// `logprobs: true` for the quality measure. Timeouts, refused connections, 408, 429 and 5xx
/// answers are retried with doubling delays; anything else fails at once with the URL, the
/// status and the body.
public struct ChatCompletionsEndpoint: Sendable {
    /// The URL requests go to: the given base URL with `/chat/completions` appended when it ends
    /// in `/v1`, else `/v1/chat/completions`.
    public let url: URL
    public var model: String?
    /// Sent as `Authorization: Bearer …`; never written anywhere.
    var apiKey: String?
    /// Attempts after the first for a failure worth retrying.
    public var retries: Int
    /// The delay before the first retry; each next one doubles it.
    public var retryDelay: TimeInterval
    /// Seconds a request may take (a long completion on a slow server takes minutes).
    public var timeout: TimeInterval

    public init(baseURL: String, model: String?, apiKey: String?, retries: Int = 3, retryDelay: TimeInterval = 1,
                timeout: TimeInterval = 3600) throws {
        guard let base = URL(string: baseURL), let scheme = base.scheme?.lowercased(), ["http", "https"].contains(scheme),
              base.host?.isEmpty == false else {
            throw InvalidEndpointURL(url: baseURL, reason: "not an http:// or https:// URL with a host (e.g. http://127.0.0.1:8000/v1)")
        }
        var path = base.path
        while path.hasSuffix("/") { path.removeLast() }
        let suffix = path.hasSuffix("/v1") ? "/chat/completions" : "/v1/chat/completions"
        guard let url = URL(string: base.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + suffix) else {
            throw InvalidEndpointURL(url: baseURL, reason: "cannot append \(suffix) to it")
        }
        guard retries >= 0, retryDelay >= 0, timeout > 0 else {
            throw InvalidEndpointURL(url: baseURL, reason: "retries and the retry delay must be ≥ 0 and the timeout > 0")
        }
        self.url = url
        self.model = model
        self.apiKey = apiKey
        self.retries = retries
        self.retryDelay = retryDelay
        self.timeout = timeout
    }

    /// A chat message as the endpoint takes it.
    public struct Message: Codable, Hashable, Sendable {
        public var role: String
        public var content: String

        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    /// The request body; the extra sampling fields are nil (left out) when off.
    struct Body: Encodable {
        var model: String?
        var messages: [Message]
        var max_tokens: Int
        var temperature: Float
        var top_p: Double
        var top_k: Int?
        var min_p: Float?
        var repetition_penalty: Float?
        var seed: UInt64
        var logprobs = true
        /// Alternatives per generated token (nil: left out).
        var top_logprobs: Int?
        var n = 1
        var stream = false
    }

    /// One completion of `messages`, drawn with `seed`.
    public func complete(_ messages: [Message], maxTokens: Int, sampling: SamplingParameters, seed: UInt64) throws -> SampledText {
        let body = Body(model: model, messages: messages, max_tokens: maxTokens, temperature: sampling.temperature, top_p: sampling.topP,
                        top_k: sampling.topK == 0 ? nil : sampling.topK, min_p: sampling.minP == 0 ? nil : sampling.minP,
                        repetition_penalty: sampling.repetitionPenalty == 1 ? nil : sampling.repetitionPenalty, seed: seed)
        let data = try post(JSONEncoder().encode(body))
        return try parse(data)
    }

    /// The most likely first tokens of a reply to `messages` with their log-probs (`top_logprobs`
    /// of the first generated token, up to `top` of them, as token text → log-prob), and the
    /// token the server chose: what a judge reads its answer from (docs/creative.md §8). One
    /// greedy token is asked; the log-probs are the server's for that position.
    public func firstTokenLogprobs(_ messages: [Message], top: Int = 20) throws -> (chosen: String, alternatives: [String: Double]) {
        let body = Body(model: model, messages: messages, max_tokens: 1, temperature: 0, top_p: 1, seed: 0, top_logprobs: top)
        let data = try post(JSONEncoder().encode(body))
        func invalid(_ reason: String) -> EndpointError {
            EndpointError(url: url.absoluteString, reason: "\(reason); body: \(String(decoding: data.prefix(500), as: UTF8.self))")
        }
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch { throw invalid("the answer is not JSON (\(error))") }
        guard case .array(let choices)? = json["choices"], let choice = choices.first,
              case .array(let content)? = choice["logprobs"]?["content"], let first = content.first else {
            throw invalid("the answer has no choices[0].logprobs.content[0]: the server does not return log-probs for chat completions")
        }
        guard case .string(let chosen)? = first["token"], case .array(let entries)? = first["top_logprobs"], !entries.isEmpty else {
            throw invalid("choices[0].logprobs.content[0] has no token or no top_logprobs: the server does not return top_logprobs")
        }
        var alternatives: [String: Double] = [:]
        for (i, entry) in entries.enumerated() {
            guard case .string(let token)? = entry["token"], case .number(let logprob)? = entry["logprob"] else {
                throw invalid("choices[0].logprobs.content[0].top_logprobs[\(i)] is not {token, logprob}")
            }
            // Two ids may print alike; the likelier (listed first) stands for the text.
            if alternatives[token] == nil { alternatives[token] = logprob }
        }
        return (chosen, alternatives)
    }

    /// POSTs `body`, retrying what may pass; the 2xx answer's body.
    func post(_ body: Data) throws -> Data {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        var delay = retryDelay
        for attempt in 0...retries {
            let failure: EndpointError, worthRetrying: Bool
            switch Self.send(request) {
            case .success(let (status, data)):
                if (200..<300).contains(status) { return data }
                failure = EndpointError(url: url.absoluteString, status: status, body: String(decoding: data.prefix(2000), as: UTF8.self),
                                        attempts: attempt + 1, keyGiven: apiKey != nil)
                worthRetrying = status == 408 || status == 429 || status >= 500
            case .failure(let error):
                failure = EndpointError(url: url.absoluteString, reason: Self.describe(error), attempts: attempt + 1)
                worthRetrying = Self.retried.contains(error.code)
            }
            if !worthRetrying || attempt == retries { throw failure }
            Thread.sleep(forTimeInterval: delay)
            delay *= 2
        }
        throw EndpointError(url: url.absoluteString, reason: "no attempt was made")
    }

    /// Transport failures that a later attempt may not meet.
    static let retried: Set<URLError.Code> = [.timedOut, .cannotConnectToHost, .networkConnectionLost, .notConnectedToInternet,
                                              .cannotFindHost, .dnsLookupFailed]

    static func describe(_ error: URLError) -> String {
        switch error.code {
        case .cannotConnectToHost: return "cannot connect (is the server running on that host and port?)"
        case .cannotFindHost, .dnsLookupFailed: return "cannot find the host"
        case .timedOut: return "no answer in time"
        default: return error.localizedDescription
        }
    }

    /// One blocking request on URLSession; the status and body, or the transport error.
    static func send(_ request: URLRequest) -> Result<(Int, Data), URLError> {
        final class Outcome: @unchecked Sendable { var value: Result<(Int, Data), URLError> = .failure(URLError(.unknown)) }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error {
                // Linux hands an NSError of NSURLErrorDomain, which does not always cast to URLError.
                let ns = error as NSError
                let code = ns.domain == NSURLErrorDomain ? URLError.Code(rawValue: ns.code) ?? .unknown : .unknown
                outcome.value = .failure(URLError(code, userInfo: [NSLocalizedDescriptionKey: ns.localizedDescription]))
            } else if let response = response as? HTTPURLResponse {
                outcome.value = .success((response.statusCode, data ?? Data()))
            } else {
                outcome.value = .failure(URLError(.badServerResponse))
            }
            done.signal()
        }.resume()
        done.wait()
        return outcome.value
    }

    /// The first choice of a chat completion: its text, token count (usage, else the log-probs'),
    /// mean log-prob per token (nil when the server gave none) and finish reason.
    func parse(_ data: Data) throws -> SampledText {
        func invalid(_ reason: String) -> EndpointError {
            EndpointError(url: url.absoluteString, reason: "the answer is not a chat completion: \(reason); body: \(String(decoding: data.prefix(500), as: UTF8.self))")
        }
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch { throw invalid("\(error)") }
        guard case .array(let choices)? = json["choices"], let choice = choices.first else { throw invalid("no choices[0]") }
        let text: String
        switch choice["message"]?["content"] {
        case .string(let s)?: text = s
        case .null?: text = ""
        default: throw invalid("choices[0].message.content is not a string")
        }
        var logprobs: [Double]?
        if case .array(let entries)? = choice["logprobs"]?["content"] {
            logprobs = try entries.enumerated().map { i, entry in
                guard case .number(let value)? = entry["logprob"] else { throw invalid("choices[0].logprobs.content[\(i)].logprob is not a number") }
                return value
            }
        }
        var tokens = logprobs?.count ?? 0
        if case .number(let n)? = json["usage"]?["completion_tokens"] { tokens = Int(n) }
        let finishReason: String
        if case .string(let reason)? = choice["finish_reason"] { finishReason = reason } else { finishReason = "unknown" }
        let mean = logprobs.flatMap { $0.isEmpty ? nil : $0.reduce(0, +) / Double($0.count) }
        return SampledText(text: text, tokens: tokens, logprobPerToken: mean, finishReason: finishReason)
    }
}

/// A request to an OpenAI-compatible endpoint that failed: the URL, and the HTTP status and body
/// or what went wrong on the way.
public struct EndpointError: Error, CustomStringConvertible, Equatable {
    public var url: String
    public var status: Int?
    public var body: String?
    public var reason: String?
    public var attempts = 1
    /// Whether an API key was sent (a 401's hint depends on it).
    var keyGiven = false

    public init(url: String, status: Int, body: String, attempts: Int = 1, keyGiven: Bool = false) {
        self.url = url
        self.status = status
        self.body = body
        self.attempts = attempts
        self.keyGiven = keyGiven
    }

    public init(url: String, reason: String, attempts: Int = 1) {
        self.url = url
        self.reason = reason
        self.attempts = attempts
    }

    public var description: String {
        var text = "POST \(url) failed"
        if attempts > 1 { text += " (\(attempts) attempts)" }
        if let status {
            text += ": HTTP \(status)"
            if let body, !body.isEmpty { text += ": \(body.trimmingCharacters(in: .whitespacesAndNewlines))" }
            if status == 401 || status == 403 {
                text += keyGiven ? " (check the API key in the --api-key-env variable)"
                    : " (the server wants an API key: put it in an environment variable and name it with --api-key-env)"
            }
        }
        if let reason { text += ": \(reason)" }
        return text
    }
}

/// A base URL no request can go to.
public struct InvalidEndpointURL: Error, CustomStringConvertible, Equatable {
    public var url: String
    public var reason: String
    public var description: String { "'\(url)': \(reason)" }
}
