/* lbfgs.h -- limited-memory BFGS minimizer with a strong-Wolfe line search.
 *
 * Minimizes a smooth f: R^n -> R given a callback returning f(x) and writing grad f(x).
 * Two-loop recursion over the last `history` (s, y) pairs (Nocedal & Wright, Alg. 7.4), initial
 * Hessian scale gamma = s'y / y'y; the step satisfies the strong Wolfe conditions
 *   f(x + a p) <= f(x) + c1 a g'p   and   |g(x + a p)'p| <= c2 |g'p|
 * found by bracketing then zooming with safeguarded cubic interpolation (N&W Alg. 3.5 / 3.6).
 * The first step is a = min(1, 1/||g||_inf), later steps start at a = 1.
 *
 * Stops when ||g||_inf <= gtol * max(1, |f|) (converged), when the relative decrease of f over
 * one iteration is below ftol (converged), after max_iter iterations (not an error: the best x
 * is returned and result->status says so), or when the line search cannot make progress (the
 * best x so far is kept; numerically this is the end of the road, reported, not an error).
 * A NaN or Inf from the callback is an ORC_ERR_NUMERIC error.
 *
 * Deterministic: no randomness; the callback decides its own threading. Not thread-safe on
 * the same x; separate calls are independent.
 */
#ifndef ORC_LBFGS_H
#define ORC_LBFGS_H

#include "orchard.h"

/* returns f(x) and writes grad[n]; x must not be modified */
typedef double (*orc_lbfgs_function)(void *ctx, const double *x, double *grad);

typedef struct orc_lbfgs_options {
    unsigned history;  /* pairs kept (default 10) */
    unsigned max_iter; /* iterations (default 500) */
    unsigned max_line_search; /* function evaluations per line search (default 40) */
    double gtol;       /* gradient tolerance (default 1e-6) */
    double ftol;       /* relative decrease tolerance (default 1e-12) */
    double c1, c2;     /* Wolfe constants (default 1e-4, 0.9) */
} orc_lbfgs_options;

typedef enum orc_lbfgs_stop {
    ORC_LBFGS_GRADIENT = 1,   /* gradient small enough */
    ORC_LBFGS_DECREASE = 2,   /* f stopped decreasing */
    ORC_LBFGS_MAX_ITER = 3,   /* iteration budget spent */
    ORC_LBFGS_LINE_SEARCH = 4 /* no step satisfying the conditions (at machine precision) */
} orc_lbfgs_stop;

typedef struct orc_lbfgs_result {
    orc_lbfgs_stop stop;
    unsigned iterations;
    unsigned evaluations;
    double f;          /* final value */
    double grad_inf;   /* final ||g||_inf */
} orc_lbfgs_result;

/* defaults as documented above */
void orc_lbfgs_options_default(orc_lbfgs_options *opt);

/* x[n]: start on entry, minimizer on return. opt may be NULL (defaults), result may be NULL. */
orc_status orc_lbfgs_minimize(size_t n, double *x, orc_lbfgs_function fn, void *ctx,
                              const orc_lbfgs_options *opt, orc_lbfgs_result *result,
                              orc_error *err);

#endif
