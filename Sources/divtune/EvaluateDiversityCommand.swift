import Base
import ArgumentParser
import Console
import Embeddings
import Evaluation
import Foundation
import TensorEngine
import WeightFormats

/// `divtune evaluate diversity`: per-prompt diversity of sampled responses (semantic and style
/// embedding distance, compression ratio, ROUGE-L homogenization, n-gram diversity) and corpus
/// means with bootstrap 95% intervals.
///
/// Per-prompt results are appended to `<output>.partial.jsonl` as they are computed; a rerun with
/// the same input and output skips the prompts found there, and the file is removed once the
/// output is written.
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

    static let metricKeys = DiversityMetric.allCases.map(\.rawValue)

    func validate() throws {
        guard resamples >= 1 else { throw ValidationError("--resamples must be ≥ 1") }
        guard promptsPerStep >= 1 else { throw ValidationError("--prompts-per-step must be ≥ 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be positive") }
    }

    struct Entry {
        var line: Int
        var prompt: String
        var samples: [String]
    }

    func run() throws {
        if let threads { EngineThreads.configure(threads) }
        let inputURL = URL(fileURLWithPath: samples)
        let entries = try Self.read(inputURL)
        let outputURL = output.map { URL(fileURLWithPath: $0) }
        let partialURL = outputURL.map(Self.partialFile)
        var results = [[String: Any]?](repeating: nil, count: entries.count)
        if let partialURL { try Self.resume(partialURL, entries: entries, into: &results) }
        let resumed = results.compactMap { $0 }.count

        let pending = entries.indices.filter { results[$0] == nil }
        if !pending.isEmpty {
            let semantic = try embedders.semantic(), style = try embedders.style()
            let log = try partialURL.map { try JSONLinesLog(url: $0) }
            let progress = ProgressBar("evaluate diversity", total: pending.count, unit: "prompts")
            var start = 0
            while start < pending.count {
                let step = Array(pending[start..<min(pending.count, start + promptsPerStep)])
                for (index, record) in try measure(step.map { entries[$0] }, semantic: semantic, style: style).enumerated() {
                    var record = record
                    record["index"] = step[index]
                    try log?.append(record)
                    results[step[index]] = record
                }
                progress.advance(by: step.count)
                start += step.count
            }
            progress.finish()
        }
        let perPrompt = results.compactMap { $0 }
        for entry in entries where entry.samples.count < 2 {
            FileHandle.standardError.write(Data("warning: \(inputURL.path):\(entry.line): prompt has \(entry.samples.count) sample(s); its metrics are null\n".utf8))
        }
        let report = try Self.report(perPrompt, resamples: resamples, seed: seed)
        let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted])
        if let outputURL {
            try AtomicFile.write(data + Data("\n".utf8), to: outputURL)
            if let partialURL { try? FileManager.default.removeItem(at: partialURL) }
        }
        if json {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        } else {
            print(Self.table(report, prompts: perPrompt.count, resumed: resumed))
            if let outputURL { print("wrote \(outputURL.path)") }
        }
    }

    /// Metrics of a few prompts: their samples embedded together, then measured in parallel.
    func measure(_ step: [Entry], semantic: TextEmbedder, style: TextEmbedder) throws -> [[String: Any]] {
        let measured = step.filter { $0.samples.count >= 2 }
        let texts = measured.flatMap(\.samples)
        let semanticVectors = try texts.isEmpty ? [] : semantic.embed(texts)
        let styleVectors = try texts.isEmpty ? [] : style.embed(texts)
        var semanticSets: [[[Float]]] = [], styleSets: [[[Float]]] = []
        var offset = 0
        for entry in measured {
            let range = offset..<(offset + entry.samples.count)
            semanticSets.append(Array(semanticVectors[range]))
            styleSets.append(Array(styleVectors[range]))
            offset = range.upperBound
        }
        let metrics = try DiversityMetrics.compute(prompts: measured.map(\.samples), semanticEmbeddings: semanticSets,
                                                   styleEmbeddings: styleSets, compat: compat.value)
        var next = metrics.makeIterator()
        return step.map { entry in
            var record: [String: Any] = ["prompt": entry.prompt, "samples": entry.samples.count]
            if entry.samples.count >= 2, let m = next.next() {
                let values: [Double?] = [m.semantic, m.style, m.compressionRatio, m.homogenization, m.ngramDiversity]
                for (key, value) in zip(Self.metricKeys, values) { record[key] = value ?? NSNull() }
            } else {
                for key in Self.metricKeys { record[key] = NSNull() }
            }
            return record
        }
    }

    /// `{"per_prompt": [...], "mean": {metric: x}, "ci95": {metric: [low, high]}}` (null where no
    /// prompt has the metric).
    static func report(_ perPrompt: [[String: Any]], resamples: Int, seed: UInt64) throws -> [String: Any] {
        var mean: [String: Any] = [:], ci: [String: Any] = [:]
        for key in metricKeys {
            let values = perPrompt.map { $0[key] as? Double }
            if let interval = try Bootstrap.confidenceInterval(values, resamples: resamples, confidence: 0.95, seed: seed) {
                mean[key] = interval.mean
                ci[key] = [interval.lower, interval.upper]
            } else {
                mean[key] = NSNull()
                ci[key] = NSNull()
            }
        }
        let rows = perPrompt.map { record in
            record.filter { $0.key != "index" }
        }
        return ["per_prompt": rows, "mean": mean, "ci95": ci]
    }

    static func table(_ report: [String: Any], prompts: Int, resumed: Int) -> String {
        var lines = ["diversity over \(prompts) prompt(s)" + (resumed > 0 ? " (\(resumed) resumed from the partial file)" : "") + ":"]
        let mean = report["mean"] as? [String: Any] ?? [:], ci = report["ci95"] as? [String: Any] ?? [:]
        for key in metricKeys {
            let name = key.padding(toLength: 22, withPad: " ", startingAt: 0)
            if let m = mean[key] as? Double, let interval = ci[key] as? [Double], interval.count == 2 {
                lines.append("  \(name) \(String(format: "%.4f  [%.4f, %.4f]", m, interval[0], interval[1]))")
            } else {
                lines.append("  \(name) n/a")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `out.json` → `out.partial.jsonl` (beside it).
    static func partialFile(_ output: URL) -> URL {
        output.deletingPathExtension().appendingPathExtension("partial.jsonl")
    }

    static func read(_ url: URL) throws -> [Entry] {
        try JSONLines.rows(of: url).map { row in
            Entry(line: row.line, prompt: try row.string("prompt"), samples: try row.strings("samples"))
        }
    }

    /// Loads finished prompts from a previous run's partial file. A record whose prompt differs
    /// from the input's at that index means the file belongs to other input: an error.
    static func resume(_ url: URL, entries: [Entry], into results: inout [[String: Any]?]) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        // A killed run may leave a torn last line; whole lines are kept.
        guard let data = FileManager.default.contents(atPath: url.path) else { return }
        for (number, raw) in data.split(separator: 0x0A).enumerated() {
            guard let record = (try? JSONSerialization.jsonObject(with: Data(raw))) as? [String: Any] else { continue }
            guard let index = record["index"] as? Int, entries.indices.contains(index),
                  record["prompt"] as? String == entries[index].prompt else {
                throw FileError(path: url.path, line: number + 1,
                                reason: "does not match the input (another run's partial results?); delete it to start afresh")
            }
            results[index] = record
        }
    }
}
