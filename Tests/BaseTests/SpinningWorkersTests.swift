import Base
import Foundation
import Testing

@Suite struct SpinningWorkersTests {
    /// Every chunk runs exactly once per job, across many back-to-back jobs and from several
    /// submitting threads at once (jobs queue; none is lost or run twice).
    @Test func everyChunkRunsOnceUnderConcurrentSubmitters() {
        guard #available(macOS 15, *) else { return }
        let workers = SpinningWorkers(workers: 3)
        let submitters = 4, jobs = 200, chunks = 37
        let totals = UnsafeMutablePointer<Int>.allocate(capacity: submitters)
        totals.initialize(repeating: 0, count: submitters)
        defer { totals.deallocate() }
        DispatchQueue.concurrentPerform(iterations: submitters) { s in
            for j in 0..<jobs {
                let counts = UnsafeMutablePointer<Int>.allocate(capacity: chunks)
                counts.initialize(repeating: 0, count: chunks)
                workers.run(chunks: chunks) { c in counts[c] += 1 }   // one chunk, one writer
                totals[s] += (0..<chunks).filter { counts[$0] == 1 }.count
                if j % 50 == 0 { usleep(400) }                        // let the workers fall asleep
                counts.deallocate()
            }
        }
        for s in 0..<submitters { #expect(totals[s] == jobs * chunks, "submitter \(s)") }
    }

    /// A job whose chunks submit jobs of their own (attention inside a product's chunk, say)
    /// finishes, each inner chunk run once, instead of waiting for itself.
    @Test func aJobSubmittedFromInsideAJobRunsOnItsThread() {
        guard #available(macOS 15, *) else { return }
        let workers = SpinningWorkers(workers: 2)
        let outer = 6, inner = 5
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: outer * inner)
        counts.initialize(repeating: 0, count: outer * inner)
        defer { counts.deallocate() }
        workers.run(chunks: outer) { o in workers.run(chunks: inner) { i in counts[o * inner + i] += 1 } }
        #expect((0..<(outer * inner)).allSatisfy { counts[$0] == 1 })
    }
}
