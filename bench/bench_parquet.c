/* bench_parquet.c -- Parquet write throughput: N rows (default 100,000) of path + label +
 * 1280-float features, uncompressed vs zstd level 1 vs 3; MB/s of raw feature bytes (open to
 * close, fsync included; also per CPU second, steadier on a shared machine), file sizes, and
 * the read-back speed of our reader (wall and CPU).
 *
 *   build/bench_parquet [--rows N] [--reps R] [--dir DIR]
 *
 * Features are synthetic but shaped like MobileNetV2's pooled ReLU6 outputs: non-negative, about
 * a quarter exact zeros, the rest spread over [0, 6) with a long tail. Rows cycle through a 10 MB
 * pool (wider than zstd's window at these levels, so no artificial long matches).
 */
#include "parquet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DIM 1280
#define POOL 2048

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    long rows = 100000;
    int reps = 1;
    const char *dir = "/tmp";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
            rows = atol(argv[++i]);
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else {
            fprintf(stderr, "usage: bench_parquet [--rows N] [--reps R] [--dir DIR]\n");
            return 2;
        }
    }
    if (rows <= 0 || reps <= 0 || reps > 20) {
        fprintf(stderr, "bench_parquet: --rows must be > 0 and --reps 1..20\n");
        return 2;
    }
    float *pool = malloc((size_t)POOL * DIM * sizeof *pool);
    if (pool == NULL)
        return 1;
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < (size_t)POOL * DIM; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double u = (double)(s >> 11) / 9007199254740992.0;
        pool[i] = u < 0.25 ? 0.0f : (float)(6.0 * (u - 0.25) / 0.75 * (u - 0.25) / 0.75);
    }
    static const char *const labels[] = {"Apple Braeburn", "Banana", "Cherry 1", "Kiwi",
                                         "Lemon", "Mango", "Pear", "Tomato 4"};
    const orc_parquet_column cols[] = {{"path", ORC_PARQUET_STRING, 0},
                                       {"label", ORC_PARQUET_STRING_DICT, 0},
                                       {"features", ORC_PARQUET_FLOAT_LIST, 0}};
    struct {
        const char *name;
        orc_parquet_codec codec;
        int level;
    } cfg[] = {{"uncompressed", ORC_PARQUET_CODEC_UNCOMPRESSED, 0},
               {"zstd-1", ORC_PARQUET_CODEC_ZSTD, 1},
               {"zstd-3", ORC_PARQUET_CODEC_ZSTD, 3}};
    double raw_mb = (double)rows * DIM * 4 / 1e6;
    printf("# bench_parquet: %ld rows x %d floats (%.1f MB of features) + path + label, %d rep(s), "
           "files in %s\n", rows, DIM, raw_mb, reps, dir);
    printf("%-13s %9s %9s %9s %9s %9s %8s %9s %9s\n", "codec", "write_s", "MB/s", "MB/s_min",
           "cpu_MB/s", "file_MB", "ratio", "read_MB/s", "rcpu_MB/s");
    for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++) {
        char path[512];
        snprintf(path, sizeof path, "%s/bench-parquet-%s-%d.parquet", dir, cfg[c].name,
                 (int)getpid());
        double t[20], cpu = 1e30;
        for (int rep = 0; rep < reps; rep++) {
            orc_parquet_options o = {0};
            o.codec = cfg[c].codec;
            o.zstd_level = cfg[c].level;
            orc_parquet_writer *w = NULL;
            orc_error e = {0};
            double t0 = now(), c0 = cpu_seconds();
            if (orc_parquet_writer_open(path, cols, 3, &o, &w, &e) != ORC_OK) {
                fprintf(stderr, "bench_parquet: %s\n", e.msg);
                return 1;
            }
            for (long r = 0; r < rows; r++) {
                char p[96];
                int n = snprintf(p, sizeof p, "fruits-360/Test/%s/r_%ld_100.jpg",
                                 labels[r % 8], r);
                orc_parquet_value v[3] = {{0}};
                v[0].str = p;
                v[0].str_len = (size_t)n;
                v[1].str = labels[r % 8];
                v[1].str_len = strlen(labels[r % 8]);
                v[2].floats = pool + (size_t)(r % POOL) * DIM;
                v[2].n_floats = DIM;
                if (orc_parquet_writer_append_row(w, v, &e) != ORC_OK) {
                    fprintf(stderr, "bench_parquet: %s\n", e.msg);
                    return 1;
                }
            }
            if (orc_parquet_writer_close(w, &e) != ORC_OK) {
                fprintf(stderr, "bench_parquet: %s\n", e.msg);
                return 1;
            }
            t[rep] = now() - t0;
            if (cpu_seconds() - c0 < cpu)
                cpu = cpu_seconds() - c0;
        }
        qsort(t, (size_t)reps, sizeof t[0], cmp_double);
        struct stat sb;
        stat(path, &sb);
        /* read back every feature value */
        double t0 = now(), c0 = cpu_seconds(), sum = 0;
        orc_parquet_reader *r = NULL;
        orc_error e = {0};
        if (orc_parquet_reader_open(path, &r, &e) != ORC_OK) {
            fprintf(stderr, "bench_parquet: %s\n", e.msg);
            return 1;
        }
        int has;
        long nread = 0;
        while (orc_parquet_reader_next(r, &has, &e) == ORC_OK && has) {
            orc_parquet_value v;
            if (orc_parquet_reader_get(r, 2, &v, &e) != ORC_OK) {
                fprintf(stderr, "bench_parquet: %s\n", e.msg);
                return 1;
            }
            sum += v.floats[nread % DIM];
            nread++;
        }
        orc_parquet_reader_close(r);
        double tr = now() - t0, rcpu = cpu_seconds() - c0;
        if (nread != rows) {
            fprintf(stderr, "bench_parquet: read %ld rows of %ld\n", nread, rows);
            return 1;
        }
        double med = t[reps / 2];
        printf("%-13s %9.3f %9.1f %9.1f %9.1f %9.1f %8.3f %9.1f %9.1f\n", cfg[c].name, med,
               raw_mb / med, raw_mb / t[reps - 1], raw_mb / cpu, (double)sb.st_size / 1e6,
               (double)sb.st_size / 1e6 / raw_mb, raw_mb / tr, raw_mb / rcpu);
        fflush(stdout);
        (void)sum;
        unlink(path);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("# peak RSS %.1f MB (the 10 MB row pool + one writer's row group of 128 MiB default "
           "+ pages, or the reader's decoded row group)\n", (double)ru.ru_maxrss / 1024.0);
    free(pool);
    return 0;
}
