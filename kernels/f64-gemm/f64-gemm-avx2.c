/* f64-gemm-avx2.c -- C[m][n] (+)= X[m][k] * Y[k][n] with AVX2 + FMA.
 * Register tile: 4 rows x 12 columns (12 ymm accumulators, 3 for Y, 1 broadcast); column and
 * row tails fall back to 4-wide and scalar loops. */
#include "f64-gemm/f64-gemm.h"

#include <immintrin.h>

static void tile_4x12(size_t k, const double *x, size_t ldx, const double *y, size_t ldy,
                      double *c, size_t ldc, int accumulate)
{
    __m256d acc[4][3];
    for (int r = 0; r < 4; r++)
        for (int v = 0; v < 3; v++)
            acc[r][v] = accumulate ? _mm256_loadu_pd(c + r * ldc + 4 * v) : _mm256_setzero_pd();
    for (size_t p = 0; p < k; p++) {
        const double *yp = y + p * ldy;
        __m256d y0 = _mm256_loadu_pd(yp), y1 = _mm256_loadu_pd(yp + 4);
        __m256d y2 = _mm256_loadu_pd(yp + 8);
        for (int r = 0; r < 4; r++) {
            __m256d xv = _mm256_broadcast_sd(x + r * ldx + p);
            acc[r][0] = _mm256_fmadd_pd(xv, y0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_pd(xv, y1, acc[r][1]);
            acc[r][2] = _mm256_fmadd_pd(xv, y2, acc[r][2]);
        }
    }
    for (int r = 0; r < 4; r++)
        for (int v = 0; v < 3; v++)
            _mm256_storeu_pd(c + r * ldc + 4 * v, acc[r][v]);
}

/* one row, columns j0..j0+3 */
static void tile_1x4(size_t k, const double *x, const double *y, size_t ldy, double *c,
                     int accumulate)
{
    __m256d acc = accumulate ? _mm256_loadu_pd(c) : _mm256_setzero_pd();
    for (size_t p = 0; p < k; p++)
        acc = _mm256_fmadd_pd(_mm256_broadcast_sd(x + p), _mm256_loadu_pd(y + p * ldy), acc);
    _mm256_storeu_pd(c, acc);
}

void orc_f64_gemm__avx2(size_t m, size_t n, size_t k, const double *x, size_t ldx,
                        const double *y, size_t ldy, double *c, size_t ldc, int accumulate)
{
    size_t j = 0;
    for (; j + 12 <= n; j += 12) {
        size_t i = 0;
        for (; i + 4 <= m; i += 4)
            tile_4x12(k, x + i * ldx, ldx, y + j, ldy, c + i * ldc + j, ldc, accumulate);
        for (; i < m; i++)
            for (size_t v = 0; v < 3; v++)
                tile_1x4(k, x + i * ldx, y + j + 4 * v, ldy, c + i * ldc + j + 4 * v, accumulate);
    }
    for (; j + 4 <= n; j += 4)
        for (size_t i = 0; i < m; i++)
            tile_1x4(k, x + i * ldx, y + j, ldy, c + i * ldc + j, accumulate);
    for (; j < n; j++)
        for (size_t i = 0; i < m; i++) {
            double s = accumulate ? c[i * ldc + j] : 0.0;
            for (size_t p = 0; p < k; p++)
                s += x[i * ldx + p] * y[p * ldy + j];
            c[i * ldc + j] = s;
        }
}
