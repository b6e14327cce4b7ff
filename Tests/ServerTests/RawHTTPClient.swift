import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A deliberately small HTTP/1.1 client on blocking POSIX sockets, so tests control the wire:
/// they can stop reading mid-stream and hang up, or send bodies of any size. Each call runs on a
/// Dispatch thread (never on the cooperative pool) and uses `Connection: close`.
struct RawHTTPClient {
    let port: Int

    struct Response {
        var status: Int
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw ClientError("response is not a JSON object: \(text.prefix(200))")
            }
            return object
        }
        /// The `data:` payloads of a server-sent-event stream, in order.
        var events: [String] {
            text.components(separatedBy: "\n\n").compactMap { block in
                block.hasPrefix("data: ") ? String(block.dropFirst(6)) : nil
            }
        }
    }

    struct ClientError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> Response {
        try await send(method: "GET", path: path, body: nil, headers: headers)
    }

    func post(_ path: String, json: [String: Any]) async throws -> Response {
        try await send(method: "POST", path: path, body: try JSONSerialization.data(withJSONObject: json))
    }

    func post(_ path: String, raw: Data) async throws -> Response {
        try await send(method: "POST", path: path, body: raw)
    }

    func send(method: String, path: String, body: Data?, headers: [String: String] = [:]) async throws -> Response {
        try await onThread {
            let socket = try Socket(port: port)
            defer { socket.close() }
            try socket.write(request(method: method, path: path, body: body, headers: headers))
            return try Self.parse(socket.readToEnd())
        }
    }

    /// Starts a streaming request, reads until `bytes` bytes of the response arrived, waits for
    /// `release` (when given), then hangs up.
    func postAndHangUp(_ path: String, json: [String: Any], afterBytes bytes: Int,
                       release: DispatchSemaphore? = nil) async throws -> String {
        let body = try JSONSerialization.data(withJSONObject: json)
        return try await onThread {
            let socket = try Socket(port: port)
            defer { socket.close() }
            try socket.write(request(method: "POST", path: path, body: body))
            let text = String(decoding: try socket.read(atLeast: bytes), as: UTF8.self)
            release?.wait()
            return text
        }
    }

    private func request(method: String, path: String, body: Data?, headers: [String: String] = [:]) -> Data {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        var data = Data((head + "\r\n").utf8)
        if let body { data.append(body) }
        return data
    }

    private func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }

    static func parse(_ raw: Data) throws -> Response {
        guard let split = raw.range(of: Data("\r\n\r\n".utf8)) else {
            throw ClientError("no HTTP header in \(raw.count) bytes: \(String(decoding: raw.prefix(200), as: UTF8.self))")
        }
        let lines = String(decoding: raw[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw ClientError("bad status line \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(raw[split.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = try dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: Data) throws -> Data {
        var out = Data()
        var index = data.startIndex
        while index < data.endIndex {
            guard let lineEnd = data[index...].range(of: Data("\r\n".utf8)) else { throw ClientError("truncated chunk header") }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw ClientError("bad chunk size '\(sizeText)'")
            }
            if size == 0 { return out }
            let start = lineEnd.upperBound
            guard data.endIndex >= start + size else { throw ClientError("truncated chunk") }
            out.append(data[start..<(start + size)])
            index = start + size + 2
        }
        throw ClientError("chunked body ended without the last chunk")
    }
}

/// A connected loopback TCP socket with a receive timeout (so a broken server fails the test
/// instead of hanging it).
final class Socket {
    private var fd: Int32

    init(port: Int, timeoutSeconds: Int = 120) throws {
        #if canImport(Glibc)
        fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        fd = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw RawHTTPClient.ClientError("socket() failed: errno \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var noSigPipe: Int32 = 1
        #if canImport(Darwin)
        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &noSigPipe, socklen_t(MemoryLayout<Int32>.size))
        #endif
        _ = noSigPipe
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let e = errno
            _ = closeFD()
            throw RawHTTPClient.ClientError("connect to port \(port) failed: errno \(e)")
        }
    }

    func write(_ data: Data) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                #if canImport(Glibc)
                let n = send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                #else
                let n = send(fd, buffer.baseAddress! + offset, buffer.count - offset, 0)
                #endif
                guard n > 0 else { throw RawHTTPClient.ClientError("send failed after \(offset) bytes: errno \(errno)") }
                offset += n
            }
        }
    }

    func readToEnd() throws -> Data {
        try read(atLeast: .max)
    }

    /// Reads until EOF or until at least `count` bytes arrived.
    func read(atLeast count: Int) throws -> Data {
        var out = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while out.count < count {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { break }
            guard n > 0 else { throw RawHTTPClient.ClientError("recv failed (errno \(errno)) after \(out.count) bytes") }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    /// Whether the server closed (or reset) the connection within `seconds`; bytes it sends meanwhile are dropped.
    func closedByPeer(within seconds: Double) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = end.timeIntervalSinceNow
            guard left > 0 else { return false }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Int32(left * 1000) + 1)
            if ready < 0 && errno != EINTR { return true }
            if ready > 0 && recv(fd, &buffer, buffer.count, 0) <= 0 { return true }
        }
    }

    /// Sends `data` one byte every `interval` seconds; returns the seconds until the server closed the
    /// connection, or nil when all of it went through with the connection still open.
    func trickle(_ data: Data, every interval: Double) -> Double? {
        let start = Date()
        for byte in data {
            guard (try? write(Data([byte]))) != nil, !closedByPeer(within: interval) else { return Date().timeIntervalSince(start) }
        }
        return nil
    }

    func close() { _ = closeFD() }

    private func closeFD() -> Int32 {
        guard fd >= 0 else { return 0 }
        #if canImport(Glibc)
        let r = Glibc.close(fd)
        #else
        let r = Darwin.close(fd)
        #endif
        fd = -1
        return r
    }
}
