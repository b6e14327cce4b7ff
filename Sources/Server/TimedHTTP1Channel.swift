import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1 connection with the server's two timeouts (docs/formats.md §5.4): the idle
/// timeout (Hummingbird's own: no request in progress and nothing arriving) and the request read
/// timeout (``RequestReadTimeout``, inserted right after the HTTP/1 decoder, where Hummingbird's
/// extra-handler hook cannot place it).
struct TimedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let http1: HTTP1Channel
    let readTimeout: TimeAmount?

    init(responder: @escaping HTTPChannelHandler.Responder, idleTimeout: TimeAmount?, readTimeout: TimeAmount?) {
        http1 = HTTP1Channel(responder: responder, configuration: .init(idleTimeout: idleTimeout))
        self.readTimeout = readTimeout
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        http1.setup(channel: channel, logger: logger).flatMapThrowing { [readTimeout] value in
            if let readTimeout {
                let pipeline = channel.pipeline.syncOperations
                let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
                try pipeline.addHandler(RequestReadTimeout(timeout: readTimeout), position: .after(decoder))
            }
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }

    /// The builder `Application` takes.
    static func builder(idleTimeout: TimeAmount?, readTimeout: TimeAmount?) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            TimedHTTP1Channel(responder: responder, idleTimeout: idleTimeout, readTimeout: readTimeout)
        }
    }
}
