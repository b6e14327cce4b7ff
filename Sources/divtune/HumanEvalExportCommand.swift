import ArgumentParser
import Base
import Foundation
import HumanEvaluation

/// `divtune humaneval export --study study.sqlite --csv answers.csv`: every answer, one row per question.
struct HumanEvalExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Write a study's answers as CSV.")

    @Option(help: "The study file.") var study: String
    @Option(help: "The CSV file to write.") var csv: String

    func run() throws {
        let store = try StudyStore(path: study)
        try AtomicFile.write(Data(try StudyCSV.export(store).utf8), to: URL(fileURLWithPath: csv))
        print("wrote \(csv): \(try store.answers().count) answers")
    }
}
