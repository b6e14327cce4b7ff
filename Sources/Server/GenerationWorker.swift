import Foundation
import Generation

/// What the worker drives: a batch that requests join and that advances one decode step at a time
/// (``Generation/DecodeBatch``; a stand-in in tests).
protocol SteppedBatch: AnyObject {
    var maxBatch: Int { get }
    var isIdle: Bool { get }
    /// Samples decoding now.
    var running: Int { get }
    var waitingRequests: Int { get }
    var waitingSamples: Int { get }
    func step()
}

extension DecodeBatch: SteppedBatch {}

/// Runs the server's decode batch on a dedicated thread (continuous batching, docs/methods.md §12):
/// between two decode steps it adds the requests that arrived, in arrival order, so a new request
/// joins the running batch instead of waiting for it to finish; finished and cancelled ones leave
/// inside the step. The forward pass is synchronous and CPU-bound, so it gets its own thread
/// instead of blocking Swift concurrency's small cooperative pool (or NIO's event loops).
final class GenerationWorker<Batch: SteppedBatch>: @unchecked Sendable {
    /// Adds one request to the batch; runs on the worker thread.
    typealias Job = @Sendable (Batch) -> Void

    /// How many requests may wait for room in the batch; a request the batch has room for is
    /// always taken.
    let maxQueue: Int
    private let batch: Batch
    private let condition = NSCondition()
    private var inbox: [(samples: Int, job: Job)] = []
    /// The batch's counts as of the last step (read by other threads), plus the jobs handed to it since.
    private var running = 0, waitingRequests = 0, waitingSamples = 0
    private var stopped = false

    init(batch: Batch, maxQueue: Int) {
        self.batch = batch
        self.maxQueue = maxQueue
        // The thread holds the worker until `stop()` lets it end.
        let thread = Thread { self.loop() }
        thread.name = "divtune.generation"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Queues a request of `samples` samples; false when it could neither join the batch now nor
    /// wait in the line (or the worker stopped).
    func submit(samples: Int, _ job: @escaping Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let queued = waitingRequests + inbox.count
        let room = batch.maxBatch - running - waitingSamples - inbox.reduce(0) { $0 + $1.samples }
        guard !stopped, queued < maxQueue || samples <= room else { return false }
        inbox.append((samples, job))
        condition.signal()
        return true
    }

    /// Requests that have not started decoding.
    var waiting: Int {
        condition.lock()
        defer { condition.unlock() }
        return waitingRequests + inbox.count
    }

    /// Samples decoding now.
    var decoding: Int {
        condition.lock()
        defer { condition.unlock() }
        return running
    }

    var isBusy: Bool { decoding > 0 }

    /// Lets the running and queued requests finish, then ends the thread.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func loop() {
        var idle = true
        while true {
            condition.lock()
            while inbox.isEmpty && idle && !stopped { condition.wait() }
            if inbox.isEmpty && idle { condition.unlock(); return }
            let jobs = inbox
            inbox = []
            waitingRequests += jobs.count
            waitingSamples += jobs.reduce(0) { $0 + $1.samples }
            condition.unlock()
            for (_, job) in jobs { job(batch) }
            batch.step()
            idle = batch.isIdle
            condition.lock()
            (running, waitingRequests, waitingSamples) = (batch.running, batch.waitingRequests, batch.waitingSamples)
            condition.unlock()
        }
    }
}

/// Set by the request side when its client is gone; read by the generation loop between tokens.
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func cancel() { lock.lock(); value = true; lock.unlock() }
}
