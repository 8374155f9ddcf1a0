/* gemmtn-avx2.c -- AVX2+FMA gemmtn (see gemmtn.h). Register tile: 4 rows of c (columns of a,
 * broadcast) x 16 columns (two vectors of b), 8 accumulators. The sum over i runs in chunks of
 * CHUNK rows so that the chunk of a and b stays in L2 and its pages in the TLB (rows of b are
 * a whole feature vector apart); between chunks the accumulators go through c, which holds
 * the float exactly, so the order of operations per element is still i = 0, 1, ..., n-1.
 * Edges use scalar fmaf in the same order: every element is bitwise the same in any tile. */
#include "gemmtn/gemmtn.h"

#include <immintrin.h>
#include <math.h>

#define CHUNK 128

/* rows [i0, i1) of the sum into c (which holds the sum of the rows before i0) */
static void edge(size_t r0, size_t mr, size_t j0, size_t pr, size_t i0, size_t i1,
                 const float *a, size_t lda, const float *b, size_t ldb, float *c, size_t ldc)
{
    for (size_t r = r0; r < r0 + mr; r++)
        for (size_t j = j0; j < j0 + pr; j++) {
            float acc = c[r * ldc + j];
            for (size_t i = i0; i < i1; i++)
                acc = fmaf(a[i * lda + r], b[i * ldb + j], acc);
            c[r * ldc + j] = acc;
        }
}

void orc_f32_gemmtn__avx2(size_t m, size_t p, size_t n, const float *a, size_t lda,
                          const float *b, size_t ldb, float *c, size_t ldc)
{
    size_t m4 = m - m % 4, p16 = p - p % 16;
    for (size_t r = 0; r < m; r++)
        for (size_t j = 0; j < p; j++)
            c[r * ldc + j] = 0.0f;
    for (size_t i0 = 0; i0 < n; i0 += CHUNK) {
        size_t i1 = n - i0 < CHUNK ? n : i0 + CHUNK;
        for (size_t j0 = 0; j0 < p16; j0 += 16) {
            for (size_t r0 = 0; r0 < m4; r0 += 4) {
                float *cr = c + r0 * ldc + j0;
                __m256 c00 = _mm256_loadu_ps(cr), c01 = _mm256_loadu_ps(cr + 8);
                __m256 c10 = _mm256_loadu_ps(cr + ldc), c11 = _mm256_loadu_ps(cr + ldc + 8);
                __m256 c20 = _mm256_loadu_ps(cr + 2 * ldc), c21 = _mm256_loadu_ps(cr + 2 * ldc + 8);
                __m256 c30 = _mm256_loadu_ps(cr + 3 * ldc), c31 = _mm256_loadu_ps(cr + 3 * ldc + 8);
                const float *ai = a + i0 * lda + r0, *bi = b + i0 * ldb + j0;
                for (size_t i = i0; i < i1; i++, ai += lda, bi += ldb) {
                    __m256 b0 = _mm256_loadu_ps(bi), b1 = _mm256_loadu_ps(bi + 8);
                    __m256 x = _mm256_broadcast_ss(ai);
                    c00 = _mm256_fmadd_ps(x, b0, c00);
                    c01 = _mm256_fmadd_ps(x, b1, c01);
                    x = _mm256_broadcast_ss(ai + 1);
                    c10 = _mm256_fmadd_ps(x, b0, c10);
                    c11 = _mm256_fmadd_ps(x, b1, c11);
                    x = _mm256_broadcast_ss(ai + 2);
                    c20 = _mm256_fmadd_ps(x, b0, c20);
                    c21 = _mm256_fmadd_ps(x, b1, c21);
                    x = _mm256_broadcast_ss(ai + 3);
                    c30 = _mm256_fmadd_ps(x, b0, c30);
                    c31 = _mm256_fmadd_ps(x, b1, c31);
                }
                _mm256_storeu_ps(cr, c00);
                _mm256_storeu_ps(cr + 8, c01);
                _mm256_storeu_ps(cr + ldc, c10);
                _mm256_storeu_ps(cr + ldc + 8, c11);
                _mm256_storeu_ps(cr + 2 * ldc, c20);
                _mm256_storeu_ps(cr + 2 * ldc + 8, c21);
                _mm256_storeu_ps(cr + 3 * ldc, c30);
                _mm256_storeu_ps(cr + 3 * ldc + 8, c31);
            }
            if (m4 < m)
                edge(m4, m - m4, j0, 16, i0, i1, a, lda, b, ldb, c, ldc);
        }
        if (p16 < p)
            edge(0, m, p16, p - p16, i0, i1, a, lda, b, ldb, c, ldc);
    }
}
