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

void divtune_group_rows(int type, const void *rows, long rowBytes, const long *order, long groupStart, long groupEnd, int blocks,
                        void *out) {
    const long blockBytes = type == 8 ? 34 : type == 3 ? 20 : 18, quantOffset = type == 3 ? 4 : 2;
    const long quantBytes = type == 8 ? 32 : 16, groupBlock = divtune_group_block_bytes(type);
    const uint8_t flip = type == 8 ? 0x80 : 0;
    for (long g = groupStart; g < groupEnd; g++) {
        uint8_t *dst = (uint8_t *)out + g * blocks * groupBlock;
        for (int b = 0; b < blocks; b++, dst += groupBlock) {
            for (int r = 0; r < 16; r++) {
                const long row = order ? order[16 * g + r] : 16 * g + r;
                const uint8_t *src = (const uint8_t *)rows + row * rowBytes + b * blockBytes;
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

// How far ahead of the block being multiplied its group's bytes are asked for. The weights stream
// from memory once per product; without the hint the first load of each block waits on memory
// (measured: the products of a batched decode step ~8% faster with it, any distance 0.5–4 KB).
// Prefetches never fault, so the last blocks may ask past the end of the matrix (the address is
// formed as an integer). Only a group's first tile of rows asks: later tiles find it in cache.
#define PREFETCH_AHEAD 2048

__attribute__((target(TARGET_FLOAT)))
static inline void prefetch_block(const uint8_t *blk, long groupBlock) {
    const uintptr_t ahead = (uintptr_t)blk + PREFETCH_AHEAD;
    for (long p = 0; p < groupBlock; p += 64) _mm_prefetch((const char *)(ahead + (uintptr_t)p), _MM_HINT_T0);
}

__attribute__((target(TARGET_FLOAT)))
static inline __m512 halves(const uint8_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }

// The vpshufb control that moves byte i of every 32-bit lane to the lane's top byte and clears the
// rest, so the lane reads as the signed byte · 2^24 (vpshufb indexes within 16-byte lanes).
__attribute__((target(TARGET_FLOAT)))
static inline __m512i top_byte(int i) {
    return _mm512_set4_epi32((int)((unsigned)(12 + i) << 24 | 0x808080u), (int)((unsigned)(8 + i) << 24 | 0x808080u),
                             (int)((unsigned)(4 + i) << 24 | 0x808080u), (int)((unsigned)i << 24 | 0x808080u));
}

// Float32: every weight is widened to a float lane and multiplied with x; equal to
// dequantize-then-dot up to summation order. A tile of R activation rows (R ≤ 4, a constant after
// inlining) shares each weight vector: the group's blocks are read from memory once per tile and
// stay in L1 for the next tile, so B rows cost about one pass over the weights. Each row's
// arithmetic is the same sequence of instructions whatever R is, so a row's outputs do not depend
// on the other rows of the batch (docs/methods.md §12).
#define MAX_TILE 4
__attribute__((target(TARGET_FLOAT), always_inline))
static inline void float_group_tile(int type, const uint8_t *blk, int blocks, int R, int prefetch,
                                    const float *const *x, const float *const *sum, float *const *y) {
    const __m512 nibbleValues = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    const long groupBlock = divtune_group_block_bytes(type), header = header_bytes(type);
    __m512 out[MAX_TILE], outMin[MAX_TILE];
    for (int r = 0; r < R; r++) { out[r] = _mm512_setzero_ps(); outMin[r] = _mm512_setzero_ps(); }
    for (int b = 0; b < blocks; b++, blk += groupBlock) {
        const uint8_t *qs = blk + header;
        if (prefetch) prefetch_block(blk, groupBlock);
        __m512 s0[MAX_TILE], s1[MAX_TILE], s2[MAX_TILE], s3[MAX_TILE];
        for (int r = 0; r < R; r++) { s0[r] = s1[r] = s2[r] = s3[r] = _mm512_setzero_ps(); }
        if (type == 8) {
            for (int c = 0; c < 8; c++) {
                __m512i v = _mm512_xor_si512(_mm512_loadu_si512(qs + 64 * c), flip);
                #define TOP(i) _mm512_cvtepi32_ps(_mm512_shuffle_epi8(v, top_byte(i)))
                __m512 w0 = TOP(0), w1 = TOP(1), w2 = TOP(2), w3 = TOP(3);
                #undef TOP
                for (int r = 0; r < R; r++) {
                    const float *xb = x[r] + 32 * b;
                    s0[r] = _mm512_fmadd_ps(w0, _mm512_set1_ps(xb[4 * c]), s0[r]);
                    s1[r] = _mm512_fmadd_ps(w1, _mm512_set1_ps(xb[4 * c + 1]), s1[r]);
                    s2[r] = _mm512_fmadd_ps(w2, _mm512_set1_ps(xb[4 * c + 2]), s2[r]);
                    s3[r] = _mm512_fmadd_ps(w3, _mm512_set1_ps(xb[4 * c + 3]), s3[r]);
                }
            }
            __m512 d = _mm512_mul_ps(halves(blk), _mm512_set1_ps(0x1p-24f));
            for (int r = 0; r < R; r++)
                out[r] = _mm512_fmadd_ps(d, _mm512_add_ps(_mm512_add_ps(s0[r], s1[r]), _mm512_add_ps(s2[r], s3[r])), out[r]);
            continue;
        }
        for (int c = 0; c < 4; c++) {
            __m512i v = _mm512_loadu_si512(qs + 64 * c);
            #define NIB(shift) _mm512_permutexvar_ps(_mm512_srli_epi32(v, shift), nibbleValues)
            // Weight k of this chunk pairs with lo[k/2] (even k) or hi[k/2] (odd k), accumulating
            // into s(k mod 4): the order of the one-row kernel this replaced.
            __m512 w[8] = { _mm512_permutexvar_ps(v, nibbleValues), NIB(4), NIB(8), NIB(12), NIB(16), NIB(20), NIB(24), NIB(28) };
            #undef NIB
            for (int r = 0; r < R; r++) {
                const float *lo = x[r] + 32 * b + 4 * c, *hi = x[r] + 32 * b + 16 + 4 * c;
                s0[r] = _mm512_fmadd_ps(w[0], _mm512_set1_ps(lo[0]), s0[r]);
                s1[r] = _mm512_fmadd_ps(w[1], _mm512_set1_ps(hi[0]), s1[r]);
                s2[r] = _mm512_fmadd_ps(w[2], _mm512_set1_ps(lo[1]), s2[r]);
                s3[r] = _mm512_fmadd_ps(w[3], _mm512_set1_ps(hi[1]), s3[r]);
                s0[r] = _mm512_fmadd_ps(w[4], _mm512_set1_ps(lo[2]), s0[r]);
                s1[r] = _mm512_fmadd_ps(w[5], _mm512_set1_ps(hi[2]), s1[r]);
                s2[r] = _mm512_fmadd_ps(w[6], _mm512_set1_ps(lo[3]), s2[r]);
                s3[r] = _mm512_fmadd_ps(w[7], _mm512_set1_ps(hi[3]), s3[r]);
            }
        }
        __m512 d = halves(blk), m = type == 3 ? halves(blk + 32) : d;
        for (int r = 0; r < R; r++) {
            __m512 s = _mm512_add_ps(_mm512_add_ps(s0[r], s1[r]), _mm512_add_ps(s2[r], s3[r]));
            if (type == 3) {
                out[r] = _mm512_fmadd_ps(d, s, out[r]);
                outMin[r] = _mm512_fmadd_ps(m, _mm512_set1_ps(sum[r][b]), outMin[r]);
            } else {
                out[r] = _mm512_fmadd_ps(d, _mm512_sub_ps(s, _mm512_set1_ps(8 * sum[r][b])), out[r]);
            }
        }
    }
    for (int r = 0; r < R; r++) _mm512_storeu_ps(y[r], _mm512_add_ps(out[r], outMin[r]));
}

// Rows [0, n) of x (xStride floats apart, group sums sumStride apart) times groups [g0, g1), into
// y (yStride apart), in tiles of up to MAX_TILE rows; each tile size is its own inlined copy.
// Many rows (a prefill) go ROW_BLOCK at a time through all the groups, so the block of x stays in
// cache while the weights stream past it; a row's arithmetic is the same in any block.
#define ROW_BLOCK 128
__attribute__((target(TARGET_FLOAT)))
static void float_groups(int type, const uint8_t *packed, long g0, long g1, int blocks, int n,
                         const float *x, long xStride, const float *sum, long sumStride, float *y, long yStride) {
    const long groupBlock = divtune_group_block_bytes(type);
    for (int b0 = 0; b0 < n; b0 += ROW_BLOCK)
    for (long g = g0; g < g1; g++) {
        const uint8_t *blk = packed + g * blocks * groupBlock;
        const int b1 = n - b0 < ROW_BLOCK ? n : b0 + ROW_BLOCK;
        for (int r0 = b0; r0 < b1; r0 += MAX_TILE) {
            const float *xs[MAX_TILE], *sums[MAX_TILE];
            float *ys[MAX_TILE];
            int R = b1 - r0 < MAX_TILE ? b1 - r0 : MAX_TILE, first = r0 == b0;
            for (int r = 0; r < R; r++) {
                xs[r] = x + (r0 + r) * xStride;
                sums[r] = sum + (r0 + r) * sumStride;
                ys[r] = y + (r0 + r) * yStride + 16 * g;
            }
            switch (R) {
            case 4: float_group_tile(type, blk, blocks, 4, first, xs, sums, ys); break;
            case 3: float_group_tile(type, blk, blocks, 3, first, xs, sums, ys); break;
            case 2: float_group_tile(type, blk, blocks, 2, first, xs, sums, ys); break;
            default: float_group_tile(type, blk, blocks, 1, first, xs, sums, ys); break;
            }
        }
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
            prefetch_block(blk, groupBlock);
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
    float_groups(type, packed, groupStart, groupEnd, blocks, 1, x, 0, sum, 0, y, 0);
    return 0;
}

int divtune_group_float_matmat(int type, const void *packed, long groupStart, long groupEnd, int blocks, int n,
                               const float *x, long xStride, const float *sum, long sumStride, float *y, long yStride) {
    if (divtune_group_level() < 1 || divtune_group_block_bytes(type) == 0 || n < 0) return -1;
    float_groups(type, packed, groupStart, groupEnd, blocks, n, x, xStride, sum, sumStride, y, yStride);
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

int divtune_group_float_matmat(int type, const void *packed, long groupStart, long groupEnd, int blocks, int n,
                               const float *x, long xStride, const float *sum, long sumStride, float *y, long yStride) {
    (void)type; (void)packed; (void)groupStart; (void)groupEnd; (void)blocks; (void)n; (void)x; (void)xStride;
    (void)sum; (void)sumStride; (void)y; (void)yStride;
    return -1;
}

int divtune_group_int8_matvec(int type, const void *packed, long groupStart, long groupEnd, int blocks,
                              const int8_t *q, const float *d, const float *sum, const int32_t *qsum, float *y) {
    (void)type; (void)packed; (void)groupStart; (void)groupEnd; (void)blocks; (void)q; (void)d; (void)sum; (void)qsum; (void)y;
    return -1;
}

#endif
