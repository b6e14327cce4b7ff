import Base
import Foundation
import Logging
import LoopbackTesting
import Models
import Server
import ServiceLifecycle

/// Starts servers on free loopback ports with the real SmolLM2-135M-Instruct GGUF.
enum TestServer {
    static let modelId = "smollm2"
    static let baseId = "smollm2-base"

    static var modelPath: String { get throws { try testModels.require(ModelCache.smolLM2).path } }

    /// The shared server: the model with itself as conformative base, body limit 256 KiB.
    static let shared: Task<Int, Error> = Task {
        try await start(configuration: ServerConfiguration(port: 0, maxQueue: 64, maxBodyBytes: 256 << 10), withBase: true).port
    }

    struct Running {
        let port: Int
        let group: ServiceGroup
        let finished: Task<Void, Error>
    }

    /// A fresh server (its own model copy and worker); stop it with `group.triggerGracefulShutdown()`.
    static func start(configuration: ServerConfiguration, withBase: Bool = false) async throws -> Running {
        let model = try LanguageModel.load(path: try modelPath)
        let base = withBase ? try LanguageModel.load(path: try modelPath) : nil
        let server = try OpenAIServer(model: model, modelId: modelId, base: base, baseId: withBase ? baseId : nil,
                                      configuration: configuration)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "divtune.serve.test")
        logger.logLevel = .warning
        let app = server.makeApplication(logger: logger) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let finished = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw RawHTTPClient.ClientError("the server did not report a port") }
        return Running(port: port, group: group, finished: finished)
    }
}

/// The default models (docs/formats.md): a missing one fails with the command that fetches it.
let testModels = ModelCache.forRepository(containing: #filePath)

/// The JSON payloads of an SSE response (without the final `[DONE]`), and whether `[DONE]` ended it.
func streamChunks(_ response: RawHTTPClient.Response) throws -> (chunks: [[String: Any]], done: Bool) {
    var events = response.events
    let done = events.last == "[DONE]"
    if done { events.removeLast() }
    let chunks = try events.map { event -> [String: Any] in
        guard let object = try JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any] else {
            throw RawHTTPClient.ClientError("event is not a JSON object: \(event)")
        }
        return object
    }
    return (chunks, done)
}

/// The streamed text of choice `index`, joined from `delta.content` (chat) or `text` (legacy).
func streamedText(_ chunks: [[String: Any]], choice index: Int = 0) -> String {
    chunks.compactMap { chunk -> String? in
        guard let choices = chunk["choices"] as? [[String: Any]] else { return nil }
        return choices.filter { ($0["index"] as? Int) == index }.compactMap { choice in
            (choice["delta"] as? [String: Any]).flatMap { $0["content"] as? String } ?? choice["text"] as? String
        }.joined()
    }.joined()
}
