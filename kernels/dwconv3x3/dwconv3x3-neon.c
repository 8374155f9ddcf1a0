/* dwconv3x3-neon.c -- depthwise 3x3 convolution, AArch64 Advanced SIMD.
 * The algorithm is kernels/dwconv3x3/dwconv3x3-simd.h. */
#define ORC_SIMD_NEON 1
#include "dwconv3x3/dwconv3x3.h"

#define ORC_DW_GROUP 4
#define ORC_DW_RUN orc_f32_dwconv3x3_minmax__neon
#define ORC_DW_PACK orc_f32_dwconv3x3_pack__neon
#include "dwconv3x3/dwconv3x3-simd.h"
