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
    static func forEachObject(of url: URL, progress: ((Int) -> Void)?,
                              _ body: (_ line: Int, _ object: Result<[String: JSONValue], ImportProblem>) throws -> Void) throws {
        let decoder = JSONDecoder()
        var bytes = 0
        var lastReport = 0
        try JSONLineReader.forEachLine(of: url) { number, data in
            bytes += data.count + 1
            if let progress, bytes - lastReport >= 1 << 20 { progress(bytes); lastReport = bytes }
            guard data.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
            try body(number, JSONValue.object(from: data, decoder: decoder))
        }
        progress?(bytes)
    }
}
