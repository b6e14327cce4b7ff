#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// The only file that calls BLAS: OpenBLAS's CBLAS on Linux, Accelerate on Apple platforms.
enum BLAS {
    /// C[m×n] = alpha · op(A)·op(B) + beta · C, all row-major with the given leading dimensions.
    @inline(__always)
    static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        _ = EngineThreads.blasTuned
        // Leading dimensions must be ≥ 1 even for empty operands (k = 0 then just scales C by beta).
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)), beta, c, Int32(max(ldc, 1)))
    }
}
