/* f64-rot-avx2.c -- plane rotation of two rows with AVX2 + FMA, 8 doubles per step. */
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
