/* gemmnt-scalar.c -- portable gemmnt (see gemmnt.h): four partial sums per dot product
 * (l mod 4), added pairwise at the end; the same order for every element. */
#include "gemmnt/gemmnt.h"

static float dot4(size_t len, const float *x, const float *y)
{
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    size_t l = 0;
    for (; l + 4 <= len; l += 4) {
        s0 += x[l] * y[l];
        s1 += x[l + 1] * y[l + 1];
        s2 += x[l + 2] * y[l + 2];
        s3 += x[l + 3] * y[l + 3];
    }
    for (; l < len; l++)
        s0 += x[l] * y[l];
    return (s0 + s1) + (s2 + s3);
}

void orc_f32_gemmnt__scalar(size_t m, size_t p, size_t len, const float *a, size_t lda,
                            const float *b, size_t ldb, const float *bias, float *c, size_t ldc)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < p; j++)
            c[i * ldc + j] = (bias != NULL ? bias[j] : 0.0f) + dot4(len, a + i * lda, b + j * ldb);
}
