import Foundation
import Sampling

/// Samples through an OpenAI-compatible endpoint instead of a local model (docs/methods.md §9):
/// each sample is one request with the system prompt and the user prompt as messages and the
/// sample's own seed, so a resumed run asks for exactly what an uninterrupted one did. With
/// `iterative` (the paper's iterative-prompting baseline) sample j's user message also holds the
/// prompt's earlier samples and the instruction to write something far from them, so a prompt's
/// samples are requested in order; prompts are requested `concurrency` at a time. Quality is the
/// mean log-prob the server returns per token, when it returns any.
public final class OpenAISampleGenerator: SampleGenerator, Sendable {
    public struct Options: Sendable {
        public var endpoint: ChatCompletionsEndpoint
        /// System prompt (nil = none).
        public var system: String?
        public var maxTokens: Int
        /// Sent as temperature, top_p, top_k, min_p and repetition_penalty (the repetition window and
        /// sampler order are the server's).
        public var sampling: SamplingParameters
        public var iterative: Bool
        /// Prompts requested at the same time (a prompt's samples are always requested in order).
        public var concurrency: Int

        public init(endpoint: ChatCompletionsEndpoint, system: String?, maxTokens: Int, sampling: SamplingParameters,
                    iterative: Bool = false, concurrency: Int = 1) {
            self.endpoint = endpoint
            self.system = system
            self.maxTokens = maxTokens
            self.sampling = sampling
            self.iterative = iterative
            self.concurrency = concurrency
        }
    }

    public let options: Options

    public init(_ options: Options) { self.options = options }

    /// The instruction of the paper's iterative prompting (docs/methods.md §9), verbatim.
    public static let iterativeInstruction = "Try to write a creative writing to be far from the given examples, in terms of the plot and style."

    /// The user message of a prompt's next sample: the prompt alone for the first sample (and for
    /// every sample without `iterative`), else the prompt, the instruction and the earlier samples
    /// as numbered examples (docs/methods.md §9).
    public static func userMessage(prompt: String, earlier: [String]) -> String {
        guard !earlier.isEmpty else { return prompt }
        return "\(prompt)\n\n\(iterativeInstruction)\n\n\nExamples:"
            + earlier.enumerated().map { "\n\n===========Example \($0.offset + 1)===========\n\($0.element)" }.joined()
    }

    public var sampledModel: SampledModel {
        let url = options.endpoint.url.absoluteString
        return SampledModel(model: options.endpoint.model.map { "\($0) at \(url)" } ?? url)
    }

    /// The endpoint and model name (never the API key), the system prompt and what the requests send.
    public var settings: [String: String] {
        let s = options.sampling
        return ["openai_base_url": options.endpoint.url.absoluteString, "openai_model": options.endpoint.model ?? "none",
                "system": options.system ?? "none", "max_tokens": String(options.maxTokens),
                "temperature": String(s.temperature), "top_k": String(s.topK), "top_p": String(s.topP), "min_p": String(s.minP),
                "repetition_penalty": String(s.repetitionPenalty), "iterative": options.iterative ? "true" : "none"]
    }

    /// A prompt's `count` samples, one request each, in order.
    public func samples(of prompt: PromptToSample, count: Int) throws -> [SampledText] {
        var samples: [SampledText] = []
        for j in 0..<count {
            var messages: [ChatCompletionsEndpoint.Message] = options.system.map { [.init(role: "system", content: $0)] } ?? []
            let earlier = options.iterative ? samples.map(\.text) : []
            messages.append(.init(role: "user", content: Self.userMessage(prompt: prompt.prompt, earlier: earlier)))
            samples.append(try options.endpoint.complete(messages, maxTokens: options.maxTokens, sampling: options.sampling,
                                                         seed: prompt.firstSeed &+ UInt64(j)))
        }
        return samples
    }

    /// Prompts go to `concurrency` workers; their samples are handed to `finished` on the calling
    /// thread as each prompt completes. The first failure stops the workers and is thrown.
    public func sample(_ prompts: [PromptToSample], count: Int, finished: (Int, [SampledText]) throws -> Void) throws {
        let queue = CompletedPrompts()
        let group = DispatchGroup()
        for _ in 0..<min(max(options.concurrency, 1), prompts.count) {
            DispatchQueue.global().async(group: group) { [self] in
                while let k = queue.claim(below: prompts.count) {
                    queue.complete(k, Result { try samples(of: prompts[k], count: count) })
                }
            }
        }
        defer {
            queue.stop()
            group.wait()
        }
        for _ in prompts.indices {
            let (k, result) = queue.next()
            try finished(k, try result.get())
        }
    }
}

/// The hand-over between the request workers and the thread that keeps the samples.
private final class CompletedPrompts: @unchecked Sendable {
    private let lock = NSLock()
    private let ready = DispatchSemaphore(value: 0)
    private var claimed = 0
    private var stopped = false
    private var completed: [(Int, Result<[SampledText], Error>)] = []

    /// The next prompt to request; nil when all are claimed or the run stopped.
    func claim(below count: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped, claimed < count else { return nil }
        claimed += 1
        return claimed - 1
    }

    func complete(_ k: Int, _ result: Result<[SampledText], Error>) {
        lock.lock()
        completed.append((k, result))
        if case .failure = result { stopped = true }
        lock.unlock()
        ready.signal()
    }

    /// Waits for the next completed prompt.
    func next() -> (Int, Result<[SampledText], Error>) {
        ready.wait()
        lock.lock()
        defer { lock.unlock() }
        return completed.removeFirst()
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }
}
