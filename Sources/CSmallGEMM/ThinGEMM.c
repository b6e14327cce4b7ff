// Thin matrix products: one side of width w ≤ 64 (a LoRA rank), the inner dimension long.
// sgemm treats them like any product and runs them at a third of its speed (packing a 16-wide
// operand, one thread doing what two could); these register-tile kernels keep the w-wide
// operand's row in ≤ 4 zmm registers per row of the tile.
#include "CSmallGEMM.h"
#include "LaneMask.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

enum { THIN_TILE = 6, THIN_CHUNK = 64 };

// C[rows, w] = alpha · Σ_{κ < k} A[r, κ] · B[κ, :] (+ C when `load`) for one tile of `rows` rows
// of C; `chunks` = ⌈w/16⌉ zmm registers hold a row of B and each row's accumulators.
__attribute__((target("avx512f"), always_inline))
static inline void thin_tile(const int rows, const int chunks, long w, long k, float alpha,
                             const float *a, long aRow, long aCol, const float *b, float *c, int load) {
    __mmask16 masks[4];
#pragma clang loop unroll(full)
    for (int q = 0; q < 4; q++) masks[q] = lane_mask(w, q);
    __m512 acc[THIN_TILE][4];
#pragma clang loop unroll(full)
    for (int r = 0; r < rows; r++)
#pragma clang loop unroll(full)
        for (int q = 0; q < chunks; q++) acc[r][q] = _mm512_setzero_ps();
    for (long kk = 0; kk < k; kk++) {
        __m512 bk[4];
#pragma clang loop unroll(full)
        for (int q = 0; q < chunks; q++) bk[q] = _mm512_maskz_loadu_ps(masks[q], b + kk * w + 16 * q);
#pragma clang loop unroll(full)
        for (int r = 0; r < rows; r++) {
            const __m512 x = _mm512_set1_ps(a[r * aRow + kk * aCol]);
#pragma clang loop unroll(full)
            for (int q = 0; q < chunks; q++) acc[r][q] = _mm512_fmadd_ps(x, bk[q], acc[r][q]);
        }
    }
    const __m512 scale = _mm512_set1_ps(alpha);
#pragma clang loop unroll(full)
    for (int r = 0; r < rows; r++)
#pragma clang loop unroll(full)
        for (int q = 0; q < chunks; q++) {
            __m512 v = _mm512_mul_ps(acc[r][q], scale);
            if (load) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(masks[q], c + r * w + 16 * q));
            _mm512_mask_storeu_ps(c + r * w + 16 * q, masks[q], v);
        }
}

// Rows of C in tiles, over k in spans of `span`.
__attribute__((target("avx512f"), always_inline))
static inline void thin_sweep(const int chunks, long m, long w, long k, long span, float alpha, const float *a,
                              long aRow, long aCol, const float *b, int accumulate, float *c) {
    for (long k0 = 0; k0 < k; k0 += span) {
        const long n = k0 + span < k ? span : k - k0;
        const int load = accumulate || k0 > 0;
        const float *as = a + k0 * aCol, *bs = b + k0 * w;
        long i = 0;
        for (; i + THIN_TILE <= m; i += THIN_TILE) thin_tile(THIN_TILE, chunks, w, n, alpha, as + i * aRow, aRow, aCol, bs, c + i * w, load);
        switch (m - i) {
        case 5: thin_tile(5, chunks, w, n, alpha, as + i * aRow, aRow, aCol, bs, c + i * w, load); break;
        case 4: thin_tile(4, chunks, w, n, alpha, as + i * aRow, aRow, aCol, bs, c + i * w, load); break;
        case 3: thin_tile(3, chunks, w, n, alpha, as + i * aRow, aRow, aCol, bs, c + i * w, load); break;
        case 2: thin_tile(2, chunks, w, n, alpha, as + i * aRow, aRow, aCol, bs, c + i * w, load); break;
        case 1: thin_tile(1, chunks, w, n, alpha, as + i * aRow, aRow, aCol, bs, c + i * w, load); break;
        default: break;
        }
    }
}

// A's unit stride is passed as a literal, so each sweep's addressing compiles to constant offsets.
// A read down its columns (transposed: dYᵀ, xᵀ) is taken THIN_CHUNK of its rows at a time, so
// that slice stays in L2 while every tile sweeps it; a row-major A streams through whole.
__attribute__((target("avx512f"), always_inline))
static inline void thin_rows(const int chunks, long m, long w, long k, float alpha, const float *a, long aRow, long aCol,
                             const float *b, int accumulate, float *c) {
    if (aCol == 1) thin_sweep(chunks, m, w, k, k, alpha, a, aRow, 1, b, accumulate, c);
    else thin_sweep(chunks, m, w, k, THIN_CHUNK, alpha, a, 1, aCol, b, accumulate, c);
}

__attribute__((target("avx512f")))
static void thin_gemm_avx512(long m, long w, long k, float alpha, const float *a, long aRow, long aCol,
                             const float *b, int accumulate, float *c) {
    switch ((w + 15) / 16) {
    case 1: thin_rows(1, m, w, k, alpha, a, aRow, aCol, b, accumulate, c); break;
    case 2: thin_rows(2, m, w, k, alpha, a, aRow, aCol, b, accumulate, c); break;
    case 3: thin_rows(3, m, w, k, alpha, a, aRow, aCol, b, accumulate, c); break;
    default: thin_rows(4, m, w, k, alpha, a, aRow, aCol, b, accumulate, c); break;
    }
}

int divtune_thin_gemm(long m, long w, long k, float alpha, const float *a, long aRow, long aCol,
                      const float *b, int accumulate, float *c) {
    if (k < 1 || w < 1 || w > 64 || (aRow != 1 && aCol != 1) || !divtune_small_gemm_available()) return 0;
    thin_gemm_avx512(m, w, k, alpha, a, aRow, aCol, b, accumulate, c);
    return 1;
}

#else

int divtune_thin_gemm(long m, long w, long k, float alpha, const float *a, long aRow, long aCol,
                      const float *b, int accumulate, float *c) {
    (void)m; (void)w; (void)k; (void)alpha; (void)a; (void)aRow; (void)aCol; (void)b; (void)accumulate; (void)c;
    return 0;
}

#endif
