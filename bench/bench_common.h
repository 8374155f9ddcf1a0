/* bench_common.h -- what the per-kernel benchmarks share: options, timing (median/min/max of
 * repetitions, each repetition long enough to time), the measured FMA peak per ISA
 * (kernels/fmapeak), random buffers and the layer-shape files of bench/shapes/.
 *
 * Options of every kernel benchmark:
 *   --isa LIST      comma-separated ISAs to run (default: every one this CPU supports)
 *   --reps N        repetitions per layer (default 7)
 *   --min-time S    seconds each repetition runs at least (default 0.02)
 *   --shapes FILE   layer shapes (default bench/shapes/mobilenet_v2_<op>.txt)
 * Output: one tab-separated line per layer and ISA, then a total per ISA. Times are the thread's
 * CPU time (CLOCK_THREAD_CPUTIME_ID), so other processes on a shared machine disturb them less
 * (caches and frequency still do): compare figures taken in the same run.
 */
#ifndef ORC_BENCH_COMMON_H
#define ORC_BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmapeak/fmapeak.h"
#include "isa.h"

typedef struct bench_options {
    int isa_wanted[ORC_ISA_COUNT];
    size_t reps;
    double min_time;
    const char *shapes;
} bench_options;

/* the calling thread's CPU time: on a shared, oversubscribed machine the time slices other
 * processes take do not count against the kernel (wall time would) */
static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* sorts v */
static double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void bench_usage_exit(const char *prog, const char *msg)
{
    fprintf(stderr, "%s: %s\nusage: %s [--isa LIST] [--reps N] [--min-time S] [--shapes FILE]\n",
            prog, msg, prog);
    exit(2);
}

static void bench_parse(int argc, char **argv, const char *default_shapes, bench_options *o)
{
    memset(o, 0, sizeof *o);
    o->reps = 7;
    o->min_time = 0.02;
    o->shapes = default_shapes;
    int any_isa = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s [--isa LIST] [--reps N] [--min-time S] [--shapes FILE]\n"
                   "  --isa LIST     comma-separated ISAs (scalar,avx2,avx512,neon); default: all "
                   "this CPU supports\n"
                   "  --reps N       repetitions per layer (default 7)\n"
                   "  --min-time S   seconds per repetition at least (default 0.02)\n"
                   "  --shapes FILE  layer shapes (default %s)\n", argv[0], default_shapes);
            exit(0);
        }
        if (v == NULL)
            bench_usage_exit(argv[0], "missing value after an option");
        if (strcmp(argv[i], "--isa") == 0) {
            char buf[128];
            snprintf(buf, sizeof buf, "%s", v);
            for (char *tok = strtok(buf, ","); tok != NULL; tok = strtok(NULL, ",")) {
                orc_isa isa;
                orc_error err;
                if (orc_isa_choose(tok, "--isa", &isa, &err) != ORC_OK)
                    bench_usage_exit(argv[0], err.msg);
                o->isa_wanted[isa] = 1;
                any_isa = 1;
            }
        } else if (strcmp(argv[i], "--reps") == 0) {
            long n = strtol(v, NULL, 10);
            if (n < 1 || n > 1000)
                bench_usage_exit(argv[0], "--reps must be 1..1000");
            o->reps = (size_t)n;
        } else if (strcmp(argv[i], "--min-time") == 0) {
            o->min_time = strtod(v, NULL);
            if (!(o->min_time > 0 && o->min_time < 60))
                bench_usage_exit(argv[0], "--min-time must be in (0, 60) seconds");
        } else if (strcmp(argv[i], "--shapes") == 0) {
            o->shapes = v;
        } else {
            bench_usage_exit(argv[0], "unknown option");
        }
        i++;
    }
    if (!any_isa)
        for (int i = 0; i < ORC_ISA_COUNT; i++)
            o->isa_wanted[i] = orc_isa_supported((orc_isa)i);
}

typedef void bench_fn(void *ctx);

/* seconds per call: median, min, max over o->reps repetitions (after one warm-up call) */
static void bench_time(bench_fn *fn, void *ctx, const bench_options *o, double *median,
                       double *min, double *max)
{
    double t[1000];
    fn(ctx);
    for (size_t r = 0; r < o->reps; r++) {
        size_t calls = 0;
        double t0 = bench_now(), dt;
        do {
            fn(ctx);
            calls++;
            dt = bench_now() - t0;
        } while (dt < o->min_time);
        t[r] = dt / (double)calls;
    }
    *min = *max = t[0];
    for (size_t r = 1; r < o->reps; r++) {
        *min = t[r] < *min ? t[r] : *min;
        *max = t[r] > *max ? t[r] : *max;
    }
    *median = bench_median(t, o->reps);
}

/* measured single-thread peak of `isa` in GFLOP/s: best of five ~30 ms runs of the FMA loop */
static double bench_peak_gflops(orc_isa isa)
{
    orc_f32_fmapeak_fn *fn = NULL;
#define ORC_KERNEL(isa_, fn_)                                                                   \
    if (isa_ == isa)                                                                           \
        fn = fn_;
#include "fmapeak/fmapeak.inc"
#undef ORC_KERNEL
    if (fn == NULL || !orc_isa_supported(isa))
        return 0.0;
    float sink;
    size_t iters = 1000;
    for (;;) { /* calibrate */
        double t0 = bench_now();
        fn(iters, &sink);
        if (bench_now() - t0 > 0.01 || iters > ((size_t)1 << 40))
            break;
        iters *= 4;
    }
    iters *= 3;
    double best = 0.0;
    for (int r = 0; r < 5; r++) {
        double t0 = bench_now();
        double flops = fn(iters, &sink);
        double g = flops / (bench_now() - t0) * 1e-9;
        best = g > best ? g : best;
    }
    return best;
}

static uint64_t bench_rng = 0x9E3779B97F4A7C15ull;

/* n floats uniform in [-1, 1), every page touched */
static float *bench_random(size_t n)
{
    float *b = NULL;
    if (posix_memalign((void **)&b, 64, (n ? n : 1) * sizeof *b) != 0) {
        fprintf(stderr, "bench: out of memory for %zu floats\n", n);
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        bench_rng ^= bench_rng << 13;
        bench_rng ^= bench_rng >> 7;
        bench_rng ^= bench_rng << 17;
        b[i] = (float)((double)(bench_rng >> 11) / 9007199254740992.0 * 2.0 - 1.0);
    }
    return b;
}

/* the data lines of a shape file (comments and blank lines dropped; at most 1024 lines, 64 KiB,
 * kept in a static buffer: call once); exits with a message on failure. Caller frees the
 * returned array. */
static char **bench_read_shapes(const char *path, size_t *count)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "bench: cannot open shape file %s (run from the repository root or pass "
                "--shapes)\n", path);
        exit(1);
    }
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char **lines = calloc(1024, sizeof *lines);
    size_t k = 0;
    for (char *line = strtok(text, "\n"); line != NULL && k < 1024; line = strtok(NULL, "\n"))
        if (line[0] != '#' && line[0] != '\0')
            lines[k++] = line;
    *count = k;
    return lines;
}

#endif
