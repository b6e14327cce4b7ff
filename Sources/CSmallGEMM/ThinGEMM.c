// Thin matrix products: one side of width w ≤ 64 (a LoRA rank), the inner dimension long.
// sgemm treats them like any product and runs them at a third of its speed (packing a 16-wide
// operand, one thread doing what two could); these register-tile kernels keep the w-wide
// operand's row in ≤ 4 zmm registers per row of the tile.
#include "CSmallGEMM.h"
#include "LaneMask.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

enum { THIN_TILE = 6, THIN_CHUNK = 64 };

// C[rows, w] = alpha · A[rows, k] · B[k, w] for one tile of `rows` rows; `chunks` = ⌈w/16⌉.
__attribute__((target("avx512f"), always_inline))
static inline void thin_nn_tile(const int rows, const int chunks, long w, long k, float alpha,
                                const float *a, long lda, const float *b, float *c, long ldc) {
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
            const __m512 x = _mm512_set1_ps(a[r * lda + kk]);
#pragma clang loop unroll(full)
            for (int q = 0; q < chunks; q++) acc[r][q] = _mm512_fmadd_ps(x, bk[q], acc[r][q]);
        }
    }
    const __m512 scale = _mm512_set1_ps(alpha);
#pragma clang loop unroll(full)
    for (int r = 0; r < rows; r++)
#pragma clang loop unroll(full)
        for (int q = 0; q < chunks; q++)
            _mm512_mask_storeu_ps(c + r * ldc + 16 * q, masks[q], _mm512_mul_ps(acc[r][q], scale));
}

__attribute__((target("avx512f"), always_inline))
static inline void thin_nn_rows(const int chunks, long m, long w, long k, float alpha, const float *a, long lda,
                                const float *b, float *c) {
    long i = 0;
    for (; i + THIN_TILE <= m; i += THIN_TILE) thin_nn_tile(THIN_TILE, chunks, w, k, alpha, a + i * lda, lda, b, c + i * w, w);
    switch (m - i) {
    case 5: thin_nn_tile(5, chunks, w, k, alpha, a + i * lda, lda, b, c + i * w, w); break;
    case 4: thin_nn_tile(4, chunks, w, k, alpha, a + i * lda, lda, b, c + i * w, w); break;
    case 3: thin_nn_tile(3, chunks, w, k, alpha, a + i * lda, lda, b, c + i * w, w); break;
    case 2: thin_nn_tile(2, chunks, w, k, alpha, a + i * lda, lda, b, c + i * w, w); break;
    case 1: thin_nn_tile(1, chunks, w, k, alpha, a + i * lda, lda, b, c + i * w, w); break;
    default: break;
    }
}

__attribute__((target("avx512f")))
static void thin_nn_avx512(long m, long w, long k, float alpha, const float *a, long lda, const float *b, float *c) {
    switch ((w + 15) / 16) {
    case 1: thin_nn_rows(1, m, w, k, alpha, a, lda, b, c); break;
    case 2: thin_nn_rows(2, m, w, k, alpha, a, lda, b, c); break;
    case 3: thin_nn_rows(3, m, w, k, alpha, a, lda, b, c); break;
    default: thin_nn_rows(4, m, w, k, alpha, a, lda, b, c); break;
    }
}

// C[cols, w] (+)= alpha · X[:, cols]ᵀ · U for a tile of `cols` ≤ 6 columns of X over rows [t0, t1).
__attribute__((target("avx512f"), always_inline))
static inline void thin_tn_tile(const int cols, const int chunks, long w, long t0, long t1, float alpha,
                                const float *x, long ldx, const float *u, float *c, int load) {
    __mmask16 masks[4];
#pragma clang loop unroll(full)
    for (int q = 0; q < 4; q++) masks[q] = lane_mask(w, q);
    __m512 acc[THIN_TILE][4];
#pragma clang loop unroll(full)
    for (int j = 0; j < cols; j++)
#pragma clang loop unroll(full)
        for (int q = 0; q < chunks; q++) acc[j][q] = _mm512_setzero_ps();
    const __m512 scale = _mm512_set1_ps(alpha);
    for (long t = t0; t < t1; t++) {
        __m512 ut[4];
#pragma clang loop unroll(full)
        for (int q = 0; q < chunks; q++) ut[q] = _mm512_maskz_loadu_ps(masks[q], u + t * w + 16 * q);
#pragma clang loop unroll(full)
        for (int j = 0; j < cols; j++) {
            const __m512 xv = _mm512_set1_ps(x[t * ldx + j]);
#pragma clang loop unroll(full)
            for (int q = 0; q < chunks; q++) acc[j][q] = _mm512_fmadd_ps(xv, ut[q], acc[j][q]);
        }
    }
#pragma clang loop unroll(full)
    for (int j = 0; j < cols; j++)
#pragma clang loop unroll(full)
        for (int q = 0; q < chunks; q++) {
            __m512 v = _mm512_mul_ps(acc[j][q], scale);
            if (load) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(masks[q], c + j * w + 16 * q));
            _mm512_mask_storeu_ps(c + j * w + 16 * q, masks[q], v);
        }
}

__attribute__((target("avx512f"), always_inline))
static inline void thin_tn_columns(const int chunks, long m, long n, long w, float alpha, const float *x, long ldx,
                                   const float *u, int accumulate, float *c) {
    // Rows in chunks whose slice of X stays in L2 while every column tile sweeps it.
    for (long t0 = 0; t0 < m; t0 += THIN_CHUNK) {
        const long t1 = t0 + THIN_CHUNK < m ? t0 + THIN_CHUNK : m;
        const int load = accumulate || t0 > 0;
        long j = 0;
        for (; j + THIN_TILE <= n; j += THIN_TILE) thin_tn_tile(THIN_TILE, chunks, w, t0, t1, alpha, x + j, ldx, u, c + j * w, load);
        switch (n - j) {
        case 5: thin_tn_tile(5, chunks, w, t0, t1, alpha, x + j, ldx, u, c + j * w, load); break;
        case 4: thin_tn_tile(4, chunks, w, t0, t1, alpha, x + j, ldx, u, c + j * w, load); break;
        case 3: thin_tn_tile(3, chunks, w, t0, t1, alpha, x + j, ldx, u, c + j * w, load); break;
        case 2: thin_tn_tile(2, chunks, w, t0, t1, alpha, x + j, ldx, u, c + j * w, load); break;
        case 1: thin_tn_tile(1, chunks, w, t0, t1, alpha, x + j, ldx, u, c + j * w, load); break;
        default: break;
        }
    }
}

__attribute__((target("avx512f")))
static void thin_tn_avx512(long m, long n, long w, float alpha, const float *x, long ldx, const float *u, int accumulate, float *c) {
    switch ((w + 15) / 16) {
    case 1: thin_tn_columns(1, m, n, w, alpha, x, ldx, u, accumulate, c); break;
    case 2: thin_tn_columns(2, m, n, w, alpha, x, ldx, u, accumulate, c); break;
    case 3: thin_tn_columns(3, m, n, w, alpha, x, ldx, u, accumulate, c); break;
    default: thin_tn_columns(4, m, n, w, alpha, x, ldx, u, accumulate, c); break;
    }
}

int divtune_thin_gemm(long m, long w, long k, float alpha, const float *a, long lda, const float *b, float *c) {
    if (w < 1 || w > 64 || !divtune_small_gemm_available()) return 0;
    thin_nn_avx512(m, w, k, alpha, a, lda, b, c);
    return 1;
}

int divtune_thin_gemm_tn(long m, long n, long w, float alpha, const float *x, long ldx, const float *u, int accumulate, float *c) {
    if (m < 1 || w < 1 || w > 64 || !divtune_small_gemm_available()) return 0;
    thin_tn_avx512(m, n, w, alpha, x, ldx, u, accumulate, c);
    return 1;
}

#else

int divtune_thin_gemm(long m, long w, long k, float alpha, const float *a, long lda, const float *b, float *c) {
    (void)m; (void)w; (void)k; (void)alpha; (void)a; (void)lda; (void)b; (void)c;
    return 0;
}

int divtune_thin_gemm_tn(long m, long n, long w, float alpha, const float *x, long ldx, const float *u, int accumulate, float *c) {
    (void)m; (void)n; (void)w; (void)alpha; (void)x; (void)ldx; (void)u; (void)accumulate; (void)c;
    return 0;
}

#endif
