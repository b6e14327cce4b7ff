#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import Foundation

/// How many cores the engine uses. BLAS threads and our own `concurrentPerform` loops never nest
/// (our kernels call BLAS only from the calling thread), so setting both to the core count does not
/// oversubscribe.
public enum EngineThreads {
    nonisolated(unsafe) public private(set) static var count: Int = ProcessInfo.processInfo.activeProcessorCount

    public static func configure(_ n: Int) {
        count = max(1, n)
        #if !canImport(Accelerate)
        openblas_set_num_threads(Int32(count))
        #endif
    }

    /// Runs `body` with BLAS limited to one thread (for sgemm calls made from inside our own
    /// parallel loops), restoring the configured count afterwards.
    static func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
        #if !canImport(Accelerate)
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(count)) }
        #endif
        return try body()
    }

    /// Runs `body(chunk)` over `chunks` pieces in parallel when the work is big enough to pay
    /// for the dispatch (`work` = rough element count), else serially.
    @inline(__always)
    static func parallel(chunks: Int, work: Int, _ body: (Int) -> Void) {
        if chunks <= 1 || work < 32_768 || count == 1 {
            for c in 0..<chunks { body(c) }
        } else {
            DispatchQueue.concurrentPerform(iterations: chunks, execute: body)
        }
    }

    /// Splits 0..<n into about `count` ranges and runs them in parallel (serially when small).
    static func parallelRanges(_ n: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let pieces = (work < 32_768 || count == 1) ? 1 : min(n, count * 4)
        if pieces <= 1 { body(0..<n); return }
        let size = (n + pieces - 1) / pieces
        DispatchQueue.concurrentPerform(iterations: pieces) { p in
            let lo = p * size, hi = min(n, lo + size)
            if lo < hi { body(lo..<hi) }
        }
    }
}
