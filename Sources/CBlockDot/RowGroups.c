// See include/CBlockDot.h. The row-group layout puts 16 rows' blocks side by side so that one
// 512-bit register holds the same few weights of 16 rows: a product then accumulates 16 outputs
// in the lanes of one vector, and no block needs a horizontal sum, a scalar scale or a shuffle
// across lanes. Per group of 16 rows and per block, in order:
//   d: 16 × f16 (32 bytes); Q4_1 only: m: 16 × f16 (32 bytes);
//   quants in 64-byte chunks, lane r (bytes 4r..4r+3) = row r's quant bytes 4c..4c+3:
//     Q4 (4 chunks): byte i holds weight 4c+i (low nibble) and 16+4c+i (high nibble);
//     Q8_0 (8 chunks): weights 4c..4c+3, stored + 128 (XOR 0x80) as vpdpbusd's unsigned operand.
#include "CBlockDot.h"
#include <string.h>

static long header_bytes(int type) { return type == 3 ? 64 : 32; }

long divtune_group_block_bytes(int type) {
    switch (type) {
    case 2: return 32 + 256;        // Q4_0
    case 3: return 64 + 256;        // Q4_1
    case 8: return 32 + 512;        // Q8_0
    default: return 0;
    }
}

void divtune_group_rows(int type, const void *rows, long rowBytes, long groupStart, long groupEnd, int blocks, void *out) {
    const long blockBytes = type == 8 ? 34 : type == 3 ? 20 : 18, quantOffset = type == 3 ? 4 : 2;
    const long quantBytes = type == 8 ? 32 : 16, groupBlock = divtune_group_block_bytes(type);
    const uint8_t flip = type == 8 ? 0x80 : 0;
    for (long g = groupStart; g < groupEnd; g++) {
        uint8_t *dst = (uint8_t *)out + g * blocks * groupBlock;
        for (int b = 0; b < blocks; b++, dst += groupBlock) {
            for (int r = 0; r < 16; r++) {
                const uint8_t *src = (const uint8_t *)rows + (16 * g + r) * rowBytes + b * blockBytes;
                memcpy(dst + 2 * r, src, 2);                                    // d
                if (type == 3) memcpy(dst + 32 + 2 * r, src + 2, 2);            // m
                uint8_t *quants = dst + header_bytes(type);
                for (long c = 0; c < quantBytes / 4; c++)
                    for (int i = 0; i < 4; i++) quants[64 * c + 4 * r + i] = src[quantOffset + 4 * c + i] ^ flip;
            }
        }
    }
}

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define TARGET_FLOAT "avx512f,avx512bw,f16c,fma"
#define TARGET_INT8 TARGET_FLOAT ",avx512vnni"

__attribute__((target(TARGET_FLOAT)))
static inline __m512 halves(const uint8_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }

// The vpshufb control that moves byte i of every 32-bit lane to the lane's top byte and clears the
// rest, so the lane reads as the signed byte · 2^24 (vpshufb indexes within 16-byte lanes).
__attribute__((target(TARGET_FLOAT)))
static inline __m512i top_byte(int i) {
    return _mm512_set4_epi32((int)((unsigned)(12 + i) << 24 | 0x808080u), (int)((unsigned)(8 + i) << 24 | 0x808080u),
                             (int)((unsigned)(4 + i) << 24 | 0x808080u), (int)((unsigned)i << 24 | 0x808080u));
}

// Float32: every weight is widened to a float lane and multiplied with its x; equal to
// dequantize-then-dot up to summation order.
__attribute__((target(TARGET_FLOAT)))
static void float_groups(int type, const uint8_t *packed, long g0, long g1, int blocks,
                         const float *x, const float *sum, float *y) {
    // vpermps reads only an index's low 4 bits, so a shifted byte indexes its nibble's value.
    const __m512 nibbleValues = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    const long groupBlock = divtune_group_block_bytes(type), header = header_bytes(type);
    for (long g = g0; g < g1; g++) {
        const uint8_t *blk = packed + g * blocks * groupBlock;
        __m512 out = _mm512_setzero_ps(), outMin = _mm512_setzero_ps();
        for (int b = 0; b < blocks; b++, blk += groupBlock) {
            const float *xb = x + 32 * b;
            const uint8_t *qs = blk + header;
            __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
            if (type == 8) {
                for (int c = 0; c < 8; c++) {
                    __m512i v = _mm512_xor_si512(_mm512_loadu_si512(qs + 64 * c), flip);
                    #define TOP(i) _mm512_cvtepi32_ps(_mm512_shuffle_epi8(v, top_byte(i)))
                    s0 = _mm512_fmadd_ps(TOP(0), _mm512_set1_ps(xb[4 * c]), s0);
                    s1 = _mm512_fmadd_ps(TOP(1), _mm512_set1_ps(xb[4 * c + 1]), s1);
                    s2 = _mm512_fmadd_ps(TOP(2), _mm512_set1_ps(xb[4 * c + 2]), s2);
                    s3 = _mm512_fmadd_ps(TOP(3), _mm512_set1_ps(xb[4 * c + 3]), s3);
                    #undef TOP
                }
                __m512 d = _mm512_mul_ps(halves(blk), _mm512_set1_ps(0x1p-24f));
                out = _mm512_fmadd_ps(d, _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)), out);
                continue;
            }
            for (int c = 0; c < 4; c++) {
                __m512i v = _mm512_loadu_si512(qs + 64 * c);
                const float *lo = xb + 4 * c, *hi = xb + 16 + 4 * c;
                #define NIB(shift) _mm512_permutexvar_ps(_mm512_srli_epi32(v, shift), nibbleValues)
                s0 = _mm512_fmadd_ps(_mm512_permutexvar_ps(v, nibbleValues), _mm512_set1_ps(lo[0]), s0);
                s1 = _mm512_fmadd_ps(NIB(4), _mm512_set1_ps(hi[0]), s1);
                s2 = _mm512_fmadd_ps(NIB(8), _mm512_set1_ps(lo[1]), s2);
                s3 = _mm512_fmadd_ps(NIB(12), _mm512_set1_ps(hi[1]), s3);
                s0 = _mm512_fmadd_ps(NIB(16), _mm512_set1_ps(lo[2]), s0);
                s1 = _mm512_fmadd_ps(NIB(20), _mm512_set1_ps(hi[2]), s1);
                s2 = _mm512_fmadd_ps(NIB(24), _mm512_set1_ps(lo[3]), s2);
                s3 = _mm512_fmadd_ps(NIB(28), _mm512_set1_ps(hi[3]), s3);
                #undef NIB
            }
            __m512 s = _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)), d = halves(blk);
            if (type == 3) {
                out = _mm512_fmadd_ps(d, s, out);
                outMin = _mm512_fmadd_ps(halves(blk + 32), _mm512_set1_ps(sum[b]), outMin);
            } else {
                out = _mm512_fmadd_ps(d, _mm512_sub_ps(s, _mm512_set1_ps(8 * sum[b])), out);
            }
        }
        _mm512_storeu_ps(y + 16 * g, _mm512_add_ps(out, outMin));
    }
}

// Four int8 codes as one 32-bit lane (memcpy: the codes need not be 4-byte aligned).
static inline int32_t four_bytes(const int8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }

// Int8: x as divtune_quantize_q8 wrote it; vpdpbusd sums four byte products per lane.
__attribute__((target(TARGET_INT8)))
static void int8_groups(int type, const uint8_t *packed, long g0, long g1, int blocks,
                        const int8_t *q, const float *dx, const float *sum, const int32_t *qsum, float *y) {
    const __m512i low = _mm512_set1_epi8(0x0F);
    const long groupBlock = divtune_group_block_bytes(type), header = header_bytes(type);
    for (long g = g0; g < g1; g++) {
        const uint8_t *blk = packed + g * blocks * groupBlock;
        __m512 out = _mm512_setzero_ps(), outMin = _mm512_setzero_ps();
        for (int b = 0; b < blocks; b++, blk += groupBlock) {
            const int8_t *qb = q + 32 * b;
            const uint8_t *qs = blk + header;
            __m512i a0 = _mm512_setzero_si512(), a1 = a0;
            #define X4(k) _mm512_set1_epi32(four_bytes(qb + (k)))
            if (type == 8) {
                for (int c = 0; c < 8; c += 2) {
                    a0 = _mm512_dpbusd_epi32(a0, _mm512_loadu_si512(qs + 64 * c), X4(4 * c));
                    a1 = _mm512_dpbusd_epi32(a1, _mm512_loadu_si512(qs + 64 * c + 64), X4(4 * c + 4));
                }
                // The weights were stored + 128: take 128 · Σq back out, exactly in integers.
                __m512i dot = _mm512_sub_epi32(_mm512_add_epi32(a0, a1), _mm512_set1_epi32(128 * qsum[b]));
                out = _mm512_fmadd_ps(_mm512_mul_ps(halves(blk), _mm512_set1_ps(dx[b])), _mm512_cvtepi32_ps(dot), out);
                continue;
            }
            for (int c = 0; c < 4; c++) {
                __m512i v = _mm512_loadu_si512(qs + 64 * c);
                a0 = _mm512_dpbusd_epi32(a0, _mm512_and_si512(v, low), X4(4 * c));
                a1 = _mm512_dpbusd_epi32(a1, _mm512_and_si512(_mm512_srli_epi16(v, 4), low), X4(16 + 4 * c));
            }
            #undef X4
            __m512 dot = _mm512_cvtepi32_ps(_mm512_add_epi32(a0, a1)), d = halves(blk);
            if (type == 3) {
                out = _mm512_fmadd_ps(_mm512_mul_ps(d, _mm512_set1_ps(dx[b])), dot, out);
                outMin = _mm512_fmadd_ps(halves(blk + 32), _mm512_set1_ps(sum[b]), outMin);
            } else {
                out = _mm512_fmadd_ps(d, _mm512_fmadd_ps(_mm512_set1_ps(dx[b]), dot, _mm512_set1_ps(-8 * sum[b])), out);
            }
        }
        _mm512_storeu_ps(y + 16 * g, _mm512_add_ps(out, outMin));
    }
}

int divtune_group_level(void) {
    static int level = -1;
    if (level < 0) {
        __builtin_cpu_init();
        int f = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("f16c") && __builtin_cpu_supports("fma");
        level = !f ? 0 : __builtin_cpu_supports("avx512vnni") ? 2 : 1;
    }
    return level;
}

int divtune_group_float_matvec(int type, const void *packed, long groupStart, long groupEnd, int blocks,
                               const float *x, const float *sum, float *y) {
    if (divtune_group_level() < 1 || divtune_group_block_bytes(type) == 0) return -1;
    float_groups(type, packed, groupStart, groupEnd, blocks, x, sum, y);
    return 0;
}

int divtune_group_int8_matvec(int type, const void *packed, long groupStart, long groupEnd, int blocks,
                              const int8_t *q, const float *d, const float *sum, const int32_t *qsum, float *y) {
    if (divtune_group_level() < 2 || divtune_group_block_bytes(type) == 0) return -1;
    int8_groups(type, packed, groupStart, groupEnd, blocks, q, d, sum, qsum, y);
    return 0;
}

#else

int divtune_group_level(void) { return 0; }

int divtune_group_float_matvec(int type, const void *packed, long groupStart, long groupEnd, int blocks,
                               const float *x, const float *sum, float *y) {
    (void)type; (void)packed; (void)groupStart; (void)groupEnd; (void)blocks; (void)x; (void)sum; (void)y;
    return -1;
}

int divtune_group_int8_matvec(int type, const void *packed, long groupStart, long groupEnd, int blocks,
                              const int8_t *q, const float *d, const float *sum, const int32_t *qsum, float *y) {
    (void)type; (void)packed; (void)groupStart; (void)groupEnd; (void)blocks; (void)q; (void)d; (void)sum; (void)qsum; (void)y;
    return -1;
}

#endif
