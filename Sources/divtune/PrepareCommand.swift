import Base
import ArgumentParser
import Console
import Embeddings
import Foundation
import Models
import Preference
import TensorEngine

/// `divtune prepare`: scored responses → TRL preference pairs with deviation weights
/// (DDPO/DORPO data) or DivPO pairs, through `PreparePipeline` and `PreferenceWriter`.
struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Build preference pairs with diversity (deviation) weights from scored responses.",
        discussion: """
        Input lines: {"prompt": str, "responses": [{"text": str, "score": number}, ...]} or \
        {"prompt": str, "response": str, "score": number}. Output: TRL preference JSONL with \
        score_chosen, score_rejected and weight, written atomically.
        """)

    @Option(help: ArgumentHelp("Scored responses (JSON Lines).", valueName: "RAW.jsonl")) var input: String
    @Option(help: ArgumentHelp("Where to write the pairs.", valueName: "PAIRS.jsonl")) var output: String
    @Option(help: "Input layout: auto, grouped or flat.") var format: PreferenceInputFormat = .auto
    @Option(help: "Embedding spaces of the deviation: none, semantic, style or both.") var deviation: DeviationMode = .both
    @OptionGroup var embedders: EmbedderOptions
    @Option(help: "Keep a prompt's first pairs until this many responses are in (≥ 2).") var maxResponses: Int?
    @Flag(help: "Order each prompt's pairs by chosen score before the cutoff.") var sortByScore = false
    @Option(help: "Lower bound on the deviation δ in [-1, 0] (weight ≥ 1 + D).") var minDeviation: Double?
    @Flag(help: "Select DivPO pairs (weights 1) instead of weighting.") var divpo = false
    @Option(help: "DivPO: percentage of responses in each of the high and low pools.") var rho: Double = 25
    @Option(help: "DivPO: maximum pairs per prompt.") var maxPairs: Int = 2
    @Option(help: "Preferred minimum score gap between chosen and rejected.") var minGap: Double = 5
    @Flag(help: "Write the conversational layout (lists of role/content messages).") var conversational = false
    @Flag(help: "Skip invalid lines (listed in the summary) instead of stopping.") var skipInvalid = false
    @Option(help: ArgumentHelp("Embedding cache file (reused across runs).", valueName: "FILE")) var cache: String?
    @Option(help: "Seed of the pair sampler (and of --data-fraction's draw).") var seed: UInt64 = 0
    @Option(help: "Build pairs from this share of the (training) prompts, drawn by --seed (a sweep's data-set size axis); default 1: all.")
    var dataFraction: Double?
    @Option(help: ArgumentHelp("Append a JSON record of the run's summary to this log.", valueName: "FILE.jsonl")) var log: String?
    @Option(help: "Threads for BLAS and the engine's parallel loops (default: all cores).") var threads: Int?
    @Option(help: "Drop responses whose chat-formatted prompt + response exceed this many tokens of --tokenizer's model (the paper: 2048).")
    var maxLength: Int?
    @Option(help: ArgumentHelp("The model (.gguf or HF folder) whose tokenizer and chat template --max-length counts with.", valueName: "MODEL"))
    var tokenizer: String?
    @Option(help: "Hold out this share of prompts (seeded shuffle; the paper: 0.1); pairs are built from the rest.") var testFraction: Double?
    @Option(help: "Seed of the prompt split.") var splitSeed: UInt64 = 0
    @Option(help: ArgumentHelp("Where the held-out prompts go (grouped JSON Lines: evaluate run --prompts, evaluate gold --data).", valueName: "FILE.jsonl"))
    var testOutput: String?
    @Option(help: ArgumentHelp("Keep only test prompts START..<END (file order), e.g. 0:1000.", valueName: "START:END")) var testSlice: TestSlice?

    func validate() throws {
        if let dataFraction, !(dataFraction > 0 && dataFraction <= 1) { throw ValidationError("--data-fraction must lie in (0, 1], got \(dataFraction)") }
        if divpo && deviation == .none { throw ValidationError("--divpo needs --deviation semantic, style or both") }
        if let threads, threads < 1 { throw ValidationError("--threads must be positive") }
        if (maxLength == nil) != (tokenizer == nil) { throw ValidationError("--max-length and --tokenizer go together") }
        if let maxLength, maxLength < 1 { throw ValidationError("--max-length must be ≥ 1") }
        if (testFraction == nil) != (testOutput == nil) { throw ValidationError("--test-fraction and --test-output go together") }
        if testSlice != nil && testFraction == nil { throw ValidationError("--test-slice needs --test-fraction and --test-output") }
        if let testOutput, URL(fileURLWithPath: testOutput).standardizedFileURL == URL(fileURLWithPath: output).standardizedFileURL {
            throw ValidationError("--test-output and --output must be different files")
        }
    }

    func run() throws {
        if let threads { EngineThreads.configure(threads) }
        let inputURL = URL(fileURLWithPath: input), outputURL = URL(fileURLWithPath: output)
        let options = PrepareOptions(minimumGap: minGap, seed: seed, deviation: deviation, maxResponses: maxResponses,
                                     sortByScore: sortByScore, minDeviation: minDeviation,
                                     divpo: divpo ? DivPOOptions(rho: rho, maxPairs: maxPairs) : nil)
        let started = Date()
        var dataset = try PreferenceDataset.read(url: inputURL, format: format, skipInvalid: skipInvalid)
        if let maxLength, let tokenizer {
            let renderer = try PromptRenderer(model: try LanguageModel.load(path: tokenizer))
            let filtered = try ResponseLengthFilter.apply(dataset, maxTokens: maxLength) { prompt, response in
                try renderer.ids(messages: [.user(prompt), .assistant(response)], addGenerationPrompt: false).count
            }
            dataset = filtered.dataset
            print("length filter (\(maxLength) tokens): dropped \(filtered.droppedResponses) responses and \(filtered.droppedPrompts) prompts left with fewer than 2")
        }
        if let testFraction, let testOutput {
            let split = try PromptSplit(dataset, testFraction: testFraction, seed: splitSeed, testSlice: testSlice?.range)
            try split.writeTest(to: URL(fileURLWithPath: testOutput))
            dataset = split.train
            print("split: \(split.train.prompts.count) training prompts, \(split.test.count) test prompts → \(testOutput)")
        }
        if let dataFraction {
            let before = dataset.prompts.count
            dataset = try dataset.fraction(dataFraction, seed: seed)
            print("data fraction \(dataFraction): \(dataset.prompts.count) of \(before) prompts")
        }

        // Only the spaces the deviation uses are loaded (a run without --deviation needs no model).
        let cacheURL = cache.map { URL(fileURLWithPath: $0) }
        let usesSemantic = deviation == .semantic || deviation == .both
        let usesStyle = deviation == .style || deviation == .both
        let semanticModel = try usesSemantic ? embedders.sentenceEmbedder() : nil
        let styleModel = try usesStyle ? embedders.styleEmbedder() : nil
        // Which embedders produced the weights, and whether they are the paper's (docs/methods.md §3.3).
        let provenance = (usesSemantic ? semanticModel.map(embedders.semanticProvenance) : nil,
                          usesStyle ? embedders.styleProvenance(styleModel) : nil)
        var semantic = try semanticModel.map { try EmbedderOptions.cached($0, in: cacheURL) }
        var style: TextEmbedder? = try usesStyle
            ? styleModel.map { try EmbedderOptions.cached($0, in: cacheURL.map(EmbedderOptions.styleCacheFile)) } ?? StylometricEmbedder()
            : nil
        let spaces = (usesSemantic ? 1 : 0) + (usesStyle ? 1 : 0)
        // At most every response of every space is embedded (cutoffs and DivPO embed fewer).
        let progress = ProgressBar("prepare", total: spaces == 0 ? nil : dataset.responseCount * spaces, unit: "texts")
        semantic = semantic.map { ProgressEmbedder(base: $0, progress: progress) }
        style = style.map { ProgressEmbedder(base: $0, progress: progress) }

        // Caches are saved while embedding (at most a tenth of the time extra), so a killed run keeps its vectors.
        let caches = [semantic, style].compactMap { ($0 as? ProgressEmbedder)?.base as? EmbeddingCache }
        for cache in caches { cache.autosaveRatio = 10 }
        let result = try PreparePipeline(options: options, semanticEmbedder: semantic, styleEmbedder: style).run(dataset)
        progress.finish()
        for cache in caches { try cache.save() }
        let conversational = self.conversational
        // An empty result must not replace a dataset the user already has.
        guard !result.pairs.isEmpty else { throw FileError(path: input, reason: "no preference pair could be formed; \(output) was not written") }
        try PreferenceWriter.write(result.pairs, to: outputURL, style: conversational ? .conversational : .standard)

        let summary = result.summary
        print("wrote \(outputURL.path)")
        print(summary)
        if let semantic = provenance.0 { print("semantic embedder: \(semantic)") }
        if let style = provenance.1 { print("style embedder: \(style)") }
        if !caches.isEmpty {
            print("embedding cache: \(caches.reduce(0) { $0 + $1.hits }) hits, \(caches.reduce(0) { $0 + $1.misses }) embedded")
        }
        if let log {
            var record: [String: Any] = [
                "event": "prepare", "input": inputURL.path, "output": outputURL.path, "deviation": deviation.rawValue,
                "prompts": summary.prompts, "prompts_with_pairs": summary.promptsWithPairs, "responses": summary.responses,
                "responses_used": summary.responsesUsed, "pairs": summary.pairs, "skipped": summary.skipped.map(\.description),
                "seconds": Date().timeIntervalSince(started),
                "embedder": provenance.0.map { $0.description as Any } ?? NSNull(),
                "style_embedder": provenance.1.map { $0.description as Any } ?? NSNull(),
                "embedders_match_paper": [provenance.0, provenance.1].compactMap { $0 }.allSatisfy(\.matchesPaper) && deviation != .none,
            ]
            if let w = summary.weights {
                record["weights"] = ["min": w.min, "q25": w.q25, "median": w.median, "mean": w.mean, "q75": w.q75, "max": w.max, "zeros": w.zeros]
            }
            try JSONLinesLog(url: URL(fileURLWithPath: log)).append(record)
        }
    }
}

extension PreferenceInputFormat: ExpressibleByArgument {}
extension DeviationMode: ExpressibleByArgument {}

/// `START:END`, a half-open range of indices.
struct TestSlice: ExpressibleByArgument {
    var range: Range<Int>
    init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Int(parts[0]), let end = Int(parts[1]), 0 <= start, start < end else { return nil }
        range = start..<end
    }
}
