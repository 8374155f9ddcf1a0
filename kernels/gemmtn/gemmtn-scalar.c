/* gemmtn-scalar.c -- portable gemmtn (see gemmtn.h): tiles of 4 x 4 accumulators, each one
 * summed over i in order with fmaf. */
#include "gemmtn/gemmtn.h"

#include <math.h>

void orc_f32_gemmtn__scalar(size_t m, size_t p, size_t n, const float *a, size_t lda,
                            const float *b, size_t ldb, float *c, size_t ldc)
{
    for (size_t r0 = 0; r0 < m; r0 += 4) {
        size_t mr = m - r0 < 4 ? m - r0 : 4;
        for (size_t j0 = 0; j0 < p; j0 += 4) {
            size_t pr = p - j0 < 4 ? p - j0 : 4;
            float acc[4][4] = {{0}};
            for (size_t i = 0; i < n; i++) {
                const float *ai = a + i * lda + r0, *bi = b + i * ldb + j0;
                for (size_t r = 0; r < mr; r++)
                    for (size_t j = 0; j < pr; j++)
                        acc[r][j] = fmaf(ai[r], bi[j], acc[r][j]);
            }
            for (size_t r = 0; r < mr; r++)
                for (size_t j = 0; j < pr; j++)
                    c[(r0 + r) * ldc + j0 + j] = acc[r][j];
        }
    }
}
