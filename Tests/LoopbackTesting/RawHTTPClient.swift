import Foundation

/// A deliberately small HTTP/1.1 client on blocking POSIX sockets, so tests control the wire:
/// they can stop reading mid-stream and hang up, or send bodies of any size. Each call runs on a
/// thread of its own (never on the cooperative pool), uses `Connection: close`, and reads one
/// response by its framing (Content-Length, chunked, or to the end), because some servers
/// (chromedriver) keep the connection open anyway.
public struct RawHTTPClient: Sendable {
    public let port: Int
    /// Seconds any single read or write may wait before the call fails (so a test cannot hang).
    public let timeoutSeconds: Int

    public init(port: Int, timeoutSeconds: Int = 120) {
        self.port = port
        self.timeoutSeconds = timeoutSeconds
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }
        public func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw ClientError("response is not a JSON object: \(text.prefix(200))")
            }
            return object
        }
        /// The `data:` payloads of a server-sent-event stream, in order.
        public var events: [String] {
            text.components(separatedBy: "\n\n").compactMap { block in
                block.hasPrefix("data: ") ? String(block.dropFirst(6)) : nil
            }
        }
    }

    public struct ClientError: Error, CustomStringConvertible {
        public let description: String
        public init(_ d: String) { description = d }
    }

    public func get(_ path: String, headers: [String: String] = [:]) async throws -> Response {
        try await send(method: "GET", path: path, body: nil, headers: headers)
    }

    public func post(_ path: String, json: [String: Any]) async throws -> Response {
        try await send(method: "POST", path: path, body: try JSONSerialization.data(withJSONObject: json))
    }

    public func post(_ path: String, raw: Data) async throws -> Response {
        try await send(method: "POST", path: path, body: raw)
    }

    public func send(method: String, path: String, body: Data?, headers: [String: String] = [:]) async throws -> Response {
        let request = request(method: method, path: path, body: body, headers: headers)
        return try await offThread { try exchange(request) }
    }

    /// One request and its response on this thread (blocking; for clients that are themselves off the pool).
    public func exchange(_ request: Data) throws -> Response {
        let socket = try Socket(port: port, timeoutSeconds: timeoutSeconds)
        defer { socket.close() }
        try socket.write(request)
        return try Self.parse(socket.readResponse())
    }

    /// Opens a server-sent-event stream (`GET path`); read it with ``EventStream/next(timeoutSeconds:)``.
    public func events(_ path: String) async throws -> EventStream {
        let request = request(method: "GET", path: path, body: nil, headers: ["Accept": "text/event-stream"])
        let port = port
        return try await offThread {
            let socket = try Socket(port: port, timeoutSeconds: 1)
            try socket.write(request)
            return EventStream(socket: socket)
        }
    }

    /// Starts a streaming request, reads until `bytes` bytes of the response arrived, waits for
    /// `release` (when given), then hangs up.
    public func postAndHangUp(_ path: String, json: [String: Any], afterBytes bytes: Int,
                              release: DispatchSemaphore? = nil) async throws -> String {
        let request = request(method: "POST", path: path, body: try JSONSerialization.data(withJSONObject: json))
        let (port, timeout) = (port, timeoutSeconds)
        return try await offThread {
            let socket = try Socket(port: port, timeoutSeconds: timeout)
            defer { socket.close() }
            try socket.write(request)
            let text = String(decoding: try socket.read(atLeast: bytes), as: UTF8.self)
            release?.wait()
            return text
        }
    }

    public func request(method: String, path: String, body: Data?, headers: [String: String] = [:]) -> Data {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        var data = Data((head + "\r\n").utf8)
        if let body { data.append(body) }
        return data
    }

    /// The head of a response (status and lower-cased header names) and where its body starts; nil until the head is complete.
    static func head(_ raw: Data) throws -> (status: Int, headers: [String: String], body: Data.Index)? {
        guard let split = raw.range(of: Data("\r\n\r\n".utf8)) else { return nil }
        let lines = String(decoding: raw[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw ClientError("bad status line \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers, split.upperBound)
    }

    public static func parse(_ raw: Data) throws -> Response {
        guard let (status, headers, start) = try head(raw) else {
            throw ClientError("no HTTP header in \(raw.count) bytes: \(String(decoding: raw.prefix(200), as: UTF8.self))")
        }
        var body = Data(raw[start...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            let (data, complete) = try dechunk(body)
            guard complete else { throw ClientError("chunked body ended without the last chunk") }
            body = data
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            body = body.prefix(length)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// The payload of the complete chunks in `data`, and whether the last (empty) chunk was among them.
    public static func dechunk(_ data: Data) throws -> (payload: Data, complete: Bool) {
        var out = Data()
        var index = data.startIndex
        while index < data.endIndex {
            guard let lineEnd = data[index...].range(of: Data("\r\n".utf8)) else { break }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw ClientError("bad chunk size '\(sizeText)'")
            }
            if size == 0 { return (out, true) }
            let start = lineEnd.upperBound
            guard data.endIndex >= start + size + 2 else { break }
            out.append(data[start..<(start + size)])
            index = start + size + 2
        }
        return (out, false)
    }
}
