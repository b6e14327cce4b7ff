import Foundation

/// The bookkeeping every importer shares: grouping, skipping or throwing on bad records, the summary.
struct ImportSession {
    let file: String
    let options: ImportOptions
    var grouper = PromptGrouper()
    var summary = ImportSummary()

    init(file: String, options: ImportOptions) throws {
        try options.validate()
        self.file = file; self.options = options
    }

    /// Records a bad record: skipped under `skipInvalid`, otherwise thrown.
    mutating func reject(_ problem: ImportError) throws {
        guard options.skipInvalid else { throw problem }
        summary.skipped.append(problem.skipped)
    }

    mutating func reject(_ problem: ImportProblem, line: Int, column: Int? = nil) throws {
        try reject(ImportError(file: file, line: line, column: column, field: problem.field, reason: problem.reason))
    }

    /// Adds one response; Reddit-style non-stories are counted and dropped when `dropRemoved`.
    mutating func add(prompt: String, response: String, score: Double, line: Int, dropRemoved: Bool) {
        if dropRemoved && ImportText.isRemoved(response) { summary.removedResponses += 1; return }
        let prompt = options.stripTag ? ImportText.strippingTag(prompt) : prompt
        grouper.add(prompt: prompt, response: response, score: score, line: line)
    }

    /// The grouped dataset and the completed summary.
    func finish() -> ImportResult {
        let (prompts, below) = grouper.finish(minimumResponses: options.minimumResponses)
        var summary = summary
        summary.duplicateResponses = grouper.duplicates
        summary.promptsBelowMinimum = below
        summary.prompts = prompts.count
        summary.responses = prompts.reduce(0) { $0 + $1.responses.count }
        summary.skipped.sort { $0.line < $1.line }
        return ImportResult(dataset: PreferenceDataset(prompts: prompts, skipped: summary.skipped), summary: summary)
    }
}

/// JSON Lines with the byte count consumed so far (for progress bars).
enum JSONLines {
    /// Calls `body` with each non-blank line parsed as an object (see ``forEachLine(of:progress:_:)``).
    /// Lines are split with `memchr` on 1 MiB chunks; only a line crossing a chunk boundary is copied twice.
    static func forEachObject(of url: URL, progress: ((Int) -> Void)?,
                              _ body: (_ line: Int, _ object: Result<[String: JSONValue], ImportProblem>) throws -> Void) throws {
        let decoder = JSONDecoder()
        try forEachLine(of: url, progress: progress) { number, line in
            try body(number, JSONValue.object(from: line, decoder: decoder))
        }
    }

    /// Calls `body` with each non-blank line's bytes (1-based number; a trailing CR dropped).
    static func forEachLine(of url: URL, progress: ((Int) -> Void)?, _ body: (_ line: Int, _ bytes: Data) throws -> Void) throws {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw PreferenceError.unreadable(file: url.path, reason: error.localizedDescription)
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
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw PreferenceError.unreadable(file: url.path, reason: error.localizedDescription)
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
}
