#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import CSmallGEMM
import Foundation

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

    /// C[m×n] = alpha · A·B (+ C when `accumulate`) for the small products of attention (64-row
    /// blocks, inner dimension 64 or a few hundred keys): a register-tile kernel where the CPU has
    /// AVX-512 — 1.2–1.3× sgemm on Q·Kᵀ, whose 64-deep products sgemm spends packing and clearing
    /// C — else sgemm. A is read through strides: row-major with `aRow` = its leading dimension and
    /// `aCol` = 1, or transposed with `aRow` = 1; B is row-major.
    ///
    /// `skip` names the work a causal mask makes void, which the kernel leaves out (sgemm does it all).
    @inline(__always)
    static func smallGEMM(m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, aRow: Int, aCol: Int,
                          b: UnsafePointer<Float>, ldb: Int, accumulate: Bool = false, c: UnsafeMutablePointer<Float>, ldc: Int,
                          skip: CausalSkip = .none) {
        if m == 0 || n == 0 { return }
        let (mode, diagonal): (Int32, Int) = switch skip {
        case .none: (0, 0)
        case .columnsAfter(let d): (1, d)
        case .depthAfter(let d): (2, d)
        case .depthBefore(let d): (3, d)
        }
        if divtune_small_gemm(m, n, k, alpha, a, aRow, aCol, b, ldb, accumulate ? 1 : 0, c, ldc, mode, diagonal) == 1 { return }
        precondition(aCol == 1 || aRow == 1, "smallGEMM: A must be row-major or transposed")
        let transA = aCol != 1
        sgemm(transA: transA, transB: false, m: m, n: n, k: k, alpha: alpha, a: a, lda: transA ? max(aCol, m) : max(aRow, k),
              b: b, ldb: ldb, beta: accumulate ? 1 : 0, c: c, ldc: ldc)
    }
}

extension BLAS {
    /// C[m×w] = alpha · A·B (+ C when `accumulate`) for a thin w (a LoRA rank: x·Aᵀ, dY·B, dYᵀ·u,
    /// xᵀ·du) and a long inner dimension k. A [m×k] is read through strides as in `smallGEMM`:
    /// row-major (`aRow` = its leading dimension, `aCol` = 1) or transposed (`aRow` = 1); B and C
    /// are dense. On AVX-512 and w ≤ 64 a register-tile kernel over row ranges of C split among
    /// the engine's threads (2.5–3× sgemm, which packs the thin operand and runs such a product on
    /// one thread); else sgemm. Each element sums over k in the same order whatever the split.
    static func thinGEMM(m: Int, w: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, aRow: Int, aCol: Int,
                         b: UnsafePointer<Float>, accumulate: Bool = false, c: UnsafeMutablePointer<Float>) {
        if m == 0 || w == 0 { return }
        precondition(aCol == 1 || aRow == 1, "thinGEMM: A must be row-major or transposed")
        guard w <= 64, k > 0, divtune_small_gemm_available() == 1 else {
            let transA = aCol != 1
            sgemm(transA: transA, transB: false, m: m, n: w, k: k, alpha: alpha, a: a, lda: transA ? max(aCol, m) : max(aRow, k),
                  b: b, ldb: w, beta: accumulate ? 1 : 0, c: c, ldc: w)
            return
        }
        splitForThreads(m, work: m * k * w) { rows in
            _ = divtune_thin_gemm(rows.count, w, k, alpha, a + rows.lowerBound * aRow, aRow, aCol, b, accumulate ? 1 : 0,
                                  c + rows.lowerBound * w)
        }
    }

    /// 0..<n in one range per engine thread (multiples of the kernels' 6-row tile), in parallel
    /// when the product is big enough to pay for it.
    private static func splitForThreads(_ n: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let pieces = work < 65_536 ? 1 : min(EngineThreads.count, (n + 5) / 6)
        if pieces <= 1 { body(0..<n); return }
        let size = ((n + pieces - 1) / pieces + 5) / 6 * 6
        DispatchQueue.concurrentPerform(iterations: pieces) { p in
            let range = min(n, p * size)..<min(n, (p + 1) * size)
            if !range.isEmpty { body(range) }
        }
    }
}

/// Work of a small product that a causal mask makes void, with d the diagonal's offset.
enum CausalSkip {
    case none
    /// C[i][j] is not needed for j > i + d: such entries may be left unwritten (Q·Kᵀ, dO·Vᵀ).
    case columnsAfter(Int)
    /// A[i][κ] is zero for κ > i + d (P·V, dS·K).
    case depthAfter(Int)
    /// A[i][κ] is zero for κ < i − d (Pᵀ·dO, dSᵀ·Q).
    case depthBefore(Int)
}
