/* fmapeak-avx2.c -- FMA-throughput loop, AVX2 + FMA, 12 ymm accumulators
 * (kernels/fmapeak/fmapeak-simd.h). */
#define ORC_SIMD_AVX2 1
#include "fmapeak/fmapeak.h"

#define ORC_FP_ACC 12
#define ORC_FP_RUN orc_f32_fmapeak__avx2
#include "fmapeak/fmapeak-simd.h"
