import Base
import Embeddings
import Evaluation
import Foundation

/// `evaluate diversity` as a library: the diversity of given samples per prompt and their corpus
/// means with bootstrap 95% intervals (docs/methods.md §10, docs/formats.md §4.9). Prompts are
/// embedded and measured a step at a time; with an output file, each finished prompt is appended
/// to its partial file (`NAME.partial.jsonl`), which a rerun resumes from and which is removed
/// once the output is written. Prompts with fewer than two samples have null metrics.
public struct DiversityEvaluation {
    /// One input line: a prompt and its samples.
    public struct Entry: Hashable, Sendable {
        public var line: Int
        public var prompt: String
        public var samples: [String]

        public init(line: Int, prompt: String, samples: [String]) {
            self.line = line
            self.prompt = prompt
            self.samples = samples
        }
    }

    public var entries: [Entry]
    /// Where the result goes (atomically); nil = not written, nothing to resume.
    public var output: URL?
    public var compat: DiversityCompat = .intended
    public var resamples = 1000
    public var seed: UInt64 = 0
    public var promptsPerStep = 16
    /// The embedders' names as the report records them (``EmbeddingSpaces``), nil when unknown.
    public var spaceNames: (semantic: String, style: String, matchesPaper: Bool)?

    public init(entries: [Entry], output: URL? = nil) {
        self.entries = entries
        self.output = output
    }

    /// What the evaluation found, and how many prompts came from the partial file.
    public struct Result {
        public var report: DiversityReport
        public var resumed: Int
    }

    /// Reads `{"prompt": str, "samples": [str, …]}` lines (an evaluation run's samples.jsonl qualifies).
    public static func read(_ url: URL) throws -> [Entry] {
        try JSONLines.rows(of: url).map { row in
            Entry(line: row.line, prompt: try row.string("prompt"), samples: try row.strings("samples"))
        }
    }

    /// `out.json` → `out.partial.jsonl` (beside it).
    public static func partialFile(for output: URL) -> URL {
        output.deletingPathExtension().appendingPathExtension("partial.jsonl")
    }

    public var partialFile: URL? { output.map(Self.partialFile) }

    /// Measures every prompt not in the partial file. `embedders` is called only when some prompt
    /// still needs measuring, so a finished run loads no model.
    public func run(embedders: () throws -> (semantic: TextEmbedder, style: TextEmbedder),
                    events: (EvaluationEvent) -> Void = { _ in }) throws -> Result {
        var rows = try resumedRows()
        let resumed = rows.compactMap { $0 }.count
        let pending = entries.indices.filter { rows[$0] == nil }
        if !pending.isEmpty {
            let (semantic, style) = try embedders()
            let log = try partialFile.map { try JSONLinesLog(url: $0) }
            events(.started(.measure, total: pending.count))
            for start in stride(from: 0, to: pending.count, by: promptsPerStep) {
                let step = Array(pending[start..<min(pending.count, start + promptsPerStep)])
                for (index, var row) in zip(step, try measure(step.map { entries[$0] }, semantic: semantic, style: style)) {
                    row.index = index
                    try log?.append(encodable: row)
                    rows[index] = row
                }
                events(.advanced(.measure, count: step.count, tokensPerSecond: nil))
            }
            events(.finished(.measure))
        }
        var report = try DiversityReport(rows: rows.compactMap { $0 }, resamples: resamples, seed: seed)
        if let spaceNames {
            report.embedder = spaceNames.semantic
            report.styleEmbedder = spaceNames.style
            report.embeddersMatchPaper = spaceNames.matchesPaper
        }
        if let output {
            try AtomicFile.write(try report.json(), to: output)
            if let partialFile { try? FileManager.default.removeItem(at: partialFile) }
        }
        return Result(report: report, resumed: resumed)
    }

    /// Rows of an earlier, interrupted run. A row whose prompt differs from the input's at its
    /// index means the file belongs to other input: an error.
    func resumedRows() throws -> [PromptDiversityRow?] {
        var rows = [PromptDiversityRow?](repeating: nil, count: entries.count)
        guard let partialFile else { return rows }
        for (line, row) in try ResumableLog.records(PromptDiversityRow.self, in: partialFile) {
            guard let index = row.index, entries.indices.contains(index), row.prompt == entries[index].prompt else {
                throw FileError(path: partialFile.path, line: line,
                                reason: "does not match the input (another run's partial results?); delete it to start afresh")
            }
            rows[index] = row
        }
        return rows
    }

    /// Rows of a few prompts: their samples embedded together, then measured in parallel.
    func measure(_ step: [Entry], semantic: TextEmbedder, style: TextEmbedder) throws -> [PromptDiversityRow] {
        let measured = step.filter { $0.samples.count >= 2 }
        let texts = measured.flatMap(\.samples)
        let semanticVectors = try texts.isEmpty ? [] : semantic.checkedEmbed(texts, role: "semantic")
        let styleVectors = try texts.isEmpty ? [] : style.checkedEmbed(texts, role: "style")
        var semanticSets: [[[Float]]] = [], styleSets: [[[Float]]] = []
        var offset = 0
        for entry in measured {
            let range = offset..<(offset + entry.samples.count)
            semanticSets.append(Array(semanticVectors[range]))
            styleSets.append(Array(styleVectors[range]))
            offset = range.upperBound
        }
        var metrics = try DiversityMetrics.compute(prompts: measured.map(\.samples), semanticEmbeddings: semanticSets,
                                                   styleEmbeddings: styleSets, compat: compat).makeIterator()
        return step.map { entry in
            var diversity: [DiversityMetric: Double] = [:]
            if entry.samples.count >= 2, let measured = metrics.next() {
                for metric in DiversityMetric.allCases { diversity[metric] = measured.value(metric) }
            }
            return PromptDiversityRow(prompt: entry.prompt, samples: entry.samples.count, diversity: diversity)
        }
    }
}
