/* fmapeak-neon.c -- FMA-throughput loop, Advanced SIMD, 24 accumulators
 * (kernels/fmapeak/fmapeak-simd.h). */
#define ORC_SIMD_NEON 1
#include "fmapeak/fmapeak.h"

#define ORC_FP_ACC 24
#define ORC_FP_RUN orc_f32_fmapeak__neon
#include "fmapeak/fmapeak-simd.h"
