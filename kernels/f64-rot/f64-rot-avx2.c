/* f64-rot-avx2.c -- plane rotations of two rows (one c, s, or one per element) with AVX2 + FMA. */
#include "f64-rot/f64-rot.h"

#include <immintrin.h>

void orc_f64_rot__avx2(size_t n, double *x, double *y, double c, double s)
{
    const __m256d vc = _mm256_set1_pd(c), vs = _mm256_set1_pd(s);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256d x0 = _mm256_loadu_pd(x + i), x1 = _mm256_loadu_pd(x + i + 4);
        __m256d y0 = _mm256_loadu_pd(y + i), y1 = _mm256_loadu_pd(y + i + 4);
        _mm256_storeu_pd(x + i, _mm256_fmsub_pd(vc, x0, _mm256_mul_pd(vs, y0)));
        _mm256_storeu_pd(x + i + 4, _mm256_fmsub_pd(vc, x1, _mm256_mul_pd(vs, y1)));
        _mm256_storeu_pd(y + i, _mm256_fmadd_pd(vs, x0, _mm256_mul_pd(vc, y0)));
        _mm256_storeu_pd(y + i + 4, _mm256_fmadd_pd(vs, x1, _mm256_mul_pd(vc, y1)));
    }
    for (; i < n; i++) {
        const double xi = x[i], yi = y[i];
        x[i] = c * xi - s * yi;
        y[i] = s * xi + c * yi;
    }
}

void orc_f64_rotv__avx2(size_t n, double *x, double *y, const double *c, const double *s)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256d vc = _mm256_loadu_pd(c + i), vs = _mm256_loadu_pd(s + i);
        __m256d xv = _mm256_loadu_pd(x + i), yv = _mm256_loadu_pd(y + i);
        _mm256_storeu_pd(x + i, _mm256_fmsub_pd(vc, xv, _mm256_mul_pd(vs, yv)));
        _mm256_storeu_pd(y + i, _mm256_fmadd_pd(vs, xv, _mm256_mul_pd(vc, yv)));
    }
    for (; i < n; i++) {
        const double xi = x[i], yi = y[i];
        x[i] = c[i] * xi - s[i] * yi;
        y[i] = s[i] * xi + c[i] * yi;
    }
}
