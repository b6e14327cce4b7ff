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
}
