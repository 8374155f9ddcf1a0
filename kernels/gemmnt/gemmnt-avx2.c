/* gemmnt-avx2.c -- AVX2+FMA gemmnt (see gemmnt.h). Register tiles of 4 rows of a by 2 rows of
 * b (8 accumulators of 8 lanes); every element accumulates lane-wise over l in steps of 8, the
 * tail through a masked load, then a fixed horizontal sum: edge elements use the same order. */
#include "gemmnt/gemmnt.h"

#include <immintrin.h>
#include <stdint.h>

static inline float hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

static inline __m256i tail_mask(size_t rem)
{
    static const int32_t bits[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(bits + 8 - rem));
}

static float dot1(size_t len, const float *x, const float *y, __m256i mask, size_t rem)
{
    __m256 acc = _mm256_setzero_ps();
    size_t l = 0;
    for (; l + 8 <= len; l += 8)
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(x + l), _mm256_loadu_ps(y + l), acc);
    if (rem != 0)
        acc = _mm256_fmadd_ps(_mm256_maskload_ps(x + l, mask), _mm256_maskload_ps(y + l, mask),
                              acc);
    return hsum(acc);
}

void orc_f32_gemmnt__avx2(size_t m, size_t p, size_t len, const float *a, size_t lda,
                          const float *b, size_t ldb, const float *bias, float *c, size_t ldc)
{
    size_t rem = len % 8;
    __m256i mask = tail_mask(rem);
    size_t i = 0;
    for (; i + 4 <= m; i += 4) {
        const float *a0 = a + i * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
        size_t j = 0;
        for (; j + 2 <= p; j += 2) {
            const float *b0 = b + j * ldb, *b1 = b0 + ldb;
            __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
            __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
            __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
            __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
            size_t l = 0;
            for (; l + 8 <= len; l += 8) {
                __m256 vb0 = _mm256_loadu_ps(b0 + l), vb1 = _mm256_loadu_ps(b1 + l);
                __m256 va = _mm256_loadu_ps(a0 + l);
                c00 = _mm256_fmadd_ps(va, vb0, c00);
                c01 = _mm256_fmadd_ps(va, vb1, c01);
                va = _mm256_loadu_ps(a1 + l);
                c10 = _mm256_fmadd_ps(va, vb0, c10);
                c11 = _mm256_fmadd_ps(va, vb1, c11);
                va = _mm256_loadu_ps(a2 + l);
                c20 = _mm256_fmadd_ps(va, vb0, c20);
                c21 = _mm256_fmadd_ps(va, vb1, c21);
                va = _mm256_loadu_ps(a3 + l);
                c30 = _mm256_fmadd_ps(va, vb0, c30);
                c31 = _mm256_fmadd_ps(va, vb1, c31);
            }
            if (rem != 0) {
                __m256 vb0 = _mm256_maskload_ps(b0 + l, mask), vb1 = _mm256_maskload_ps(b1 + l, mask);
                __m256 va = _mm256_maskload_ps(a0 + l, mask);
                c00 = _mm256_fmadd_ps(va, vb0, c00);
                c01 = _mm256_fmadd_ps(va, vb1, c01);
                va = _mm256_maskload_ps(a1 + l, mask);
                c10 = _mm256_fmadd_ps(va, vb0, c10);
                c11 = _mm256_fmadd_ps(va, vb1, c11);
                va = _mm256_maskload_ps(a2 + l, mask);
                c20 = _mm256_fmadd_ps(va, vb0, c20);
                c21 = _mm256_fmadd_ps(va, vb1, c21);
                va = _mm256_maskload_ps(a3 + l, mask);
                c30 = _mm256_fmadd_ps(va, vb0, c30);
                c31 = _mm256_fmadd_ps(va, vb1, c31);
            }
            float bj0 = bias != NULL ? bias[j] : 0.0f, bj1 = bias != NULL ? bias[j + 1] : 0.0f;
            float *ci = c + i * ldc + j;
            ci[0] = bj0 + hsum(c00);
            ci[1] = bj1 + hsum(c01);
            ci[ldc] = bj0 + hsum(c10);
            ci[ldc + 1] = bj1 + hsum(c11);
            ci[2 * ldc] = bj0 + hsum(c20);
            ci[2 * ldc + 1] = bj1 + hsum(c21);
            ci[3 * ldc] = bj0 + hsum(c30);
            ci[3 * ldc + 1] = bj1 + hsum(c31);
        }
        for (; j < p; j++)
            for (size_t r = 0; r < 4; r++)
                c[(i + r) * ldc + j] = (bias != NULL ? bias[j] : 0.0f) +
                                       dot1(len, a + (i + r) * lda, b + j * ldb, mask, rem);
    }
    for (; i < m; i++)
        for (size_t j = 0; j < p; j++)
            c[i * ldc + j] = (bias != NULL ? bias[j] : 0.0f) +
                             dot1(len, a + i * lda, b + j * ldb, mask, rem);
}
