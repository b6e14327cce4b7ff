#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import Foundation

/// How many cores the engine uses. BLAS threads and our own `concurrentPerform` loops never nest
/// (our kernels call BLAS only from the calling thread, and attention runs its per-head sgemms
/// with BLAS set to one thread), so setting both to the core count does not oversubscribe.
///
/// One more source of oversubscription is OpenBLAS itself: after each multi-threaded call its
/// workers busy-wait for more work for 2^28 cycles (~0.1 s) by default, competing with the
/// engine's own parallel loops (attention, norms, elementwise) that follow. Unless the user set
/// `OPENBLAS_THREAD_TIMEOUT`, the engine sets it to 17 (2^17 cycles, ~50 µs: still hot for
/// back-to-back products, asleep during the rest) and restarts the OpenBLAS thread pool so it
/// takes effect. This measured 10–25% less time outside GEMMs in a Llama block.
public enum EngineThreads {
    nonisolated(unsafe) public private(set) static var count: Int = ProcessInfo.processInfo.activeProcessorCount

    public static func configure(_ n: Int) {
        _ = blasTuned
        count = max(1, n)
        #if !canImport(Accelerate)
        openblas_set_num_threads(Int32(count))
        #endif
    }

    /// The one-time OpenBLAS spin-timeout adjustment (see above); BLAS.sgemm touches it first.
    static let blasTuned: Void = {
        #if os(Linux) && !canImport(Accelerate)
        guard ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"] == nil,
              let handle = dlopen(nil, RTLD_NOW),
              let readEnvironment = dlsym(handle, "openblas_read_env"),
              let shutdown = dlsym(handle, "blas_thread_shutdown_") else { return }
        typealias CFunction = @convention(c) () -> Int32
        setenv("OPENBLAS_THREAD_TIMEOUT", "17", 0)
        _ = unsafeBitCast(readEnvironment, to: CFunction.self)()
        // Workers exit; the next multi-threaded call starts them again with the new timeout.
        _ = unsafeBitCast(shutdown, to: CFunction.self)()
        #endif
    }()

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
