/* gemmnt.h -- dense "A times B transposed" for the classifier: dot products of rows.
 *
 *   c[i*ldc + j] = (bias ? bias[j] : 0) + sum_{l < len} a[i*lda + l] * b[j*ldb + l]
 *   for 0 <= i < m, 0 <= j < p.
 *
 * Both operands are row-major with the reduction along rows (contiguous), so one kernel serves
 * the forward pass (X W^T) and, on transposed copies, the gradient (R^T X). A kernel computes
 * every element with the same accumulation order whatever the tile it falls in, so a caller may
 * slice m or p freely (static per-thread slices) and get bitwise the same result for a given
 * ISA. Kernels do not allocate and touch nothing outside c's m x p window.
 */
#ifndef ORC_KERNEL_GEMMNT_H
#define ORC_KERNEL_GEMMNT_H

#include <stddef.h>

typedef void (*orc_f32_gemmnt_fn)(size_t m, size_t p, size_t len, const float *a, size_t lda,
                                  const float *b, size_t ldb, const float *bias, float *c,
                                  size_t ldc);

void orc_f32_gemmnt__scalar(size_t m, size_t p, size_t len, const float *a, size_t lda,
                            const float *b, size_t ldb, const float *bias, float *c, size_t ldc);
void orc_f32_gemmnt__avx2(size_t m, size_t p, size_t len, const float *a, size_t lda,
                          const float *b, size_t ldb, const float *bias, float *c, size_t ldc);

#endif
