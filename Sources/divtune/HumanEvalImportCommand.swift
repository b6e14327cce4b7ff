import ArgumentParser
import Foundation
import HumanEvaluation

/// `divtune humaneval import --study study.sqlite --csv answers.csv | --potato annotated_instances.jsonl`:
/// adds answers collected elsewhere, checked row by row against the study; all or nothing.
struct HumanEvalImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Add answers from a CSV file to a study.")

    @Option(help: "The study file.") var study: String
    @Option(help: "A CSV file (columns annotator, item, question, option; optional comment, seconds, submitted_at, favours_run).")
    var csv: String?
    @Option(help: "A Potato annotated_instances.jsonl (instance ids = item ids, schemes = question ids, labels = option ids).")
    var potato: String?
    @Option(help: "The annotator of a --potato file without user_id (Potato's folder name).") var annotator: String?

    func validate() throws {
        guard (csv == nil) != (potato == nil) else { throw ValidationError("give one of --csv and --potato") }
    }

    func run() throws {
        let store = try StudyStore(path: study)
        let source = csv ?? potato!
        let answers = try csv.map { try StudyCSV.read(URL(fileURLWithPath: $0), for: store) }
            ?? StudyPotato.read(URL(fileURLWithPath: source), for: store, annotator: annotator)
        let added = try store.importAnswers(answers, source: source)
        print("imported \(added) answers (\(answers.count - added) already in the study)")
    }
}
