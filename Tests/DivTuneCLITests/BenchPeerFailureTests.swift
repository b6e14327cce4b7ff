import Foundation
import Testing

/// A benchmark whose Python peer fails reports the peer and the end of its stderr — after DivTune's
/// own numbers, with exit status 1 — instead of the command's usage text.
@Suite struct BenchPeerFailureTests {
    @Test func benchMetricsReportsAPeerThatCannotImportItsPackage() throws {
        let dir = try DivTuneProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // An interpreter that fails as Python does when the `diversity` package is missing.
        let python = dir.appendingPathComponent("python")
        try Data("""
            #!/bin/sh
            echo 'Traceback (most recent call last):' >&2
            echo '  File "scripts/bench/metrics_peer.py", line 25, in <module>' >&2
            echo "ModuleNotFoundError: No module named 'diversity'" >&2
            exit 1

            """.utf8).write(to: python)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: python.path)
        let result = try DivTuneProcess.run(["bench", "metrics", "--python", python.path, "--prompts", "2", "--samples", "2",
                                             "--words", "8", "--repeats", "1", "--threads", "1"],
                                            in: DivTuneProcess.repositoryRoot)
        #expect(result.status == 1)
        #expect(result.stderr.contains("""
            peer diversity 0.2.0 (scripts/bench/metrics_peer.py) failed (exit status 1):
            Traceback (most recent call last):
            """), "\(result.stderr)")
        #expect(result.stderr.hasSuffix("ModuleNotFoundError: No module named 'diversity'\n"), "\(result.stderr)")
        #expect(!result.stderr.contains("USAGE") && !result.stdout.contains("USAGE"))
        // DivTune's own column is still there, the peer's marked as failed.
        #expect(result.stdout.contains("ngram_diversity") && result.stdout.contains("(peer failed, see below)"), "\(result.stdout)")
    }
}
