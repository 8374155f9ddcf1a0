/* gemmtn.h -- dense "A transposed times B" for the classifier's gradients:
 *
 *   c[r*ldc + j] = sum_{i < n} a[i*lda + r] * b[i*ldb + j]     0 <= r < m, 0 <= j < p
 *
 * a [n][m] and b [n][p] row-major (e.g. the residuals R [n][k] and the inputs Z [n][d] give
 * the weight gradient R^T Z [k][d] without transposing anything). Every element accumulates
 * in float over i = 0, 1, ..., n-1 in that order with fused multiply-adds (fmaf), starting
 * from 0, whatever the tile it falls in: a caller may slice m or p freely (per-thread column
 * slices) and get bitwise the same result for a given ISA. Kernels do not allocate.
 */
#ifndef ORC_KERNEL_GEMMTN_H
#define ORC_KERNEL_GEMMTN_H

#include <stddef.h>

typedef void (*orc_f32_gemmtn_fn)(size_t m, size_t p, size_t n, const float *a, size_t lda,
                                  const float *b, size_t ldb, float *c, size_t ldc);

void orc_f32_gemmtn__scalar(size_t m, size_t p, size_t n, const float *a, size_t lda,
                            const float *b, size_t ldb, float *c, size_t ldc);
void orc_f32_gemmtn__avx2(size_t m, size_t p, size_t n, const float *a, size_t lda,
                          const float *b, size_t ldb, float *c, size_t ldc);

#endif
