import Foundation

/// Reads JSON Lines: one value per line, `\n` or `\r\n` line ends, blank lines skipped. Every
/// error names the file and the 1-based line (docs/formats.md §1).
public enum JSONLines {
    /// Calls `body` with each non-blank line's bytes (a trailing CR dropped). The file is read in
    /// 1 MiB chunks split with `memchr`; `progress` gets the bytes read so far.
    public static func forEachLine(of url: URL, progress: ((Int) -> Void)? = nil,
                                   _ body: (_ line: Int, _ bytes: Data) throws -> Void) throws {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw FileError(path: url.path, reason: "cannot read the file (\(error.localizedDescription))")
        }
        defer { try? handle.close() }
        var pending = Data()
        var number = 0
        var bytesRead = 0
        func emit(_ line: Data) throws {
            number += 1
            var line = line
            if line.last == 0x0D { line.removeLast() }
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return }
            try body(number, line)
        }
        while true {
            let chunk: Data
            do { chunk = try handle.readChunk() } catch {
                throw FileError(path: url.path, reason: "cannot read the file (\(error.localizedDescription))")
            }
            if chunk.isEmpty { break }
            bytesRead += chunk.count
            var lines: [Data] = []
            chunk.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                guard let base = raw.baseAddress else { return }
                var start = 0
                while start < raw.count, let hit = memchr(base + start, 0x0A, raw.count - start) {
                    let end = base.distance(to: UnsafeRawPointer(hit))
                    if pending.isEmpty {
                        lines.append(Data(bytes: base + start, count: end - start))
                    } else {
                        pending.append(base.advanced(by: start).assumingMemoryBound(to: UInt8.self), count: end - start)
                        lines.append(pending)
                        pending = Data()
                    }
                    start = end + 1
                }
                pending.append(base.advanced(by: start).assumingMemoryBound(to: UInt8.self), count: raw.count - start)
            }
            for line in lines { try emit(line) }
            progress?(bytesRead)
        }
        if !pending.isEmpty { try emit(pending) }
    }

    /// Every non-blank line as a JSON object. Invalid UTF-8, malformed JSON and values that are
    /// not objects are errors naming the line.
    public static func rows(of url: URL) throws -> [JSONLinesRow] {
        var rows: [JSONLinesRow] = []
        let decoder = JSONDecoder()
        try forEachLine(of: url) { number, bytes in
            rows.append(try JSONLinesRow(path: url.path, line: number, bytes: bytes, decoder: decoder))
        }
        return rows
    }

    /// Every non-blank line decoded as `T`; a field of the wrong type or a missing field is an
    /// error naming the line and the field.
    public static func read<T: Decodable>(_ type: T.Type, from url: URL) throws -> [T] {
        var records: [T] = []
        let decoder = JSONDecoder()
        try forEachLine(of: url) { number, bytes in
            guard String(data: bytes, encoding: .utf8) != nil else {
                throw FileError(path: url.path, line: number, reason: "invalid UTF-8")
            }
            do { records.append(try decoder.decode(T.self, from: bytes)) } catch let error as DecodingError {
                throw FileError(path: url.path, line: number, reason: error.readableDescription)
            }
            if let key = JSONDuplicateKeys.first(in: bytes) {
                throw FileError(path: url.path, line: number, field: key, reason: "appears twice in one object")
            }
        }
        return records
    }
}
