/* fmapeak-scalar.c -- the peak of the scalar kernels' arithmetic: eight independent chains of
 * a separate multiply and add (2 operations each). */
#include "fmapeak/fmapeak.h"

double orc_f32_fmapeak__scalar(size_t iterations, float *sink)
{
    volatile float seed = 0.9999999f;
    const float a = seed, b = 1e-7f;
    float x0 = 0, x1 = 1, x2 = 2, x3 = 3, x4 = 4, x5 = 5, x6 = 6, x7 = 7;
    for (size_t i = 0; i < iterations; i++) {
        x0 = x0 * a + b; x1 = x1 * a + b; x2 = x2 * a + b; x3 = x3 * a + b;
        x4 = x4 * a + b; x5 = x5 * a + b; x6 = x6 * a + b; x7 = x7 * a + b;
    }
    *sink = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7));
    return 16.0 * (double)iterations;
}
