/* test_pca.c -- PCA: f64 kernels against their scalar oracle, the Jacobi solver against LAPACK
 * dsyevd (random, repeated and zero eigenvalues; orthogonality and residual), mergeable
 * statistics (1, 2, 7 partitions == one pass), flat buffers and files, the fit (k by variance
 * target against scikit-learn), the projection, and the .orpca model file (round trip,
 * corruption, version). */
#include "check_main.h"
#include "f64-gemm/f64-gemm.h"
#include "f64-rot/f64-rot.h"
#include "pca.h"

#include <lapacke.h>
#include <math.h>
#include <stdint.h>

/* ---- helpers ------------------------------------------------------------------------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static double urand(void) /* [-0.5, 0.5) */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0 - 0.5;
}

static double *random_symmetric(size_t n)
{
    double *a = malloc(n * n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            a[i * n + j] = a[j * n + i] = urand();
    return a;
}

/* a random orthogonal n x n (eigenvectors of a random symmetric matrix, by LAPACK) */
static double *random_orthogonal(size_t n)
{
    double *q = random_symmetric(n), *w = malloc(n * sizeof(double));
    ck_assert_int_eq(LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)n, q, (lapack_int)n,
                                    w), 0);
    free(w);
    return q;
}

/* Q diag(lambda) Q^T */
static double *with_spectrum(size_t n, const double *lambda)
{
    double *q = random_orthogonal(n), *a = calloc(n * n, sizeof(double));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0.0;
            for (size_t k = 0; k < n; k++)
                s += q[i * n + k] * lambda[k] * q[j * n + k];
            a[i * n + j] = s;
        }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            a[i * n + j] = a[j * n + i];
    free(q);
    return a;
}

static double max_abs(const double *a, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(a[i]));
    return m;
}

/* ||V^T V - I||_max with rows of v as vectors, and ||A v_i - l_i v_i||_max / ||A||_max */
static void check_decomposition(size_t n, const double *a, const double *l, const double *v,
                                double tol)
{
    double orth = 0.0, res = 0.0;
    const double scale = fmax(max_abs(a, n * n), 1e-300);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++) {
            double s = 0.0;
            for (size_t k = 0; k < n; k++)
                s += v[i * n + k] * v[j * n + k];
            orth = fmax(orth, fabs(s - (i == j ? 1.0 : 0.0)));
        }
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < n; r++) {
            double s = 0.0;
            for (size_t k = 0; k < n; k++)
                s += a[r * n + k] * v[i * n + k];
            res = fmax(res, fabs(s - l[i] * v[i * n + r]) / scale);
        }
    ck_assert_msg(orth < tol, "n %zu: ||V^T V - I|| = %.3g", n, orth);
    ck_assert_msg(res < tol, "n %zu: ||A V - V L|| / ||A|| = %.3g", n, res);
}

/* Jacobi vs dsyevd: eigenvalues (relative to the largest), sign convention, and, where the
 * spectrum has no cluster, eigenvectors to 1e-8 */
static void compare_with_lapack(size_t n, const double *a, const orc_pca_eigen_options *opt,
                                int compare_vectors)
{
    double *l = malloc(n * sizeof(double)), *v = malloc(n * n * sizeof(double));
    double *ref = malloc(n * n * sizeof(double)), *w = malloc(n * sizeof(double));
    orc_error err;
    orc_pca_eigen_report rep;
    ck_assert_msg(orc_pca_eigen_solve(n, a, l, v, opt, &rep, &err) == ORC_OK, "%s", err.msg);
    memcpy(ref, a, n * n * sizeof(double));
    ck_assert_int_eq(LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)n, ref,
                                    (lapack_int)n, w), 0);
    const double big = fmax(max_abs(w, n), 1e-300);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(fabs(l[i] - w[n - 1 - i]) <= 1e-10 * big, "n %zu: eigenvalue %zu: %.17g vs "
                      "LAPACK %.17g", n, i, l[i], w[n - 1 - i]);
        if (i > 0)
            ck_assert(l[i] <= l[i - 1]);
        size_t arg = 0;
        for (size_t j = 1; j < n; j++)
            if (fabs(v[i * n + j]) > fabs(v[i * n + arg]))
                arg = j;
        ck_assert_msg(v[i * n + arg] > 0.0, "sign convention broken for vector %zu", i);
    }
    if (compare_vectors) {
        for (size_t i = 0; i < n; i++) {
            const size_t c = n - 1 - i;
            double dot = 0.0;
            for (size_t j = 0; j < n; j++)
                dot += v[i * n + j] * ref[j * n + c];
            const double s = dot < 0.0 ? -1.0 : 1.0;
            for (size_t j = 0; j < n; j++)
                ck_assert_msg(fabs(v[i * n + j] - s * ref[j * n + c]) < 1e-8,
                              "n %zu: vector %zu component %zu: %.12g vs %.12g", n, i, j,
                              v[i * n + j], s * ref[j * n + c]);
        }
    }
    check_decomposition(n, a, l, v, 1e-10);
    free(l);
    free(v);
    free(ref);
    free(w);
}

/* ---- kernels ------------------------------------------------------------------------------ */

static int isa_runs(const char *isa)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (strcmp(isa, "avx2") == 0)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (strcmp(isa, "avx512") == 0)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
#endif
    return strcmp(isa, "scalar") == 0;
}

typedef struct gemm_variant {
    const char *isa;
    orc_f64_gemm_fn fn;
} gemm_variant;

static const gemm_variant gemm_variants[] = {
#define ORC_F64_GEMM_KERNEL(isa, fn) {isa, fn},
#include "f64-gemm/f64-gemm.inc"
#undef ORC_F64_GEMM_KERNEL
};

typedef struct rot_variant {
    const char *isa;
    orc_f64_rot_fn fn;
    orc_f64_rotv_fn fnv;
} rot_variant;

static const rot_variant rot_variants[] = {
#define ORC_F64_ROT_KERNEL(isa, fn, fnv) {isa, fn, fnv},
#include "f64-rot/f64-rot.inc"
#undef ORC_F64_ROT_KERNEL
};

START_TEST(test_gemm_variants)
{
    static const size_t dims[] = {1, 3, 4, 5, 8, 12, 13, 31, 32, 33, 65};
    const size_t nd = sizeof dims / sizeof dims[0];
    for (size_t vi = 0; vi < sizeof gemm_variants / sizeof gemm_variants[0]; vi++) {
        if (!isa_runs(gemm_variants[vi].isa))
            continue;
        for (size_t a = 0; a < nd; a++)
            for (size_t b = 0; b < nd; b++)
                for (size_t c = 0; c < 3; c++) {
                    const size_t m = dims[a], n = dims[b], k = (size_t[]){1, 8, 33}[c];
                    const size_t ldx = k + 1, ldy = n + 2, ldc = n + 3;
                    double *x = malloc(m * ldx * sizeof(double));
                    double *y = malloc(k * ldy * sizeof(double));
                    double *got = malloc(m * ldc * sizeof(double));
                    for (size_t i = 0; i < m * ldx; i++)
                        x[i] = urand();
                    for (size_t i = 0; i < k * ldy; i++)
                        y[i] = urand();
                    for (int acc = 0; acc < 2; acc++) {
                        for (size_t i = 0; i < m * ldc; i++)
                            got[i] = (double)(i % 7);
                        gemm_variants[vi].fn(m, n, k, x, ldx, y, ldy, got, ldc, acc);
                        for (size_t i = 0; i < m; i++)
                            for (size_t j = 0; j < ldc; j++) {
                                double want = acc || j >= n ? (double)((i * ldc + j) % 7) : 0.0;
                                if (j < n)
                                    for (size_t p = 0; p < k; p++)
                                        want += x[i * ldx + p] * y[p * ldy + j];
                                ck_assert_msg(fabs(got[i * ldc + j] - want) <= 1e-13 * (double)(k + 1),
                                              "%s m %zu n %zu k %zu acc %d (%zu,%zu)",
                                              gemm_variants[vi].isa, m, n, k, acc, i, j);
                            }
                    }
                    free(x);
                    free(y);
                    free(got);
                }
    }
}
END_TEST

START_TEST(test_rot_variants)
{
    for (size_t vi = 0; vi < sizeof rot_variants / sizeof rot_variants[0]; vi++) {
        if (!isa_runs(rot_variants[vi].isa))
            continue;
        for (size_t n = 0; n < 40; n++) {
            double x[41], y[41], x0[41], y0[41];
            for (size_t i = 0; i < 41; i++) {
                x[i] = x0[i] = urand();
                y[i] = y0[i] = urand();
            }
            const double c = cos(0.3), s = sin(0.3);
            rot_variants[vi].fn(n, x, y, c, s);
            for (size_t i = 0; i < 41; i++) {
                const double wx = i < n ? c * x0[i] - s * y0[i] : x0[i];
                const double wy = i < n ? s * x0[i] + c * y0[i] : y0[i];
                ck_assert_msg(fabs(x[i] - wx) < 1e-15 && fabs(y[i] - wy) < 1e-15, "%s n %zu i %zu",
                              rot_variants[vi].isa, n, i);
            }
            double cv[41], sv[41];
            for (size_t i = 0; i < 41; i++) {
                cv[i] = cos(0.1 * (double)i);
                sv[i] = sin(0.1 * (double)i);
                x[i] = x0[i];
                y[i] = y0[i];
            }
            rot_variants[vi].fnv(n, x, y, cv, sv);
            for (size_t i = 0; i < 41; i++) {
                const double wx = i < n ? cv[i] * x0[i] - sv[i] * y0[i] : x0[i];
                const double wy = i < n ? sv[i] * x0[i] + cv[i] * y0[i] : y0[i];
                ck_assert_msg(fabs(x[i] - wx) < 1e-15 && fabs(y[i] - wy) < 1e-15,
                              "%s rotv n %zu i %zu", rot_variants[vi].isa, n, i);
            }
        }
    }
}
END_TEST

/* ---- eigen-solver ------------------------------------------------------------------------- */

START_TEST(test_eigen_random)
{
    static const size_t sizes[] = {1, 2, 3, 7, 16, 50, 129};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        double *a = random_symmetric(sizes[i]);
        compare_with_lapack(sizes[i], a, NULL, 1);
        free(a);
    }
}
END_TEST

START_TEST(test_eigen_blocked)
{
    /* forced block sizes, including a ragged last block and an odd block count (padding) */
    static const struct { size_t n; uint32_t block; uint32_t threads; } cases[] = {
        {40, 8, 1}, {61, 8, 2}, {100, 16, 2}, {200, 32, 1}, {300, 0, 2}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double *a = random_symmetric(cases[i].n);
        orc_pca_eigen_options opt = {cases[i].threads, 0.0, 0, cases[i].block, 0};
        compare_with_lapack(cases[i].n, a, &opt, 1);
        free(a);
    }
}
END_TEST

START_TEST(test_eigen_repeated_and_zero)
{
    const size_t n = 90;
    double lambda[90];
    for (size_t i = 0; i < n; i++)
        lambda[i] = i < 20 ? 0.0 : i < 40 ? 3.0 : i < 45 ? -2.0 : 1.0 + 0.1 * (double)i;
    double *a = with_spectrum(n, lambda);
    for (uint32_t block = 1; block <= 16; block += 15) {
        orc_pca_eigen_options opt = {2, 0.0, 0, block, 0};
        compare_with_lapack(n, a, &opt, 0);
        /* the eigenvalues themselves: 20 zeros (to 1e-10 * max), a triple cluster of 3.0 */
        double l[90], *v = malloc(n * n * sizeof(double));
        ck_assert_int_eq(orc_pca_eigen_solve(n, a, l, v, &opt, NULL, NULL), ORC_OK);
        size_t zeros = 0, threes = 0;
        for (size_t i = 0; i < n; i++) {
            zeros += fabs(l[i]) < 1e-10 * 9.9;
            threes += fabs(l[i] - 3.0) < 1e-10 * 9.9;
        }
        ck_assert_uint_eq(zeros, 20);
        ck_assert_uint_eq(threes, 20);
        free(v);
    }
    free(a);
    /* the zero matrix and a diagonal one */
    double z[9] = {0}, lz[3], vz[9];
    ck_assert_int_eq(orc_pca_eigen_solve(3, z, lz, vz, NULL, NULL, NULL), ORC_OK);
    ck_assert(lz[0] == 0.0 && lz[2] == 0.0 && vz[0] == 1.0 && vz[4] == 1.0);
    double d[9] = {1, 0, 0, 0, 5, 0, 0, 0, -2};
    ck_assert_int_eq(orc_pca_eigen_solve(3, d, lz, vz, NULL, NULL, NULL), ORC_OK);
    ck_assert(lz[0] == 5.0 && lz[1] == 1.0 && lz[2] == -2.0 && vz[1] == 1.0);
}
END_TEST

/* the QR preconditioning (blocked solver): with and without it, against LAPACK, on a
 * rank-deficient covariance-like matrix (30 decaying positive eigenvalues, 170 zeros) and a
 * random one; on the rank-deficient one it must save sweeps (the zero block decouples) */
START_TEST(test_eigen_preconditioning)
{
    const size_t n = 200;
    double lambda[200];
    for (size_t i = 0; i < n; i++)
        lambda[i] = i < 30 ? 1.0 / (1.0 + (double)i) : 0.0;
    double *low = with_spectrum(n, lambda), *rnd = random_symmetric(n);
    uint32_t sweeps[2];
    for (uint32_t off = 0; off < 2; off++) {
        orc_pca_eigen_options opt = {2, 0.0, 0, 16, off};
        compare_with_lapack(n, low, &opt, 0);
        compare_with_lapack(n, rnd, &opt, 1);
        double *l = malloc(n * sizeof(double));
        orc_pca_eigen_report rep;
        ck_assert_int_eq(orc_pca_eigen_solve(n, low, l, NULL, &opt, &rep, NULL), ORC_OK);
        sweeps[off] = rep.sweeps;
        size_t zeros = 0;
        for (size_t i = 0; i < n; i++)
            zeros += fabs(l[i]) < 1e-12;
        ck_assert_uint_eq(zeros, 170);
        free(l);
    }
    ck_assert_msg(sweeps[0] < sweeps[1], "preconditioned %u sweeps, plain %u", sweeps[0],
                  sweeps[1]);
    free(low);
    free(rnd);
}
END_TEST

START_TEST(test_eigen_threads_deterministic)
{
    const size_t n = 170;
    double *a = random_symmetric(n);
    double *l1 = malloc(n * sizeof(double)), *l2 = malloc(n * sizeof(double));
    double *v1 = malloc(n * n * sizeof(double)), *v2 = malloc(n * n * sizeof(double));
    orc_pca_eigen_options o1 = {1, 0.0, 0, 16, 0}, o2 = {2, 0.0, 0, 16, 0};
    ck_assert_int_eq(orc_pca_eigen_solve(n, a, l1, v1, &o1, NULL, NULL), ORC_OK);
    ck_assert_int_eq(orc_pca_eigen_solve(n, a, l2, v2, &o2, NULL, NULL), ORC_OK);
    ck_assert(memcmp(l1, l2, n * sizeof(double)) == 0);
    ck_assert(memcmp(v1, v2, n * n * sizeof(double)) == 0);
    free(a);
    free(l1);
    free(l2);
    free(v1);
    free(v2);
}
END_TEST

START_TEST(test_eigen_bad_input)
{
    double a[4] = {1, NAN, NAN, 1}, l[2], v[4];
    orc_error err;
    ck_assert_int_eq(orc_pca_eigen_solve(2, a, l, v, NULL, NULL, &err), ORC_ERR_NUMERIC);
    ck_assert_ptr_nonnull(strstr(err.msg, "(0, 1) is not finite"));
    ck_assert_int_eq(orc_pca_eigen_solve(0, a, l, v, NULL, NULL, &err), ORC_ERR_INVALID_ARGUMENT);
    orc_pca_eigen_options bad = {1, 0.0, 0, 12, 0};
    double b[4] = {1, 0, 0, 1};
    ck_assert_int_eq(orc_pca_eigen_solve(2, b, l, v, &bad, NULL, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "block size 12"));
    double *r = random_symmetric(60);
    orc_pca_eigen_options one = {1, 0.0, 1, 1, 0};
    double lr[60];
    ck_assert_int_eq(orc_pca_eigen_solve(60, r, lr, NULL, &one, NULL, &err), ORC_ERR_NUMERIC);
    ck_assert_ptr_nonnull(strstr(err.msg, "did not converge in 1 sweeps"));
    free(r);
}
END_TEST

/* ---- statistics --------------------------------------------------------------------------- */

/* n rows of d correlated features with a large common offset (tests cancellation) */
static float *make_rows(size_t n, size_t d, double offset)
{
    float *x = malloc(n * d * sizeof(float));
    double *mix = malloc(d * 4 * sizeof(double));
    for (size_t i = 0; i < d * 4; i++)
        mix[i] = urand();
    for (size_t r = 0; r < n; r++) {
        double z[4] = {urand() * 4, urand() * 2, urand(), urand() * 0.5};
        for (size_t j = 0; j < d; j++) {
            double v = offset + 0.01 * urand();
            for (int t = 0; t < 4; t++)
                v += mix[j * 4 + t] * z[t];
            x[r * d + j] = (float)v;
        }
    }
    free(mix);
    return x;
}

static double rel_diff(const double *a, const double *b, size_t n)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        num = fmax(num, fabs(a[i] - b[i]));
        den = fmax(den, fabs(b[i]));
    }
    return num / fmax(den, 1e-300);
}

START_TEST(test_stats_against_two_pass)
{
    const size_t n = 1000, d = 37;
    float *x = make_rows(n, d, 100.0);
    orc_pca_stats *s;
    ck_assert_int_eq(orc_pca_stats_open((uint32_t)d, &s, NULL), ORC_OK);
    for (size_t r = 0; r < n; r += 13) /* uneven calls: 13 rows at a time */
        ck_assert_int_eq(orc_pca_stats_add(s, x + r * d, n - r < 13 ? n - r : 13, d, NULL),
                         ORC_OK);
    ck_assert_uint_eq(orc_pca_stats_count(s), n);
    double *mean = malloc(d * sizeof(double)), *cov = malloc(d * d * sizeof(double));
    ck_assert_int_eq(orc_pca_stats_get(s, mean, cov, NULL), ORC_OK);
    /* two-pass reference in long double */
    long double rm[37] = {0};
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < d; j++)
            rm[j] += x[r * d + j];
    double refm[37], refc[37 * 37];
    for (size_t j = 0; j < d; j++)
        refm[j] = (double)(rm[j] / n);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            long double acc = 0;
            for (size_t r = 0; r < n; r++)
                acc += ((long double)x[r * d + i] - rm[i] / n) * ((long double)x[r * d + j] - rm[j] / n);
            refc[i * d + j] = (double)(acc / (n - 1));
        }
    ck_assert_msg(rel_diff(mean, refm, d) < 1e-13, "mean %.3g", rel_diff(mean, refm, d));
    ck_assert_msg(rel_diff(cov, refc, d * d) < 1e-12, "cov %.3g", rel_diff(cov, refc, d * d));
    orc_pca_stats_close(s);
    free(x);
    free(mean);
    free(cov);
}
END_TEST

START_TEST(test_stats_merge_partitions)
{
    const size_t n = 2000, d = 64;
    float *x = make_rows(n, d, 10.0);
    double *m1 = malloc(d * sizeof(double)), *c1 = malloc(d * d * sizeof(double));
    double *mp = malloc(d * sizeof(double)), *cp = malloc(d * d * sizeof(double));
    orc_pca_stats *one;
    ck_assert_int_eq(orc_pca_stats_open((uint32_t)d, &one, NULL), ORC_OK);
    ck_assert_int_eq(orc_pca_stats_add(one, x, n, d, NULL), ORC_OK);
    ck_assert_int_eq(orc_pca_stats_get(one, m1, c1, NULL), ORC_OK);
    static const size_t parts[] = {1, 2, 7};
    for (size_t pi = 0; pi < 3; pi++) {
        const size_t np = parts[pi];
        orc_pca_stats *p[7];
        size_t lo = 0;
        for (size_t i = 0; i < np; i++) {
            /* unequal partitions: the last ones are larger */
            size_t hi = i + 1 == np ? n : lo + (n / np) * (i + 1) / (np / 2 + 1) + 3;
            if (hi > n)
                hi = n;
            ck_assert_int_eq(orc_pca_stats_open((uint32_t)d, &p[i], NULL), ORC_OK);
            ck_assert_int_eq(orc_pca_stats_set_threads(p[i], (uint32_t)(1 + i % 2), NULL), ORC_OK);
            ck_assert_int_eq(orc_pca_stats_add(p[i], x + lo * d, hi - lo, d, NULL), ORC_OK);
            lo = hi;
        }
        /* pairwise tree merge: 0<-1, 2<-3, ..., then 0<-2, ... */
        for (size_t step = 1; step < np; step *= 2)
            for (size_t i = 0; i + step < np; i += 2 * step)
                ck_assert_int_eq(orc_pca_stats_merge(p[i], p[i + step], NULL), ORC_OK);
        ck_assert_uint_eq(orc_pca_stats_count(p[0]), n);
        ck_assert_int_eq(orc_pca_stats_get(p[0], mp, cp, NULL), ORC_OK);
        ck_assert_msg(rel_diff(mp, m1, d) < 1e-12, "%zu parts: mean %.3g", np,
                      rel_diff(mp, m1, d));
        ck_assert_msg(rel_diff(cp, c1, d * d) < 1e-12, "%zu parts: cov %.3g", np,
                      rel_diff(cp, c1, d * d));
        /* the same through serialized buffers (what MPI_Allreduce and array jobs use) */
        const size_t len = orc_pca_stats_doubles((uint32_t)d);
        double *acc = calloc(len, sizeof(double)), *buf = malloc(len * sizeof(double));
        lo = 0;
        for (size_t i = 0; i < np; i++) {
            size_t hi = lo + (n - lo) / (np - i);
            orc_pca_stats *q;
            ck_assert_int_eq(orc_pca_stats_open((uint32_t)d, &q, NULL), ORC_OK);
            ck_assert_int_eq(orc_pca_stats_add(q, x + lo * d, hi - lo, d, NULL), ORC_OK);
            ck_assert_int_eq(orc_pca_stats_serialize(q, i == 0 ? acc : buf, NULL), ORC_OK);
            if (i > 0)
                ck_assert_int_eq(orc_pca_stats_buffer_merge(acc, buf, len, NULL), ORC_OK);
            orc_pca_stats_close(q);
            lo = hi;
        }
        orc_pca_stats *r;
        ck_assert_int_eq(orc_pca_stats_deserialize(acc, len, &r, NULL), ORC_OK);
        ck_assert_int_eq(orc_pca_stats_get(r, mp, cp, NULL), ORC_OK);
        ck_assert_msg(rel_diff(cp, c1, d * d) < 1e-12, "%zu buffers: cov %.3g", np,
                      rel_diff(cp, c1, d * d));
        ck_assert_msg(rel_diff(mp, m1, d) < 1e-12, "%zu buffers: mean", np);
        orc_pca_stats_close(r);
        free(acc);
        free(buf);
        for (size_t i = 0; i < np; i++)
            orc_pca_stats_close(p[i]);
    }
    orc_pca_stats_close(one);
    free(x);
    free(m1);
    free(c1);
    free(mp);
    free(cp);
}
END_TEST

START_TEST(test_stats_bad_input)
{
    orc_pca_stats *s, *t;
    orc_error err;
    ck_assert_int_eq(orc_pca_stats_open(0, &s, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(orc_pca_stats_open(3, &s, NULL), ORC_OK);
    ck_assert_int_eq(orc_pca_stats_open(4, &t, NULL), ORC_OK);
    float rows[6] = {1, 2, 3, 4, INFINITY, 6};
    ck_assert_int_eq(orc_pca_stats_add(s, rows, 2, 3, &err), ORC_ERR_NUMERIC);
    ck_assert_ptr_nonnull(strstr(err.msg, "row 1, feature 1 is not finite"));
    ck_assert_uint_eq(orc_pca_stats_count(s), 0);
    ck_assert_int_eq(orc_pca_stats_add(s, rows, 1, 2, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(orc_pca_stats_merge(s, t, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "dimensions differ (3 and 4)"));
    double cov[9];
    ck_assert_int_eq(orc_pca_stats_add(s, rows, 1, 3, NULL), ORC_OK);
    ck_assert_int_eq(orc_pca_stats_get(s, NULL, cov, &err), ORC_ERR_INVALID_ARGUMENT);
    orc_pca_model *m;
    ck_assert_int_eq(orc_pca_fit(s, NULL, &m, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "at least 2 rows"));
    /* buffers */
    double buf[3 + 3 + 6], other[3 + 4 + 10];
    ck_assert_int_eq(orc_pca_stats_serialize(s, buf, NULL), ORC_OK);
    ck_assert_int_eq(orc_pca_stats_serialize(t, other, NULL), ORC_OK);
    ck_assert_int_eq(orc_pca_stats_buffer_merge(buf, other, 12, &err), ORC_ERR_FORMAT);
    orc_pca_stats *u = NULL;
    buf[0] = 1.0;
    ck_assert_int_eq(orc_pca_stats_deserialize(buf, 12, &u, &err), ORC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "not the statistics tag"));
    buf[0] = ORC_PCA_STATS_TAG;
    buf[2] = 1.5;
    ck_assert_int_eq(orc_pca_stats_deserialize(buf, 12, &u, &err), ORC_ERR_FORMAT);
    buf[2] = 1.0;
    buf[7] = NAN;
    ck_assert_int_eq(orc_pca_stats_deserialize(buf, 12, &u, &err), ORC_ERR_FORMAT);
    ck_assert_ptr_null(u);
    ck_assert_ptr_nonnull(strstr(err.msg, "value 7 is not finite"));
    orc_pca_stats_close(s);
    orc_pca_stats_close(t);
    orc_pca_stats_close(NULL);
}
END_TEST

START_TEST(test_stats_file)
{
    const char *dir = orc_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/part.orpstat", dir);
    float *x = make_rows(300, 9, 1.0);
    orc_pca_stats *s, *r;
    orc_error err;
    ck_assert_int_eq(orc_pca_stats_open(9, &s, NULL), ORC_OK);
    ck_assert_int_eq(orc_pca_stats_add(s, x, 300, 9, NULL), ORC_OK);
    ck_assert_int_eq(orc_pca_stats_save(s, path, &err), ORC_OK);
    ck_assert_int_eq(orc_pca_stats_load(path, &r, &err), ORC_OK);
    double a[81], b[81];
    orc_pca_stats_get(s, NULL, a, NULL);
    orc_pca_stats_get(r, NULL, b, NULL);
    ck_assert(memcmp(a, b, sizeof a) == 0);
    orc_pca_stats_close(r);
    FILE *f = fopen(path, "r+b");
    fseek(f, 100, SEEK_SET);
    fputc(0x55, f);
    fclose(f);
    ck_assert_int_eq(orc_pca_stats_load(path, &r, &err), ORC_ERR_CHECKSUM);
    ck_assert_ptr_nonnull(strstr(err.msg, "payload checksum mismatch"));
    orc_pca_stats_close(s);
    remove(path);
    rmdir(dir);
    free(x);
}
END_TEST

/* ---- fit, apply, model file ---------------------------------------------------------------- */

static void write_csv(const char *path, const float *x, size_t n, size_t d)
{
    FILE *f = fopen(path, "w");
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < d; j++)
            fprintf(f, "%.9g%c", x[r * d + j], j + 1 == d ? '\n' : ',');
    fclose(f);
}

START_TEST(test_fit_against_sklearn)
{
    const size_t n = 400, d = 30;
    float *x = make_rows(n, d, 3.0);
    /* a feature with a different unit, so standardization changes the answer */
    for (size_t r = 0; r < n; r++)
        x[r * d + 5] *= 40.0f;
    const char *dir = orc_test_tmpdir();
    char csv[512], out[512], cmd[2048];
    snprintf(csv, sizeof csv, "%s/x.csv", dir);
    snprintf(out, sizeof out, "%s/sk.txt", dir);
    write_csv(csv, x, n, d);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import numpy as np, sys\n"
             "from sklearn.decomposition import PCA\n"
             "from sklearn.preprocessing import StandardScaler\n"
             "x = np.loadtxt('%s', delimiter=',', dtype=np.float32).astype(np.float64)\n"
             "with open('%s', 'w') as f:\n"
             "    for std in (0, 1):\n"
             "        z = StandardScaler(with_std=True).fit_transform(x) * np.sqrt((len(x) - 1) / len(x)) if std else x\n"
             "        p = PCA(n_components=0.95, svd_solver='full').fit(z)\n"
             "        f.write('%%d\\n' %% p.n_components_)\n"
             "        f.write(' '.join('%%.17g' %% v for v in p.explained_variance_ratio_) + '\\n')\n"
             "        f.write(' '.join('%%.17g' %% v for v in p.transform(z[:3]).ravel()) + '\\n')\n"
             "\"", csv, out);
    ck_assert_msg(system(cmd) == 0, "scikit-learn reference failed (apt-get install python3-sklearn)");
    FILE *f = fopen(out, "r");
    ck_assert_ptr_nonnull(f);
    orc_pca_stats *s;
    ck_assert_int_eq(orc_pca_stats_open((uint32_t)d, &s, NULL), ORC_OK);
    /* the same float32 values that were written as %.9g: exact round trip */
    ck_assert_int_eq(orc_pca_stats_add(s, x, n, d, NULL), ORC_OK);
    for (int std = 0; std < 2; std++) {
        int k_ref;
        ck_assert_int_eq(fscanf(f, "%d", &k_ref), 1);
        orc_pca_fit_options opt = {0, 0.95, std, 2};
        orc_pca_model *m;
        orc_error err;
        ck_assert_msg(orc_pca_fit(s, &opt, &m, &err) == ORC_OK, "%s", err.msg);
        const orc_pca_model_info *info = orc_pca_model_get_info(m);
        ck_assert_msg((int)info->k == k_ref, "standardize %d: k %u, scikit-learn %d", std,
                      info->k, k_ref);
        for (int i = 0; i < k_ref; i++) {
            double r;
            ck_assert_int_eq(fscanf(f, "%lf", &r), 1);
            ck_assert_msg(fabs(info->explained_ratio[i] - r) < 1e-10, "ratio %d: %.17g vs %.17g",
                          i, info->explained_ratio[i], r);
        }
        /* projection of the first 3 rows, up to the sign of each component */
        float y[3 * 30];
        ck_assert_int_eq(orc_pca_apply(m, x, 3, d, y, NULL), ORC_OK);
        for (int r = 0; r < 3; r++)
            for (int j = 0; j < k_ref; j++) {
                double ref;
                ck_assert_int_eq(fscanf(f, "%lf", &ref), 1);
                ck_assert_msg(fabs(fabs(y[r * k_ref + j]) - fabs(ref)) < 1e-4 * (1 + fabs(ref)),
                              "row %d comp %d: %g vs %g", r, j, y[r * k_ref + j], ref);
            }
        orc_pca_model_close(m);
    }
    fclose(f);
    orc_pca_stats_close(s);
    remove(csv);
    remove(out);
    rmdir(dir);
    free(x);
}
END_TEST

START_TEST(test_fit_options_and_apply)
{
    const size_t n = 500, d = 12;
    float *x = make_rows(n, d, 0.0);
    for (size_t r = 0; r < n; r++)
        x[r * d + 3] = 7.25f; /* a constant feature */
    orc_pca_stats *s;
    orc_pca_model *m;
    orc_error err;
    ck_assert_int_eq(orc_pca_stats_open((uint32_t)d, &s, NULL), ORC_OK);
    ck_assert_int_eq(orc_pca_stats_add(s, x, n, d, NULL), ORC_OK);
    orc_pca_fit_options bad_k = {13, 0, 0, 1}, bad_v = {0, 1.5, 0, 1}, std = {5, 0, 1, 1};
    ck_assert_int_eq(orc_pca_fit(s, &bad_k, &m, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "k = 13 is above the dimension 12"));
    ck_assert_int_eq(orc_pca_fit(s, &bad_v, &m, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(orc_pca_fit(s, &std, &m, &err), ORC_OK);
    const orc_pca_model_info *info = orc_pca_model_get_info(m);
    ck_assert_uint_eq(info->k, 5);
    ck_assert_uint_eq(info->count, n);
    ck_assert(info->standardized);
    ck_assert(info->scale[3] == 1.0); /* zero variance: scale 1 */
    ck_assert(info->scale[0] != 1.0);
    ck_assert(fabs(info->cumulative_ratio[d - 1] - 1.0) < 1e-12);
    /* projection = ((x - mean) / scale) . component, with the stride honoured */
    float *wide = malloc(n * (d + 3) * sizeof(float)), *y = malloc(n * 5 * sizeof(float));
    for (size_t r = 0; r < n; r++)
        memcpy(wide + r * (d + 3), x + r * d, d * sizeof(float));
    ck_assert_int_eq(orc_pca_apply(m, wide, n, d + 3, y, NULL), ORC_OK);
    for (size_t r = 0; r < n; r += 37)
        for (size_t j = 0; j < 5; j++) {
            double want = 0.0;
            for (size_t i = 0; i < d; i++)
                want += ((double)x[r * d + i] - info->mean[i]) / info->scale[i] *
                        info->components[j * d + i];
            ck_assert(fabs(y[r * 5 + j] - want) < 1e-5 * (1 + fabs(want)));
        }
    wide[2 * (d + 3) + 1] = NAN;
    y[0] = 123.0f;
    ck_assert_int_eq(orc_pca_apply(m, wide, n, d + 3, y, &err), ORC_ERR_NUMERIC);
    ck_assert_ptr_nonnull(strstr(err.msg, "row 2, feature 1"));
    ck_assert(y[0] == 123.0f); /* outputs untouched */
    orc_pca_model_close(m);
    /* constant data: refused */
    orc_pca_stats *c;
    ck_assert_int_eq(orc_pca_stats_open(2, &c, NULL), ORC_OK);
    float same[4] = {1, 2, 1, 2};
    ck_assert_int_eq(orc_pca_stats_add(c, same, 2, 2, NULL), ORC_OK);
    ck_assert_int_eq(orc_pca_fit(c, NULL, &m, &err), ORC_ERR_NUMERIC);
    ck_assert_ptr_nonnull(strstr(err.msg, "total variance is 0"));
    orc_pca_stats_close(c);
    orc_pca_stats_close(s);
    orc_pca_model_close(NULL);
    free(x);
    free(wide);
    free(y);
}
END_TEST

/* copy src to dst with byte off XORed with value */
static void corrupt_byte(const char *src, const char *dst, long off, int value)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    int ch;
    long i = 0;
    while ((ch = fgetc(in)) != EOF) {
        fputc(i == off ? ch ^ value : ch, out);
        i++;
    }
    fclose(in);
    fclose(out);
}

START_TEST(test_model_file)
{
    const size_t n = 300, d = 20;
    float *x = make_rows(n, d, 1.0);
    orc_pca_stats *s;
    orc_pca_model *m, *r;
    orc_error err;
    ck_assert_int_eq(orc_pca_stats_open((uint32_t)d, &s, NULL), ORC_OK);
    ck_assert_int_eq(orc_pca_stats_add(s, x, n, d, NULL), ORC_OK);
    orc_pca_fit_options opt = {0, 0.9, 1, 1};
    ck_assert_int_eq(orc_pca_fit(s, &opt, &m, NULL), ORC_OK);
    const char *dir = orc_test_tmpdir();
    char path[512], bad[512];
    snprintf(path, sizeof path, "%s/m.orpca", dir);
    snprintf(bad, sizeof bad, "%s/bad.orpca", dir);
    ck_assert_int_eq(orc_pca_model_save(m, path, &err), ORC_OK);
    ck_assert_int_eq(orc_pca_model_load(path, &r, &err), ORC_OK);
    const orc_pca_model_info *a = orc_pca_model_get_info(m), *b = orc_pca_model_get_info(r);
    ck_assert(a->dim == b->dim && a->k == b->k && a->count == b->count);
    ck_assert(b->standardized == 1 && b->variance_target == 0.9);
    ck_assert(memcmp(a->components, b->components, a->k * d * sizeof(double)) == 0);
    ck_assert(memcmp(a->cumulative_ratio, b->cumulative_ratio, d * sizeof(double)) == 0);
    ck_assert(memcmp(a->scale, b->scale, d * sizeof(double)) == 0);
    float y1[20], y2[20];
    orc_pca_apply(m, x, 1, d, y1, NULL);
    orc_pca_apply(r, x, 1, d, y2, NULL);
    ck_assert(memcmp(y1, y2, a->k * sizeof(float)) == 0);
    orc_pca_model_close(r);
    /* payload byte, header byte, magic, truncation, version */
    corrupt_byte(path, bad, 128 + 8 * 3, 0x77);
    ck_assert_int_eq(orc_pca_model_load(bad, &r, &err), ORC_ERR_CHECKSUM);
    ck_assert_ptr_nonnull(strstr(err.msg, "payload checksum mismatch"));
    ck_assert_ptr_nonnull(strstr(err.msg, bad));
    corrupt_byte(path, bad, 20, 0x02); /* k */
    ck_assert_int_eq(orc_pca_model_load(bad, &r, &err), ORC_ERR_CHECKSUM);
    ck_assert_ptr_nonnull(strstr(err.msg, "header checksum"));
    corrupt_byte(path, bad, 0, 0x17);
    ck_assert_int_eq(orc_pca_model_load(bad, &r, &err), ORC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "not an Orchard PCA model"));
    corrupt_byte(path, bad, 8, 3); /* version 1 -> 2 */
    ck_assert_int_eq(orc_pca_model_load(bad, &r, &err), ORC_ERR_VERSION);
    ck_assert_ptr_nonnull(strstr(err.msg, "format version 2"));
    ck_assert_ptr_null(r);
    ck_assert_int_eq(truncate(path, 1000), 0);
    ck_assert_int_eq(orc_pca_model_load(path, &r, &err), ORC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "truncated"));
    ck_assert_int_eq(orc_pca_model_load("/nonexistent/m.orpca", &r, &err), ORC_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/m.orpca"));
    remove(path);
    remove(bad);
    rmdir(dir);
    orc_pca_model_close(m);
    orc_pca_stats_close(s);
    free(x);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("pca");
    TCase *tk = tcase_create("kernels");
    tcase_set_timeout(tk, 120);
    tcase_add_test(tk, test_gemm_variants);
    tcase_add_test(tk, test_rot_variants);
    suite_add_tcase(s, tk);
    TCase *te = tcase_create("eigen");
    tcase_set_timeout(te, 120);
    tcase_add_test(te, test_eigen_random);
    tcase_add_test(te, test_eigen_blocked);
    tcase_add_test(te, test_eigen_repeated_and_zero);
    tcase_add_test(te, test_eigen_preconditioning);
    tcase_add_test(te, test_eigen_threads_deterministic);
    tcase_add_test(te, test_eigen_bad_input);
    suite_add_tcase(s, te);
    TCase *ts = tcase_create("stats");
    tcase_set_timeout(ts, 60);
    tcase_add_test(ts, test_stats_against_two_pass);
    tcase_add_test(ts, test_stats_merge_partitions);
    tcase_add_test(ts, test_stats_bad_input);
    tcase_add_test(ts, test_stats_file);
    suite_add_tcase(s, ts);
    TCase *tm = tcase_create("model");
    tcase_set_timeout(tm, 120);
    tcase_add_test(tm, test_fit_against_sklearn);
    tcase_add_test(tm, test_fit_options_and_apply);
    tcase_add_test(tm, test_model_file);
    suite_add_tcase(s, tm);
    return s;
}

ORC_TEST_MAIN()
