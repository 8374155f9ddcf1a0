/* test_classify.c -- the classifier: gemmnt kernels vs a double oracle, gradient check of the
 * objective (linear and MLP), convergence on separable data, coefficients equal to
 * scikit-learn's LogisticRegression, thread-count determinism, and the .orcls file (round trip,
 * corrupt, truncated, wrong magic, wrong version, the recorded network input sizes, version 1
 * files still read). */
#include "check_main.h"
#include "classify.h"
#include "gemmnt/gemmnt.h"
#include "gemmtn/gemmtn.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <sys/wait.h>

static uint64_t rng_state = 88172645463325252ull;
static double urand(void) /* [0, 1) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * (1.0 / 9007199254740992.0);
}
static double nrand(void)
{
    double u = urand() + 1e-300, v = urand();
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* k Gaussian blobs in d dims: centre c at spread * (unit vector pattern), unit noise */
static void blobs(size_t n, size_t d, size_t k, double spread, float *x, uint32_t *y)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t c = (uint32_t)(i % k);
        y[i] = c;
        for (size_t j = 0; j < d; j++) {
            double centre = spread * (((c * 7 + j * 3) % 5) - 2.0) / 2.0;
            x[i * d + j] = (float)(centre + nrand());
        }
    }
}

static const char *const names3[] = {"apple", "banana", "cherry", "date", "elder"};

/* ---- kernels ------------------------------------------------------------------------------ */

START_TEST(test_gemmnt_vs_oracle)
{
    static const size_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33};
    size_t ns = sizeof sizes / sizeof sizes[0];
    struct {
        orc_isa isa;
        const char *name;
        orc_f32_gemmnt_fn fn;
    } ks[] = {
#define ORC_KERNEL(isa, fn) {isa, #fn, fn},
#include "gemmnt/gemmnt.inc"
#undef ORC_KERNEL
    };
    for (size_t q = 0; q < sizeof ks / sizeof ks[0]; q++) {
        if (!orc_classify_isa_usable(ks[q].isa))
            continue;
        for (size_t a = 0; a < ns; a++)
            for (size_t b = 0; b < ns; b += 2)
                for (size_t c = 0; c < ns; c++) {
                    size_t m = sizes[a], p = sizes[b], len = sizes[c] * 3;
                    size_t lda = len + 1, ldb = len + 3, ldc = p + 2;
                    float *A = malloc(m * lda * 4), *B = malloc(p * ldb * 4), *bias = malloc(p * 4);
                    float *C = malloc(m * ldc * 4);
                    for (size_t i = 0; i < m * lda; i++)
                        A[i] = (float)nrand();
                    for (size_t i = 0; i < p * ldb; i++)
                        B[i] = (float)nrand();
                    for (size_t i = 0; i < p; i++)
                        bias[i] = (float)nrand();
                    for (size_t i = 0; i < m * ldc; i++)
                        C[i] = 12345.0f;
                    ks[q].fn(m, p, len, A, lda, B, ldb, c % 2 ? bias : NULL, C, ldc);
                    for (size_t i = 0; i < m; i++) {
                        for (size_t j = 0; j < p; j++) {
                            double ref = c % 2 ? bias[j] : 0.0, mag = fabs(ref);
                            for (size_t l = 0; l < len; l++) {
                                ref += (double)A[i * lda + l] * B[j * ldb + l];
                                mag += fabs((double)A[i * lda + l] * B[j * ldb + l]);
                            }
                            ck_assert_msg(fabs(C[i * ldc + j] - ref) <= 1e-6 * mag * sqrt((double)len) + 1e-6,
                                          "%s m %zu p %zu len %zu (%zu,%zu): %g vs %g", ks[q].name,
                                          m, p, len, i, j, C[i * ldc + j], ref);
                        }
                        for (size_t j = p; j < ldc; j++) /* padding untouched */
                            ck_assert_float_eq(C[i * ldc + j], 12345.0f);
                    }
                    free(A);
                    free(B);
                    free(bias);
                    free(C);
                }
    }
}
END_TEST

START_TEST(test_gemmnt_slices_bitwise)
{
    /* any slicing of m or p gives bitwise the same elements (what thread splits rely on) */
    size_t m = 23, p = 13, len = 77;
    float *A = malloc(m * len * 4), *B = malloc(p * len * 4), *C1 = malloc(m * p * 4),
          *C2 = malloc(m * p * 4);
    for (size_t i = 0; i < m * len; i++)
        A[i] = (float)nrand();
    for (size_t i = 0; i < p * len; i++)
        B[i] = (float)nrand();
    orc_f32_gemmnt_fn fns[] = {
#define ORC_KERNEL(isa, fn) orc_classify_isa_usable(isa) ? fn : orc_f32_gemmnt__scalar,
#include "gemmnt/gemmnt.inc"
#undef ORC_KERNEL
    };
    for (size_t q = 0; q < sizeof fns / sizeof fns[0]; q++) {
        fns[q](m, p, len, A, len, B, len, NULL, C1, p);
        for (size_t i0 = 0; i0 < m; i0 += 5)
            for (size_t j0 = 0; j0 < p; j0 += 3) {
                size_t mm = m - i0 < 5 ? m - i0 : 5, pp = p - j0 < 3 ? p - j0 : 3;
                fns[q](mm, pp, len, A + i0 * len, len, B + j0 * len, len, NULL, C2 + i0 * p + j0, p);
            }
        ck_assert_int_eq(memcmp(C1, C2, m * p * 4), 0);
    }
    free(A);
    free(B);
    free(C1);
    free(C2);
}
END_TEST

START_TEST(test_gemmtn_vs_oracle)
{
    static const size_t sizes[] = {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33};
    size_t ns = sizeof sizes / sizeof sizes[0];
    struct {
        orc_isa isa;
        const char *name;
        orc_f32_gemmtn_fn fn;
    } ks[] = {
#define ORC_KERNEL(isa, fn) {isa, #fn, fn},
#include "gemmtn/gemmtn.inc"
#undef ORC_KERNEL
    };
    for (size_t q = 0; q < sizeof ks / sizeof ks[0]; q++) {
        if (!orc_classify_isa_usable(ks[q].isa))
            continue;
        for (size_t a = 0; a < ns; a++)
            for (size_t b = 0; b < ns; b++)
                for (size_t c = 0; c < ns; c += 3) {
                    size_t m = sizes[a], p = sizes[b], n = sizes[c] * 5;
                    size_t lda = m + 2, ldb = p + 1, ldc = p + 3;
                    float *A = malloc(n * lda * 4), *B = malloc(n * ldb * 4), *C = malloc(m * ldc * 4);
                    for (size_t i = 0; i < n * lda; i++)
                        A[i] = (float)nrand();
                    for (size_t i = 0; i < n * ldb; i++)
                        B[i] = (float)nrand();
                    for (size_t i = 0; i < m * ldc; i++)
                        C[i] = 12345.0f;
                    ks[q].fn(m, p, n, A, lda, B, ldb, C, ldc);
                    for (size_t r = 0; r < m; r++) {
                        for (size_t j = 0; j < p; j++) {
                            double ref = 0.0, mag = 0.0;
                            for (size_t i = 0; i < n; i++) {
                                ref += (double)A[i * lda + r] * B[i * ldb + j];
                                mag += fabs((double)A[i * lda + r] * B[i * ldb + j]);
                            }
                            ck_assert_msg(fabs(C[r * ldc + j] - ref) <= 1.2e-7 * mag * (double)n + 1e-6,
                                          "%s m %zu p %zu n %zu (%zu,%zu): %g vs %g", ks[q].name,
                                          m, p, n, r, j, C[r * ldc + j], ref);
                        }
                        for (size_t j = p; j < ldc; j++)
                            ck_assert_float_eq(C[r * ldc + j], 12345.0f);
                    }
                    free(A);
                    free(B);
                    free(C);
                }
    }
}
END_TEST

START_TEST(test_gemmtn_slices_bitwise)
{
    /* any column or row slice, and every ISA, give bitwise the same sums (all use fmaf in i
     * order) */
    size_t m = 13, p = 45, n = 301;
    float *A = malloc(n * m * 4), *B = malloc(n * p * 4), *C1 = malloc(m * p * 4),
          *C2 = malloc(m * p * 4);
    for (size_t i = 0; i < n * m; i++)
        A[i] = (float)nrand();
    for (size_t i = 0; i < n * p; i++)
        B[i] = (float)nrand();
    orc_f32_gemmtn__scalar(m, p, n, A, m, B, p, C1, p);
#define ORC_KERNEL(isa, fn)                                                                    \
    if (orc_classify_isa_usable(isa)) {                                                        \
        for (size_t r0 = 0; r0 < m; r0 += 5)                                                   \
            for (size_t j0 = 0; j0 < p; j0 += 19) {                                            \
                size_t mm = m - r0 < 5 ? m - r0 : 5, pp = p - j0 < 19 ? p - j0 : 19;           \
                fn(mm, pp, n, A + r0, m, B + j0, p, C2 + r0 * p + j0, p);                      \
            }                                                                                  \
        ck_assert_msg(memcmp(C1, C2, m * p * 4) == 0, "%s differs from scalar", #fn);          \
    }
#include "gemmtn/gemmtn.inc"
#undef ORC_KERNEL
    free(A);
    free(B);
    free(C1);
    free(C2);
}
END_TEST

/* ---- objective ---------------------------------------------------------------------------- */

static void gradient_check(unsigned hidden)
{
    size_t n = 40, d = 6, k = 4;
    float x[240];
    uint32_t y[40];
    blobs(n, d, k, 1.0, x, y);
    orc_classify_objective *o = NULL;
    orc_error err;
    ck_assert_int_eq(orc_classify_objective_create(x, y, n, d, k, hidden, 0.5, 2, 0, &o, &err), ORC_OK);
    size_t np = orc_classify_objective_size(o);
    ck_assert_uint_eq(np, hidden ? hidden * d + hidden + k * hidden + k : k * d + k);
    double *th = malloc(np * sizeof *th), *g = malloc(np * sizeof *g), *g2 = malloc(np * sizeof *g2);
    for (size_t i = 0; i < np; i++)
        th[i] = 0.3 * nrand();
    orc_classify_objective_eval(o, th, g);
    double eps = 1e-3;
    for (size_t i = 0; i < np; i++) {
        double keep = th[i];
        th[i] = keep + eps;
        double fp = orc_classify_objective_eval(o, th, g2);
        th[i] = keep - eps;
        double fm = orc_classify_objective_eval(o, th, g2);
        th[i] = keep;
        double fd = (fp - fm) / (2 * eps);
        ck_assert_msg(fabs(fd - g[i]) <= 2e-3 * fabs(g[i]) + 2e-4,
                      "hidden %u: d/dtheta[%zu] analytic %g, finite difference %g", hidden, i,
                      g[i], fd);
    }
    /* the value itself: linear at theta = 0 is log(k) */
    if (hidden == 0) {
        memset(th, 0, np * sizeof *th);
        ck_assert_double_eq_tol(orc_classify_objective_eval(o, th, NULL), log((double)k), 1e-6);
    }
    free(th);
    free(g);
    free(g2);
    orc_classify_objective_close(o);
}

START_TEST(test_gradient_linear) { gradient_check(0); }
END_TEST

START_TEST(test_gradient_mlp) { gradient_check(5); }
END_TEST

START_TEST(test_objective_errors)
{
    float x[4] = {0};
    uint32_t y[2] = {0, 3};
    orc_classify_objective *o = NULL;
    orc_error err;
    ck_assert_int_eq(orc_classify_objective_create(x, y, 2, 2, 3, 0, 1.0, 1, 0, &o, &err),
                     ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "label 3 of row 1"));
    y[1] = 1;
    ck_assert_int_eq(orc_classify_objective_create(x, y, 2, 2, 3, 0, 0.0, 1, 0, &o, &err),
                     ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "C must be > 0"));
    ck_assert_ptr_null(o);
}
END_TEST

/* ---- training ----------------------------------------------------------------------------- */

static size_t count_correct(const orc_classifier *c, const float *x, const uint32_t *y, size_t n)
{
    size_t k = orc_classifier_get_info(c)->class_count, ok = 0;
    float *p = malloc(n * k * sizeof *p);
    ck_assert_int_eq(orc_classifier_predict(c, x, n, 3, p, NULL), ORC_OK);
    for (size_t i = 0; i < n; i++) {
        size_t b = 0;
        double s = 0.0;
        for (size_t q = 0; q < k; q++) {
            s += p[i * k + q];
            if (p[i * k + q] > p[i * k + b])
                b = q;
        }
        ck_assert_double_eq_tol(s, 1.0, 1e-5);
        ok += b == y[i];
    }
    free(p);
    return ok;
}

static void separable(orc_classifier_kind kind)
{
    size_t n = 300, d = 8, k = 5;
    float *x = malloc(n * d * 4), *xt = malloc(n * d * 4);
    uint32_t *y = malloc(n * 4), *yt = malloc(n * 4);
    blobs(n, d, k, 12.0, x, y);
    blobs(n, d, k, 12.0, xt, yt);
    orc_classifier_options opt;
    orc_classifier_options_default(&opt);
    opt.kind = kind;
    opt.hidden = 16;
    opt.C = 10.0;
    orc_classifier *c = NULL;
    orc_error err;
    ck_assert_int_eq(orc_classifier_train(x, y, n, d, names3, k, &opt, &c, &err), ORC_OK);
    const orc_classifier_info *in = orc_classifier_get_info(c);
    ck_assert_uint_gt(in->iterations, 0);
    ck_assert_double_lt(in->final_loss, 0.05);
    ck_assert_uint_eq(count_correct(c, x, y, n), n);
    ck_assert_uint_eq(count_correct(c, xt, yt, n), n);
    ck_assert_str_eq(orc_classifier_class_name(c, 2), "cherry");
    ck_assert_int_eq(orc_classifier_class_index(c, "elder"), 4);
    ck_assert_int_eq(orc_classifier_class_index(c, "fig"), -1);
    orc_classifier_close(c);
    free(x);
    free(xt);
    free(y);
    free(yt);
}

START_TEST(test_separable_linear) { separable(ORC_CLASSIFIER_LINEAR); }
END_TEST

START_TEST(test_separable_mlp) { separable(ORC_CLASSIFIER_MLP); }
END_TEST

START_TEST(test_threads_bitwise)
{
    size_t n = 257, d = 19, k = 4;
    float *x = malloc(n * d * 4);
    uint32_t *y = malloc(n * 4);
    blobs(n, d, k, 1.5, x, y);
    for (int kind = 1; kind <= 2; kind++) {
        orc_classifier *c[3] = {NULL, NULL, NULL};
        for (unsigned t = 1; t <= 3; t++) {
            orc_classifier_options opt;
            orc_classifier_options_default(&opt);
            opt.kind = (orc_classifier_kind)kind;
            opt.hidden = 7;
            opt.threads = t;
            opt.max_iter = 40;
            opt.l2_normalize = 1;
            ck_assert_int_eq(orc_classifier_train(x, y, n, d, names3, k, &opt, &c[t - 1], NULL), ORC_OK);
        }
        orc_classifier_tensors a, b;
        orc_classifier_get_tensors(c[0], &a);
        size_t w1 = (kind == 1 ? k : 7) * d;
        for (int t = 1; t < 3; t++) {
            orc_classifier_get_tensors(c[t], &b);
            ck_assert_int_eq(memcmp(a.w1, b.w1, w1 * 4), 0);
            if (kind == 2)
                ck_assert_int_eq(memcmp(a.w2, b.w2, k * 7 * 4), 0);
        }
        for (int t = 0; t < 3; t++)
            orc_classifier_close(c[t]);
    }
    free(x);
    free(y);
}
END_TEST

START_TEST(test_standardization)
{
    /* mean/scale equal the population statistics; a constant feature gets scale 1 */
    size_t n = 100, d = 3;
    float x[300];
    uint32_t y[100];
    for (size_t i = 0; i < n; i++) {
        x[i * d] = (float)i;
        x[i * d + 1] = 7.0f;
        x[i * d + 2] = (float)(i % 2 ? 3 : -1);
        y[i] = i % 2;
    }
    orc_classifier *c = NULL;
    ck_assert_int_eq(orc_classifier_train(x, y, n, d, names3, 2, NULL, &c, NULL), ORC_OK);
    orc_classifier_tensors t;
    orc_classifier_get_tensors(c, &t);
    ck_assert_float_eq_tol(t.mean[0], 49.5f, 1e-5f);
    ck_assert_float_eq_tol(t.scale[0], (float)sqrt((100.0 * 100.0 - 1.0) / 12.0), 1e-4f);
    ck_assert_float_eq_tol(t.mean[1], 7.0f, 1e-6f);
    ck_assert_float_eq(t.scale[1], 1.0f);
    ck_assert_float_eq_tol(t.mean[2], 1.0f, 1e-6f);
    ck_assert_float_eq_tol(t.scale[2], 2.0f, 1e-6f);
    orc_classifier_close(c);
    /* power normalisation: statistics of sign(x) sqrt(|x|) */
    orc_classifier_options opt;
    orc_classifier_options_default(&opt);
    opt.power_normalize = 1;
    ck_assert_int_eq(orc_classifier_train(x, y, n, d, names3, 2, &opt, &c, NULL), ORC_OK);
    orc_classifier_get_tensors(c, &t);
    double m0 = 0.0;
    for (size_t i = 0; i < n; i++)
        m0 += sqrt((double)i) / (double)n;
    ck_assert_float_eq_tol(t.mean[0], (float)m0, 1e-5f);
    ck_assert_float_eq_tol(t.mean[2], (float)((sqrt(3.0) - 1.0) / 2.0), 1e-6f);
    ck_assert_int_eq(orc_classifier_get_info(c)->power_normalize, 1);
    orc_classifier_close(c);
}
END_TEST

START_TEST(test_train_errors)
{
    float x[6] = {1, 2, 3, 4, 5, 6};
    uint32_t y[3] = {0, 1, 0};
    orc_classifier *c = NULL;
    orc_error err;
    const char *dup[] = {"apple", "apple"};
    ck_assert_int_eq(orc_classifier_train(x, y, 3, 2, dup, 2, NULL, &c, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "'apple' appears twice"));
    x[3] = NAN;
    ck_assert_int_eq(orc_classifier_train(x, y, 3, 2, names3, 2, NULL, &c, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "feature 1 of training row 1 is not finite"));
    ck_assert_ptr_null(c);
}
END_TEST

/* ---- scikit-learn ------------------------------------------------------------------------- */

START_TEST(test_equals_sklearn)
{
    size_t n = 120, d = 5, k = 3;
    double C = 0.7;
    float x[600];
    uint32_t y[120];
    blobs(n, d, k, 1.2, x, y);
    const char *dir = orc_test_tmpdir();
    char in[512], out[512], cmd[2048];
    snprintf(in, sizeof in, "%s/data.csv", dir);
    snprintf(out, sizeof out, "%s/coef.txt", dir);
    FILE *f = fopen(in, "w");
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%u", y[i]);
        for (size_t j = 0; j < d; j++)
            fprintf(f, ",%.9g", x[i * d + j]);
        fprintf(f, "\n");
    }
    fclose(f);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 tests/ref_logreg.py '%s' %.17g '%s'", in, C, out);
    int rc = system(cmd);
    ck_assert_msg(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0,
                  "the scikit-learn reference failed (%s): install python3-sklearn", cmd);
    orc_classifier_options opt;
    orc_classifier_options_default(&opt);
    opt.C = C;
    opt.standardize = 0;
    opt.gtol = 1e-9;
    opt.max_iter = 2000;
    orc_classifier *c = NULL;
    orc_error err;
    ck_assert_int_eq(orc_classifier_train(x, y, n, d, names3, k, &opt, &c, &err), ORC_OK);
    orc_classifier_tensors t;
    orc_classifier_get_tensors(c, &t);
    double bsum = 0.0;
    for (size_t q = 0; q < k; q++)
        bsum += t.b1[q];
    f = fopen(out, "r");
    ck_assert_ptr_nonnull(f);
    double maxdiff = 0.0, maxcoef = 0.0;
    for (size_t q = 0; q < k; q++) {
        double v;
        ck_assert_int_eq(fscanf(f, "%lf", &v), 1);
        maxdiff = fmax(maxdiff, fabs(v - (t.b1[q] - bsum / (double)k)));
        for (size_t j = 0; j < d; j++) {
            ck_assert_int_eq(fscanf(f, "%lf", &v), 1);
            maxdiff = fmax(maxdiff, fabs(v - t.w1[q * d + j]));
            maxcoef = fmax(maxcoef, fabs(v));
        }
    }
    fclose(f);
    ck_assert_double_gt(maxcoef, 0.1); /* a real, non-trivial solution */
    ck_assert_msg(maxdiff <= 1e-4, "max |coef - sklearn| = %g", maxdiff);
    orc_classifier_close(c);
    remove(in);
    remove(out);
    rmdir(dir);
}
END_TEST

/* ---- model file --------------------------------------------------------------------------- */

static orc_classifier *small_model(orc_classifier_kind kind)
{
    size_t n = 60, d = 4, k = 3;
    float x[240];
    uint32_t y[60];
    blobs(n, d, k, 3.0, x, y);
    orc_classifier_options opt;
    orc_classifier_options_default(&opt);
    opt.kind = kind;
    opt.hidden = 6;
    opt.max_iter = 50;
    opt.power_normalize = kind == ORC_CLASSIFIER_MLP;
    opt.l2_normalize = kind == ORC_CLASSIFIER_MLP;
    orc_classifier *c = NULL;
    ck_assert_int_eq(orc_classifier_train(x, y, n, d, names3, k, &opt, &c, NULL), ORC_OK);
    return c;
}

static unsigned char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*size);
    ck_assert_uint_eq(fread(b, 1, *size, f), *size);
    fclose(f);
    return b;
}

static void write_all(const char *path, const unsigned char *b, size_t size)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, size, f), size);
    fclose(f);
}

START_TEST(test_file_round_trip)
{
    const char *dir = orc_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/m.orcls", dir);
    for (int kind = 1; kind <= 2; kind++) {
        orc_classifier *c = small_model((orc_classifier_kind)kind), *r = NULL;
        const char *sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        orc_error err;
        ck_assert_int_eq(orc_classifier_set_source(c, ORC_FEATURE_SOURCE_PCA, "xyz", &err),
                         ORC_ERR_INVALID_ARGUMENT);
        ck_assert_int_eq(orc_classifier_set_source(c, ORC_FEATURE_SOURCE_PCA, sha, &err), ORC_OK);
        ck_assert_int_eq(orc_classifier_save(c, path, &err), ORC_OK);
        ck_assert_int_eq(orc_classifier_load(path, &r, &err), ORC_OK);
        const orc_classifier_info *a = orc_classifier_get_info(c), *b = orc_classifier_get_info(r);
        ck_assert_int_eq(b->kind, kind);
        ck_assert_int_eq(b->source, ORC_FEATURE_SOURCE_PCA);
        ck_assert_str_eq(b->pca_sha256, sha);
        ck_assert_uint_eq(b->input_dim, 4);
        ck_assert_uint_eq(b->class_count, 3);
        ck_assert_uint_eq(b->hidden, a->hidden);
        ck_assert_int_eq(b->power_normalize, kind == 2);
        ck_assert_int_eq(b->l2_normalize, kind == 2);
        ck_assert_uint_eq(b->iterations, a->iterations);
        ck_assert_double_eq(b->final_loss, a->final_loss);
        for (size_t q = 0; q < 3; q++)
            ck_assert_str_eq(orc_classifier_class_name(r, q), names3[q]);
        float x[8] = {1, 2, 3, 4, -1, 0.5f, 2, -3}, p1[6], p2[6];
        ck_assert_int_eq(orc_classifier_predict(c, x, 2, 1, p1, NULL), ORC_OK);
        ck_assert_int_eq(orc_classifier_predict(r, x, 2, 1, p2, NULL), ORC_OK);
        ck_assert_int_eq(memcmp(p1, p2, sizeof p1), 0);
        orc_classifier_close(c);
        orc_classifier_close(r);
    }
    orc_classifier_close(NULL);
    remove(path);
    rmdir(dir);
}
END_TEST

/* a fresh temporary folder (returned) with the paths of a model file and of a broken copy */
static const char *model_paths(char *path, char *bad, size_t cap)
{
    const char *dir = orc_test_tmpdir();
    snprintf(path, cap, "%s/m.orcls", dir);
    snprintf(bad, cap, "%s/bad.orcls", dir);
    return dir;
}

START_TEST(test_file_refused)
{
    char path[512], bad[512];
    const char *dir = model_paths(path, bad, sizeof path);
    orc_classifier *c = small_model(ORC_CLASSIFIER_LINEAR), *r = NULL;
    orc_error err;
    ck_assert_int_eq(orc_classifier_save(c, path, &err), ORC_OK);
    size_t size;
    unsigned char *b = read_all(path, &size);
    /* one flipped bit anywhere: checksum */
    b[size / 2] ^= 0x10;
    write_all(bad, b, size);
    ck_assert_int_eq(orc_classifier_load(bad, &r, &err), ORC_ERR_CHECKSUM);
    ck_assert_ptr_nonnull(strstr(err.msg, "checksum mismatch"));
    ck_assert_ptr_nonnull(strstr(err.msg, bad));
    b[size / 2] ^= 0x10;
    /* truncated */
    write_all(bad, b, size - 100);
    ck_assert_int_eq(orc_classifier_load(bad, &r, &err), ORC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "truncated"));
    write_all(bad, b, 10);
    ck_assert_int_eq(orc_classifier_load(bad, &r, &err), ORC_ERR_FORMAT);
    /* another kind of file */
    memcpy(b, "ORCHWGT", 7);
    write_all(bad, b, size);
    ck_assert_int_eq(orc_classifier_load(bad, &r, &err), ORC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "not an Orchard classifier"));
    memcpy(b, "ORCLASS", 7);
    /* a future version */
    b[8] = 3;
    write_all(bad, b, size);
    ck_assert_int_eq(orc_classifier_load(bad, &r, &err), ORC_ERR_VERSION);
    ck_assert_ptr_nonnull(strstr(err.msg, "version 3"));
    ck_assert_ptr_nonnull(strstr(err.msg, "retrain"));
    b[8] = 2;
    /* missing file */
    ck_assert_int_eq(orc_classifier_load("/nonexistent/m.orcls", &r, &err), ORC_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/m.orcls"));
    ck_assert_ptr_null(r);
    /* the original is still fine */
    write_all(bad, b, size);
    ck_assert_int_eq(orc_classifier_load(bad, &r, &err), ORC_OK);
    orc_classifier_close(r);
    orc_classifier_close(c);
    free(b);
    remove(path);
    remove(bad);
    rmdir(dir);
}
END_TEST

/* header field edits: the trailing SHA-256 recomputed so the field check, not the checksum,
 * is what a load meets */
static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void write_resealed(const char *path, unsigned char *b, size_t size)
{
    unsigned int len = 0;
    ck_assert_int_eq(EVP_Digest(b, size - 32, b + size - 32, &len, EVP_sha256(), NULL), 1);
    ck_assert_uint_eq(len, 32);
    write_all(path, b, size);
}

START_TEST(test_file_input_sizes)
{
    char path[512], bad[512];
    const char *dir = model_paths(path, bad, sizeof path);
    orc_classifier *c = small_model(ORC_CLASSIFIER_LINEAR), *r = NULL;
    orc_error err;
    ck_assert_uint_eq(orc_classifier_get_info(c)->input_size_count, 0);
    /* the setter refuses what the file may not hold */
    const uint32_t five[5] = {224, 288, 320, 256, 192}, dup[2] = {288, 288},
                   small[1] = {31}, large[1] = {1025};
    ck_assert_int_eq(orc_classifier_set_input_sizes(c, five, 5, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "at most 4"));
    ck_assert_int_eq(orc_classifier_set_input_sizes(c, dup, 2, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "288 is listed twice"));
    ck_assert_int_eq(orc_classifier_set_input_sizes(c, small, 1, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "31 is not in 32..1024"));
    ck_assert_int_eq(orc_classifier_set_input_sizes(c, large, 1, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_uint_eq(orc_classifier_get_info(c)->input_size_count, 0);
    /* round trip of 0, 1 and 4 sizes */
    const uint32_t sizes[4] = {288, 224, 1024, 32};
    for (size_t n = 0; n <= 4; n += (n == 0 ? 1 : 3)) {
        ck_assert_int_eq(orc_classifier_set_input_sizes(c, sizes, n, &err), ORC_OK);
        ck_assert_int_eq(orc_classifier_save(c, path, &err), ORC_OK);
        ck_assert_int_eq(orc_classifier_load(path, &r, &err), ORC_OK);
        const orc_classifier_info *b = orc_classifier_get_info(r);
        ck_assert_uint_eq(b->input_size_count, n);
        for (size_t i = 0; i < 4; i++)
            ck_assert_uint_eq(b->input_sizes[i], i < n ? sizes[i] : 0);
        orc_classifier_close(r);
        r = NULL;
    }
    const uint32_t two[2] = {224, 288};
    ck_assert_int_eq(orc_classifier_set_input_sizes(c, two, 2, &err), ORC_OK);
    ck_assert_int_eq(orc_classifier_save(c, path, &err), ORC_OK);
    size_t size;
    unsigned char *b = read_all(path, &size);
    ck_assert_uint_eq(b[8], 2);
    ck_assert_uint_eq(b[184], 2);
    ck_assert_uint_eq(b[188] | b[189] << 8, 224);
    ck_assert_uint_eq(b[192] | b[193] << 8, 288);
    /* a version 1 file (zeros at 184..255) still loads, with no sizes recorded */
    unsigned char *v1 = malloc(size);
    memcpy(v1, b, size);
    put_le32(v1 + 8, 1);
    memset(v1 + 184, 0, 256 - 184);
    write_resealed(bad, v1, size);
    ck_assert_int_eq(orc_classifier_load(bad, &r, &err), ORC_OK);
    ck_assert_uint_eq(orc_classifier_get_info(r)->input_size_count, 0);
    ck_assert_uint_eq(orc_classifier_get_info(r)->input_sizes[0], 0);
    float x[4] = {1, 2, 3, 4}, p1[3], p2[3];
    ck_assert_int_eq(orc_classifier_predict(c, x, 1, 1, p1, NULL), ORC_OK);
    ck_assert_int_eq(orc_classifier_predict(r, x, 1, 1, p2, NULL), ORC_OK);
    ck_assert_int_eq(memcmp(p1, p2, sizeof p1), 0);
    orc_classifier_close(r);
    r = NULL;
    /* version 2 headers that break the rules: refused naming the file and the field */
    static const struct {
        uint32_t count, s[4];
        const char *msg;
    } broken[] = {
        {5, {224, 288, 0, 0}, "5 network input sizes, at most 4"},
        {0xFFFFFFFFu, {224, 288, 0, 0}, "at most 4"},
        {2, {224, 16, 0, 0}, "network input size 16 is not in 32..1024"},
        {1, {2048, 0, 0, 0}, "network input size 2048 is not in 32..1024"},
        {2, {288, 288, 0, 0}, "network input size 288 is listed twice"},
        {2, {224, 288, 320, 0}, "unused network input size slot is not zero"},
        {0, {0, 0, 0, 224}, "unused network input size slot is not zero"},
    };
    for (size_t q = 0; q < sizeof broken / sizeof broken[0]; q++) {
        memcpy(v1, b, size);
        put_le32(v1 + 184, broken[q].count);
        for (int i = 0; i < 4; i++)
            put_le32(v1 + 188 + 4 * i, broken[q].s[i]);
        write_resealed(bad, v1, size);
        ck_assert_int_eq(orc_classifier_load(bad, &r, &err), ORC_ERR_FORMAT);
        ck_assert_ptr_null(r);
        ck_assert_msg(strstr(err.msg, broken[q].msg) != NULL, "case %zu: %s", q, err.msg);
        ck_assert_ptr_nonnull(strstr(err.msg, bad));
    }
    /* the unchanged bytes resealed still load (the edits, not the resealing, were refused) */
    write_resealed(bad, b, size);
    ck_assert_int_eq(orc_classifier_load(bad, &r, &err), ORC_OK);
    ck_assert_uint_eq(orc_classifier_get_info(r)->input_size_count, 2);
    orc_classifier_close(r);
    orc_classifier_close(c);
    free(v1);
    free(b);
    remove(path);
    remove(bad);
    rmdir(dir);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("classify");
    TCase *tk = tcase_create("kernels");
    tcase_set_timeout(tk, 120);
    tcase_add_test(tk, test_gemmnt_vs_oracle);
    tcase_add_test(tk, test_gemmnt_slices_bitwise);
    tcase_add_test(tk, test_gemmtn_vs_oracle);
    tcase_add_test(tk, test_gemmtn_slices_bitwise);
    suite_add_tcase(s, tk);
    TCase *to = tcase_create("objective");
    tcase_set_timeout(to, 120);
    tcase_add_test(to, test_gradient_linear);
    tcase_add_test(to, test_gradient_mlp);
    tcase_add_test(to, test_objective_errors);
    suite_add_tcase(s, to);
    TCase *tt = tcase_create("train");
    tcase_set_timeout(tt, 120);
    tcase_add_test(tt, test_separable_linear);
    tcase_add_test(tt, test_separable_mlp);
    tcase_add_test(tt, test_threads_bitwise);
    tcase_add_test(tt, test_standardization);
    tcase_add_test(tt, test_train_errors);
    tcase_add_test(tt, test_equals_sklearn);
    suite_add_tcase(s, tt);
    TCase *tf = tcase_create("file");
    tcase_set_timeout(tf, 60);
    tcase_add_test(tf, test_file_round_trip);
    tcase_add_test(tf, test_file_refused);
    tcase_add_test(tf, test_file_input_sizes);
    suite_add_tcase(s, tf);
    return s;
}

ORC_TEST_MAIN()
