import Base
import ArgumentParser
import Evaluation
import Foundation
import Reports

/// `divtune evaluate compare RUN_DIR...`: the paper's Figure 2 (quality against semantic and
/// style diversity with 95% intervals), a metrics table and samples side by side, in one
/// self-contained HTML page (plus the figure as an SVG file beside it).
struct EvaluateCompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare evaluation runs: quality–diversity plots, metrics table and samples in one HTML page.")

    @Argument(help: "Run folders written by `divtune evaluate run` (each holds metrics.json, optionally samples.jsonl).")
    var runs: [String]

    @Option(help: "The HTML page to write; the figure is also written next to it with the extension .svg.")
    var output = "compare.html"

    @Option(help: "Page title.")
    var title = "DivTune: quality and diversity"

    @Option(help: "Prompts whose samples are shown side by side.")
    var samplePrompts = 5

    @Option(help: "The run (its label, or its folder as given) the others are compared with, prompt by prompt; default: the first.")
    var reference: String?

    @Flag(help: "Compare every pair of runs instead of each with the reference.")
    var allPairs = false

    @Option(help: "Bootstrap resamples of the paired comparisons.")
    var resamples = 10_000

    @Option(help: "Level at which a paired difference is said to hold (after Holm's adjustment).")
    var alpha = 0.05

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one run folder") }
        guard samplePrompts >= 0 else { throw ValidationError("--sample-prompts must be ≥ 0") }
        guard resamples >= 100 else { throw ValidationError("--resamples must be ≥ 100") }
        guard alpha > 0, alpha < 1 else { throw ValidationError("--alpha must lie in (0, 1)") }
        if reference != nil && allPairs { throw ValidationError("--reference and --all-pairs exclude each other") }
    }

    func run() throws {
        var metrics: [RunMetrics] = []
        var samples: [[SampleRecord]] = []
        var paired: [PairedRun?] = []
        for path in runs {
            let folder = URL(fileURLWithPath: path)
            var m = try RunMetrics.load(runDirectory: folder)
            // Two runs with one name would share a label and a colour: tell them apart by folder.
            if metrics.contains(where: { $0.run == m.run }) { m.run = "\(m.run) (\(path))" }
            metrics.append(m)
            let samplesFile = folder.appendingPathComponent(SampleRecord.fileName)
            let runSamples = FileManager.default.fileExists(atPath: samplesFile.path)
                ? try JSONLines.read(SampleRecord.self, from: samplesFile) : []
            samples.append(runSamples)
            let promptsFile = folder.appendingPathComponent(PromptMetrics.fileName)
            let texts = runSamples.isEmpty ? nil : Dictionary(runSamples.map { ($0.promptIndex, $0.prompt) }, uniquingKeysWith: { a, _ in a })
            paired.append(FileManager.default.fileExists(atPath: promptsFile.path)
                          ? PairedRun(name: m.run, prompts: try JSONLines.read(PromptMetrics.self, from: promptsFile), promptTexts: texts)
                          : nil)
        }
        let htmlURL = URL(fileURLWithPath: output)
        let report = ComparisonReport(title: title, runs: metrics, samples: samples, samplePrompts: samplePrompts,
                                      paired: try pairedSummary(metrics: metrics, paired: paired), folder: htmlURL.deletingLastPathComponent())
        let svgURL = htmlURL.deletingPathExtension().appendingPathExtension("svg")
        try ReportFile.write(report.svg(), to: svgURL)
        try ReportFile.write(report.html(), to: htmlURL)
        print(ComparisonReport.tableHeaders.prefix(8).joined(separator: " | "))
        for row in report.tableRows { print(row.prefix(8).joined(separator: " | ")) }
        if let paired = report.paired { print(""); paired.sentences.forEach { print($0) } }
        print("wrote \(htmlURL.path) and \(svgURL.path)")
    }

    /// The paired comparisons of the runs that have `prompt_metrics.jsonl` (none with fewer than two).
    private func pairedSummary(metrics: [RunMetrics], paired: [PairedRun?]) throws -> PairedComparisonSummary? {
        var referenceIndex: Int? = allPairs ? nil : 0
        if let reference {
            guard let i = metrics.indices.first(where: { metrics[$0].run == reference || runs[$0] == reference }) else {
                throw ValidationError("--reference \(reference): no such run (runs: \(metrics.map(\.run).joined(separator: ", ")))")
            }
            guard paired[i] != nil else {
                throw ValidationError("--reference \(reference): its folder has no \(PromptMetrics.fileName) to compare prompt by prompt")
            }
            referenceIndex = i
        }
        let available = paired.indices.filter { paired[$0] != nil }
        guard available.count >= 2, referenceIndex.map(available.contains) ?? true else { return nil }
        let result = try PairedComparisons.compare(available.map { paired[$0]! }, reference: referenceIndex.flatMap { available.firstIndex(of: $0) },
                                                   resamples: resamples)
        return PairedComparisonSummary(result, alpha: alpha)
    }
}
