import ArgumentParser
import Foundation
import HumanEvaluation

/// `divtune humaneval serve --study study.sqlite [--host 127.0.0.1] [--port 8090]`: the annotators'
/// web app (docs/human-evaluation.md §7) until SIGINT/SIGTERM.
struct HumanEvalServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve a study to its annotators.")

    @Option(help: "The study file.") var study: String
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port (0 picks a free one, printed at start).") var port = 8090
    @Option(help: "Token of the admin page (default DIVTUNE_HUMANEVAL_ADMIN_TOKEN, else a new random one printed at start).")
    var adminToken: String?

    func run() throws {
        let store = try StudyStore(path: study)
        let admin = adminToken ?? ProcessInfo.processInfo.environment["DIVTUNE_HUMANEVAL_ADMIN_TOKEN"] ?? AnnotatorToken.generate()
        let server = try StudyServer(study: store, adminToken: admin)
        let host = self.host
        try waitForServer {
            try await server.makeApplication(host: host, port: port) { port in
                print("divtune humaneval serve: \(store.path) on http://\(host):\(port)/ — annotators use their links "
                      + "(divtune humaneval invite); progress at http://\(host):\(port)/admin/\(admin)")
                fflush(stdout)
            }.runService()
        }
    }
}

