/* dwconv3x3-avx512.c -- depthwise 3x3 convolution, AVX-512F.
 * The algorithm is kernels/dwconv3x3/dwconv3x3-simd.h. */
#define ORC_SIMD_AVX512 1
#include "dwconv3x3/dwconv3x3.h"

#define ORC_DW_GROUP 8
#define ORC_DW_RUN orc_f32_dwconv3x3_minmax__avx512
#define ORC_DW_PACK orc_f32_dwconv3x3_pack__avx512
#include "dwconv3x3/dwconv3x3-simd.h"
