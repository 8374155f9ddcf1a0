/* f64-gemm-scalar.c -- portable C[m][n] (+)= X[m][k] * Y[k][n]; the oracle of the SIMD variants.
 * Row-oriented (i, p, j) loop: the inner loop runs along contiguous rows of Y and C. */
#include "f64-gemm/f64-gemm.h"

void orc_f64_gemm__scalar(size_t m, size_t n, size_t k, const double *x, size_t ldx,
                          const double *y, size_t ldy, double *c, size_t ldc, int accumulate)
{
    for (size_t i = 0; i < m; i++) {
        double *ci = c + i * ldc;
        if (!accumulate)
            for (size_t j = 0; j < n; j++)
                ci[j] = 0.0;
        for (size_t p = 0; p < k; p++) {
            const double xv = x[i * ldx + p];
            const double *yp = y + p * ldy;
            for (size_t j = 0; j < n; j++)
                ci[j] += xv * yp[j];
        }
    }
}
