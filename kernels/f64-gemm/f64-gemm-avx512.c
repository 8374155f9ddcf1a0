/* f64-gemm-avx512.c -- C[m][n] (+)= X[m][k] * Y[k][n] with AVX-512F + FMA.
 * Register tile: 4 rows x 32 columns (16 zmm accumulators); the k x 32 panel of Y stays in L1
 * while the rows of X stream by. Column tails use 8-wide masked loads/stores, row tails a
 * 1-row tile. */
#include "f64-gemm/f64-gemm.h"

#include <immintrin.h>

static inline __mmask8 tail_mask(size_t left)
{
    return left >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << left) - 1u);
}

/* rows i0..i0+3, columns j0..j0+31 */
static void tile_4x32(size_t k, const double *x, size_t ldx, const double *y, size_t ldy,
                      double *c, size_t ldc, int accumulate)
{
    __m512d acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int v = 0; v < 4; v++)
            acc[r][v] = accumulate ? _mm512_loadu_pd(c + r * ldc + 8 * v) : _mm512_setzero_pd();
    for (size_t p = 0; p < k; p++) {
        const double *yp = y + p * ldy;
        __m512d y0 = _mm512_loadu_pd(yp), y1 = _mm512_loadu_pd(yp + 8);
        __m512d y2 = _mm512_loadu_pd(yp + 16), y3 = _mm512_loadu_pd(yp + 24);
        for (int r = 0; r < 4; r++) {
            __m512d xv = _mm512_set1_pd(x[r * ldx + p]);
            acc[r][0] = _mm512_fmadd_pd(xv, y0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_pd(xv, y1, acc[r][1]);
            acc[r][2] = _mm512_fmadd_pd(xv, y2, acc[r][2]);
            acc[r][3] = _mm512_fmadd_pd(xv, y3, acc[r][3]);
        }
    }
    for (int r = 0; r < 4; r++)
        for (int v = 0; v < 4; v++)
            _mm512_storeu_pd(c + r * ldc + 8 * v, acc[r][v]);
}

/* rows i0..i0+rows-1 (rows <= 4), 8 columns masked by mask */
static void tile_rx8(size_t rows, size_t k, const double *x, size_t ldx, const double *y,
                     size_t ldy, double *c, size_t ldc, int accumulate, __mmask8 mask)
{
    __m512d acc[4];
    for (size_t r = 0; r < rows; r++)
        acc[r] = accumulate ? _mm512_maskz_loadu_pd(mask, c + r * ldc) : _mm512_setzero_pd();
    for (size_t p = 0; p < k; p++) {
        __m512d yv = _mm512_maskz_loadu_pd(mask, y + p * ldy);
        for (size_t r = 0; r < rows; r++)
            acc[r] = _mm512_fmadd_pd(_mm512_set1_pd(x[r * ldx + p]), yv, acc[r]);
    }
    for (size_t r = 0; r < rows; r++)
        _mm512_mask_storeu_pd(c + r * ldc, mask, acc[r]);
}

void orc_f64_gemm__avx512(size_t m, size_t n, size_t k, const double *x, size_t ldx,
                          const double *y, size_t ldy, double *c, size_t ldc, int accumulate)
{
    size_t j = 0;
    for (; j + 32 <= n; j += 32) {
        size_t i = 0;
        for (; i + 4 <= m; i += 4)
            tile_4x32(k, x + i * ldx, ldx, y + j, ldy, c + i * ldc + j, ldc, accumulate);
        for (; i < m; i++)
            for (size_t v = 0; v < 4; v++)
                tile_rx8(1, k, x + i * ldx, ldx, y + j + 8 * v, ldy, c + i * ldc + j + 8 * v, ldc,
                         accumulate, 0xFF);
    }
    for (; j < n; j += 8) {
        __mmask8 mask = tail_mask(n - j);
        for (size_t i = 0; i < m; i += 4) {
            size_t rows = m - i < 4 ? m - i : 4;
            tile_rx8(rows, k, x + i * ldx, ldx, y + j, ldy, c + i * ldc + j, ldc, accumulate,
                     mask);
        }
    }
}
