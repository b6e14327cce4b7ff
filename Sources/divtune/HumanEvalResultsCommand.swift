import ArgumentParser
import Base
import Foundation
import HumanEvaluation
import Reports

/// `divtune humaneval results --study study.sqlite [--json] [--html FILE]` (docs/human-evaluation.md §4).
struct HumanEvalResultsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "results", abstract: "Shares, intervals, sign test and agreement of a study.")

    @Option(help: "The study file.") var study: String
    @Flag(help: "Print the results as JSON.") var json = false
    @Option(help: "Also write an HTML page (the paper's Table 2 next to the runs' automatic metrics).") var html: String?
    @Option(help: "Title of the HTML page.") var title = "DivTune: human evaluation"

    func run() throws {
        let store = try StudyStore(path: study)
        let results = try StudyResults(study: store)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        } else {
            print(results.text(), terminator: "")
        }
        if let html {
            try ReportFile.write(StudyResultsPage.render(results, runs: try store.runs(), title: title), to: URL(fileURLWithPath: html))
            if !json { print("wrote \(html)") }
        }
    }
}
