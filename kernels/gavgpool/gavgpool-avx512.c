/* gavgpool-avx512.c -- global average pooling, AVX-512F.
 * The algorithm is kernels/gavgpool/gavgpool-simd.h. */
#define ORC_SIMD_AVX512 1
#include "gavgpool/gavgpool.h"

#define ORC_GP_RUN orc_f32_gavgpool__avx512
#include "gavgpool/gavgpool-simd.h"
