import Foundation

/// A benchmark's Python peer, run as a child process through `/usr/bin/env` (so `--python` may be
/// a name on PATH or a path). Its stdout carries the result; when it cannot start or exits with a
/// non-zero status, the `PeerFailure` names the peer and quotes the end of its stderr — the import
/// error or traceback a user needs to fix the environment.
struct PeerProcess {
    /// What the peer is called in messages, e.g. "diversity 0.2.0 (scripts/bench/metrics_peer.py)".
    var name: String
    var python: String
    var arguments: [String]
    /// Variables added to this process's environment.
    var environment: [String: String] = [:]
    /// Written to the peer's stdin, which is then closed.
    var input: Data?

    /// Runs the peer to its end and returns its stdout.
    func run() throws -> Data {
        // stderr goes to a file: read after the end, it can never fill a pipe and block the peer.
        let errorsURL = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-peer-\(UUID().uuidString).stderr")
        _ = FileManager.default.createFile(atPath: errorsURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorsURL) }
        let errors = try FileHandle(forWritingTo: errorsURL)
        defer { try? errors.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        // A peer that dies before reading its input must not kill us with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        do { try process.run() } catch {
            throw PeerFailure(peer: name, reason: "could not start `\(python)`: \(error.localizedDescription)", stderrTail: "")
        }
        if let input {
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let how = process.terminationReason == .exit ? "exit status" : "signal"
            throw PeerFailure(peer: name, reason: "\(how) \(process.terminationStatus)",
                              stderrTail: PeerFailure.tail(of: (try? Data(contentsOf: errorsURL)) ?? Data()))
        }
        return data
    }
}

extension PeerProcess {
    /// A peer script of this checkout, `scripts/bench/<file>`.
    static func benchScript(_ file: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/bench").appendingPathComponent(file)
    }

    /// Runs the peer and reads its stdout as one JSON object (per peer its result or the error it raised).
    func runJSONObject() throws -> [String: Any] {
        let data = try run()
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw PeerFailure(peer: name, reason: "printed no result", stderrTail: PeerFailure.tail(of: data))
        }
        return object
    }
}

extension PeerFailure {
    /// The failure of a peer that a script reports as `{"<peer>": {"error": ...}}` in its JSON (an
    /// import error, say), or nil when it did not raise.
    static func raised(_ peer: String, in results: [String: Any], script: String) -> PeerFailure? {
        guard let error = (results[peer] as? [String: Any])?["error"] as? String else { return nil }
        return PeerFailure(peer: "\(peer) (scripts/bench/\(script))", reason: "raised", stderrTail: error)
    }
}
