/* conv3x3-avx512.c -- the first 3x3 convolution, AVX-512F.
 * The algorithm is kernels/conv3x3/conv3x3-simd.h. */
#define ORC_SIMD_AVX512 1
#include "conv3x3/conv3x3.h"

#define ORC_C3_TILE 8
#define ORC_C3_RUN orc_f32_conv3x3_minmax__avx512
#define ORC_C3_PACK orc_f32_conv3x3_pack__avx512
#include "conv3x3/conv3x3-simd.h"
