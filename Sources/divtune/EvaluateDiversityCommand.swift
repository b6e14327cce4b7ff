import ArgumentParser
import Evaluation
import EvaluationRuns
import Foundation
import TensorEngine

/// `divtune evaluate diversity`: per-prompt diversity of sampled responses (semantic and style
/// embedding distance, compression ratio, ROUGE-L homogenization, n-gram diversity) and corpus
/// means with bootstrap 95% intervals.
///
/// The measuring, the partial file (`<output>.partial.jsonl`, resumed by a rerun) and the result
/// are ``DiversityEvaluation``'s; this command parses flags, draws progress and prints.
struct EvaluateDiversityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diversity",
        abstract: "Diversity of sampled responses per prompt, with corpus means and bootstrap 95% CIs.",
        discussion: "Input lines: {\"prompt\": str, \"samples\": [str, ...]}.")

    @Option(help: ArgumentHelp("Sampled responses (JSON Lines).", valueName: "FILE.jsonl")) var samples: String
    @OptionGroup var embedders: EmbedderOptions
    @Option(help: "Metric definitions: intended, or diversity-0.2 (bit-compatible with the diversity 0.2.0 package).")
    var compat: CompatOption = .intended
    @Flag(help: "Print the result as JSON.") var json = false
    @Option(help: ArgumentHelp("Write the JSON result here (atomically); enables resuming.", valueName: "FILE")) var output: String?
    @Option(help: "Bootstrap resamples.") var resamples = 1000
    @Option(help: "Bootstrap seed.") var seed: UInt64 = 0
    @Option(help: "Prompts embedded and measured per step.") var promptsPerStep = 16
    @Option(help: "Threads for BLAS and the engine's parallel loops (default: all cores).") var threads: Int?

    enum CompatOption: String, ExpressibleByArgument, CaseIterable {
        case intended
        case diversity02 = "diversity-0.2"
        var value: DiversityCompat { self == .intended ? .intended : .diversity02 }
    }

    func validate() throws {
        guard resamples >= 1 else { throw ValidationError("--resamples must be ≥ 1") }
        guard promptsPerStep >= 1 else { throw ValidationError("--prompts-per-step must be ≥ 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be positive") }
    }

    func run() throws {
        if let threads { EngineThreads.configure(threads) }
        let inputURL = URL(fileURLWithPath: samples)
        var evaluation = DiversityEvaluation(entries: try DiversityEvaluation.read(inputURL), output: output.map { URL(fileURLWithPath: $0) })
        evaluation.compat = compat.value
        evaluation.resamples = resamples
        evaluation.seed = seed
        evaluation.promptsPerStep = promptsPerStep
        // The embedders load first so the report can say which they are (and whether the paper's).
        let spaces = try embedders.spaces()
        evaluation.spaceNames = (spaces.semanticName, spaces.styleName, spaces.matchesPaper)
        let progress = EvaluateProgress()
        let result = try evaluation.run(embedders: { (spaces.semantic, spaces.style) }, events: progress.show)
        for entry in evaluation.entries where entry.samples.count < 2 {
            FileHandle.standardError.write(Data("warning: \(inputURL.path):\(entry.line): prompt has \(entry.samples.count) sample(s); its metrics are null\n".utf8))
        }
        if json {
            FileHandle.standardOutput.write(try result.report.json())
        } else {
            print(Self.table(result.report, resumed: result.resumed))
            if let output = evaluation.output { print("wrote \(output.path)") }
        }
    }

    static func table(_ report: DiversityReport, resumed: Int) -> String {
        var lines = ["diversity over \(report.perPrompt.count) prompt(s)" + (resumed > 0 ? " (\(resumed) resumed from the partial file)" : "") + ":"]
        if let embedder = report.embedder { lines.append("  semantic embedder: \(embedder)") }
        if let embedder = report.styleEmbedder { lines.append("  style embedder: \(embedder)") }
        for metric in DiversityMetric.allCases {
            let name = metric.rawValue.padding(toLength: 22, withPad: " ", startingAt: 0)
            if let e = report.estimates[metric] {
                lines.append("  \(name) \(String(format: "%.4f  [%.4f, %.4f]", e.mean, e.lower, e.upper))")
            } else {
                lines.append("  \(name) n/a")
            }
        }
        return lines.joined(separator: "\n")
    }
}
