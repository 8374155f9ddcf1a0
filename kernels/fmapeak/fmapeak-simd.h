/* fmapeak-simd.h -- the FMA-throughput loop written once against kernels/simd.h: ORC_FP_ACC
 * independent accumulator chains x = x * a + b (a just below 1, so values stay finite). */
#include "simd.h"

double ORC_FP_RUN(size_t iterations, float *sink)
{
    orc_v acc[ORC_FP_ACC];
    const orc_v a = orc_v_set1(0.9999999f), b = orc_v_set1(1e-7f);
#pragma GCC unroll 32
    for (size_t j = 0; j < ORC_FP_ACC; j++)
        acc[j] = orc_v_set1((float)j);
    for (size_t i = 0; i < iterations; i++) {
#pragma GCC unroll 32
        for (size_t j = 0; j < ORC_FP_ACC; j++)
            acc[j] = orc_v_fma(acc[j], a, b);
    }
    orc_v total = acc[0];
    for (size_t j = 1; j < ORC_FP_ACC; j++)
        total = orc_v_add(total, acc[j]);
    float lanes[ORC_VW];
    orc_v_store(lanes, total);
    *sink = lanes[0];
    return 2.0 * ORC_VW * ORC_FP_ACC * (double)iterations;
}
