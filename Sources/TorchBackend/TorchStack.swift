import Foundation

/// The Python that runs the torch backend and where `divtune_torch` is found (docs/scale-out.md §1).
/// Nothing is ever installed: a missing or wrong-version stack is one error with the pip command.
public struct TorchStack {
    /// The interpreter: `--python`, else $DIVTUNE_PYTHON, else `python3` on the PATH.
    public var python: String
    /// The folder holding `divtune_torch` (put first on PYTHONPATH), when running from a checkout.
    public var packageFolder: URL?

    public init(python: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                searchFrom folders: [URL] = TorchStack.defaultSearchFolders) {
        self.python = python ?? environment["DIVTUNE_PYTHON"] ?? "python3"
        if let given = environment["DIVTUNE_TORCH_PATH"] {
            packageFolder = URL(fileURLWithPath: given)
        } else {
            packageFolder = Self.findPackage(from: folders)
        }
    }

    /// The executable's folder (a checkout's .build/<config>/) and the current directory.
    public static var defaultSearchFolders: [URL] {
        [URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent(),
         URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
    }

    /// `python/divtune_torch` in a folder or one of its parents.
    static func findPackage(from folders: [URL]) -> URL? {
        for start in folders {
            var folder = start.standardizedFileURL
            while true {
                let candidate = folder.appendingPathComponent("python")
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("divtune_torch/train.py").path) { return candidate }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        return nil
    }

    /// The launched processes' environment: PYTHONPATH with the package first, TRL's experimental
    /// warning (ORPO lives there) silenced, and the given extras.
    public func environment(_ extra: [String: String] = [:], base: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var env = base
        if let packageFolder {
            env["PYTHONPATH"] = [packageFolder.path, base["PYTHONPATH"]].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ":")
        }
        env["TRL_EXPERIMENTAL_SILENCE"] = "1"
        env["PYTHONUNBUFFERED"] = "1"
        for (key, value) in extra { env[key] = value }
        return env
    }

    /// The process that runs `python arguments…` (through /usr/bin/env when `python` is a bare name).
    func process(_ arguments: [String], environment: [String: String]) -> Process {
        let process = Process()
        if python.contains("/") {
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python] + arguments
        }
        process.environment = environment
        return process
    }

    /// Checks the installed stack against the package's pinned ranges (divtune_torch/stack.py).
    public func check() throws {
        let process = process(["-c", "import json, divtune_torch.stack as s; print(json.dumps(s.check()))"], environment: environment())
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw TorchBackendError.stackMissing(problems: ["no Python interpreter at '\(python)' (\(error.localizedDescription))"],
                                                 install: "install Python 3.10 or newer, then pass --python PATH or set DIVTUNE_PYTHON")
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let report = try? JSONSerialization.jsonObject(with: output) as? [String: Any] else {
            let reason = errors.split(separator: "\n").last.map(String.init) ?? "exit status \(process.terminationStatus)"
            throw TorchBackendError.stackMissing(
                problems: ["\(python) cannot import divtune_torch (\(reason))"],
                install: "\(python) -m pip install ./python   # from a DivTune checkout: the package and its pinned PyTorch stack")
        }
        if report["ok"] as? Bool == true { return }
        throw TorchBackendError.stackMissing(problems: report["problems"] as? [String] ?? [], install: report["install"] as? String ?? "")
    }

    /// Runs `python arguments…` with this terminal's standard output and error, so the run's
    /// progress and metrics stream as a Swift run's do; returns the exit status.
    public func run(_ arguments: [String], extraEnvironment: [String: String] = [:]) throws -> Int32 {
        let process = process(arguments, environment: environment(extraEnvironment))
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
