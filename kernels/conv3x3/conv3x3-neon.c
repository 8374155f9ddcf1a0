/* conv3x3-neon.c -- the first 3x3 convolution, AArch64 Advanced SIMD.
 * The algorithm is kernels/conv3x3/conv3x3-simd.h. */
#define ORC_SIMD_NEON 1
#include "conv3x3/conv3x3.h"

#define ORC_C3_TILE 8
#define ORC_C3_RUN orc_f32_conv3x3_minmax__neon
#define ORC_C3_PACK orc_f32_conv3x3_pack__neon
#include "conv3x3/conv3x3-simd.h"
