/* fmapeak-avx512.c -- FMA-throughput loop, AVX-512F, 24 zmm accumulators
 * (kernels/fmapeak/fmapeak-simd.h). */
#define ORC_SIMD_AVX512 1
#include "fmapeak/fmapeak.h"

#define ORC_FP_ACC 24
#define ORC_FP_RUN orc_f32_fmapeak__avx512
#include "fmapeak/fmapeak-simd.h"
