import Hummingbird
import NIOCore

/// The request context of the server: Hummingbird's basic one plus the connection, so that a
/// non-streaming request can notice its client hanging up (a streaming one notices on its next write).
public struct ServerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
