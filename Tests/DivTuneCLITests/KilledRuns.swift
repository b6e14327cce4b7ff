import Base
import Foundation

/// Launching `divtune` in the background and killing it with SIGKILL at chosen moments, for the
/// kill-and-resume tests of `train`, `prepare --cache` and `evaluate run` (issue 23).
enum KilledRuns {
    /// Starts `divtune` with `arguments`, output discarded (a full pipe must not stall it).
    static func launch(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = DivTuneProcess.executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DIVTUNE_NO_PROGRESS"] = "1"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs `arguments` to the end; its exit status and wall time (to spread kills over).
    static func timedRun(_ arguments: [String]) throws -> (status: Int32, seconds: Double) {
        let started = Date()
        let process = try launch(arguments)
        process.waitUntilExit()
        return (process.terminationStatus, Date().timeIntervalSince(started))
    }

    static func entries(_ folder: URL) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] }

    /// Whether `folder` holds an ``AtomicFile`` temporary file of `name` (`.NAME.UUID.tmp`): a write in progress.
    static func isWriting(_ name: String, in folder: URL) -> Bool {
        entries(folder).contains { $0.hasPrefix(".\(name).") && $0.hasSuffix(".tmp") }
    }

    /// The ``AtomicFile`` temporary files in `folder`: a killed writer's until the next write of
    /// the same file removes it, so none may be left once a rerun has finished.
    static func temporaryFiles(in folder: URL) -> [String] {
        entries(folder).filter { $0.hasPrefix(".") && $0.hasSuffix(".tmp") }.sorted()
    }

    /// Polls without sleeping (write windows last milliseconds) until `condition` holds, the
    /// process ends, or `timeout` seconds pass.
    static func wait(_ process: Process, timeout: Double, until condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline, !condition() {}
    }

    /// Sleeps a random fraction of `seconds`.
    static func sleep(randomFractionOf seconds: Double, using rng: inout SeededGenerator) {
        usleep(UInt32(Double(rng.next() % 1_000_000) / 1_000_000 * seconds * 1_000_000))
    }

    /// Sends SIGKILL unless the process has ended, and waits for it; true when it finished by itself first.
    @discardableResult
    static func kill(_ process: Process) -> Bool {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationReason == .exit
    }
}
