import ArgumentParser
import Foundation

/// A benchmark peer that could not run or give its result. Benchmarks print DivTune's own numbers,
/// then report each failed peer on stderr ("peer X failed (exit status 1): ModuleNotFoundError: …")
/// and exit with status 1 — never the command's usage text, which says nothing about the peer.
struct PeerFailure: Error, CustomStringConvertible {
    let peer: String
    /// "exit status 1", "could not start …", "printed no result".
    let reason: String
    /// The end of the peer's stderr, where Python puts the exception.
    let stderrTail: String

    var description: String {
        "peer \(peer) failed (\(reason))" + (stderrTail.isEmpty ? "" : ":\n" + stderrTail)
    }

    /// The last lines of a peer's stderr (a Python traceback ends with the exception itself).
    static func tail(of data: Data, lines: Int = 15) -> String {
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Writes each failure to stderr and ends the command with status 1 when there is any.
    static func report(_ failures: [PeerFailure]) throws {
        guard !failures.isEmpty else { return }
        for failure in failures { FileHandle.standardError.write(Data("\(failure)\n".utf8)) }
        throw ExitCode.failure
    }
}
