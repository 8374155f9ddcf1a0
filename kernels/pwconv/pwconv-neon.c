/* pwconv-neon.c -- pointwise convolution, AArch64 Advanced SIMD: 8 pixels x 8 channels per
 * register tile (16 accumulators). The algorithm is kernels/pwconv/pwconv-simd.h. */
#define ORC_SIMD_NEON 1
#include "pwconv/pwconv.h"

#define ORC_PW_MR 8
#define ORC_PW_RUN orc_f32_pwconv_minmax__neon
#define ORC_PW_PACK orc_f32_pwconv_pack__neon
#include "pwconv/pwconv-simd.h"
