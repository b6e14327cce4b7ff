import ArgumentParser
import Foundation
import HumanEvaluation

/// `divtune humaneval import --study study.sqlite --csv answers.csv`: adds answers collected
/// elsewhere, checked row by row against the study; all or nothing.
struct HumanEvalImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Add answers from a CSV file to a study.")

    @Option(help: "The study file.") var study: String
    @Option(help: "The CSV file (columns annotator, item, question, option; optional comment, seconds, submitted_at, favours_run).")
    var csv: String

    func run() throws {
        let store = try StudyStore(path: study)
        let answers = try StudyCSV.read(URL(fileURLWithPath: csv), for: store)
        let added = try store.importAnswers(answers, source: csv)
        print("imported \(added) answers (\(answers.count - added) already in the study)")
    }
}
