import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connected loopback TCP socket with a receive timeout (so a broken server fails the test
/// instead of hanging it).
public final class Socket: @unchecked Sendable {
    private var fd: Int32

    public init(port: Int, timeoutSeconds: Int = 120) throws {
        #if canImport(Glibc)
        fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        fd = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw RawHTTPClient.ClientError("socket() failed: errno \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
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

    public func write(_ data: Data) throws {
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

    public func readToEnd() throws -> Data {
        try read(atLeast: .max)
    }

    /// Reads until EOF or until at least `count` bytes arrived.
    public func read(atLeast count: Int) throws -> Data {
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

    /// One HTTP response: the head, then the body by its framing (Content-Length bytes, chunks up to
    /// the last one, or everything to the end of the connection).
    public func readResponse() throws -> Data {
        var out = Data()
        while true {
            if let (_, headers, start) = try RawHTTPClient.head(out) {
                if let length = headers["content-length"].flatMap({ Int($0) }), out.count - start >= length { return out }
                if headers["transfer-encoding"]?.lowercased() == "chunked", try RawHTTPClient.dechunk(Data(out[start...])).complete { return out }
            }
            guard let more = try readAvailable() else {
                throw RawHTTPClient.ClientError("no response within the socket's timeout (\(out.count) bytes so far)")
            }
            if more.isEmpty { return out }
            out.append(more)
        }
    }

    /// What one `recv` brings: nil when the receive timeout passed first, empty at the end of the connection.
    public func readAvailable() throws -> Data? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &buffer, buffer.count, 0)
        if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return nil }
        guard n >= 0 else { throw RawHTTPClient.ClientError("recv failed (errno \(errno))") }
        return Data(buffer[0..<n])
    }

    /// Whether the server closed (or reset) the connection within `seconds`; bytes it sends meanwhile are dropped.
    public func closedByPeer(within seconds: Double) -> Bool {
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
    public func trickle(_ data: Data, every interval: Double) -> Double? {
        let start = Date()
        for byte in data {
            guard (try? write(Data([byte]))) != nil, !closedByPeer(within: interval) else { return Date().timeIntervalSince(start) }
        }
        return nil
    }

    public func close() { _ = closeFD() }

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
