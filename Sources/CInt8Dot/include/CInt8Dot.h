// Integer dot products of GGML weight blocks with an int8-quantized activation row, the inner
// kernel of single-token decode. Swift has no access to the x86 byte dot-product instructions
// (VNNI vpdpbusd, AVX2 vpmaddubsw), so these few loops are written in C with intrinsics and
// selected at run time; every other platform keeps the Swift Float32 kernels (BlockDot).
#ifndef DIVTUNE_CINT8DOT_H
#define DIVTUNE_CINT8DOT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 2: AVX512-VNNI (256-bit vpdpbusd), 1: AVX2, 0: no kernel on this CPU (use the Float32 path).
int divtune_int8_dot_level(void);

/// Quantizes `blocks` groups of 32 floats symmetrically to int8: d = max|x| / 127,
/// q = round-to-nearest-even(x / d) (all zero when max|x| = 0); also the exact Float sum of each group.
void divtune_quantize_q8(const float *x, int blocks, int8_t *q, float *d, float *sum);

/// y[r] = Σ over the row's blocks of the dequantized weights · x, for rows [rowStart, rowEnd) of a
/// GGML matrix of `blocks` blocks per row (`rowBytes` apart). `type` is the GGML type id:
/// 2 (Q4_0), 3 (Q4_1) or 8 (Q8_0). x is given as divtune_quantize_q8 wrote it.
/// Returns 0, or -1 when the type has no kernel or the CPU lacks divtune_int8_dot_level() > 0.
int divtune_int8_matvec(int type, const void *rows, long rowBytes, long rowStart, long rowEnd, int blocks,
                        const int8_t *q, const float *d, const float *sum, float *y);

#ifdef __cplusplus
}
#endif

#endif
