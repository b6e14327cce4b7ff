import Foundation

/// Runs blocking socket work on a thread of its own, never on the cooperative pool: a test's
/// server may run its handlers there, and on a small machine the pool has only a couple of threads.
public func offThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
