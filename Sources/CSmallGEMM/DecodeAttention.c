// See include/CSmallGEMM.h. A decode step's attention is one query row per head against a cache
// of n keys: a product of a few rows that sgemm packs and dispatches at a cost larger than the
// arithmetic. This kernel runs the query heads that share a KV head together, so each key and
// value row is read once for all of them: a score is one chain of fused multiply-adds over the
// head width (16 lanes) summed across the lanes; the output accumulates the value rows in key
// order. The numbers depend only on the sequence's own query and cache.
#include "CSmallGEMM.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

enum { MAX_CHUNKS = 16 };

// scores[h·n + s] = scale · q_h·K_s for the `group` query heads (rows of q, d = 16·chunks apart).
__attribute__((target("avx512f"), always_inline))
static inline void decode_scores(const int chunks, long group, long n, float scale, const float *q,
                                 const float *k, long kRow, float *scores) {
    const long d = 16L * chunks;
    for (long s = 0; s < n; s++) {
        const float *ks = k + s * kRow;
        __m512 key[MAX_CHUNKS];
#pragma clang loop unroll(full)
        for (int j = 0; j < chunks; j++) key[j] = _mm512_loadu_ps(ks + 16 * j);
        for (long h = 0; h < group; h++) {
            const float *qh = q + h * d;
            __m512 acc = _mm512_mul_ps(_mm512_loadu_ps(qh), key[0]);
#pragma clang loop unroll(full)
            for (int j = 1; j < chunks; j++) acc = _mm512_fmadd_ps(_mm512_loadu_ps(qh + 16 * j), key[j], acc);
            scores[h * n + s] = scale * _mm512_reduce_add_ps(acc);
        }
    }
}

// out_h = Σ_s p_h[s] · V_s for each head h (p = the normalized scores), summed in key order.
__attribute__((target("avx512f"), always_inline))
static inline void decode_values(const int chunks, long group, long n, const float *p, const float *v, long vRow,
                                 float *out) {
    const long d = 16L * chunks;
    for (long h = 0; h < group; h++) {
        const float *ph = p + h * n;
        __m512 acc[MAX_CHUNKS];
#pragma clang loop unroll(full)
        for (int j = 0; j < chunks; j++) acc[j] = _mm512_setzero_ps();
        for (long s = 0; s < n; s++) {
            const __m512 weight = _mm512_set1_ps(ph[s]);
            const float *vs = v + s * vRow;
#pragma clang loop unroll(full)
            for (int j = 0; j < chunks; j++) acc[j] = _mm512_fmadd_ps(weight, _mm512_loadu_ps(vs + 16 * j), acc[j]);
        }
#pragma clang loop unroll(full)
        for (int j = 0; j < chunks; j++) _mm512_storeu_ps(out + h * d + 16 * j, acc[j]);
    }
}

__attribute__((target("avx512f"), always_inline))
static inline void decode_attention(const int chunks, long group, long n, float scale, const float *q, const float *k,
                                    long kRow, const float *v, long vRow, float *scratch, float *out) {
    decode_scores(chunks, group, n, scale, q, k, kRow, scratch);
    for (long h = 0; h < group; h++) divtune_softmax_row(scratch + h * n, n, n);
    decode_values(chunks, group, n, scratch, v, vRow, out);
}

// The usual head widths with the chunk count known at compile time (accumulators in registers).
__attribute__((target("avx512f")))
static void decode_attention_64(long group, long n, float scale, const float *q, const float *k, long kRow,
                                const float *v, long vRow, float *scratch, float *out) {
    decode_attention(4, group, n, scale, q, k, kRow, v, vRow, scratch, out);
}

__attribute__((target("avx512f")))
static void decode_attention_128(long group, long n, float scale, const float *q, const float *k, long kRow,
                                 const float *v, long vRow, float *scratch, float *out) {
    decode_attention(8, group, n, scale, q, k, kRow, v, vRow, scratch, out);
}

__attribute__((target("avx512f")))
static void decode_attention_any(int chunks, long group, long n, float scale, const float *q, const float *k, long kRow,
                                 const float *v, long vRow, float *scratch, float *out) {
    decode_attention(chunks, group, n, scale, q, k, kRow, v, vRow, scratch, out);
}

int divtune_decode_attention_available(long d, long group) {
    return divtune_small_gemm_available() && d > 0 && d % 16 == 0 && d / 16 <= MAX_CHUNKS && group >= 1;
}

int divtune_decode_attention(long group, long n, long d, float scale, const float *q, const float *k, long kRow,
                             const float *v, long vRow, float *scratch, float *out) {
    if (!divtune_decode_attention_available(d, group) || n < 1) return 0;
    if (d == 64) decode_attention_64(group, n, scale, q, k, kRow, v, vRow, scratch, out);
    else if (d == 128) decode_attention_128(group, n, scale, q, k, kRow, v, vRow, scratch, out);
    else decode_attention_any((int)(d / 16), group, n, scale, q, k, kRow, v, vRow, scratch, out);
    return 1;
}

#else

int divtune_decode_attention_available(long d, long group) { (void)d; (void)group; return 0; }

int divtune_decode_attention(long group, long n, long d, float scale, const float *q, const float *k, long kRow,
                             const float *v, long vRow, float *scratch, float *out) {
    (void)group; (void)n; (void)d; (void)scale; (void)q; (void)k; (void)kRow; (void)v; (void)vRow; (void)scratch; (void)out;
    return 0;
}

#endif
