import NIOCore
import NIOHTTP1

/// Closes a connection whose request body has not fully arrived `timeout` after its head, so that a
/// client trickling its body (a byte a second) cannot hold a connection forever. Slow heads and
/// silent connections are the idle timeout's (docs/formats.md §5.4): Hummingbird counts only whole
/// HTTP parts as activity, so a head that never completes ends when that runs out.
///
/// It sits right after the HTTP/1 decoder and so sees NIOHTTP1's request parts.
final class RequestReadTimeout: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            deadline?.cancel()
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { context.close(promise: nil) }
        case .body:
            break
        case .end:
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }
}

@available(*, unavailable)
extension RequestReadTimeout: Sendable {}
