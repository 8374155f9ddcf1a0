/* f64-rot.h -- plane rotations of double rows, the inner step of Jacobi:
 *   rot:  for i < n: (x[i], y[i]) <- (c * x[i] - s * y[i], s * x[i] + c * y[i])
 *   rotv: the same with one (c[i], s[i]) per element (n disjoint rotations applied to the
 *         columns of one row at once).
 * x, y (and c, s) must not overlap. Variants are listed in f64-rot.inc; all give the same
 * result up to rounding (FMA contraction).
 */
#ifndef ORC_F64_ROT_H
#define ORC_F64_ROT_H

#include <stddef.h>

typedef void (*orc_f64_rot_fn)(size_t n, double *x, double *y, double c, double s);
typedef void (*orc_f64_rotv_fn)(size_t n, double *x, double *y, const double *c,
                                const double *s);

#define ORC_F64_ROT_KERNEL(isa, fn, fnv)                                                        \
    void fn(size_t n, double *x, double *y, double c, double s);                                \
    void fnv(size_t n, double *x, double *y, const double *c, const double *s);
#include "f64-rot/f64-rot.inc"
#undef ORC_F64_ROT_KERNEL

#endif
