import ArgumentParser
import Foundation
import Generation
import Models
import Server
import TensorEngine

/// `divtune serve`: an OpenAI-compatible HTTP server for one model (and optionally its base model
/// for conformative decoding). Stops gracefully on SIGINT/SIGTERM after in-flight streams finish.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a model over the OpenAI API (/v1/chat/completions, /v1/completions, /v1/models, /health).")

    @OptionGroup var models: ModelOptions
    /// Requests set `conformative_weight` and the other mixing settings (docs/methods.md §8.4).
    @OptionGroup var base: BaseModelOptions
    @Option(help: "Name clients send as \"model\" (default: the model file's name).") var modelName: String?
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind (0 = any free port).") var port = 8080
    @Option(help: "Samples decoded together: requests join the running batch while it has room (continuous batching).")
    var maxBatch = Generator.defaultMaxBatch
    @Option(help: "Memory in MiB for prefilled prompts kept so that a request repeating one starts without running it again (same results; 0: none).")
    var promptCacheMb = 256
    @Option(help: "Requests that may wait for room in the batch; more get HTTP 503.") var maxQueue = 64
    @Option(help: "Largest accepted request body in bytes; larger ones get HTTP 413.") var maxBodyBytes = 4 << 20
    @Option(help: "Most choices (n) per request; more get HTTP 400.") var maxN = 16
    @Option(help: "Most new tokens (max_tokens) per choice; more get HTTP 400 (default: the model's context length).") var maxTokens: Int?
    @Option(help: "Most prompt tokens after the chat template; more get HTTP 400 (default: the context length − 1).") var maxPromptTokens: Int?
    @Option(help: "Most stop strings per request; more get HTTP 400.") var maxStop = 4
    @Option(help: "Longest stop string in characters; longer get HTTP 400.") var maxStopLength = 256
    @Option(help: "Seconds a connection may sit with no request in progress (or an unfinished request head) before it is closed.")
    var idleTimeout = 60.0
    @Option(help: "Seconds a request body may take to arrive after its head before the connection is closed.") var readTimeout = 30.0
    @Option(help: "Compute threads for the model (default: all cores).") var threads: Int?
    @Option(help: "Append one JSON line per request to this file.") var log: String?
    @Option(help: "Require 'Authorization: Bearer KEY' on every route but /health (default: $DIVTUNE_API_KEY).") var apiKey: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0…65535, got \(port)") }
        guard maxQueue >= 0 else { throw ValidationError("--max-queue must be ≥ 0, got \(maxQueue)") }
        guard maxBatch >= 1 else { throw ValidationError("--max-batch must be ≥ 1, got \(maxBatch)") }
        guard (0...(1 << 30)).contains(promptCacheMb) else { throw ValidationError("--prompt-cache-mb must be in 0…\(1 << 30), got \(promptCacheMb)") }
        guard maxBodyBytes > 0 else { throw ValidationError("--max-body-bytes must be > 0, got \(maxBodyBytes)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be ≥ 1, got \(threads)") }
        // The request limits are checked against the model's context once it is loaded (RequestLimits).
        for (option, value) in [("--idle-timeout", idleTimeout), ("--read-timeout", readTimeout)] where !(value > 0 && value.isFinite) {
            throw ValidationError("\(option) must be a positive number of seconds, got \(value)")
        }
    }

    func run() throws {
        EngineThreads.configure(threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let instruct = try LanguageModel.load(path: models.model, adapter: models.adapter)
        let baseLM = try base.baseModel.map { try LanguageModel.load(path: $0, adapter: base.baseAdapter) }
        let modelId = modelName ?? OpenAIServer.modelId(forPath: models.model)
        // The base keeps a distinct name even when it is the same file (a useful w-sweep control).
        let baseId = base.baseModel.map { path -> String in
            let name = OpenAIServer.modelId(forPath: path)
            return name == modelId ? name + "-base" : name
        }
        let limits = RequestLimits(maxChoices: maxN, maxTokens: maxTokens, maxPromptTokens: maxPromptTokens, maxStopStrings: maxStop,
                                   maxStopLength: maxStopLength)
        let key = apiKey ?? ProcessInfo.processInfo.environment["DIVTUNE_API_KEY"]
        if key == nil && !Self.isLoopback(host) {
            FileHandle.standardError.write(Data("warning: --host \(host) is reachable from other machines and no --api-key (or DIVTUNE_API_KEY) is set: anyone who can reach it can use the model\n".utf8))
        }
        let server = try OpenAIServer(model: instruct, modelId: modelId, base: baseLM, baseId: baseId,
                                      configuration: ServerConfiguration(host: host, port: port, maxQueue: maxQueue, maxBatch: maxBatch,
                                                                         promptCacheBytes: promptCacheMb << 20,
                                                                         maxBodyBytes: maxBodyBytes,
                                                                         requestLog: log.map { URL(fileURLWithPath: $0) }, apiKey: key,
                                                                         limits: limits, idleTimeout: .seconds(idleTimeout),
                                                                         readTimeout: .seconds(readTimeout)))
        let host = self.host
        try waitForServer {
            try await server.run { port in
                print("divtune serve: \(modelId)\(baseId.map { " (base \($0))" } ?? "") on http://\(host):\(port)/v1")
                fflush(stdout)
            }
        }
    }
}

extension ServeCommand {
    /// Whether `host` binds only this machine's loopback interface.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
