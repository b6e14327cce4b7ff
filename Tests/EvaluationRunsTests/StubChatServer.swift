import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let streamSocket = Int32(SOCK_STREAM.rawValue)
#else
private let streamSocket = SOCK_STREAM
#endif

/// A tiny HTTP/1.1 server on a loopback socket that answers every POST with what `respond` makes
/// of it and keeps each request, so tests see exactly what a sampler sent and can make the server
/// fail on purpose. One connection at a time, `Connection: close`.
final class StubChatServer: @unchecked Sendable {
    struct Request {
        var path: String
        var headers: [String: String]
        var body: [String: Any]
    }

    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var kept: [Request] = []
    private let respond: @Sendable (Int, [String: Any]) -> (status: Int, body: String)

    /// `respond(index, body)` answers the index-th request (from 0).
    init(respond: @escaping @Sendable (Int, [String: Any]) -> (status: Int, body: String)) throws {
        self.respond = respond
        let listener = socket(AF_INET, streamSocket, 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard bound, listen(listener, 16) == 0 else { throw CocoaError(.fileWriteUnknown) }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in serve() }
    }

    var requests: [Request] { lock.lock(); defer { lock.unlock() }; return kept }

    func stop() { shutdown(listener, Int32(SHUT_RDWR)); _ = close(listener) }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            handle(connection)
            _ = close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        func readMore() -> Bool {
            let n = read(connection, &buffer, buffer.count)
            if n > 0 { data.append(buffer, count: n) }
            return n > 0
        }
        let separator = Data("\r\n\r\n".utf8)
        while data.range(of: separator) == nil { guard readMore() else { return } }
        let headEnd = data.range(of: separator)!
        let head = String(decoding: data[..<headEnd.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while data.count - headEnd.upperBound < length { guard readMore() else { return } }
        let body = (try? JSONSerialization.jsonObject(with: data[headEnd.upperBound..<headEnd.upperBound + length])) as? [String: Any] ?? [:]
        let path = head.first?.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        lock.lock()
        let index = kept.count
        kept.append(Request(path: path, headers: headers, body: body))
        lock.unlock()
        let (status, text) = respond(index, body)
        let payload = Data(text.utf8)
        let response = "HTTP/1.1 \(status) Stub\r\nContent-Type: application/json\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n\r\n"
        let bytes = Data(response.utf8) + payload
        _ = bytes.withUnsafeBytes { write(connection, $0.baseAddress, bytes.count) }
    }

    /// A chat completion answering with `text`, its per-token log-probs (none: no `logprobs` field)
    /// and `finish_reason`.
    static func completion(_ text: String, logprobs: [Double]?, finishReason: String = "stop") -> String {
        var choice: [String: Any] = ["index": 0, "message": ["role": "assistant", "content": text], "finish_reason": finishReason]
        if let logprobs { choice["logprobs"] = ["content": logprobs.map { ["token": "t", "logprob": $0, "top_logprobs": [Any]()] }] }
        let object: [String: Any] = ["id": "chatcmpl-stub", "object": "chat.completion", "choices": [choice],
                                     "usage": ["prompt_tokens": 5, "completion_tokens": logprobs?.count ?? 3, "total_tokens": 8]]
        return String(decoding: (try? JSONSerialization.data(withJSONObject: object)) ?? Data(), as: UTF8.self)
    }
}
