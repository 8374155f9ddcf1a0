/* gavgpool-avx2.c -- global average pooling, AVX2 + FMA.
 * The algorithm is kernels/gavgpool/gavgpool-simd.h. */
#define ORC_SIMD_AVX2 1
#include "gavgpool/gavgpool.h"

#define ORC_GP_RUN orc_f32_gavgpool__avx2
#include "gavgpool/gavgpool-simd.h"
