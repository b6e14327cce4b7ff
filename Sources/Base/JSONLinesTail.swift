import Foundation

/// Follows a JSON Lines file that another process is still appending to (a training run's
/// `metrics.jsonl`; docs/formats.md §4.5.3). Each ``read()`` returns the lines completed since the
/// last one:
///
/// - a last line without its `\n` (being written, or cut off by a kill) is left for a later read,
///   so everything before the cut is seen and nothing half-written is;
/// - a file that was replaced or became shorter (a resumed run rewrites its logs atomically, cut
///   back to the checkpoint) is read again from the start, and the update says so;
/// - a complete line that is not a JSON object is reported as an error naming the file and line,
///   and the lines after it are still read.
public final class JSONLinesTail {
    public struct Update {
        public var rows: [JSONLinesRow] = []
        public var errors: [FileError] = []
        /// The file was replaced or cut back: `rows` start from its first line again.
        public var restarted = false
    }

    public let url: URL
    private var offset: UInt64 = 0
    private var lineNumber = 0
    private var fileNumber: UInt64?

    public init(url: URL) { self.url = url }

    public func read() throws -> Update {
        var update = Update()
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        let number = (attributes?[.systemFileNumber] as? NSNumber)?.uint64Value
        let size = (attributes?[.size] as? NSNumber)?.uint64Value ?? 0
        if number != fileNumber || size < offset {
            update.restarted = fileNumber != nil || offset > 0
            (offset, lineNumber, fileNumber) = (0, 0, number)
        }
        guard attributes != nil, size > offset else { return update }
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw FileError(path: url.path, reason: "cannot read the file (\(error.localizedDescription))")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            try handle.seek(toOffset: offset)
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw FileError(path: url.path, reason: "cannot read the file (\(error.localizedDescription))")
        }
        guard let lastNewline = data.lastIndex(of: 0x0A) else { return update }
        let complete = data[data.startIndex...lastNewline]
        offset += UInt64(complete.count)
        for var line in complete.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            lineNumber += 1
            if line.last == 0x0D { line = line.dropLast() }
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { continue }
            do { update.rows.append(try JSONLinesRow(path: url.path, line: lineNumber, bytes: Data(line))) } catch let error as FileError {
                update.errors.append(error)
            }
        }
        return update
    }
}
