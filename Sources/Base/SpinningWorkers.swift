import Foundation
import Synchronization

/// A small pool of worker threads that spin for a while after each job before they sleep.
///
/// A decode step makes ~200 short matrix–vector products and as many attention calls, tens of
/// microseconds each. Waking a sleeping `concurrentPerform` worker costs about as much as the
/// product itself (futex wake, context switch), so spread over two cores the products ran no
/// faster than on one. These workers stay hot between the products of a step (spinning ≤
/// ``spinNanoseconds``), then sleep on a condition variable, so an idle process does not burn a
/// core. A `body` that calls ``run(chunks:_:)`` itself gets its chunks run on its own thread.
@available(macOS 15, *)
public final class SpinningWorkers: @unchecked Sendable {
    public static let shared = SpinningWorkers(workers: ProcessInfo.processInfo.activeProcessorCount - 1)

    /// How long an idle worker polls for the next job before sleeping.
    static let spinNanoseconds: UInt64 = 300_000

    public let workerCount: Int
    /// Set on the workers and on a submitter while its job runs.
    private static let insideJob = ThreadFlag()
    private let generation = Atomic<Int>(0)
    private let nextChunk = Atomic<Int>(0)
    private let busyWorkers = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let condition = NSCondition()
    private let submitLock = NSLock()
    // Written by the submitter before `generation` is bumped (release), read after (acquire).
    private nonisolated(unsafe) var chunkCount = 0
    private nonisolated(unsafe) var job: ((Int) -> Void)?

    public init(workers: Int) {
        workerCount = max(0, workers)
        for _ in 0..<workerCount {
            // Workers hold the pool strongly: a pool lives as long as the process.
            let thread = Thread { self.workLoop() }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Runs `body(c)` for c in 0..<chunks on the calling thread and the workers; returns when all are done.
    /// Called from inside a job (a chunk that runs a product or attention itself), it runs the
    /// chunks on the calling thread: the workers are busy with the outer job.
    public func run(chunks: Int, _ body: (Int) -> Void) {
        guard workerCount > 0, chunks > 1, !Self.insideJob.isSet else { for c in 0..<chunks { body(c) }; return }
        Self.insideJob.set(true)
        defer { Self.insideJob.set(false) }
        // One job at a time: callers from other threads (a server's requests) queue here.
        submitLock.lock()
        defer { submitLock.unlock() }
        withoutActuallyEscaping(body) { body in
            job = body
            chunkCount = chunks
            nextChunk.store(0, ordering: .relaxed)
            busyWorkers.store(workerCount, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
            takeChunks(body, chunks)
            while busyWorkers.load(ordering: .acquiring) > 0 {}
            job = nil
        }
    }

    /// A function of its own so that the worker's reference to the job ends when it returns, before
    /// `busyWorkers` tells the submitter it is done (unoptimised builds keep a local alive to the
    /// end of the loop body, which trips `withoutActuallyEscaping`'s check).
    @inline(never)
    private func runCurrentJob() {
        if let job { takeChunks(job, chunkCount) }
    }

    private func takeChunks(_ body: (Int) -> Void, _ chunks: Int) {
        while true {
            let c = nextChunk.add(1, ordering: .relaxed).oldValue
            if c >= chunks { return }
            body(c)
        }
    }

    private func workLoop() {
        Self.insideJob.set(true)
        var seen = 0
        while true {
            var start: UInt64 = 0, polls = 0
            while generation.load(ordering: .acquiring) == seen {
                polls += 1
                guard polls & 1023 == 0 else { continue }
                let now = DispatchTime.now().uptimeNanoseconds
                if start == 0 { start = now; continue }
                if now - start < Self.spinNanoseconds { continue }
                condition.lock()
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen { condition.wait() }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                condition.unlock()
            }
            seen = generation.load(ordering: .acquiring)
            runCurrentJob()
            busyWorkers.subtract(1, ordering: .releasing)
        }
    }
}

/// A flag of the current thread (a POSIX thread-specific value).
private final class ThreadFlag: @unchecked Sendable {
    private var key = pthread_key_t()

    init() { pthread_key_create(&key, nil) }

    var isSet: Bool { pthread_getspecific(key) != nil }

    func set(_ on: Bool) { pthread_setspecific(key, on ? UnsafeRawPointer(bitPattern: 1) : nil) }
}
