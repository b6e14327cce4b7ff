// Small matrix products for attention, written with AVX-512 intrinsics and selected at run time.
// Attention multiplies a 64-row block by 64..S keys with an inner dimension of 64 (or S); sgemm
// spends a large part of such a product packing operands and clearing C, so these kernels run
// register tiles straight over the operands instead. Other CPUs fall back to BLAS (the caller's
// job: the functions return 0 when they did nothing).
#ifndef DIVTUNE_CSMALLGEMM_H
#define DIVTUNE_CSMALLGEMM_H

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the kernels below can run on this CPU (AVX-512F), else 0.
int divtune_small_gemm_available(void);

/// C[i·ldc + j] = alpha · Σₖ A[i·aRow + k·aCol] · B[k·ldb + j]  (+ C[i·ldc + j] when `accumulate`)
/// for i < m, j < n. A is read through two strides, so it may be row-major (aCol = 1) or
/// transposed (aRow = 1). Returns 1, or 0 (nothing written) without AVX-512.
///
/// `causal` skips the work a causal mask makes void, in tiles of 6 rows (d = `diagonal`):
///   0 none;
///   1 C[i][j] is not needed for j > i + d — such entries may be left unwritten (Q·Kᵀ);
///   2 A[i][κ] is zero for κ > i + d (P·V);
///   3 A[i][κ] is zero for κ < i − d (Pᵀ·dO).
int divtune_small_gemm(long m, long n, long k, float alpha, const float *a, long aRow, long aCol,
                       const float *b, long ldb, int accumulate, float *c, long ldc, int causal, long diagonal);

/// Softmax in place over row[0..<n] (max-subtracted, so any finite scores are safe), then zeros
/// row[n..<width]; a row whose entries are all −∞ becomes all zeros. The eˣ is Cephes' expf
/// polynomial with fused multiply-adds (relative error ≈ 1e-7). Returns 1, or 0 (nothing written)
/// without AVX-512.
int divtune_softmax_row(float *row, long n, long width);

/// Thin products (ThinGEMM.c): C[m×w] = alpha · A·B (+ C when `accumulate`) with `w` ≤ 64 (a LoRA
/// rank) and a long inner dimension k. A [m×k] is read through two strides, like `divtune_small_gemm`'s:
/// row-major (x·Aᵀ, dY·B: aCol = 1) or transposed (dYᵀ·u, xᵀ·du: aRow = 1); B [k×w] and C [m×w]
/// are dense. Each row of C sums over k in order. Returns 1, or 0 (nothing written) without
/// AVX-512, for w outside 1...64, for k = 0, or for an A that is neither row-major nor transposed.
int divtune_thin_gemm(long m, long w, long k, float alpha, const float *a, long aRow, long aCol,
                      const float *b, int accumulate, float *c);

/// Decode attention (DecodeAttention.c): one query row for each of the `group` query heads that
/// share a KV head, against `n` keys and values (rows `kRow`, `vRow` floats apart):
/// out[h·d ..< (h+1)·d] = Σₛ softmaxₛ(scale · q_h·Kₛ) · Vₛ, with q and out `group` dense rows of d.
/// `scratch` holds group·n floats. Each score is one chain of fused multiply-adds over d summed
/// across the lanes, each output sums the values in key order: the result depends on this
/// query and these keys only. Returns 1, or 0 (nothing written) without AVX-512, for d outside
/// {16, 32, …, 256}, group < 1 or n = 0.
int divtune_decode_attention_available(long d, long group);
int divtune_decode_attention(long group, long n, long d, float scale, const float *q, const float *k, long kRow,
                             const float *v, long vRow, float *scratch, float *out);

#ifdef __cplusplus
}
#endif

#endif
