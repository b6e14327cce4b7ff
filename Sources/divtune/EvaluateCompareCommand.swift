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

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one run folder") }
        guard samplePrompts >= 0 else { throw ValidationError("--sample-prompts must be ≥ 0") }
    }

    func run() throws {
        var metrics: [RunMetrics] = []
        var samples: [[SampleRecord]] = []
        for path in runs {
            let folder = URL(fileURLWithPath: path)
            var m = try RunMetrics.load(runDirectory: folder)
            // Two runs with one name would share a label and a colour: tell them apart by folder.
            if metrics.contains(where: { $0.run == m.run }) { m.run = "\(m.run) (\(path))" }
            metrics.append(m)
            let samplesFile = folder.appendingPathComponent(SampleRecord.fileName)
            samples.append(FileManager.default.fileExists(atPath: samplesFile.path)
                           ? try JSONLines.read(SampleRecord.self, from: samplesFile) : [])
        }
        let report = ComparisonReport(title: title, runs: metrics, samples: samples, samplePrompts: samplePrompts)
        let htmlURL = URL(fileURLWithPath: output)
        let svgURL = htmlURL.deletingPathExtension().appendingPathExtension("svg")
        try ReportFile.write(report.svg(), to: svgURL)
        try ReportFile.write(report.html(), to: htmlURL)
        print(ComparisonReport.tableHeaders.prefix(7).joined(separator: " | "))
        for row in report.tableRows { print(row.prefix(7).joined(separator: " | ")) }
        print("wrote \(htmlURL.path) and \(svgURL.path)")
    }
}
