/* f64-rot-scalar.c -- portable plane rotations of two rows; the oracle of the SIMD variants. */
#include "f64-rot/f64-rot.h"

void orc_f64_rot__scalar(size_t n, double *x, double *y, double c, double s)
{
    for (size_t i = 0; i < n; i++) {
        const double xi = x[i], yi = y[i];
        x[i] = c * xi - s * yi;
        y[i] = s * xi + c * yi;
    }
}

void orc_f64_rotv__scalar(size_t n, double *x, double *y, const double *c, const double *s)
{
    for (size_t i = 0; i < n; i++) {
        const double xi = x[i], yi = y[i];
        x[i] = c[i] * xi - s[i] * yi;
        y[i] = s[i] * xi + c[i] * yi;
    }
}
