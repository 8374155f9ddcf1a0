/* test_lbfgs.c -- the L-BFGS minimizer: quadratics, Rosenbrock, stop reasons, bad input. */
#include "check_main.h"
#include "lbfgs.h"

#include <math.h>

/* f = sum_i c_i (x_i - i)^2 with condition number 1e3 */
static double quadratic(void *ctx, const double *x, double *g)
{
    size_t n = *(const size_t *)ctx;
    double f = 0.0;
    for (size_t i = 0; i < n; i++) {
        double c = pow(1e3, (double)i / (double)(n - 1)), t = x[i] - (double)i;
        f += c * t * t;
        g[i] = 2.0 * c * t;
    }
    return f;
}

static double rosenbrock(void *ctx, const double *x, double *g)
{
    size_t n = *(const size_t *)ctx;
    double f = 0.0;
    for (size_t i = 0; i < n; i++)
        g[i] = 0.0;
    for (size_t i = 0; i + 1 < n; i++) {
        double a = x[i + 1] - x[i] * x[i], b = 1.0 - x[i];
        f += 100.0 * a * a + b * b;
        g[i] += -400.0 * a * x[i] - 2.0 * b;
        g[i + 1] += 200.0 * a;
    }
    return f;
}

static double nan_after_start(void *ctx, const double *x, double *g)
{
    int *calls = ctx;
    g[0] = 2.0 * x[0] - 10.0;
    return (*calls)++ == 0 ? x[0] * x[0] : NAN;
}

START_TEST(test_quadratic)
{
    size_t n = 20;
    double x[20] = {0};
    orc_lbfgs_options opt;
    orc_lbfgs_options_default(&opt);
    opt.gtol = 1e-10;
    opt.ftol = 0.0; /* only the gradient test may stop it */
    opt.max_iter = 1000;
    orc_lbfgs_result r;
    orc_error err;
    ck_assert_int_eq(orc_lbfgs_minimize(n, x, quadratic, &n, &opt, &r, &err), ORC_OK);
    ck_assert_int_eq(r.stop, ORC_LBFGS_GRADIENT);
    for (size_t i = 0; i < n; i++)
        ck_assert_double_eq_tol(x[i], (double)i, 1e-8);
    ck_assert_uint_lt(r.iterations, 400);
}
END_TEST

START_TEST(test_rosenbrock)
{
    size_t n = 10;
    double x[10];
    for (size_t i = 0; i < n; i++)
        x[i] = i % 2 ? 1.0 : -1.2;
    orc_lbfgs_options opt;
    orc_lbfgs_options_default(&opt);
    opt.gtol = 1e-9;
    orc_lbfgs_result r;
    ck_assert_int_eq(orc_lbfgs_minimize(n, x, rosenbrock, &n, &opt, &r, NULL), ORC_OK);
    ck_assert(r.stop == ORC_LBFGS_GRADIENT || r.stop == ORC_LBFGS_DECREASE);
    for (size_t i = 0; i < n; i++)
        ck_assert_double_eq_tol(x[i], 1.0, 1e-5);
    ck_assert_double_lt(r.f, 1e-10);
}
END_TEST

START_TEST(test_max_iter_keeps_progress)
{
    size_t n = 10;
    double x[10];
    for (size_t i = 0; i < n; i++)
        x[i] = -1.2;
    double g[10];
    double f0 = rosenbrock(&n, x, g);
    orc_lbfgs_options opt;
    orc_lbfgs_options_default(&opt);
    opt.max_iter = 3;
    orc_lbfgs_result r;
    ck_assert_int_eq(orc_lbfgs_minimize(n, x, rosenbrock, &n, &opt, &r, NULL), ORC_OK);
    ck_assert_int_eq(r.stop, ORC_LBFGS_MAX_ITER);
    ck_assert_uint_eq(r.iterations, 3);
    ck_assert_double_lt(r.f, f0);
    ck_assert_double_eq_tol(rosenbrock(&n, x, g), r.f, 1e-12);
}
END_TEST

START_TEST(test_errors)
{
    orc_error err;
    double x[1] = {1.0};
    int calls = 0;
    ck_assert_int_eq(orc_lbfgs_minimize(1, x, nan_after_start, &calls, NULL, NULL, &err),
                     ORC_ERR_NUMERIC);
    ck_assert_ptr_nonnull(strstr(err.msg, "NaN"));
    ck_assert_int_eq(orc_lbfgs_minimize(0, x, nan_after_start, &calls, NULL, NULL, &err),
                     ORC_ERR_INVALID_ARGUMENT);
    orc_lbfgs_options opt;
    orc_lbfgs_options_default(&opt);
    opt.c2 = 1e-5; /* below c1 */
    ck_assert_int_eq(orc_lbfgs_minimize(1, x, nan_after_start, &calls, &opt, NULL, &err),
                     ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "c2"));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("lbfgs");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_quadratic);
    tcase_add_test(tc, test_rosenbrock);
    tcase_add_test(tc, test_max_iter_keeps_progress);
    tcase_add_test(tc, test_errors);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
