/* gavgpool-neon.c -- global average pooling, AArch64 Advanced SIMD.
 * The algorithm is kernels/gavgpool/gavgpool-simd.h. */
#define ORC_SIMD_NEON 1
#include "gavgpool/gavgpool.h"

#define ORC_GP_RUN orc_f32_gavgpool__neon
#include "gavgpool/gavgpool-simd.h"
