/* pwconv-avx512.c -- pointwise convolution, AVX-512F: 14 pixels x 32 channels per register
 * tile (28 accumulators). The algorithm is kernels/pwconv/pwconv-simd.h. */
#define ORC_SIMD_AVX512 1
#include "pwconv/pwconv.h"

#define ORC_PW_MR 14
#define ORC_PW_RUN orc_f32_pwconv_minmax__avx512
#define ORC_PW_PACK orc_f32_pwconv_pack__avx512
#include "pwconv/pwconv-simd.h"
