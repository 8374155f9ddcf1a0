/* test_pca_real.c -- PCA on real MobileNetV2 features: 200 Fruits-360 Test images (25 from
 * each of 8 classes) through the engine (weights ORCHARD_WEIGHTS or
 * weights/mobilenet_v2_1.0_224.orw), fitted once (k at 0.95): k, explained ratios and the
 * projection against scikit-learn on the same rows; every eigenvalue of the 1280 x 1280
 * covariance (rank <= 199: 1081 zero eigenvalues) and the separated leading vectors against
 * LAPACK dsyevd; orthogonality and residual of the kept components. */
#include "check_main.h"
#include "image.h"
#include "model.h"
#include "pca.h"

#include <dirent.h>
#include <lapacke.h>
#include <math.h>

#define N_CLASSES 8
#define PER_CLASS 25
#define N_ROWS (N_CLASSES * PER_CLASS)
#define DIM 1280

static const char *classes[N_CLASSES] = {"Apple Braeburn", "Banana",  "Cherry 1", "Kiwi",
                                         "Lemon",          "Mango",   "Orange",   "Pear"};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the first PER_CLASS file names of a class folder, sorted; 0 if there are too few */
static int class_files(const char *dir, char **names)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    char *all[2048];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 2048)
        if (e->d_name[0] != '.')
            all[n++] = strdup(e->d_name);
    closedir(d);
    qsort(all, n, sizeof(char *), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (i < PER_CLASS)
            names[i] = all[i];
        else
            free(all[i]);
    }
    return n >= PER_CLASS;
}

/* computed once, in the runner before the tests fork (an unchecked fixture) */
static float *features; /* [N_ROWS][DIM] */
static char setup_error[4400];

static void compute_features(void)
{
    const char *wpath = getenv("ORCHARD_WEIGHTS");
    if (wpath == NULL || wpath[0] == '\0')
        wpath = "weights/mobilenet_v2_1.0_224.orw";
    orc_model_options opt;
    orc_model_options_default(&opt);
    opt.threads = 2;
    opt.batch_capacity = PER_CLASS;
    orc_model *m;
    orc_error err;
    if (orc_model_open(wpath, &opt, &m, &err) != ORC_OK) {
        snprintf(setup_error, sizeof setup_error, "%s (make weights)", err.msg);
        return;
    }
    const size_t side = orc_model_input_size(m);
    uint8_t *img = malloc(PER_CLASS * side * side * 3);
    float *f = malloc((size_t)N_ROWS * DIM * sizeof(float));
    for (int c = 0; c < N_CLASSES && setup_error[0] == '\0'; c++) {
        char dir[4200], path[4600], *names[PER_CLASS];
        snprintf(dir, sizeof dir, "%s%s", orc_test_shared("data/fruits-360/Test/"), classes[c]);
        if (!class_files(dir, names)) {
            snprintf(setup_error, sizeof setup_error, "test data %s missing or short", dir);
            break;
        }
        for (int i = 0; i < PER_CLASS; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            if (setup_error[0] == '\0' &&
                orc_image_load(path, side, img + (size_t)i * side * side * 3, NULL, &err) !=
                    ORC_OK)
                snprintf(setup_error, sizeof setup_error, "%s", err.msg);
            free(names[i]);
        }
        if (setup_error[0] == '\0' &&
            orc_model_run(m, img, PER_CLASS, f + (size_t)c * PER_CLASS * DIM, &err) != ORC_OK)
            snprintf(setup_error, sizeof setup_error, "%s", err.msg);
    }
    free(img);
    orc_model_close(m);
    if (setup_error[0] == '\0')
        features = f;
    else
        free(f);
}

static void release_features(void)
{
    free(features);
    features = NULL;
}

/* One fit (one 1280 x 1280 Jacobi solve, the costly part) checked against both references. */
START_TEST(test_real_features)
{
    ck_assert_msg(features != NULL, "no features: %s", setup_error);
    const char *dir = orc_test_tmpdir();
    char csv[512], out[512], cmd[2048];
    snprintf(csv, sizeof csv, "%s/real.csv", dir);
    snprintf(out, sizeof out, "%s/sk.txt", dir);
    FILE *f = fopen(csv, "w");
    for (size_t r = 0; r < N_ROWS; r++)
        for (size_t j = 0; j < DIM; j++)
            fprintf(f, "%.9g%c", features[r * DIM + j], j + 1 == DIM ? '\n' : ',');
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import numpy as np\n"
             "from sklearn.decomposition import PCA\n"
             "x = np.loadtxt('%s', delimiter=',', dtype=np.float32).astype(np.float64)\n"
             "p = PCA(n_components=0.95, svd_solver='full').fit(x)\n"
             "with open('%s', 'w') as f:\n"
             "    f.write('%%d\\n' %% p.n_components_)\n"
             "    f.write(' '.join('%%.17g' %% v for v in p.explained_variance_ratio_) + '\\n')\n"
             "    f.write(' '.join('%%.17g' %% v for v in p.transform(x[:4]).ravel()) + '\\n')\n"
             "\"", csv, out);
    ck_assert_msg(system(cmd) == 0, "scikit-learn reference failed");

    orc_pca_stats *s;
    orc_pca_model *m;
    orc_error err;
    ck_assert_int_eq(orc_pca_stats_open(DIM, &s, NULL), ORC_OK);
    ck_assert_int_eq(orc_pca_stats_add(s, features, N_ROWS, DIM, NULL), ORC_OK);
    orc_pca_fit_options opt = {0, 0.95, 0, 2};
    ck_assert_msg(orc_pca_fit(s, &opt, &m, &err) == ORC_OK, "%s", err.msg);
    const orc_pca_model_info *info = orc_pca_model_get_info(m);
    const size_t k = info->k;

    /* scikit-learn: k, explained ratios, projection (up to each component's sign) */
    f = fopen(out, "r");
    ck_assert_ptr_nonnull(f);
    int k_ref;
    ck_assert_int_eq(fscanf(f, "%d", &k_ref), 1);
    ck_assert_msg((int)k == k_ref, "k %zu, scikit-learn %d", k, k_ref);
    ck_assert_int_gt(k_ref, 5);
    for (int i = 0; i < k_ref; i++) {
        double r;
        ck_assert_int_eq(fscanf(f, "%lf", &r), 1);
        ck_assert_msg(fabs(info->explained_ratio[i] - r) < 1e-10, "ratio %d: %.17g vs %.17g", i,
                      info->explained_ratio[i], r);
    }
    float *y = malloc(4 * k * sizeof(float));
    ck_assert_int_eq(orc_pca_apply(m, features, 4, DIM, y, NULL), ORC_OK);
    for (size_t r = 0; r < 4; r++)
        for (size_t j = 0; j < k; j++) {
            double ref;
            ck_assert_int_eq(fscanf(f, "%lf", &ref), 1);
            ck_assert_msg(fabs(fabs(y[r * k + j]) - fabs(ref)) < 1e-3 * (1 + fabs(ref)),
                          "row %zu comp %zu: %g vs %g", r, j, y[r * k + j], ref);
        }
    fclose(f);
    free(y);

    /* LAPACK dsyevd on the same covariance: every eigenvalue, the separated leading vectors */
    double *cov = malloc((size_t)DIM * DIM * sizeof(double));
    double w[DIM];
    ck_assert_int_eq(orc_pca_stats_get(s, NULL, cov, NULL), ORC_OK);
    double *ref = malloc((size_t)DIM * DIM * sizeof(double));
    memcpy(ref, cov, (size_t)DIM * DIM * sizeof(double));
    ck_assert_int_eq(LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', DIM, ref, DIM, w), 0);
    const double big = w[DIM - 1];
    const double *l = info->eigenvalues, *v = info->components;
    size_t zeros = 0;
    for (size_t i = 0; i < DIM; i++) {
        ck_assert_msg(fabs(l[i] - w[DIM - 1 - i]) <= 1e-10 * big,
                      "eigenvalue %zu: %.17g vs LAPACK %.17g", i, l[i], w[DIM - 1 - i]);
        zeros += fabs(l[i]) <= 1e-10 * big;
    }
    ck_assert_msg(zeros >= DIM - (N_ROWS - 1), "%zu zero eigenvalues, expected >= %d", zeros,
                  DIM - (N_ROWS - 1));
    size_t compared = 0;
    for (size_t i = 0; i < k; i++) {
        const double gap = fmin(i > 0 ? l[i - 1] - l[i] : INFINITY, l[i] - l[i + 1]);
        if (gap < 1e-3 * big)
            continue;
        double dot = 0.0;
        for (size_t j = 0; j < DIM; j++)
            dot += v[i * DIM + j] * ref[j * DIM + DIM - 1 - i];
        const double sg = dot < 0.0 ? -1.0 : 1.0;
        for (size_t j = 0; j < DIM; j++)
            ck_assert_msg(fabs(v[i * DIM + j] - sg * ref[j * DIM + DIM - 1 - i]) < 1e-8,
                          "vector %zu component %zu", i, j);
        compared++;
    }
    ck_assert_msg(compared >= 5, "only %zu separated leading components", compared);
    /* orthogonality and residual of the kept components */
    for (size_t i = 0; i < k; i++) {
        for (size_t j = i; j < k; j++) {
            double d = 0.0;
            for (size_t t = 0; t < DIM; t++)
                d += v[i * DIM + t] * v[j * DIM + t];
            ck_assert_msg(fabs(d - (i == j)) < 1e-10, "V^T V (%zu, %zu) = %.3g", i, j, d);
        }
        for (size_t r = 0; r < DIM; r++) {
            double a = 0.0;
            for (size_t t = 0; t < DIM; t++)
                a += cov[r * DIM + t] * v[i * DIM + t];
            ck_assert_msg(fabs(a - l[i] * v[i * DIM + r]) < 1e-10 * big, "residual %zu", i);
        }
    }
    free(cov);
    free(ref);
    orc_pca_model_close(m);
    orc_pca_stats_close(s);
    remove(csv);
    remove(out);
    rmdir(dir);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("pca_real");
    TCase *tc = tcase_create("real");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, compute_features, release_features);
    tcase_add_test(tc, test_real_features);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
