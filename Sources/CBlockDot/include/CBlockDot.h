// Dot products of GGML weight blocks with an activation row, the inner kernels of single-token
// decode, written with x86 intrinsics and selected at run time. Swift has no access to the byte
// widening and byte dot-product instructions (vpmovzxbd, VNNI vpdpbusd, AVX2 vpmaddubsw) and its
// generic SIMD conversions do not vectorise, so these few loops are in C; every other platform
// keeps the Swift Float32 kernels (WeightFormats BlockDot).
#ifndef DIVTUNE_CBLOCKDOT_H
#define DIVTUNE_CBLOCKDOT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Float32 kernels: 2 AVX-512, 1 AVX2 + FMA, 0 none.
int divtune_float_dot_level(void);

/// Int8 kernels: 2 AVX512-VNNI (256-bit vpdpbusd), 1 AVX2, 0 none.
int divtune_int8_dot_level(void);

/// y[r] = Σ over the row's blocks of the dequantized weights · x, exactly in Float32 (as
/// dequantize-then-dot, up to summation order), for rows [rowStart, rowEnd) of a GGML matrix of
/// `blocks` blocks per row (`rowBytes` apart). `type`: GGML id 2 (Q4_0), 3 (Q4_1) or 8 (Q8_0).
/// `sum[b]` = Σ x over group b (the Q4 offset terms). Returns 0, or -1 without a kernel.
int divtune_float_matvec(int type, const void *rows, long rowBytes, long rowStart, long rowEnd, int blocks,
                         const float *x, const float *sum, float *y);

/// Quantizes `blocks` groups of 32 floats symmetrically to int8: d = max|x| / 127,
/// q = round-to-nearest-even(x / d) (all zero when max|x| = 0); also the exact Float sum of each group
/// and, when `qsum` is not NULL, the sum of its codes.
void divtune_quantize_q8(const float *x, int blocks, int8_t *q, float *d, float *sum, int32_t *qsum);

/// As divtune_float_matvec with x given as divtune_quantize_q8 wrote it: integer block products
/// (llama.cpp's scheme), Float32 scales, Q4 offsets on the exact sums.
int divtune_int8_matvec(int type, const void *rows, long rowBytes, long rowStart, long rowEnd, int blocks,
                        const int8_t *q, const float *d, const float *sum, float *y);

// Row groups (RowGroups.c): the decode layout of Q4_0, Q4_1 and Q8_0 matrices whose row count is a
// multiple of 16 — 16 rows' blocks interleaved so that 512-bit kernels produce 16 outputs per
// vector (layout in RowGroups.c).

/// 2: Float32 and int8 (AVX512-VNNI) group kernels, 1: Float32 only (AVX-512F/BW), 0: none.
int divtune_group_level(void);

/// Bytes per block of one 16-row group (type 2, 3 or 8), or 0 for other types.
long divtune_group_block_bytes(int type);

/// Writes groups [groupStart, groupEnd) of a GGML matrix (`blocks` blocks per row, rows `rowBytes`
/// apart) into `out`, which holds group g at g · blocks · divtune_group_block_bytes(type). Row i of
/// the layout is stored row `order[i]` (a permutation), or row i where `order` is NULL.
void divtune_group_rows(int type, const void *rows, long rowBytes, const long *order, long groupStart, long groupEnd, int blocks,
                        void *out);

/// y[16g ..< 16g + 16] for groups [groupStart, groupEnd) of a grouped matrix, as divtune_float_matvec.
int divtune_group_float_matvec(int type, const void *packed, long groupStart, long groupEnd, int blocks,
                               const float *x, const float *sum, float *y);

/// The product for n activation rows at once (batched decoding): row i of x at x + i·xStride, its
/// group sums at sum + i·sumStride, its outputs at y + i·yStride (y[16g ..< 16g + 16] per group, as
/// divtune_group_float_matvec). The weights are read once per tile of 4 rows, and each row's result
/// is bit for bit what divtune_group_float_matvec gives for it alone.
int divtune_group_float_matmat(int type, const void *packed, long groupStart, long groupEnd, int blocks, int n,
                               const float *x, long xStride, const float *sum, long sumStride, float *y, long yStride);

/// As divtune_int8_matvec on a grouped matrix; `qsum` as divtune_quantize_q8 wrote it (Q8_0 needs it).
int divtune_group_int8_matvec(int type, const void *packed, long groupStart, long groupEnd, int blocks,
                              const int8_t *q, const float *d, const float *sum, const int32_t *qsum, float *y);

#ifdef __cplusplus
}
#endif

#endif
