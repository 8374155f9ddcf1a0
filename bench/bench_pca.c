/* bench_pca.c -- PCA benchmarks: f64-gemm variants (GFLOP/s on the Jacobi tile shapes),
 * accumulation throughput (rows/s, d = 1280), and the eigen-solve of the same 1280 x 1280
 * covariance by our Jacobi and by LAPACKE dsyevd in the same run (the peer figure).
 *
 * usage: bench_pca [--rows N] [--threads T] [--reps R] [--dim D]
 * The rows are synthetic MobileNetV2-like features (non-negative, 400 latent factors with a
 * decaying spectrum plus noise), generated from a fixed seed. Output: one TSV table per part,
 * median and min/max over the repetitions. No timing is asserted.
 */
#include "f64-gemm/f64-gemm.h"
#include "isa.h"
#include "pca.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void stats3(double *t, int n, double *med, double *lo, double *hi)
{
    qsort(t, (size_t)n, sizeof(double), cmp_double);
    *med = t[n / 2];
    *lo = t[0];
    *hi = t[n - 1];
}

typedef struct gemm_variant {
    const char *isa;
    orc_f64_gemm_fn fn;
} gemm_variant;

static const gemm_variant variants[] = {
#define ORC_F64_GEMM_KERNEL(isa, fn) {isa, fn},
#include "f64-gemm/f64-gemm.inc"
#undef ORC_F64_GEMM_KERNEL
};

static void bench_gemm(int reps)
{
    static const size_t shapes[][3] = {{128, 128, 128}, {128, 1280, 64}, {16, 1280, 256}};
    printf("# f64-gemm C[m][n] += X[m][k] Y[k][n] (1 thread)\nisa\tm\tn\tk\tGFLOP/s median\tmin\tmax\n");
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        orc_isa isa;
        if (orc_isa_parse(variants[v].isa, &isa, NULL) != ORC_OK || !orc_isa_supported(isa))
            continue;
        for (size_t s = 0; s < 3; s++) {
            const size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
            double *x = malloc(m * k * sizeof(double)), *y = malloc(k * n * sizeof(double));
            double *c = calloc(m * n, sizeof(double));
            for (size_t i = 0; i < m * k; i++)
                x[i] = urand();
            for (size_t i = 0; i < k * n; i++)
                y[i] = urand();
            const int inner = (int)(2e8 / (2.0 * (double)(m * n * k))) + 1;
            double t[32];
            int r = reps < 3 ? 3 : reps > 32 ? 32 : reps;
            variants[v].fn(m, n, k, x, k, y, n, c, n, 1);
            for (int i = 0; i < r; i++) {
                double t0 = now_s();
                for (int j = 0; j < inner; j++)
                    variants[v].fn(m, n, k, x, k, y, n, c, n, 1);
                t[i] = 2.0 * (double)(m * n * k) * inner / (now_s() - t0) / 1e9;
            }
            double med, lo, hi;
            stats3(t, r, &med, &lo, &hi);
            printf("%s\t%zu\t%zu\t%zu\t%.2f\t%.2f\t%.2f\n", variants[v].isa, m, n, k, med, lo, hi);
            free(x);
            free(y);
            free(c);
        }
    }
}

int main(int argc, char **argv)
{
    size_t rows = 4000, dim = 1280;
    uint32_t threads = 0;
    int reps = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--rows") == 0)
            rows = (size_t)atol(argv[i + 1]);
        else if (strcmp(argv[i], "--threads") == 0)
            threads = (uint32_t)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--reps") == 0)
            reps = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--dim") == 0)
            dim = (size_t)atol(argv[i + 1]);
        else {
            fprintf(stderr, "usage: bench_pca [--rows N] [--threads T] [--reps R] [--dim D]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > 32 || rows < 2 || dim < 2 || dim > 8192) {
        fprintf(stderr, "bench_pca: reps 1..32, rows >= 2, dim 2..8192\n");
        return 2;
    }
    bench_gemm(reps);

    /* synthetic features */
    const size_t latent = 400;
    float *w = malloc(dim * latent * sizeof(float)), *x = malloc(rows * dim * sizeof(float));
    for (size_t i = 0; i < dim * latent; i++)
        w[i] = (float)(urand() - 0.5);
    for (size_t r = 0; r < rows; r++) {
        float z[400];
        for (size_t k = 0; k < latent; k++)
            z[k] = (float)((urand() - 0.5) / sqrt((double)k + 1.0));
        for (size_t j = 0; j < dim; j++) {
            float s = 1.0f + 0.05f * (float)(urand() - 0.5);
            for (size_t k = 0; k < latent; k++)
                s += w[j * latent + k] * z[k];
            x[r * dim + j] = s > 0.0f ? s : 0.0f;
        }
    }

    printf("\n# accumulation (mean + co-moment, double), %zu rows x %zu\nthreads\trows/s median\tmin\tmax\n",
           rows, dim);
    orc_pca_stats *stats = NULL;
    uint32_t tlist[2] = {1, threads};
    for (int ti = 0; ti < 2; ti++) {
        if (ti == 1 && threads == 1)
            break;
        double t[32];
        for (int i = 0; i < reps; i++) {
            orc_pca_stats_close(stats);
            orc_pca_stats_open((uint32_t)dim, &stats, NULL);
            orc_pca_stats_set_threads(stats, tlist[ti], NULL);
            double t0 = now_s();
            orc_pca_stats_add(stats, x, rows, dim, NULL);
            orc_pca_stats_get(stats, NULL, NULL, NULL); /* folds the last partial block */
            t[i] = (double)rows / (now_s() - t0);
        }
        double med, lo, hi;
        stats3(t, reps, &med, &lo, &hi);
        printf("%s\t%.0f\t%.0f\t%.0f\n", ti == 0 ? "1" : "all", med, lo, hi);
    }

    double *cov = malloc(dim * dim * sizeof(double)), *ref = malloc(dim * dim * sizeof(double));
    double *l = malloc(dim * sizeof(double)), *v = malloc(dim * dim * sizeof(double));
    double *wl = malloc(dim * sizeof(double));
    orc_pca_stats_get(stats, NULL, cov, NULL);
    double tj[32], tl[32], cj = 0.0, cl = 0.0; /* wall; CPU seconds (all threads) */
    orc_pca_eigen_report rep = {0, 0, 0, 0};
    for (int i = 0; i < reps; i++) {
        orc_pca_eigen_options opt = {threads, 0.0, 0, 0, 0};
        orc_error err;
        double t0 = now_s();
        clock_t c0 = clock();
        if (orc_pca_eigen_solve(dim, cov, l, v, &opt, &rep, &err) != ORC_OK) {
            fprintf(stderr, "bench_pca: %s\n", err.msg);
            return 1;
        }
        tj[i] = now_s() - t0;
        cj += (double)(clock() - c0) / CLOCKS_PER_SEC / reps;
        memcpy(ref, cov, dim * dim * sizeof(double));
        t0 = now_s();
        c0 = clock();
        if (LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)dim, ref, (lapack_int)dim,
                           wl) != 0) {
            fprintf(stderr, "bench_pca: dsyevd failed\n");
            return 1;
        }
        tl[i] = now_s() - t0;
        cl += (double)(clock() - c0) / CLOCKS_PER_SEC / reps;
    }
    double maxdiff = 0.0;
    for (size_t i = 0; i < dim; i++)
        maxdiff = fmax(maxdiff, fabs(l[i] - wl[dim - 1 - i]));
    double mj, lj, hj, ml, ll, hl;
    stats3(tj, reps, &mj, &lj, &hj);
    stats3(tl, reps, &ml, &ll, &hl);
    printf("\n# eigen-solve of the %zu x %zu covariance (values + vectors), threads %s\n"
           "solver\tseconds median\tmin\tmax\tCPU seconds (mean, all threads)\tsweeps\trotations\n",
           dim, dim,
           threads == 0 ? "all" : "as given");
    printf("jacobi\t%.3f\t%.3f\t%.3f\t%.3f\t%u\t%llu\n", mj, lj, hj, cj, rep.sweeps,
           (unsigned long long)rep.rotations);
    printf("dsyevd\t%.3f\t%.3f\t%.3f\t%.3f\t-\t-\n", ml, ll, hl, cl);
    printf("# jacobi / dsyevd = %.2f; max |eigenvalue difference| / largest = %.2e\n", mj / ml,
           maxdiff / fabs(wl[dim - 1]));
    orc_pca_stats_close(stats);
    free(w);
    free(x);
    free(cov);
    free(ref);
    free(l);
    free(v);
    free(wl);
    return 0;
}
