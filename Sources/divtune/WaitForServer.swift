import Foundation

/// Runs a web server (`serve`, `humaneval serve`, `monitor`) from a synchronous command: the root
/// command is synchronous, so the server runs on Swift concurrency while this thread waits, and its
/// error (a port in use, say) is thrown here.
func waitForServer(_ run: @escaping @Sendable () async throws -> Void) throws {
    final class Outcome: @unchecked Sendable { var error: Error? }
    let done = DispatchSemaphore(value: 0)
    let outcome = Outcome()
    Task {
        do { try await run() } catch { outcome.error = error }
        done.signal()
    }
    done.wait()
    if let error = outcome.error { throw error }
}
