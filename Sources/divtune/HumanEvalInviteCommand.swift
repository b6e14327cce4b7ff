import ArgumentParser
import HumanEvaluation

/// `divtune humaneval invite --study study.sqlite --name NAME`: adds an annotator and prints
/// their secret link (the token is shown once; the study keeps only its hash).
struct HumanEvalInviteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "invite", abstract: "Add an annotator and print their secret link.")

    @Option(help: "The study file.") var study: String
    @Option(help: "The annotator's name (unique in the study).") var name: String
    @Option(help: "The address annotators reach `humaneval serve` at.") var baseURL = "http://127.0.0.1:8090"

    func run() throws {
        let store = try StudyStore(path: study)
        let token = try store.invite(name: name)
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        print("\(base)/a/\(token)")
    }
}
