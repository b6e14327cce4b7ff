import Base
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

extension JSONLines {
    /// Calls `body` with each non-blank line parsed as an object, or the problem that makes it
    /// none (the importers skip such lines and list them; see ``forEachLine(of:progress:_:)``).
    static func forEachObject(of url: URL, progress: ((Int) -> Void)?,
                              _ body: (_ line: Int, _ object: Result<[String: JSONValue], ImportProblem>) throws -> Void) throws {
        let decoder = JSONDecoder()
        try forEachLine(of: url, progress: progress) { number, line in
            try body(number, JSONValue.object(from: line, decoder: decoder))
        }
    }
}
