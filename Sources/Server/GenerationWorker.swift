import Foundation

/// Runs model work one job at a time on a dedicated thread, in arrival order (FIFO), with a bounded
/// waiting line. The model's forward pass is synchronous and CPU-bound, so it gets its own thread
/// instead of blocking Swift concurrency's small cooperative pool (or NIO's event loops).
final class GenerationWorker: @unchecked Sendable {
    typealias Job = @Sendable () -> Void

    /// How many jobs may wait behind the running one (0: only an idle worker accepts a job).
    let maxQueue: Int
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var stopped = false
    private var busy = false
    private var thread: Thread?

    init(maxQueue: Int) {
        self.maxQueue = maxQueue
        // The thread holds the worker until `stop()` lets it end.
        let thread = Thread { self.loop() }
        thread.name = "divtune.generation"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    /// Queues `job`; false when the line is full (or the worker stopped) and the job was not queued.
    func submit(_ job: @escaping Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        // busy is set in the same critical section that takes a job off the line, so
        // waiting + running never exceeds maxQueue + 1.
        guard !stopped, jobs.count - head + (busy ? 1 : 0) <= maxQueue else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Jobs waiting (not counting the one running).
    var waiting: Int {
        condition.lock()
        defer { condition.unlock() }
        return jobs.count - head
    }

    var isBusy: Bool {
        condition.lock()
        defer { condition.unlock() }
        return busy
    }

    /// Lets the running and queued jobs finish, then ends the thread.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while head == jobs.count && !stopped { condition.wait() }
            if head == jobs.count { condition.unlock(); return }
            let job = jobs[head]
            head += 1
            if head > 64 && head * 2 > jobs.count { jobs.removeFirst(head); head = 0 }
            busy = true
            condition.unlock()
            job()
            condition.lock()
            busy = false
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
