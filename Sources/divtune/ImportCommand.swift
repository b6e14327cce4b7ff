import Base
import ArgumentParser
import Console
import Foundation
import Preference

/// `divtune import …`: bring outside data into the grouped JSONL that `prepare` reads, or derive
/// SFT data from it.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert Reddit WritingPrompts dumps or TRL preference data to grouped JSONL; pick SFT data from it.",
        subcommands: [WritingPrompts.self, TRL.self, Best.self])

    /// Options of the two importers.
    struct Common: ParsableArguments {
        @Option(help: "Input file.") var input: String
        @Option(help: "Output grouped JSONL ({\"prompt\", \"responses\": [{\"text\", \"score\"}]}), written atomically.") var output: String
        @Flag(help: "Drop the leading [WP]-style tag of each prompt.") var stripTag = false
        @Option(help: "Keep prompts with at least this many distinct responses (≥ 2).") var minResponses = 2
        @Flag(help: "Leave invalid records out (counted in the summary) instead of stopping at the first.") var skipInvalid = false
        @Option(help: "Append a JSONL log (summary and skipped records) to this file.") var log: String?

        var options: ImportOptions { ImportOptions(stripTag: stripTag, minimumResponses: minResponses, skipInvalid: skipInvalid) }

        func validate() throws {
            guard minResponses >= 2 else { throw ValidationError("--min-responses must be at least 2, got \(minResponses)") }
            guard FileManager.default.fileExists(atPath: input) else { throw ValidationError("no such file: \(input)") }
        }

        /// Runs `read` with a progress bar over the input's bytes, writes the output and reports.
        func run(_ command: String, _ read: (URL, @escaping (Int) -> Void) throws -> ImportResult) throws {
            let inputURL = URL(fileURLWithPath: input), outputURL = URL(fileURLWithPath: output)
            let size = ((try? FileManager.default.attributesOfItem(atPath: input)[.size]) as? NSNumber)?.intValue ?? 0
            let bar = ProgressBar("import \(command)", total: max(size / 1024, 1), unit: "KiB")
            let result = try read(inputURL) { bytes in bar.advance(by: bytes / 1024 - bar.completed) }
            bar.finish()
            // An empty result must not replace a dataset the user already has.
            guard !result.dataset.prompts.isEmpty else {
                throw FileError(path: input, reason: "no prompt has \(minResponses) usable responses; \(output) was not written")
            }
            try GroupedDatasetWriter.write(result.dataset.prompts, to: outputURL)
            try ImportCommand.report(command, input: input, output: output, summary: result.summary, log: log)
        }
    }

    static func report(_ command: String, input: String, output: String, summary: ImportSummary, log: String?) throws {
        for skip in summary.skipped.prefix(5) { FileHandle.standardError.write(Data("skipped \(skip)\n".utf8)) }
        if summary.skipped.count > 5 { FileHandle.standardError.write(Data("… and \(summary.skipped.count - 5) more skipped\n".utf8)) }
        print("\(input) → \(output): \(summary)")
        guard let log else { return }
        let writer = try JSONLinesLog(url: URL(fileURLWithPath: log))
        var record = summary.record
        record["event"] = "import"; record["command"] = command; record["input"] = input; record["output"] = output
        try writer.append(record)
        for skip in summary.skipped {
            try writer.append(["event": "skipped", "file": skip.file, "line": skip.line, "reason": skip.reason])
        }
    }

    struct WritingPrompts: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "writingprompts",
            abstract: "Import a Reddit WritingPrompts dump: rows of prompt/title, comment/body/response and score (JSONL or CSV with a header).",
            discussion: """
            JSONL rows may also carry all comments of a post as comment_texts/comment_scores lists \
            (euclaise/WritingPrompts_preferences). [deleted], [removed] and empty comments are dropped; \
            identical comments of one prompt are merged (mean score).
            """)

        @OptionGroup var common: Common
        @Option(help: "Input format (default: csv for .csv files, else jsonl).") var format: WritingPromptsImporter.Format?

        func run() throws {
            let importer = WritingPromptsImporter(options: common.options)
            try common.run("writingprompts") { try importer.read(url: $0, format: format, progress: $1) }
        }
    }

    struct TRL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trl",
            abstract: "Import a TRL preference dataset (JSONL: prompt, chosen, rejected as strings or message lists; optional score_chosen/score_rejected).",
            discussion: """
            Rows with the same prompt are merged into one prompt with all its responses. Without scores, \
            chosen scores 1 and rejected 0; a response that appears in several rows gets the mean of its \
            scores (its win rate under the defaults).
            """)

        @OptionGroup var common: Common

        func run() throws {
            let importer = TRLPreferenceImporter(options: common.options)
            try common.run("trl") { try importer.read(url: $0, progress: $1) }
        }
    }

    struct Best: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "best",
            abstract: "Write SFT data: the best-scored response of every prompt of a grouped JSONL as prompt/completion (ties: the first).")

        @Option(help: "Grouped (or flat) scored-response JSONL.") var input: String
        @Option(help: "Output prompt/completion JSONL, written atomically.") var output: String
        @Flag(help: "Write conversational rows (message lists) instead of plain strings.") var conversational = false
        @Flag(help: "Leave invalid lines out instead of stopping at the first.") var skipInvalid = false

        func validate() throws {
            guard FileManager.default.fileExists(atPath: input) else { throw ValidationError("no such file: \(input)") }
        }

        func run() throws {
            let dataset = try PreferenceDataset.read(url: URL(fileURLWithPath: input), skipInvalid: skipInvalid)
            let examples = BestResponseExporter.best(dataset)
            guard !examples.isEmpty else { throw FileError(path: input, reason: "no usable prompt; \(output) was not written") }
            try BestResponseExporter.write(examples, to: URL(fileURLWithPath: output), style: conversational ? .conversational : .standard)
            for skip in dataset.skipped.prefix(5) { FileHandle.standardError.write(Data("skipped \(skip)\n".utf8)) }
            let mean = examples.isEmpty ? 0 : examples.reduce(0) { $0 + $1.score } / Double(examples.count)
            print("\(input) → \(output): \(examples.count) prompt/completion examples (mean best score \(String(format: "%.1f", mean)))"
                  + (dataset.skipped.isEmpty ? "" : "; \(dataset.skipped.count) invalid lines skipped"))
        }
    }
}

extension WritingPromptsImporter.Format: ExpressibleByArgument {}
