import Base
import Foundation

/// Reads back an append-only JSON Lines log that a run resumes from (`samples.jsonl`, the partial
/// file of `evaluate diversity`). A run killed while appending leaves at most one torn line: the
/// last, with no line end after it. It is cut off the file, so the next append starts a fresh
/// line, and the prompt it held is simply done again (issue 23). A last line that is whole but
/// lacks its line end gets one. Any other bad line is an error naming the file and line.
enum ResumableLog {
    /// The records of `url` with their 1-based line numbers (none when the file does not exist).
    static func records<T: Decodable>(_ type: T.Type, in url: URL) throws -> [(line: Int, record: T)] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        try repairTail(url, as: type)
        var records: [(line: Int, record: T)] = []
        let decoder = JSONDecoder()
        try JSONLines.forEachLine(of: url) { line, bytes in
            do { records.append((line, try decoder.decode(T.self, from: bytes))) } catch let error as DecodingError {
                throw FileError(path: url.path, line: line, reason: error.readableDescription)
            }
        }
        return records
    }

    /// Drops a torn last line, or ends a whole one.
    static func repairTail<T: Decodable>(_ url: URL, as type: T.Type) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FileError(path: url.path, reason: "cannot read the file (\(error.localizedDescription))")
        }
        guard let last = data.last, last != 0x0A else { return }
        let tailStart = (data.lastIndex(of: 0x0A) ?? data.startIndex - 1) + 1
        let tail = data[tailStart...]
        do {
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            if (try? JSONDecoder().decode(T.self, from: tail)) != nil {
                try handle.seekToEnd()
                try handle.write(contentsOf: Data("\n".utf8))
            } else {
                try handle.truncate(atOffset: UInt64(tailStart - data.startIndex))
            }
        } catch {
            throw FileError(path: url.path, reason: "cannot repair its cut-off last line (\(error.localizedDescription))")
        }
    }
}
