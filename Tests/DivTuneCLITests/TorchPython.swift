import Foundation

/// The torch backend's Python (docs/scale-out.md §1): `make test` makes it in .cache/torch-venv
/// (torch's CPU wheel, the pinned stack, pytest and gguf); DIVTUNE_TORCH_PYTHON names another. A test
/// that needs it and finds none fails with the command that makes it.
enum TorchPython {
    static var executable: String {
        get throws {
            let path = ProcessInfo.processInfo.environment["DIVTUNE_TORCH_PYTHON"]
                ?? DivTuneProcess.repositoryRoot.appendingPathComponent(".cache/torch-venv/bin/python").path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw TestPython.Failure(description: "no torch-backend Python at \(path): run `make torch-venv` (or set DIVTUNE_TORCH_PYTHON)")
            }
            return path
        }
    }

    /// Runs Python code or a script with the repository's python/ folder on the path; returns stdout.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let root = DivTuneProcess.repositoryRoot
        let env = "PYTHONPATH=\(root.appendingPathComponent("python").path):\(root.appendingPathComponent("python/tests").path)"
            + ":\(root.appendingPathComponent("scripts/reference").path)"
        let result = try DivTuneProcess.run(executable: URL(fileURLWithPath: "/usr/bin/env"), [env, "TRL_EXPERIMENTAL_SILENCE=1", try executable] + arguments)
        guard result.status == 0 else {
            throw TestPython.Failure(description: "\(arguments.prefix(2).joined(separator: " ")) failed (\(result.status)): \(result.stderr.suffix(3000))")
        }
        return result.stdout
    }

    /// The tiny random Llama of the TRL fixture with a word-level tokenizer, as an HF folder in `directory`.
    static func tinyModel(in directory: URL) throws -> String {
        try run(["-c", "import tiny; print(tiny.model_folder('\(directory.path)'))"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Preference rows the tiny model can spell (python/tests/tiny.py), with weights.
    static func tinyPairs(in directory: URL) throws -> String {
        try run(["-c", "import tiny; print(tiny.data_file('\(directory.path)'))"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
