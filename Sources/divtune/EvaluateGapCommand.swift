import ArgumentParser
import Base
import Evaluation
import EvaluationRuns
import Foundation
import Reports
import TensorEngine

/// `divtune evaluate gap`: the diversity gap between a base model's run and each tuned stage's
/// (docs/methods.md §13) — paired differences in quality and every diversity metric (as `evaluate
/// compare`, the base as reference), and MAUVE of each stage's samples against the base's, with
/// PRD precision and recall, over the semantic embedder's vectors: gap.html, gap.svg, gap.json.
struct EvaluateGapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gap",
        abstract: "The diversity gap between a base run and tuned stages: paired differences and MAUVE (gap.html, gap.json).")

    @Option(help: ArgumentHelp("The base model's run folder (`evaluate run`).", valueName: "DIR")) var base: String
    @Option(name: .customLong("run"), help: ArgumentHelp("A tuned stage's run folder, named: sft=DIR (repeat in pipeline order: sft, dpo, ddpo…).", valueName: "NAME=DIR"))
    var stages: [String] = []
    @Option(help: "Output folder for gap.html, gap.svg and gap.json.") var output: String
    @Option(help: "Bootstrap resamples of the paired comparisons.") var resamples = 10_000
    @Option(help: "Level at which a paired difference is said to hold (after Holm's adjustment).") var alpha = 0.05
    @Option(help: "MAUVE's histogram buckets (default: mauve-text's auto, max(2, round(min(samples)/10))).") var mauveBuckets: Int?
    @Option(help: "Seed of MAUVE's k-means.") var mauveSeed: UInt64 = 25
    @OptionGroup var embedders: EmbedderOptions
    @Option(help: "Threads for the engine.") var threads = ProcessInfo.processInfo.activeProcessorCount

    /// (name, folder) of each --run.
    func namedStages() throws -> [(name: String, folder: String)] {
        let named = try stages.map { item -> (name: String, folder: String) in
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex, item.index(after: eq) != item.endIndex else {
                throw ValidationError("--run \(item): give NAME=DIR, e.g. --run sft=runs/sft")
            }
            return (String(item[..<eq]), String(item[item.index(after: eq)...]))
        }
        let names = named.map(\.name)
        guard Set(names).count == names.count else { throw ValidationError("--run names a stage twice: \(names.joined(separator: ", "))") }
        guard !names.contains(Self.baseName) else { throw ValidationError("--run: the name '\(Self.baseName)' is the --base run's") }
        return named
    }

    static let baseName = "base"

    func validate() throws {
        guard !stages.isEmpty else { throw ValidationError("give at least one --run NAME=DIR") }
        _ = try namedStages()
        guard resamples >= 100 else { throw ValidationError("--resamples must be ≥ 100") }
        guard alpha > 0, alpha < 1 else { throw ValidationError("--alpha must lie in (0, 1)") }
        if let mauveBuckets, mauveBuckets < 2 { throw ValidationError("--mauve-buckets must be ≥ 2") }
    }

    /// A run folder's metrics, per-prompt metrics and samples (each file required).
    struct LoadedRun {
        var metrics: RunMetrics
        var paired: PairedRun
        var samples: [SampleRecord]

        init(folder path: String, name: String) throws {
            let folder = URL(fileURLWithPath: path)
            metrics = try RunMetrics.load(runDirectory: folder)
            metrics.run = name
            func required(_ file: String) throws -> URL {
                let url = folder.appendingPathComponent(file)
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw FileError(path: url.path, reason: "missing: the gap needs every run's \(file) (written by `divtune evaluate run`)")
                }
                return url
            }
            samples = try JSONLines.read(SampleRecord.self, from: try required(SampleRecord.fileName))
            let prompts = try JSONLines.read(PromptMetrics.self, from: try required(PromptMetrics.fileName))
            paired = PairedRun(name: name, prompts: prompts,
                               promptTexts: Dictionary(samples.map { ($0.promptIndex, $0.prompt) }, uniquingKeysWith: { a, _ in a }))
        }

        /// The non-empty samples of the prompts `other` also has (same index and text), as mauve-text drops empty texts.
        func texts(sharedWith other: LoadedRun) -> [String] {
            let theirs = Dictionary(other.samples.map { ($0.promptIndex, $0.prompt) }, uniquingKeysWith: { a, _ in a })
            return samples.filter { theirs[$0.promptIndex] == $0.prompt }.flatMap(\.samples).filter { !$0.isEmpty }
        }
    }

    func run() throws {
        EngineThreads.configure(threads)
        let named = try namedStages()
        let baseRun = try LoadedRun(folder: base, name: Self.baseName)
        let stageRuns = try named.map { try LoadedRun(folder: $0.folder, name: $0.name) }
        let comparisons = try PairedComparisons.compare([baseRun.paired] + stageRuns.map(\.paired), reference: 0, resamples: resamples)
        let spaces = try embedders.spaces()
        let options = MAUVE.Options(buckets: mauveBuckets, seed: mauveSeed)
        var stages: [GapReport.Stage] = []
        for (stage, run) in zip(named, stageRuns) {
            let p = baseRun.texts(sharedWith: run), q = run.texts(sharedWith: baseRun)
            var mauve: MAUVE?
            do {
                mauve = try MAUVE(p: try spaces.semantic.checkedEmbed(p, role: "semantic"),
                                  q: try spaces.semantic.checkedEmbed(q, role: "semantic"), options: options)
            } catch let error as EvaluationError {
                print("\(stage.name): no MAUVE (\(error))")
            }
            stages.append(.init(name: stage.name, folder: stage.folder, metrics: run.metrics, mauve: mauve))
        }
        let report = GapReport(title: "DivTune: the diversity gap", base: baseRun.metrics, baseFolder: base, stages: stages,
                               paired: PairedComparisonSummary(comparisons, alpha: alpha), mauveEmbedder: spaces.semanticName)
        let folder = URL(fileURLWithPath: output)
        try ReportFile.write(report.svg(), to: folder.appendingPathComponent("gap.svg"))
        try ReportFile.write(report.json(), to: folder.appendingPathComponent("gap.json"))
        try ReportFile.write(report.html(), to: folder.appendingPathComponent("gap.html"))
        report.paired.sentences.forEach { print($0) }
        print(GapReport.mauveHeaders.prefix(6).joined(separator: " | "))
        for row in report.mauveRows { print(row.prefix(6).joined(separator: " | ")) }
        print("wrote gap.html, gap.svg and gap.json in \(folder.path)")
    }
}
