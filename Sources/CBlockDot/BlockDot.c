// See include/CBlockDot.h. Block layouts (ggml-common.h): Q4_0 {f16 d; u8 qs[16]} w = d·(q − 8);
// Q4_1 {f16 d; f16 m; u8 qs[16]} w = d·q + m; Q8_0 {f16 d; i8 qs[32]} w = d·q. In Q4 blocks
// byte j holds weight j (low nibble) and weight j + 16 (high nibble), so [low | high] is the
// block's 32 weights in order and lines up with 32 contiguous activations.
#include "CBlockDot.h"
#include <math.h>
#include <string.h>

void divtune_quantize_q8(const float *x, int blocks, int8_t *q, float *d, float *sum, int32_t *qsum) {
    for (int b = 0; b < blocks; b++) {
        const float *xb = x + 32 * b;
        float amax = 0, s = 0;
        for (int i = 0; i < 32; i++) { float a = fabsf(xb[i]); if (a > amax) amax = a; s += xb[i]; }
        float scale = amax / 127.0f, inv = amax > 0 ? 127.0f / amax : 0;
        int32_t qs = 0;
        for (int i = 0; i < 32; i++) { q[32 * b + i] = (int8_t)lrintf(xb[i] * inv); qs += q[32 * b + i]; }
        d[b] = scale;
        sum[b] = s;
        if (qsum) qsum[b] = qs;
    }
}

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

// The 32 weights of a Q4 block as unsigned bytes in order: [low nibbles | high nibbles].
#define NIBBLES(p) ({ __m128i v_ = _mm_loadu_si128((const __m128i *)(p)); \
    _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v_, 4), v_), _mm256_set1_epi8(0x0F)); })

// A binary16 scale widened with F16C.
#define HALF(p) ({ uint16_t h_; memcpy(&h_, (p), 2); _cvtsh_ss(h_); })

// The sum of the 8 lanes of a 256-bit float vector.
__attribute__((target("avx")))
static inline float hsum256(__m256 acc) {
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

// One kernel body per instruction set: DOT(acc, u8 weights, s8 activations) adds the 4-byte
// group sums of their products to the 8 int32 lanes of acc.
#define DEFINE_MATVEC(NAME, TARGET, DOT)                                                              \
__attribute__((target(TARGET)))                                                                     \
static void NAME(int type, const uint8_t *rows, long rowBytes, long r0, long r1, int blocks,        \
                 const int8_t *q, const float *d, const float *sum, float *y) {                     \
    for (long r = r0; r < r1; r++) {                                                                \
        const uint8_t *w = rows + r * rowBytes;                                                     \
        __m256 acc = _mm256_setzero_ps();                                                           \
        float offset = 0;                                                                           \
        for (int b = 0; b < blocks; b++) {                                                          \
            __m256i xq = _mm256_loadu_si256((const __m256i *)(q + 32 * b)), dot;                    \
            float scale;                                                                            \
            if (type == 8) {                                                                        \
                const uint8_t *blk = w + 34 * b;                                                    \
                __m256i wq = _mm256_loadu_si256((const __m256i *)(blk + 2));                        \
                /* u8·s8 only: move w's sign onto x */                                              \
                dot = DOT(_mm256_setzero_si256(), _mm256_abs_epi8(wq), _mm256_sign_epi8(xq, wq));   \
                scale = HALF(blk) * d[b];                                                  \
            } else if (type == 3) {                                                                 \
                const uint8_t *blk = w + 20 * b;                                                    \
                dot = DOT(_mm256_setzero_si256(), NIBBLES(blk + 4), xq);                            \
                scale = HALF(blk) * d[b];                                                  \
                offset += HALF(blk + 2) * sum[b];                                          \
            } else {                                                                                \
                const uint8_t *blk = w + 18 * b;                                                    \
                float dw = HALF(blk);                                                      \
                dot = DOT(_mm256_setzero_si256(), NIBBLES(blk + 2), xq);                            \
                scale = dw * d[b];                                                                  \
                offset -= 8 * dw * sum[b];                                                          \
            }                                                                                       \
            acc = _mm256_fmadd_ps(_mm256_set1_ps(scale), _mm256_cvtepi32_ps(dot), acc);             \
        }                                                                                           \
        y[r] = hsum256(acc) + offset;                                                               \
    }                                                                                               \
}

// Float32 kernels: each block's bytes are widened to int32 lanes, converted and multiplied with x
// (order: [low nibbles | high nibbles] = weights 0..31, so x is read contiguously).
__attribute__((target("avx512f,f16c")))
static void float_matvec_avx512(int type, const uint8_t *rows, long rowBytes, long r0, long r1, int blocks,
                                const float *x, const float *sum, float *y) {
    // Low nibbles become floats by table lookup (vpermps reads only an index's low 4 bits, so no
    // mask is needed) and high nibbles by conversion: the lookup runs on the shuffle port, the
    // conversion on the other, instead of two conversions and a mask competing for one (~8% here).
    const __m512 nibbleValues = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (long r = r0; r < r1; r++) {
        const uint8_t *w = rows + r * rowBytes;
        __m512 acc = _mm512_setzero_ps();
        float offset = 0;
        for (int b = 0; b < blocks; b++) {
            const float *xb = x + 32 * b;
            __m512 x0 = _mm512_loadu_ps(xb), x1 = _mm512_loadu_ps(xb + 16), s;
            if (type == 8) {
                const uint8_t *blk = w + 34 * b;
                __m512 a = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(blk + 2))));
                __m512 c = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(blk + 18))));
                s = _mm512_fmadd_ps(a, x0, _mm512_mul_ps(c, x1));
                acc = _mm512_fmadd_ps(_mm512_set1_ps(HALF(blk)), s, acc);
            } else {
                const uint8_t *blk = w + (type == 3 ? 20 : 18) * b, *qs = blk + (type == 3 ? 4 : 2);
                __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)qs));
                __m512 lo = _mm512_permutexvar_ps(v, nibbleValues), hi = _mm512_cvtepi32_ps(_mm512_srli_epi32(v, 4));
                s = _mm512_fmadd_ps(lo, x0, _mm512_mul_ps(hi, x1));
                float d = HALF(blk);
                acc = _mm512_fmadd_ps(_mm512_set1_ps(d), s, acc);
                offset += type == 3 ? HALF(blk + 2) * sum[b] : -8 * d * sum[b];
            }
        }
        y[r] = _mm512_reduce_add_ps(acc) + offset;
    }
}

__attribute__((target("avx2,fma,f16c")))
static void float_matvec_avx2(int type, const uint8_t *rows, long rowBytes, long r0, long r1, int blocks,
                              const float *x, const float *sum, float *y) {
    const __m256i low = _mm256_set1_epi32(0x0F);
    for (long r = r0; r < r1; r++) {
        const uint8_t *w = rows + r * rowBytes;
        __m256 acc = _mm256_setzero_ps();
        float offset = 0;
        for (int b = 0; b < blocks; b++) {
            const float *xb = x + 32 * b;
            __m256 s = _mm256_setzero_ps();
            if (type == 8) {
                const uint8_t *blk = w + 34 * b;
                for (int k = 0; k < 4; k++) {
                    __m256 a = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(blk + 2 + 8 * k))));
                    s = _mm256_fmadd_ps(a, _mm256_loadu_ps(xb + 8 * k), s);
                }
                acc = _mm256_fmadd_ps(_mm256_set1_ps(HALF(blk)), s, acc);
            } else {
                const uint8_t *blk = w + (type == 3 ? 20 : 18) * b, *qs = blk + (type == 3 ? 4 : 2);
                for (int k = 0; k < 2; k++) {
                    __m256i v = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(qs + 8 * k)));
                    s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_and_si256(v, low)), _mm256_loadu_ps(xb + 8 * k), s);
                    s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(v, 4)), _mm256_loadu_ps(xb + 16 + 8 * k), s);
                }
                float d = HALF(blk);
                acc = _mm256_fmadd_ps(_mm256_set1_ps(d), s, acc);
                offset += type == 3 ? HALF(blk + 2) * sum[b] : -8 * d * sum[b];
            }
        }
        y[r] = hsum256(acc) + offset;
    }
}

// The GGML types with kernels here: Q4_0 (2), Q4_1 (3), Q8_0 (8).
static int has_kernel(int type) { return type == 2 || type == 3 || type == 8; }

// AVX2 + FMA + F16C: what both families' level-1 kernels need (after __builtin_cpu_init).
static int has_avx2(void) {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

int divtune_float_dot_level(void) {
    static int level = -1;
    if (level < 0) {
        __builtin_cpu_init();
        level = (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("f16c")) ? 2 : has_avx2() ? 1 : 0;
    }
    return level;
}

int divtune_float_matvec(int type, const void *rows, long rowBytes, long rowStart, long rowEnd, int blocks,
                         const float *x, const float *sum, float *y) {
    if (!has_kernel(type)) return -1;
    switch (divtune_float_dot_level()) {
    case 2: float_matvec_avx512(type, rows, rowBytes, rowStart, rowEnd, blocks, x, sum, y); return 0;
    case 1: float_matvec_avx2(type, rows, rowBytes, rowStart, rowEnd, blocks, x, sum, y); return 0;
    default: return -1;
    }
}

#define DOT_VNNI(acc, u, s) _mm256_dpbusd_epi32(acc, u, s)
#define DOT_AVX2(acc, u, s) _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)))

DEFINE_MATVEC(matvec_vnni, "avx2,fma,f16c,avx512f,avx512vl,avx512bw,avx512vnni", DOT_VNNI)
DEFINE_MATVEC(matvec_avx2, "avx2,fma,f16c", DOT_AVX2)

int divtune_int8_dot_level(void) {
    static int level = -1;
    if (level < 0) {
        __builtin_cpu_init();
        level = (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl")) ? 2 : has_avx2() ? 1 : 0;
    }
    return level;
}

int divtune_int8_matvec(int type, const void *rows, long rowBytes, long rowStart, long rowEnd, int blocks,
                        const int8_t *q, const float *d, const float *sum, float *y) {
    if (!has_kernel(type)) return -1;
    switch (divtune_int8_dot_level()) {
    case 2: matvec_vnni(type, rows, rowBytes, rowStart, rowEnd, blocks, q, d, sum, y); return 0;
    case 1: matvec_avx2(type, rows, rowBytes, rowStart, rowEnd, blocks, q, d, sum, y); return 0;
    default: return -1;
    }
}

#else

int divtune_float_dot_level(void) { return 0; }

int divtune_float_matvec(int type, const void *rows, long rowBytes, long rowStart, long rowEnd, int blocks,
                         const float *x, const float *sum, float *y) {
    (void)type; (void)rows; (void)rowBytes; (void)rowStart; (void)rowEnd; (void)blocks; (void)x; (void)sum; (void)y;
    return -1;
}

int divtune_int8_dot_level(void) { return 0; }

int divtune_int8_matvec(int type, const void *rows, long rowBytes, long rowStart, long rowEnd, int blocks,
                        const int8_t *q, const float *d, const float *sum, float *y) {
    (void)type; (void)rows; (void)rowBytes; (void)rowStart; (void)rowEnd; (void)blocks; (void)q; (void)d; (void)sum; (void)y;
    return -1;
}

#endif
