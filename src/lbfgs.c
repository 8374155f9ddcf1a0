/* lbfgs.c -- L-BFGS with a strong-Wolfe line search (bracketing + cubic zoom); see lbfgs.h. */
#include "lbfgs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void orc_lbfgs_options_default(orc_lbfgs_options *opt)
{
    opt->history = 10;
    opt->max_iter = 500;
    opt->max_line_search = 40;
    opt->gtol = 1e-6;
    opt->ftol = 1e-12;
    opt->c1 = 1e-4;
    opt->c2 = 0.9;
}

static double dot(size_t n, const double *a, const double *b)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static double norm_inf(size_t n, const double *a)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(a[i]) > m)
            m = fabs(a[i]);
    return m;
}

/* minimizer of the cubic through (a1, f1, d1) and (a2, f2, d2), kept inside the interval
 * shrunk by 10 % on each side; bisection when the cubic has no usable minimum */
static double cubic_step(double a1, double f1, double d1, double a2, double f2, double d2)
{
    double lo = a1 < a2 ? a1 : a2, hi = a1 < a2 ? a2 : a1;
    double mid = 0.5 * (a1 + a2);
    double e1 = d1 + d2 - 3.0 * (f1 - f2) / (a1 - a2);
    double disc = e1 * e1 - d1 * d2;
    if (!(disc >= 0.0))
        return mid;
    double e2 = sqrt(disc) * (a2 > a1 ? 1.0 : -1.0);
    double den = d2 - d1 + 2.0 * e2;
    if (den == 0.0)
        return mid;
    double a = a2 - (a2 - a1) * (d2 + e2 - e1) / den;
    double margin = 0.1 * (hi - lo);
    if (!isfinite(a) || a < lo + margin || a > hi - margin)
        return mid;
    return a;
}

typedef struct search {
    size_t n;
    const double *x, *p;   /* base point and direction */
    double *xt, *gt;       /* trial point and its gradient */
    orc_lbfgs_function fn;
    void *ctx;
    unsigned evals;
    unsigned budget;
} search;

/* phi(a) = f(x + a p); writes phi'(a) to *d. Returns NAN on a non-finite value. */
static double phi(search *s, double a, double *d)
{
    for (size_t i = 0; i < s->n; i++)
        s->xt[i] = s->x[i] + a * s->p[i];
    double f = s->fn(s->ctx, s->xt, s->gt);
    s->evals++;
    *d = dot(s->n, s->gt, s->p);
    if (!isfinite(f) || !isfinite(*d))
        return NAN;
    return f;
}

/* 1: xt/gt hold an accepted point with value *fout; 0: no acceptable step; -1: non-finite */
static int line_search(search *s, double f0, double d0, double a, double c1, double c2,
                       double *fout)
{
    double a_prev = 0.0, f_prev = f0, d_prev = d0;
    double lo = 0, f_lo = 0, d_lo = 0, hi = 0, f_hi = 0, d_hi = 0;
    int zoom = 0;
    while (s->evals < s->budget) {
        double d, f = phi(s, a, &d);
        if (isnan(f))
            return -1;
        if (f > f0 + c1 * a * d0 || (a_prev > 0.0 && f >= f_prev)) {
            lo = a_prev; f_lo = f_prev; d_lo = d_prev;
            hi = a; f_hi = f; d_hi = d;
            zoom = 1;
            break;
        }
        if (fabs(d) <= -c2 * d0) {
            *fout = f;
            return 1;
        }
        if (d >= 0.0) {
            lo = a; f_lo = f; d_lo = d;
            hi = a_prev; f_hi = f_prev; d_hi = d_prev;
            zoom = 1;
            break;
        }
        a_prev = a; f_prev = f; d_prev = d;
        a *= 4.0;
    }
    if (!zoom)
        return 0;
    while (s->evals < s->budget) {
        if (fabs(hi - lo) <= 1e-16 * (fabs(lo) > 1.0 ? fabs(lo) : 1.0))
            break;
        double aj = cubic_step(lo, f_lo, d_lo, hi, f_hi, d_hi);
        double d, f = phi(s, aj, &d);
        if (isnan(f)) {
            /* a point too far out: shrink towards lo instead of failing */
            hi = aj; f_hi = f_lo + fabs(f_lo) + 1.0; d_hi = 0.0;
            continue;
        }
        if (f > f0 + c1 * aj * d0 || f >= f_lo) {
            hi = aj; f_hi = f; d_hi = d;
        } else {
            if (fabs(d) <= -c2 * d0) {
                *fout = f;
                return 1;
            }
            if (d * (hi - lo) >= 0.0) {
                hi = lo; f_hi = f_lo; d_hi = d_lo;
            }
            lo = aj; f_lo = f; d_lo = d;
        }
    }
    /* out of budget or interval collapsed: accept lo if it decreases f sufficiently */
    if (lo > 0.0 && f_lo < f0) {
        double d, f = phi(s, lo, &d);
        if (!isnan(f) && f < f0) {
            *fout = f;
            return 1;
        }
    }
    return 0;
}

orc_status orc_lbfgs_minimize(size_t n, double *x, orc_lbfgs_function fn, void *ctx,
                              const orc_lbfgs_options *options, orc_lbfgs_result *result,
                              orc_error *err)
{
    orc_lbfgs_options opt;
    if (options != NULL)
        opt = *options;
    else
        orc_lbfgs_options_default(&opt);
    if (n == 0 || x == NULL || fn == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "lbfgs: empty problem or no function");
    if (opt.history == 0 || opt.max_line_search == 0 || !(opt.c1 > 0.0) || !(opt.c2 > opt.c1) ||
        !(opt.c2 < 1.0))
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "lbfgs: bad options (history %u, line search %u, c1 %g, c2 %g)",
                             opt.history, opt.max_line_search, opt.c1, opt.c2);
    size_t m = opt.history;
    orc_status st = ORC_OK;
    double *buf = calloc((4 + 2 * m) * n + 2 * m, sizeof(double));
    if (buf == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "lbfgs: no memory for %zu variables", n);
    double *g = buf, *p = g + n, *xt = p + n, *gt = xt + n;
    double *S = gt + n, *Y = S + m * n, *rho = Y + m * n, *alpha = rho + m;
    size_t stored = 0, head = 0; /* circular buffer: newest at (head + m - 1) % m */
    orc_lbfgs_result res = {0};

    double f = fn(ctx, x, g);
    res.evaluations = 1;
    if (!isfinite(f)) {
        st = orc_error_set(err, ORC_ERR_NUMERIC, "lbfgs: objective is not finite at the start");
        goto done;
    }
    double ginf = norm_inf(n, g);
    res.stop = ORC_LBFGS_MAX_ITER;
    if (ginf <= opt.gtol * fmax(1.0, fabs(f))) {
        res.stop = ORC_LBFGS_GRADIENT;
        goto finish;
    }
    for (size_t i = 0; i < n; i++)
        p[i] = -g[i];
    while (res.iterations < opt.max_iter) {
        double d0 = dot(n, g, p);
        if (!(d0 < 0.0)) { /* not a descent direction: restart from steepest descent */
            stored = 0;
            for (size_t i = 0; i < n; i++)
                p[i] = -g[i];
            d0 = -dot(n, g, g);
        }
        double a0 = (res.iterations == 0 && stored == 0) ? fmin(1.0, 1.0 / ginf) : 1.0;
        search s = {n, x, p, xt, gt, fn, ctx, 0, opt.max_line_search};
        double fnew = f;
        int ok = line_search(&s, f, d0, a0, opt.c1, opt.c2, &fnew);
        res.evaluations += s.evals;
        if (ok < 0) {
            st = orc_error_set(err, ORC_ERR_NUMERIC,
                               "lbfgs: objective became NaN/Inf at iteration %u", res.iterations);
            goto done;
        }
        if (ok == 0) {
            if (stored > 0) { /* retry once along steepest descent before giving up */
                stored = 0;
                for (size_t i = 0; i < n; i++)
                    p[i] = -g[i];
                continue;
            }
            res.stop = ORC_LBFGS_LINE_SEARCH;
            break;
        }
        /* new pair s = xt - x, y = gt - g */
        double *sn = S + head * n, *yn = Y + head * n;
        for (size_t i = 0; i < n; i++) {
            sn[i] = xt[i] - x[i];
            yn[i] = gt[i] - g[i];
        }
        double sy = dot(n, sn, yn), yy = dot(n, yn, yn);
        if (sy > 1e-12 * yy && yy > 0.0) { /* curvature condition: keep the pair */
            rho[head] = 1.0 / sy;
            head = (head + 1) % m;
            if (stored < m)
                stored++;
        }
        memcpy(x, xt, n * sizeof *x);
        memcpy(g, gt, n * sizeof *g);
        double fold = f;
        f = fnew;
        res.iterations++;
        ginf = norm_inf(n, g);
        if (ginf <= opt.gtol * fmax(1.0, fabs(f))) {
            res.stop = ORC_LBFGS_GRADIENT;
            break;
        }
        if (fold - f <= opt.ftol * fmax(fmax(fabs(fold), fabs(f)), 1.0)) {
            res.stop = ORC_LBFGS_DECREASE;
            break;
        }
        /* two-loop recursion: p = -H g */
        for (size_t i = 0; i < n; i++)
            p[i] = -g[i];
        for (size_t k = 0; k < stored; k++) {
            size_t j = (head + m - 1 - k) % m;
            alpha[j] = rho[j] * dot(n, S + j * n, p);
            const double *yj = Y + j * n;
            for (size_t i = 0; i < n; i++)
                p[i] -= alpha[j] * yj[i];
        }
        if (stored > 0) {
            size_t j = (head + m - 1) % m;
            const double *yj = Y + j * n;
            double gamma = 1.0 / (rho[j] * dot(n, yj, yj));
            for (size_t i = 0; i < n; i++)
                p[i] *= gamma;
        }
        for (size_t k = stored; k-- > 0;) {
            size_t j = (head + m - 1 - k) % m;
            double beta = rho[j] * dot(n, Y + j * n, p);
            const double *sj = S + j * n;
            for (size_t i = 0; i < n; i++)
                p[i] += (alpha[j] - beta) * sj[i];
        }
    }
finish:
    res.f = f;
    res.grad_inf = ginf;
    if (result != NULL)
        *result = res;
done:
    free(buf);
    return st;
}
