/* f64-gemm.h -- small dense double matrix product for the PCA (Jacobi block updates, co-moment
 * rank-b updates): C[m][n] = X[m][k] * Y[k][n] (accumulate = 0) or C += X * Y (accumulate = 1),
 * all row-major with leading dimensions ldx, ldy, ldc (in doubles). Any m, n, k (0 allowed);
 * C must not overlap X or Y. Every variant gives the same result up to rounding (FMA vs not);
 * a variant only uses the ISA its name says. Variants are listed in f64-gemm.inc.
 */
#ifndef ORC_F64_GEMM_H
#define ORC_F64_GEMM_H

#include <stddef.h>

typedef void (*orc_f64_gemm_fn)(size_t m, size_t n, size_t k, const double *x, size_t ldx,
                                const double *y, size_t ldy, double *c, size_t ldc,
                                int accumulate);

#define ORC_F64_GEMM_KERNEL(isa, fn)                                                            \
    void fn(size_t m, size_t n, size_t k, const double *x, size_t ldx, const double *y,         \
            size_t ldy, double *c, size_t ldc, int accumulate);
#include "f64-gemm/f64-gemm.inc"
#undef ORC_F64_GEMM_KERNEL

#endif
