import Base
import ArgumentParser
import Console
import Embeddings
import Evaluation
import Foundation
import Generation
import Models
import Reports
import RewardModeling
import Sampling
import TensorEngine

/// `divtune evaluate run`: the paper's evaluation protocol (docs/methods.md §9) for one model —
/// sample each prompt several times (T 1.0, top-k 50, top-p 0.95, repetition penalty 1.1 by
/// default), stream the samples to `samples.jsonl` (a rerun resumes after the last finished
/// prompt), then measure quality and diversity with bootstrap intervals into `metrics.json`,
/// `prompt_metrics.jsonl` and `report.html`.
struct EvaluateRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Sample a model on prompts and measure quality and diversity (metrics.json, report.html).")

    @Option(help: "The model: a .gguf file or an HF folder with safetensors.") var model: String
    @Option(help: "A PEFT LoRA adapter folder to apply to --model.") var adapter: String?
    @Option(help: "Base model for conformative decoding (mixed with --model's distribution).") var baseModel: String?
    @Option(help: "A PEFT LoRA adapter folder to apply to --base-model.") var baseAdapter: String?
    @Option(help: "Conformative weight w in [0, 1]: p = (1−w)·p_model + w·p_base (needs --base-model).") var conformativeWeight: Double?
    @Option(help: "How the base model sees the prompt: completion (raw text) or chat.") var basePromptStyle: String = "completion"
    @Option(help: "Prompts, JSON Lines with a \"prompt\" string per line.") var prompts: String
    @Option(help: "Use only the first N prompts.") var limit: Int?
    @Option(help: "Samples per prompt (the paper: 4).") var samplesPerPrompt = 4
    @Option(help: "Maximum new tokens per sample (the paper: 2048).") var maxTokens = 2048
    @Option(help: "Sampling temperature.") var temperature: Float = 1.0
    @Option(help: "Top-k (0 = off).") var topK = 50
    @Option(help: "Top-p (1 = off).") var topP = 0.95
    @Option(help: "Repetition penalty (1 = off).") var repetitionPenalty: Float = 1.1
    @Option(help: "System prompt for chat rendering (empty = none); the paper's by default.")
    var system = "You write a creative writing based on the user-given writing prompt."
    @Option(help: "Seed; prompt i, sample j uses seed + 1000·i + j, so resumed runs match uninterrupted ones.") var seed: UInt64 = 0
    @Option(help: "Run name in reports (default: the output folder's name).") var name: String?
    @Option(help: "Threads for the engine.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "A reward model folder (`divtune train reward`): quality = mean reward instead of mean log-prob per token.")
    var reward: String?
    @Option(help: "The base model of --reward (default: the base_model recorded in its reward_config.json).") var rewardBaseModel: String?
    @OptionGroup var embedders: EmbedderOptions
    @Option(help: "Output folder.") var output: String

    func validate() throws {
        guard samplesPerPrompt >= 1 else { throw ValidationError("--samples-per-prompt must be ≥ 1") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be ≥ 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1") }
        guard PromptStyle(rawValue: basePromptStyle) != nil else { throw ValidationError("--base-prompt-style must be completion or chat") }
        if conformativeWeight != nil && baseModel == nil { throw ValidationError("--conformative-weight needs --base-model") }
        if baseAdapter != nil && baseModel == nil { throw ValidationError("--base-adapter needs --base-model") }
        if baseModel != nil && conformativeWeight == nil { throw ValidationError("--base-model needs --conformative-weight") }
    }

    func run() throws {
        EngineThreads.configure(threads)
        let outputURL = URL(fileURLWithPath: output)
        let promptsURL = URL(fileURLWithPath: prompts)
        var promptTexts = try JSONLines.read(PromptRecord.self, from: promptsURL).map(\.prompt)
        if let limit { promptTexts = Array(promptTexts.prefix(limit)) }
        guard !promptTexts.isEmpty else { throw ValidationError("\(prompts) holds no prompts") }

        // Load the embedders first, so a missing one fails before minutes of sampling.
        let semanticEmbedder = try embedders.semantic(), styleEmbedder = try embedders.style()
        let samplesURL = outputURL.appendingPathComponent(SampleRecord.fileName)
        var records = try existingRecords(samplesURL, prompts: promptTexts)
        let pending = promptTexts.indices.filter { records[$0] == nil }
        if !pending.isEmpty {
            try generate(pending: pending, prompts: promptTexts, into: samplesURL, records: &records)
        } else {
            print("all \(promptTexts.count) prompts already sampled in \(samplesURL.path); measuring")
        }
        var finished = promptTexts.indices.compactMap { records[$0] }
        if let reward { finished = try score(finished, rewardDirectory: reward) }
        try measure(finished, output: outputURL, semanticEmbedder: semanticEmbedder, styleEmbedder: styleEmbedder)
    }

    /// Records of an earlier (possibly interrupted) run, checked against this prompt file.
    private func existingRecords(_ url: URL, prompts: [String]) throws -> [Int: SampleRecord] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [:] }
        var records: [Int: SampleRecord] = [:]
        for (line, record) in try JSONLines.read(SampleRecord.self, from: url).enumerated() {
            guard record.promptIndex >= 0 else {
                throw ValidationError("\(url.path):\(line + 1): prompt_index \(record.promptIndex) is negative")
            }
            // Records past --limit are kept on disk but not measured.
            guard record.promptIndex < prompts.count else { continue }
            guard record.prompt == prompts[record.promptIndex] else {
                throw ValidationError("\(url.path):\(line + 1): prompt \(record.promptIndex) differs from \(self.prompts); use another --output")
            }
            guard record.samples.count == samplesPerPrompt else {
                throw ValidationError("\(url.path):\(line + 1): \(record.samples.count) samples, but --samples-per-prompt is \(samplesPerPrompt); use another --output")
            }
            records[record.promptIndex] = record
        }
        return records
    }

    private func generate(pending: [Int], prompts: [String], into url: URL, records: inout [Int: SampleRecord]) throws {
        let lm = try LanguageModel.load(path: model, adapter: adapter)
        let renderer = try PromptRenderer(model: lm)
        var base: (LanguageModel, PromptRenderer)?
        if let baseModel {
            let b = try LanguageModel.load(path: baseModel, adapter: baseAdapter)
            base = (b, try PromptRenderer(model: b))
        }
        let generator = Generator(model: lm, base: base?.0)
        var parameters = GenerationParameters(maxTokens: maxTokens, sampling: SamplingParameters(
            temperature: temperature, topK: topK, topP: topP, repetitionPenalty: repetitionPenalty))
        parameters.conformative = conformativeWeight.map { ConformativeDecoding(weight: $0) }
        let log = try JSONLinesLog(url: url)
        let systemPrompt = system.isEmpty ? nil : system
        let progress = ProgressBar("sample", total: pending.count, unit: "prompts")
        let start = Date()
        var tokens = 0
        for index in pending {
            let ids = try renderer.ids(prompt: prompts[index], style: .chat, system: systemPrompt)
            let baseIds = try base.map { try $0.1.ids(prompt: prompts[index], style: PromptStyle(rawValue: basePromptStyle) ?? .completion) }
            parameters.seed = seed &+ UInt64(index) &* 1000
            let samples = try generator.generate(promptIds: ids, basePromptIds: baseIds, count: samplesPerPrompt, parameters: parameters)
            let record = SampleRecord(
                promptIndex: index, prompt: prompts[index], samples: samples.map(\.text), tokens: samples.map(\.ids.count),
                logprobPerToken: samples.map { $0.logprobs.isEmpty ? nil : $0.logprobs.reduce(0) { $0 + Double($1) } / Double($0.logprobs.count) },
                finishReasons: samples.map(\.finishReason.rawValue))
            try log.append(encodable: record)
            records[index] = record
            tokens += record.tokens.reduce(0, +)
            progress.advance(detail: String(format: "%.1f tok/s", Double(tokens) / max(Date().timeIntervalSince(start), 1e-9)))
        }
        progress.finish()
        print("sampled \(pending.count) prompts × \(samplesPerPrompt) (\(tokens) tokens) → \(url.path)")
    }

    /// Adds reward-model scores to every sample (recomputed on each measurement, never stored in
    /// samples.jsonl, so one set of samples can be scored by several reward models).
    private func score(_ records: [SampleRecord], rewardDirectory: String) throws -> [SampleRecord] {
        let folder = URL(fileURLWithPath: rewardDirectory)
        let configURL = folder.appendingPathComponent(RewardModel.configFile)
        guard let data = FileManager.default.contents(atPath: configURL.path),
              let config = try? JSONDecoder().decode(RewardConfig.self, from: data) else {
            throw ValidationError("\(configURL.path) is missing or invalid: --reward needs a folder written by `divtune train reward`")
        }
        let lm = try LanguageModel.load(path: rewardBaseModel ?? config.baseModel)
        let (model, _) = try RewardModel.load(directory: folder, model: lm.model)
        let progress = ProgressBar("reward", total: records.reduce(0) { $0 + $1.samples.count }, unit: "texts")
        defer { progress.finish() }
        return try records.map { record in
            var scored = record
            scored.rewards = try record.samples.map { text in
                let ids = RewardExample.ids(prompt: record.prompt, response: text, tokenizer: lm.tokenizer, maxLength: config.maxLength)
                defer { progress.advance() }
                return try model.scores([ids])[0]
            }
            return scored
        }
    }

    private func measure(_ records: [SampleRecord], output: URL, semanticEmbedder: TextEmbedder, styleEmbedder: TextEmbedder) throws {
        let texts = records.flatMap(\.samples)
        let progress = ProgressBar("embed", total: 2 * texts.count, unit: "texts")
        func embedAll(_ embedder: TextEmbedder) throws -> [[[Float]]] {
            var vectors: [[Float]] = []
            for start in stride(from: 0, to: texts.count, by: 64) {
                vectors += try ProgressEmbedder(base: embedder, progress: progress).embed(Array(texts[start..<min(start + 64, texts.count)]))
            }
            guard vectors.count == texts.count else {
                throw ValidationError("the embedder returned \(vectors.count) vectors for \(texts.count) texts")
            }
            var offset = 0
            return records.map { r in defer { offset += r.samples.count }; return Array(vectors[offset..<offset + r.samples.count]) }
        }
        let semanticEmbeddings = try embedAll(semanticEmbedder), styleEmbeddings = try embedAll(styleEmbedder)
        progress.finish()
        let runName = name ?? output.lastPathComponent
        let (metrics, perPrompt) = try RunSummary.metrics(
            run: runName, model: model, records: records, semanticEmbeddings: semanticEmbeddings, styleEmbeddings: styleEmbeddings,
            embedder: embedders.semanticDirectory ?? EmbedderOptions.defaultSemanticDirectory().path,
            styleEmbedder: embedders.styleDirectory ?? "stylometric (built-in)", adapter: adapter, baseModel: baseModel,
            baseAdapter: baseAdapter, conformativeWeight: conformativeWeight)
        try metrics.write(runDirectory: output)
        try PromptMetrics.write(zip(records, perPrompt).map { PromptMetrics($0, measured: $1) }, runDirectory: output)
        let report = ComparisonReport(title: "DivTune evaluation: \(runName)", runs: [metrics], samples: [records])
        try ReportFile.write(report.html(), to: output.appendingPathComponent("report.html"))
        for (header, value) in zip(ComparisonReport.tableHeaders, report.tableRows[0]) { print("\(header): \(value)") }
        print("wrote metrics.json, prompt_metrics.jsonl and report.html in \(output.path)")
    }
}
