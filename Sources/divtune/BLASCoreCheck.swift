import Foundation

/// OpenBLAS built with DYNAMIC_ARCH (Debian/Ubuntu's libopenblas) picks its kernels from the
/// CPU model; on virtual CPUs it does not recognise ("Intel Xeon Processor") it falls back to
/// "Prescott" — SSE3 kernels, 4–5× slower sgemm on AVX-512 hardware (measured on this project's
/// CI machine: an encoder pass went from 80% to 50% GEMM time). The choice is made when the
/// library loads, from `OPENBLAS_CORETYPE`, so the fix is to start again with it set: when the
/// core is "Prescott", `OPENBLAS_CORETYPE` is unset and /proc/cpuinfo shows AVX-512 (or
/// AVX2 + FMA), the process re-executes itself once with `SkylakeX` (or `Haswell`).
///
/// Only the `divtune` executable relaunches, from its `main` at start-up (never a test runner:
/// `make test` exports `OPENBLAS_CORETYPE` itself); set `OPENBLAS_CORETYPE`
/// yourself to choose, or `DIVTUNE_KEEP_BLAS_CORE=1` to keep what OpenBLAS chose.
enum BLASCoreCheck {
    static func relaunchWithFasterKernelsIfNeeded() {
        #if os(Linux)
        let environment = ProcessInfo.processInfo.environment
        // Not conditioned on the process name: a renamed or versioned copy of the binary
        // (`divtune-0.1`) must not fall back to the slow kernels. Setting the variable first
        // makes the relaunch happen at most once.
        guard environment["OPENBLAS_CORETYPE"] == nil, environment["DIVTUNE_KEEP_BLAS_CORE"] == nil,
              currentCore() == "Prescott", let better = supportedCore() else { return }
        setenv("OPENBLAS_CORETYPE", better, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on with the slow kernels.
        #endif
    }

    /// `openblas_get_corename()`, when the linked BLAS is OpenBLAS.
    static func currentCore() -> String? {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "openblas_get_corename") else { return nil }
        typealias CoreName = @convention(c) () -> UnsafePointer<CChar>?
        return unsafeBitCast(symbol, to: CoreName.self)().map { String(cString: $0) }
    }

    /// The best OpenBLAS core type the CPU's flags allow (nil: nothing better than SSE).
    static func supportedCore(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> String? {
        guard let cpuinfo, let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(line.split(separator: " ").map(String.init))
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(flags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }
}
