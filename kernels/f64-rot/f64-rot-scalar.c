/* f64-rot-scalar.c -- portable plane rotation of two rows; the oracle of the SIMD variants. */
#include "f64-rot/f64-rot.h"

void orc_f64_rot__scalar(size_t n, double *x, double *y, double c, double s)
{
    for (size_t i = 0; i < n; i++) {
        const double xi = x[i], yi = y[i];
        x[i] = c * xi - s * yi;
        y[i] = s * xi + c * yi;
    }
}
