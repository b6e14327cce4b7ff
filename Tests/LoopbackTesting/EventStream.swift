import Foundation

/// The reading end of a server-sent-event response (``RawHTTPClient/events(_:)``): each
/// ``next(timeoutSeconds:)`` returns the next event, so a test can act between events.
public final class EventStream: @unchecked Sendable {
    public struct Event: Sendable, Equatable {
        /// The `event:` field (`message` when there is none) and the `data:` lines joined by newlines.
        public var name: String
        public var data: String
    }

    private let socket: Socket
    private var raw = Data()
    /// Events already taken from the decoded body.
    private var consumed = 0
    public private(set) var status: Int?
    public private(set) var headers: [String: String] = [:]

    init(socket: Socket) { self.socket = socket }

    deinit { socket.close() }

    /// The next event; an error when none is complete within `timeoutSeconds` or the server hung up.
    public func next(timeoutSeconds: Double = 30) async throws -> Event {
        try await offThread { try self.read(timeoutSeconds: timeoutSeconds) }
    }

    private func read(timeoutSeconds: Double) throws -> Event {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            if let event = try parsed().dropFirst(consumed).first {
                consumed += 1
                return event
            }
            guard Date() < deadline else {
                throw RawHTTPClient.ClientError("no server-sent event within \(timeoutSeconds) s (\(raw.count) bytes so far)")
            }
            guard let more = try socket.readAvailable() else { continue }
            guard !more.isEmpty else { throw RawHTTPClient.ClientError("the server closed the event stream after \(consumed) events") }
            raw.append(more)
        }
    }

    /// Every complete event in what arrived so far (comments and the final partial event left out).
    private func parsed() throws -> [Event] {
        guard let (status, headers, start) = try RawHTTPClient.head(raw) else { return [] }
        self.status = status
        self.headers = headers
        var body = Data(raw[start...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = try RawHTTPClient.dechunk(body).payload }
        var blocks = String(decoding: body, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
        blocks.removeLast()  // not yet terminated by a blank line
        return blocks.compactMap { block in
            var name = "message", data: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("event:") { name = line.dropFirst(6).trimmingCharacters(in: .whitespaces) }
                if line.hasPrefix("data:") { data.append(String(line.dropFirst(line.hasPrefix("data: ") ? 6 : 5))) }
            }
            return data.isEmpty ? nil : Event(name: name, data: data.joined(separator: "\n"))
        }
    }

    public func close() { socket.close() }
}
