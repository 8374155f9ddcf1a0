/* dwconv3x3-avx2.c -- depthwise 3x3 convolution, AVX2 + FMA.
 * The algorithm is kernels/dwconv3x3/dwconv3x3-simd.h. */
#define ORC_SIMD_AVX2 1
#include "dwconv3x3/dwconv3x3.h"

#define ORC_DW_GROUP 4
#define ORC_DW_RUN orc_f32_dwconv3x3_minmax__avx2
#define ORC_DW_PACK orc_f32_dwconv3x3_pack__avx2
#include "dwconv3x3/dwconv3x3-simd.h"
