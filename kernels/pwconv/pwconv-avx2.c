/* pwconv-avx2.c -- pointwise convolution, AVX2 + FMA: 6 pixels x 16 channels per register
 * tile (12 accumulators). The algorithm is kernels/pwconv/pwconv-simd.h. */
#define ORC_SIMD_AVX2 1
#include "pwconv/pwconv.h"

#define ORC_PW_MR 6
#define ORC_PW_RUN orc_f32_pwconv_minmax__avx2
#define ORC_PW_PACK orc_f32_pwconv_pack__avx2
#include "pwconv/pwconv-simd.h"
