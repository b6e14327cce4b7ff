import Base
import Embeddings
import Evaluation
import Foundation

/// One evaluation run (docs/methods.md §9): sample every prompt `samplesPerPrompt` times, keeping
/// each prompt's samples in `samples.jsonl` as soon as they exist (a rerun resumes from them,
/// refused when `sample_settings.json` says they were drawn with other settings);
/// optionally score every sample with a reward model; embed every sample in the semantic and
/// style spaces; measure quality and diversity per prompt with bootstrap intervals; write
/// `metrics.json` and `prompt_metrics.jsonl` (docs/formats.md §4.8). Reports are rendered from
/// the result by the caller.
public struct EvaluationRun {
    public var prompts: [String]
    public var samplesPerPrompt: Int
    public var seeds: SeedScheme
    /// The run's name in reports.
    public var name: String
    /// The run folder.
    public var output: URL
    public var generator: any SampleGenerator
    /// Quality by reward; nil = mean log-prob per token.
    public var scorer: (any SampleScorer)?
    public var spaces: EmbeddingSpaces
    /// Texts per embedding call (the progress granularity; vectors do not depend on it).
    public var embeddingBatch = 64

    public init(prompts: [String], samplesPerPrompt: Int, seeds: SeedScheme, name: String, output: URL,
                generator: any SampleGenerator, scorer: (any SampleScorer)? = nil, spaces: EmbeddingSpaces) {
        self.prompts = prompts
        self.samplesPerPrompt = samplesPerPrompt
        self.seeds = seeds
        self.name = name
        self.output = output
        self.generator = generator
        self.scorer = scorer
        self.spaces = spaces
    }

    /// What a finished run measured.
    public struct Result {
        /// Every prompt's samples (with rewards when a scorer was given), in prompt order.
        public var records: [SampleRecord]
        public var metrics: RunMetrics
        public var promptMetrics: [PromptMetrics]
    }

    public var samplesFile: URL { output.appendingPathComponent(SampleRecord.fileName) }

    public func run(events: (EvaluationEvent) -> Void = { _ in }) throws -> Result {
        var records = try resumedRecords()
        let pending = prompts.indices.filter { records[$0] == nil }
        try sample(pending, into: &records, events: events)
        var finished = prompts.indices.compactMap { records[$0] }
        if let scorer { finished = try score(finished, with: scorer, events: events) }
        return try measure(finished, events: events)
    }

    /// Reads the prompts of a prompts file (`{"prompt": str}` per line), the first `limit` if given.
    public static func readPrompts(_ url: URL, limit: Int? = nil) throws -> [String] {
        let prompts = try JSONLines.read(PromptRecord.self, from: url).map(\.prompt)
        return limit.map { Array(prompts.prefix($0)) } ?? prompts
    }

    // MARK: - Steps

    /// The settings this run's samples are drawn with (``SampleSettings``): the generator's, the
    /// seed and the seed scheme.
    public var settings: SampleSettings {
        SampleSettings(generator.settings.merging(["seed": "\(seeds.base)", "seed_scheme": SeedScheme.formula]) { $1 })
    }

    /// Records of an earlier (possibly interrupted) run in this folder, checked against this
    /// run's settings, prompts and samples per prompt. Records past the prompts (a smaller limit)
    /// stay on disk but are not measured. A folder without samples gets this run's settings; one
    /// whose samples predate recorded settings resumes unchecked.
    func resumedRecords() throws -> [Int: SampleRecord] {
        let logged = try ResumableLog.records(SampleRecord.self, in: samplesFile)
        if logged.isEmpty {
            try settings.write(to: output)
        } else if let recorded = try SampleSettings.load(from: output) {
            let differences = recorded.differences(given: settings)
            guard differences.isEmpty else { throw SampleSettingsConflict(folder: output.path, differences: differences) }
        }
        var records: [Int: SampleRecord] = [:]
        for (line, record) in logged {
            func mismatch(_ reason: String) -> FileError { FileError(path: samplesFile.path, line: line, reason: reason) }
            guard record.promptIndex >= 0 else { throw mismatch("prompt_index \(record.promptIndex) is negative") }
            guard record.promptIndex < prompts.count else { continue }
            guard record.prompt == prompts[record.promptIndex] else {
                throw mismatch("prompt \(record.promptIndex) is not this run's prompt \(record.promptIndex) (other prompts?); use another --output")
            }
            guard record.samples.count == samplesPerPrompt else {
                throw mismatch("\(record.samples.count) samples, but this run takes \(samplesPerPrompt) per prompt; use another --output")
            }
            records[record.promptIndex] = record
        }
        return records
    }

    /// Samples the `pending` prompts together (the generator batches across them) and appends
    /// each one's record to `samples.jsonl` in prompt order: a prompt finished before an earlier
    /// one waits in memory for it, so the file is the same for any batching and a killed run
    /// leaves a prefix of it.
    func sample(_ pending: [Int], into records: inout [Int: SampleRecord], events: (EvaluationEvent) -> Void) throws {
        guard !pending.isEmpty else { return events(.sampled(prompts: 0, tokens: 0)) }
        let log = try JSONLinesLog(url: samplesFile)
        events(.started(.sample, total: pending.count))
        let start = Date()
        var tokens = 0
        var waiting: [Int: SampleRecord] = [:]
        var written = 0
        let requests = pending.map { PromptToSample(prompt: prompts[$0], firstSeed: seeds.firstSeed(prompt: $0)) }
        try generator.sample(requests, count: samplesPerPrompt) { k, samples in
            let index = pending[k]
            waiting[k] = SampleRecord(promptIndex: index, prompt: prompts[index], samples: samples.map(\.text),
                                      tokens: samples.map(\.tokens), logprobPerToken: samples.map(\.logprobPerToken),
                                      finishReasons: samples.map(\.finishReason))
            while let record = waiting.removeValue(forKey: written) {
                try log.append(encodable: record)
                records[record.promptIndex] = record
                written += 1
                tokens += record.tokens.reduce(0, +)
                events(.advanced(.sample, count: 1, tokensPerSecond: Double(tokens) / max(Date().timeIntervalSince(start), 1e-9)))
            }
        }
        guard written == pending.count else {
            throw FileError(path: samplesFile.path, reason: "the generator returned \(written) of \(pending.count) prompts' samples")
        }
        events(.finished(.sample))
        events(.sampled(prompts: pending.count, tokens: tokens))
    }

    /// Every sample's score (recomputed at each measurement, never stored in samples.jsonl).
    func score(_ records: [SampleRecord], with scorer: any SampleScorer, events: (EvaluationEvent) -> Void) throws -> [SampleRecord] {
        events(.started(.reward, total: records.reduce(0) { $0 + $1.samples.count }))
        defer { events(.finished(.reward)) }
        return try records.map { record in
            var scored = record
            scored.rewards = try record.samples.map { text in
                defer { events(.advanced(.reward, count: 1, tokensPerSecond: nil)) }
                return try scorer.score(prompt: record.prompt, response: text)
            }
            return scored
        }
    }

    /// Embeds every sample in both spaces, splits the vectors back per prompt, measures, writes.
    func measure(_ records: [SampleRecord], events: (EvaluationEvent) -> Void) throws -> Result {
        let texts = records.flatMap(\.samples)
        events(.started(.embed, total: 2 * texts.count))
        func embedAll(_ embedder: TextEmbedder, role: String) throws -> [[[Float]]] {
            var vectors: [[Float]] = []
            for start in stride(from: 0, to: texts.count, by: embeddingBatch) {
                let batch = Array(texts[start..<min(start + embeddingBatch, texts.count)])
                vectors += try embedder.checkedEmbed(batch, role: role)
                events(.advanced(.embed, count: batch.count, tokensPerSecond: nil))
            }
            var offset = 0
            return records.map { record in
                defer { offset += record.samples.count }
                return Array(vectors[offset..<offset + record.samples.count])
            }
        }
        let semantic = try embedAll(spaces.semantic, role: "semantic"), style = try embedAll(spaces.style, role: "style")
        events(.finished(.embed))
        let model = generator.sampledModel
        var (metrics, perPrompt) = try RunSummary.metrics(
            run: name, model: model.model, records: records, semanticEmbeddings: semantic, styleEmbeddings: style,
            embedder: spaces.semanticName, styleEmbedder: spaces.styleName, embeddersMatchPaper: spaces.matchesPaper, adapter: model.adapter, baseModel: model.baseModel,
            baseAdapter: model.baseAdapter, conformativeWeight: model.conformativeWeight)
        metrics.promptStyle = model.promptStyle
        let promptMetrics = zip(records, perPrompt).map { PromptMetrics($0, measured: $1) }
        try metrics.write(runDirectory: output)
        try PromptMetrics.write(promptMetrics, runDirectory: output)
        return Result(records: records, metrics: metrics, promptMetrics: promptMetrics)
    }
}
