import Foundation

/// The Python that tests run reference readers with (tensorboard's event reader): `make test`
/// builds it from scripts/reference/test-requirements.txt in .build/test-venv; DIVTUNE_TEST_PYTHON
/// names another. A test that needs it and finds none fails with the command that makes it.
enum TestPython {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static var executable: URL {
        get throws {
            let path = ProcessInfo.processInfo.environment["DIVTUNE_TEST_PYTHON"]
                ?? DivTuneProcess.repositoryRoot.appendingPathComponent(".build/test-venv/bin/python").path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw Failure(description: "no test Python at \(path): run `make test-venv` (or set DIVTUNE_TEST_PYTHON)")
            }
            return URL(fileURLWithPath: path)
        }
    }

    /// Runs `scripts/reference/<script>` with `arguments` and returns its standard output; a failure
    /// throws with its standard error.
    static func run(script: String, _ arguments: [String]) throws -> Data {
        let script = DivTuneProcess.repositoryRoot.appendingPathComponent("scripts/reference/\(script)")
        let result = try DivTuneProcess.run(executable: try executable, [script.path] + arguments)
        guard result.status == 0 else { throw Failure(description: "\(script.lastPathComponent) failed (\(result.status)): \(result.stderr)") }
        return Data(result.stdout.utf8)
    }
}
