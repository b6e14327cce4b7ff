import Base
import ChatTemplates
import Console
import Foundation
import Generation
import Models
import Sampling
import Tokenizers

/// What the worker reports for one request, in order: text pieces (per choice), then one `finished`
/// or `failed`.
enum GenerationEvent: Sendable {
    /// New text of one choice with the tokens behind it.
    case piece(GeneratedPiece)
    case finished([GeneratedSample])
    case failed(APIError)
}

/// The loaded model (and optional base model for conformative decoding) behind the worker's decode
/// batch.
///
/// `LanguageModel` holds reference-typed weights and KV caches that are not thread-safe; every use
/// of them happens on the worker thread, which is why this type may be shared (`@unchecked Sendable`).
final class ServedModel: @unchecked Sendable {
    let id: String
    let baseId: String?
    let contextLength: Int
    let limits: RequestLimits
    let tokenizer: any Tokenizer
    private let renderer: PromptRenderer
    private let baseRenderer: PromptRenderer?
    let worker: GenerationWorker<DecodeBatch>
    let counters = GenerationCounters()
    let log: RequestLog?
    let created = Int(Date().timeIntervalSince1970)

    init(model: LanguageModel, id: String, base: LanguageModel?, baseId: String?, maxQueue: Int, maxBatch: Int = 1,
         promptCacheBytes: Int = 0, limits: RequestLimits, log: RequestLog?) throws {
        self.log = log
        self.id = id
        self.baseId = baseId
        self.contextLength = model.configuration.maxPositionEmbeddings
        try limits.validate(contextLength: contextLength)
        // A full batch of the longest requests the limits allow must fit, or the server refuses to
        // start with the estimate (at run time a sample that does not fit waits for room).
        try BatchMemory.check(sequences: maxBatch,
                              positions: limits.promptLimit(contextLength: contextLength) + limits.tokenLimit(contextLength: contextLength),
                              models: [model] + (base.map { [$0] } ?? []))
        self.limits = limits
        self.tokenizer = model.tokenizer
        self.renderer = try PromptRenderer(model: model)
        self.baseRenderer = try base.map { try PromptRenderer(model: $0) }
        self.worker = GenerationWorker(batch: try DecodeBatch(model: model, base: base, maxBatch: maxBatch, promptCacheBytes: promptCacheBytes),
                                       maxQueue: maxQueue)
    }

    deinit { worker.stop() }

    /// One token's text, as log-prob reports show it.
    func text(ofToken id: Int) -> String { tokenizer.decode([id], skipSpecialTokens: false) }

    /// Token ids for the instruct model and (with conformative decoding) for the base model.
    func promptIds(for request: CompletionRequest) throws -> (ids: [Int], baseIds: [Int]?) {
        let ids: [Int]
        do {
            switch request.input {
            case .messages(let messages): ids = try renderer.ids(messages: messages)
            case .prompt(let text): ids = try renderer.ids(prompt: text, style: .completion)
            }
        } catch {
            throw APIError(status: .badRequest, message: "The prompt could not be rendered: \(error)",
                           param: request.endpoint == .chat ? "messages" : "prompt")
        }
        guard !ids.isEmpty else {
            throw APIError.invalid(request.endpoint == .chat ? "messages" : "prompt", "renders to an empty prompt")
        }
        let promptLimit = limits.promptLimit(contextLength: contextLength)
        guard ids.count <= promptLimit else {
            let reason = limits.maxPromptTokens == nil ? "this model's context holds \(contextLength)"
                : "this server accepts at most \(promptLimit) (serve --max-prompt-tokens)"
            throw APIError(status: .badRequest, message: "The prompt has \(ids.count) tokens; \(reason).",
                           param: request.endpoint == .chat ? "messages" : "prompt", code: "context_length_exceeded")
        }
        guard request.parameters.conformative != nil else { return (ids, nil) }
        guard let baseRenderer, let baseId else {
            throw APIError.invalid("conformative_weight", "needs a base model; start the server with --base-model")
        }
        if let named = request.baseModel, named != baseId {
            throw APIError(status: .notFound, message: "The base model '\(named)' is not loaded; this server's base model is '\(baseId)'.",
                           param: "base_model", code: "model_not_found")
        }
        let baseIds: [Int]
        switch request.input {
        case .messages(let messages): baseIds = try baseRenderer.ids(messages: messages, style: request.basePromptStyle)
        case .prompt(let text): baseIds = try baseRenderer.ids(prompt: text, style: request.basePromptStyle)
        }
        guard !baseIds.isEmpty, baseIds.count < contextLength else {
            throw APIError.invalid("base_prompt_style", "the base model's prompt has \(baseIds.count) tokens (context \(contextLength))")
        }
        return (ids, baseIds)
    }

    /// Queues a generation, which joins the running batch as soon as it has room; events arrive on
    /// the returned stream. Throws 503 when neither the batch nor the line has room. Cancelling
    /// `flag` (or dropping the stream) stops the generation at its next token.
    func generate(_ request: CompletionRequest, promptIds: [Int], baseIds: [Int]?, flag: CancellationFlag) throws
        -> AsyncStream<GenerationEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: GenerationEvent.self, bufferingPolicy: .unbounded)
        continuation.onTermination = { reason in
            if case .cancelled = reason { flag.cancel() }
        }
        let counters = self.counters
        // Counted before the outcome goes out: a single answer's reader stops at `finished` and
        // drops the stream, which sets the flag (onTermination) and would make a finished
        // generation count as cancelled.
        let end = { @Sendable (event: GenerationEvent?) in
            counters.count(cancelled: event == nil || flag.isCancelled)
            if let event { continuation.yield(event) }
            continuation.finish()
        }
        let accepted = worker.submit(samples: request.count) { batch in
            let job = DecodeBatch.Request(
                prompt: Generator.Prompt(ids: promptIds, baseIds: baseIds), count: request.count, parameters: request.parameters,
                onPiece: { piece in
                    guard !flag.isCancelled else { return false }
                    continuation.yield(.piece(piece))
                    return true
                },
                isCancelled: { flag.isCancelled })
            do {
                try batch.add(job) { outcome in
                    switch outcome {
                    case .finished(let samples): end(.finished(samples))
                    case .failed(let error): end(.failed(Self.apiError(error)))
                    case .cancelled: end(nil)
                    }
                }
            } catch {
                end(.failed(Self.apiError(error)))
            }
        }
        guard accepted else {
            continuation.finish()
            throw APIError.queueFull(limit: worker.maxQueue)
        }
        return stream
    }

    /// The answer for a generation that failed: the request's fault (400) or the server's.
    private static func apiError(_ error: Error) -> APIError {
        switch error {
        case let error as APIError: error
        case let error as SamplingError: APIError(status: .badRequest, message: error.description)
        case let error as GenerationError: APIError(status: .serviceUnavailable, message: error.description, type: "server_error")
        default: APIError(status: .internalServerError, message: "Generation failed: \(error)", type: "server_error")
        }
    }
}

/// How many generations ran to the end and how many were cut short by a departed client
/// (reported by `/health`).
final class GenerationCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var completed = 0, cancelled = 0

    func count(cancelled wasCancelled: Bool) {
        lock.lock()
        if wasCancelled { cancelled += 1 } else { completed += 1 }
        lock.unlock()
    }

    var snapshot: (completed: Int, cancelled: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (completed, cancelled)
    }
}
