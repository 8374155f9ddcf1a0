/* f64-rot-avx512.c -- plane rotations of two rows (one c, s, or one per element) with
 * AVX-512F, 8 doubles per step, masked tail. */
#include "f64-rot/f64-rot.h"

#include <immintrin.h>

void orc_f64_rot__avx512(size_t n, double *x, double *y, double c, double s)
{
    const __m512d vc = _mm512_set1_pd(c), vs = _mm512_set1_pd(s);
    for (size_t i = 0; i < n; i += 8) {
        const size_t left = n - i;
        const __mmask8 m = left >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << left) - 1u);
        __m512d xv = _mm512_maskz_loadu_pd(m, x + i), yv = _mm512_maskz_loadu_pd(m, y + i);
        _mm512_mask_storeu_pd(x + i, m, _mm512_fmsub_pd(vc, xv, _mm512_mul_pd(vs, yv)));
        _mm512_mask_storeu_pd(y + i, m, _mm512_fmadd_pd(vs, xv, _mm512_mul_pd(vc, yv)));
    }
}

void orc_f64_rotv__avx512(size_t n, double *x, double *y, const double *c, const double *s)
{
    for (size_t i = 0; i < n; i += 8) {
        const size_t left = n - i;
        const __mmask8 m = left >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << left) - 1u);
        __m512d vc = _mm512_maskz_loadu_pd(m, c + i), vs = _mm512_maskz_loadu_pd(m, s + i);
        __m512d xv = _mm512_maskz_loadu_pd(m, x + i), yv = _mm512_maskz_loadu_pd(m, y + i);
        _mm512_mask_storeu_pd(x + i, m, _mm512_fmsub_pd(vc, xv, _mm512_mul_pd(vs, yv)));
        _mm512_mask_storeu_pd(y + i, m, _mm512_fmadd_pd(vs, xv, _mm512_mul_pd(vc, yv)));
    }
}
