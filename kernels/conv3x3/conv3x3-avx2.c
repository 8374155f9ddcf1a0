/* conv3x3-avx2.c -- the first 3x3 convolution, AVX2 + FMA.
 * The algorithm is kernels/conv3x3/conv3x3-simd.h. */
#define ORC_SIMD_AVX2 1
#include "conv3x3/conv3x3.h"

#define ORC_C3_TILE 6
#define ORC_C3_RUN orc_f32_conv3x3_minmax__avx2
#define ORC_C3_PACK orc_f32_conv3x3_pack__avx2
#include "conv3x3/conv3x3-simd.h"
