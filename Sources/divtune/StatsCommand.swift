import Base
import ArgumentParser
import Foundation
import Preference

/// `divtune stats`: a scored-response dataset described as the paper's Tables 3 and 4, and a
/// prepared pairs file's weights (docs/methods.md §1.5).
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Describe a scored-response dataset as the paper's Tables 3 and 4 (and a pairs file's weights).")

    @Option(help: ArgumentHelp("Scored responses (JSON Lines, as `prepare --input`).", valueName: "RAW.jsonl")) var input: String
    @Option(help: "Input layout: auto, grouped or flat.") var format: PreferenceInputFormat = .auto
    @Option(help: ArgumentHelp("A pairs file written by `prepare`: describe its weight column too.", valueName: "PAIRS.jsonl")) var pairs: String?
    @Option(help: "Score transform for the transformed column: consistent-shift or reference (docs/methods.md §1).")
    var scoreTransform: ScoreTransform.Variant = .consistentShift
    @Flag(help: "Print JSON instead of tables.") var json = false

    func run() throws {
        let dataset = try PreferenceDataset.read(url: URL(fileURLWithPath: input), format: format)
        let weights = try pairs.map { path in
            try JSONLines.rows(of: URL(fileURLWithPath: path)).map { row in
                guard let w = try row.finiteNumber("weight") else { throw row.error("missing (not a file written by `prepare`)", field: "weight") }
                return w
            }
        }
        let stats = try DatasetStatistics(dataset, transform: scoreTransform, weights: weights)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(stats), as: UTF8.self))
            return
        }
        func f(_ x: Double?, _ decimals: Int = 2) -> String { x.map { String(format: "%.\(decimals)f", $0) } ?? "—" }
        func row(_ name: String, _ d: Distribution, _ decimals: Int = 2) -> String {
            [name, f(d.max, decimals), f(d.min, decimals), f(d.mean, decimals), f(d.std, decimals), f(d.median, decimals),
             f(d.q25, decimals), f(d.q75, decimals)].joined(separator: " | ")
        }
        let columns = "Max | Min | Mean | Std | Median | 25th | 75th"
        print("Post-training data (Table 3): total prompts \(stats.prompts), total responses \(stats.responses), "
              + "prompt length \(f(stats.promptWords)) words, response length \(f(stats.responseWords)) words")
        print("responses per prompt | " + columns)
        print(row("", stats.responsesPerPrompt))
        print("\nScores (Table 4; transformed: \(stats.scoreTransform)) | " + columns)
        print(row("Raw", stats.rawScores))
        print(row("Transformed", stats.transformedScores))
        if let w = stats.weights {
            print("\nPair weights (\(w.count) pairs) | " + columns)
            print(row("weight", w, 4))
        }
    }
}
