import ArgumentParser
import Foundation
import Monitor

/// `divtune monitor RUN_DIR [RUN_DIR ...] [--host 127.0.0.1] [--port 8092]`: a live page of one
/// training run, or several side by side (docs/formats.md §4.5.3), until SIGINT/SIGTERM.
struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor", abstract: "Serve a live page of training runs: loss, rewards, probe diversity and quality, samples.")

    @Argument(help: "The --output folder of a `divtune train` run (running or finished); several are compared.")
    var runs: [String]
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port (0 picks a free one, printed at start).") var port = 8092

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one run folder") }
    }

    func run() throws {
        let server = try MonitorServer(runs: runs.map { URL(fileURLWithPath: $0) })
        let host = self.host
        let names = runs.joined(separator: ", ")
        try waitForServer {
            try await server.makeApplication(host: host, port: port) { port in
                print("divtune monitor: \(names) on http://\(host):\(port)/")
                fflush(stdout)
            }.runService()
        }
    }
}

