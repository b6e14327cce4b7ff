import Base
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Training

/// `divtune monitor`'s web server (docs/formats.md §4.5.3) on Hummingbird: `GET /` is the page as
/// the runs stand, `GET /events` a server-sent-event stream with an `update` event (`{"version",
/// "html"}`) at once and after every change the runs' files show (checked every `pollInterval`),
/// `GET /health` answers `ok`.
public struct MonitorServer: Sendable {
    let watcher: RunWatcher
    let pollInterval: Duration
    /// A comment line after this long without an update, so a closed page is noticed and proxies keep the stream.
    let keepAlive: Duration

    /// Refuses a folder that is not a training run, naming it.
    public init(runs: [URL], pollInterval: Duration = .milliseconds(500), keepAlive: Duration = .seconds(15)) throws {
        guard !runs.isEmpty else { throw TrainingError.invalidOption(name: "runs", reason: "no run folder given") }
        watcher = try RunWatcher(folders: runs)
        self.pollInterval = pollInterval
        self.keepAlive = keepAlive
    }

    struct Update: Encodable {
        var version: Int
        var html: String
    }

    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/health") { _, _ in "ok" }
        router.get("/") { _, _ -> Response in
            let (version, page) = await watcher.current()
            let html = page.render(liveIn: "content", script: MonitorPage.script)
                .replacingOccurrences(of: "<body>", with: "<body data-version=\"\(version)\">")
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: html)))
        }
        router.get("/events") { _, _ -> Response in
            let (watcher, poll, keepAlive) = (watcher, pollInterval, keepAlive)
            let body = ResponseBody { writer in
                var sent = 0
                var quiet = Duration.zero
                // Ends when the server shuts down (SIGINT), so an open page does not hold the process.
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    let (version, page) = await watcher.current()
                    if version != sent {
                        let data = try JSONEncoder().encode(Update(version: version, html: page.sections))
                        try await writer.write(ByteBuffer(string: "event: update\ndata: \(String(decoding: data, as: UTF8.self))\n\n"))
                        (sent, quiet) = (version, .zero)
                    } else if quiet >= keepAlive {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        quiet = .zero
                    }
                    try? await Task.sleep(for: poll)
                    quiet += poll
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
        }
        return router
    }

    /// The application on `host:port` (port 0 picks a free one, reported to `onRunning`).
    public func makeApplication(host: String, port: Int, logger: Logger? = nil,
                                onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var log = logger ?? Logger(label: "divtune.monitor")
        if logger == nil { log.logLevel = .notice }
        return Application(router: makeRouter(), configuration: .init(address: .hostname(host, port: port), serverName: "divtune-monitor"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }, logger: log)
    }
}
