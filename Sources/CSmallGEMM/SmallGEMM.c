// See include/CSmallGEMM.h. C is computed in tiles of up to 6 rows × 64 columns held in 24
// zmm accumulators; each step over k loads one 64-wide row of B (masked at the right edge) and
// broadcasts one element of A per tile row, so B streams from L1/L2 and A is read once per
// column panel.
#include "CSmallGEMM.h"
#include "LaneMask.h"
#include <math.h>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

enum { TILE_ROWS = 6, PANEL = 64 };

// One tile of `rows` (a compile-time constant after inlining) × `width` ≤ 64 columns.
__attribute__((target("avx512f"), always_inline))
static inline void tile(const int rows, long width, long k0, long k1, float alpha, const float *a, long aRow, long aCol,
                        const float *b, long ldb, int accumulate, float *c, long ldc) {
    const __mmask16 m0 = lane_mask(width, 0), m1 = lane_mask(width, 1), m2 = lane_mask(width, 2), m3 = lane_mask(width, 3);
    __m512 acc[TILE_ROWS][4];
#pragma clang loop unroll(full)
    for (int r = 0; r < rows; r++)
        acc[r][0] = acc[r][1] = acc[r][2] = acc[r][3] = _mm512_setzero_ps();
    for (long kk = k0; kk < k1; kk++) {
        const float *bk = b + kk * ldb, *ak = a + kk * aCol;
        const __m512 b0 = _mm512_maskz_loadu_ps(m0, bk), b1 = _mm512_maskz_loadu_ps(m1, bk + 16);
        const __m512 b2 = _mm512_maskz_loadu_ps(m2, bk + 32), b3 = _mm512_maskz_loadu_ps(m3, bk + 48);
#pragma clang loop unroll(full)
        for (int r = 0; r < rows; r++) {
            const __m512 x = _mm512_set1_ps(ak[r * aRow]);
            acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
            acc[r][2] = _mm512_fmadd_ps(x, b2, acc[r][2]);
            acc[r][3] = _mm512_fmadd_ps(x, b3, acc[r][3]);
        }
    }
    const __m512 scale = _mm512_set1_ps(alpha);
    const __mmask16 masks[4] = {m0, m1, m2, m3};
#pragma clang loop unroll(full)
    for (int r = 0; r < rows; r++) {
        float *cr = c + r * ldc;
#pragma clang loop unroll(full)
        for (int q = 0; q < 4; q++) {
            __m512 v = _mm512_mul_ps(acc[r][q], scale);
            if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(masks[q], cr + 16 * q));
            _mm512_mask_storeu_ps(cr + 16 * q, masks[q], v);
        }
    }
}

// One tile of rows [i, i + rows) in the column panel at j, with the causal skips of the header.
__attribute__((target("avx512f"), always_inline))
static inline void causal_tile(const int rows, long i, long j, long width, long k, float alpha, const float *a, long aRow,
                               long aCol, const float *b, long ldb, int accumulate, float *c, long ldc, int causal, long diagonal) {
    long k0 = 0, k1 = k;
    if (causal == 1) {
        const long needed = i + rows + diagonal - j;   // columns this tile's last row needs in the panel
        if (needed <= 0) return;
        if (needed < width) width = needed;
    } else if (causal == 2) {
        if (i + rows + diagonal < k1) k1 = i + rows + diagonal;
        if (k1 < 0) k1 = 0;
    } else if (causal == 3) {
        if (i - diagonal > 0) k0 = i - diagonal < k ? i - diagonal : k;
    }
    tile(rows, width, k0, k1, alpha, a + i * aRow, aRow, aCol, b + j, ldb, accumulate, c + i * ldc + j, ldc);
}

__attribute__((target("avx512f")))
static void small_gemm_avx512(long m, long n, long k, float alpha, const float *a, long aRow, long aCol,
                              const float *b, long ldb, int accumulate, float *c, long ldc, int causal, long diagonal) {
    for (long j = 0; j < n; j += PANEL) {
        const long width = n - j < PANEL ? n - j : PANEL;
        long i = 0;
        for (; i + TILE_ROWS <= m; i += TILE_ROWS)
            causal_tile(TILE_ROWS, i, j, width, k, alpha, a, aRow, aCol, b, ldb, accumulate, c, ldc, causal, diagonal);
        switch (m - i) {
        case 5: causal_tile(5, i, j, width, k, alpha, a, aRow, aCol, b, ldb, accumulate, c, ldc, causal, diagonal); break;
        case 4: causal_tile(4, i, j, width, k, alpha, a, aRow, aCol, b, ldb, accumulate, c, ldc, causal, diagonal); break;
        case 3: causal_tile(3, i, j, width, k, alpha, a, aRow, aCol, b, ldb, accumulate, c, ldc, causal, diagonal); break;
        case 2: causal_tile(2, i, j, width, k, alpha, a, aRow, aCol, b, ldb, accumulate, c, ldc, causal, diagonal); break;
        case 1: causal_tile(1, i, j, width, k, alpha, a, aRow, aCol, b, ldb, accumulate, c, ldc, causal, diagonal); break;
        default: break;
        }
    }
}

// eˣ for 16 lanes: Cephes' expf (range reduction by ln 2 in two parts, degree-5 polynomial),
// exactly 0 below −87.3 so that masked −∞ scores vanish.
__attribute__((target("avx512f"), always_inline))
static inline __m512 exp16(__m512 x) {
    const __m512 low = _mm512_set1_ps(-87.3f);
    const __m512 c = _mm512_min_ps(_mm512_max_ps(x, low), _mm512_set1_ps(88.7f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(c, _mm512_set1_ps(1.44269504f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), c);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    const __m512 e = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    // e · 2ⁿ, and 0 where x was below the range (−∞ included).
    return _mm512_maskz_scalef_ps(_mm512_cmp_ps_mask(x, low, _CMP_GE_OQ), e, n);
}

__attribute__((target("avx512f")))
static void softmax_row_avx512(float *row, long n, long width) {
    __m512 m = _mm512_set1_ps(-INFINITY);
    for (long i = 0; i < n; i += 16) {
        const __mmask16 k = lane_mask(n - i, 0);
        m = _mm512_mask_max_ps(m, k, m, _mm512_maskz_loadu_ps(k, row + i));
    }
    const float top = _mm512_reduce_max_ps(m);
    if (top == -INFINITY) {
        for (long i = 0; i < width; i += 16) _mm512_mask_storeu_ps(row + i, lane_mask(width - i, 0), _mm512_setzero_ps());
        return;
    }
    const __m512 shift = _mm512_set1_ps(top);
    __m512 total = _mm512_setzero_ps();
    for (long i = 0; i < n; i += 16) {
        const __mmask16 k = lane_mask(n - i, 0);
        const __m512 e = _mm512_maskz_mov_ps(k, exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, row + i), shift)));
        total = _mm512_add_ps(total, e);
        _mm512_mask_storeu_ps(row + i, k, e);
    }
    const __m512 inverse = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(total));
    for (long i = 0; i < n; i += 16) {
        const __mmask16 k = lane_mask(n - i, 0);
        _mm512_mask_storeu_ps(row + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, row + i), inverse));
    }
    for (long i = n; i < width; i++) row[i] = 0;
}

int divtune_softmax_row(float *row, long n, long width) {
    if (!divtune_small_gemm_available()) return 0;
    softmax_row_avx512(row, n, width);
    return 1;
}

int divtune_small_gemm_available(void) {
    static int available = -1;
    if (available < 0) {
        __builtin_cpu_init();
        available = __builtin_cpu_supports("avx512f") ? 1 : 0;
    }
    return available;
}

int divtune_small_gemm(long m, long n, long k, float alpha, const float *a, long aRow, long aCol,
                       const float *b, long ldb, int accumulate, float *c, long ldc, int causal, long diagonal) {
    if (!divtune_small_gemm_available()) return 0;
    small_gemm_avx512(m, n, k, alpha, a, aRow, aCol, b, ldb, accumulate, c, ldc, causal, diagonal);
    return 1;
}

#else

// Not x86: no kernels; callers use sgemm and the Swift softmax.
int divtune_small_gemm_available(void) { return 0; }

int divtune_softmax_row(float *row, long n, long width) { (void)row; (void)n; (void)width; return 0; }

int divtune_small_gemm(long m, long n, long k, float alpha, const float *a, long aRow, long aCol,
                       const float *b, long ldb, int accumulate, float *c, long ldc, int causal, long diagonal) {
    (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)aRow; (void)aCol; (void)b; (void)ldb;
    (void)accumulate; (void)c; (void)ldc; (void)causal; (void)diagonal;
    return 0;
}

#endif
