import Base
import Console
import Foundation
import Generation
import Hummingbird
import Logging
import Models
import NIOCore

/// Where and how the server listens.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (read it from `onRunning`).
    public var port: Int
    /// Requests that may wait for room in the decode batch; more are answered 503.
    public var maxQueue: Int
    /// Samples decoded together (continuous batching: requests join and leave the running batch).
    public var maxBatch: Int
    /// Memory for prefilled prompts kept for requests that repeat one (docs/methods.md §12; 0: none).
    public var promptCacheBytes: Int
    /// Larger request bodies are answered 413.
    public var maxBodyBytes: Int
    /// One JSON line per request (endpoint, status, tokens, seconds), when set.
    public var requestLog: URL?
    /// When set, every route but `/health` needs `Authorization: Bearer KEY` (401 otherwise).
    public var apiKey: String?
    /// Per-field request limits (400 beyond them).
    public var limits: RequestLimits
    /// A connection with no request in progress and nothing arriving this long is closed (also one
    /// whose request head never completes); nil: never.
    public var idleTimeout: Duration?
    /// A request whose body has not fully arrived this long after its head closes its connection; nil: never.
    public var readTimeout: Duration?

    public init(host: String = "127.0.0.1", port: Int = 8080, maxQueue: Int = 64, maxBatch: Int = Generator.defaultMaxBatch,
                promptCacheBytes: Int = 256 << 20, maxBodyBytes: Int = 4 << 20,
                requestLog: URL? = nil, apiKey: String? = nil, limits: RequestLimits = RequestLimits(),
                idleTimeout: Duration? = .seconds(60), readTimeout: Duration? = .seconds(30)) {
        self.apiKey = apiKey
        self.limits = limits
        self.idleTimeout = idleTimeout
        self.readTimeout = readTimeout
        self.host = host
        self.port = port
        self.maxQueue = maxQueue
        self.maxBatch = maxBatch
        self.promptCacheBytes = promptCacheBytes
        self.maxBodyBytes = maxBodyBytes
        self.requestLog = requestLog
    }
}

/// An OpenAI-compatible HTTP server for one model: `POST /v1/chat/completions`,
/// `POST /v1/completions`, `GET /v1/models`, `GET /health` (docs/formats.md §5), with DivTune's
/// conformative-decoding extensions in the request body. Generations decode together in one batch
/// on a dedicated worker thread; a request joins the running batch as soon as it has room
/// (continuous batching, docs/methods.md §12), in arrival order.
public final class OpenAIServer: Sendable {
    public let configuration: ServerConfiguration
    let model: ServedModel

    /// `modelId` is the name clients send as `model`; `baseId` the name they may send as `base_model`.
    public init(model: LanguageModel, modelId: String, base: LanguageModel? = nil, baseId: String? = nil,
                configuration: ServerConfiguration = ServerConfiguration()) throws {
        guard configuration.maxQueue >= 0 else { throw APIError(status: .badRequest, message: "--max-queue must be ≥ 0") }
        guard configuration.maxBatch >= 1 else { throw APIError(status: .badRequest, message: "--max-batch must be ≥ 1") }
        guard configuration.maxBodyBytes > 0 else { throw APIError(status: .badRequest, message: "--max-body-bytes must be > 0") }
        guard configuration.promptCacheBytes >= 0 else { throw APIError(status: .badRequest, message: "--prompt-cache-mb must be ≥ 0") }
        if let key = configuration.apiKey, key.isEmpty { throw APIError(status: .badRequest, message: "--api-key must not be empty") }
        for (option, timeout) in [("--idle-timeout", configuration.idleTimeout), ("--read-timeout", configuration.readTimeout)] {
            if let timeout, timeout <= .zero { throw APIError(status: .badRequest, message: "\(option) must be > 0, got \(timeout)") }
        }
        self.configuration = configuration
        self.model = try ServedModel(model: model, id: modelId, base: base, baseId: base == nil ? nil : (baseId ?? "base"),
                                     maxQueue: configuration.maxQueue, maxBatch: configuration.maxBatch,
                                     promptCacheBytes: configuration.promptCacheBytes, limits: configuration.limits,
                                     log: try configuration.requestLog.map { try RequestLog(url: $0) })
    }

    /// The model name a file path gives (its last component without extension).
    public static func modelId(forPath path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.pathExtension.isEmpty ? url.lastPathComponent : url.deletingPathExtension().lastPathComponent
    }

    /// The Hummingbird application; `onRunning` receives the bound port once it listens.
    public func makeApplication(logger: Logger? = nil, onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> Application<RouterResponder<ServerRequestContext>> {
        let router = Router(context: ServerRequestContext.self)
        let model = self.model
        let maxBody = configuration.maxBodyBytes
        router.add(middleware: UnknownRouteMiddleware())
        if let key = configuration.apiKey { router.add(middleware: APIKeyMiddleware(key: Array(key.utf8))) }
        router.get("/health") { _, _ -> Response in
            let counts = model.counters.snapshot
            let decoding = model.worker.decoding
            return jsonResponse(HealthStatus(model: model.id, busy: decoding > 0, decoding: decoding, waiting: model.worker.waiting,
                                             completed: counts.completed, cancelled: counts.cancelled,
                                             logWriteFailures: model.log?.failures ?? 0))
        }
        router.get("/v1/models") { _, _ -> Response in
            var data = [ModelList.Card(id: model.id, created: model.created, divtuneRole: nil)]
            if let baseId = model.baseId {
                data.append(ModelList.Card(id: baseId, created: model.created, divtuneRole: "base (conformative decoding)"))
            }
            return jsonResponse(ModelList(data: data))
        }
        router.post("/v1/chat/completions") { request, context -> Response in
            await CompletionHandler(model: model, maxBodyBytes: maxBody).respond(to: request, context: context, endpoint: .chat)
        }
        router.post("/v1/completions") { request, context -> Response in
            await CompletionHandler(model: model, maxBodyBytes: maxBody).respond(to: request, context: context, endpoint: .text)
        }
        var log = logger ?? Logger(label: "divtune.serve")
        if logger == nil { log.logLevel = .notice }
        return Application(router: router,
                           server: TimedHTTP1Channel.builder(idleTimeout: configuration.idleTimeout.map(TimeAmount.init),
                                                             readTimeout: configuration.readTimeout.map(TimeAmount.init)),
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "divtune"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
                           logger: log)
    }

    /// Serves until SIGINT or SIGTERM, then stops accepting connections and lets in-flight
    /// responses (including streams) finish before returning.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await makeApplication(onRunning: onRunning).runService()
        model.worker.stop()
    }
}
