// The lanes of 16-float chunk `chunk` that lie inside a row of `width` floats (all, some, none):
// the mask for loads and stores at a row's ragged right edge. Shared by the kernels of this target.
#ifndef DIVTUNE_LANE_MASK_H
#define DIVTUNE_LANE_MASK_H
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

static inline __mmask16 lane_mask(long width, int chunk) {
    long w = width - 16 * chunk;
    return w >= 16 ? (__mmask16)0xFFFF : w <= 0 ? (__mmask16)0 : (__mmask16)((1u << w) - 1);
}

#endif
#endif
