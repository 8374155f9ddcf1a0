/* f64-rot.h -- plane rotation of two double rows, the inner step of Jacobi:
 * for i < n: (x[i], y[i]) <- (c * x[i] - s * y[i], s * x[i] + c * y[i]).
 * x and y must not overlap. Variants are listed in f64-rot.inc; all give the same result up
 * to rounding (FMA contraction).
 */
#ifndef ORC_F64_ROT_H
#define ORC_F64_ROT_H

#include <stddef.h>

typedef void (*orc_f64_rot_fn)(size_t n, double *x, double *y, double c, double s);

#define ORC_F64_ROT_KERNEL(isa, fn) void fn(size_t n, double *x, double *y, double c, double s);
#include "f64-rot/f64-rot.inc"
#undef ORC_F64_ROT_KERNEL

#endif
