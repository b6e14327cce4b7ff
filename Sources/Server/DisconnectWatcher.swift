import Hummingbird
import NIOCore

/// Cancels a generation when its client closes the connection before the answer is ready.
///
/// A non-streaming response writes nothing until the generation ends, so no write can fail early.
/// This handler sits first in the connection's pipeline for the length of one request and watches
/// for the end of the client's input (the server allows half-closure, so a hang-up arrives as
/// `inputClosed` rather than closing the channel) or the channel going inactive. A client that
/// half-closes its side on purpose and still waits for the answer is treated as gone, as llama.cpp's
/// server does.
final class DisconnectWatcher: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let flag: CancellationFlag

    private init(flag: CancellationFlag) { self.flag = flag }

    /// Runs `body` with `channel` watched for `flag`, which is set as soon as the client leaves
    /// (or at once if the watch cannot be installed: the channel is already gone).
    static func whileWatching<T>(_ channel: any Channel, flag: CancellationFlag, _ body: () async throws -> T) async throws -> T {
        let watcher = DisconnectWatcher(flag: flag)
        do {
            try await channel.pipeline.addHandler(watcher, position: .first).get()
        } catch {
            flag.cancel()
            return try await body()
        }
        // The client may have left before the handler was in place.
        if !channel.isActive { flag.cancel() }
        let result: Result<T, Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        try? await channel.pipeline.removeHandler(watcher).get()
        return try result.get()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { flag.cancel() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        flag.cancel()
        context.fireChannelInactive()
    }
}
