/* bench_model.c -- whole-model throughput, printed exactly like the speed peer
 * (../shared/peers/bench-ort.mjs) so that tools/bench-peer.sh can put them side by side:
 *   orchard threads=1 batch= 1 img/s median   X min   Y max   Z
 *
 *   build/bench_model [--threads 1,2] [--batch 1,32] [--reps 7] [--seconds 1] [--isa X]
 *                     [--weights weights/mobilenet_v2_1.0_224.orw] [--unfused]
 *
 * Per thread count one model is opened (batch capacity = the largest batch); per batch size
 * three warm-up runs, then --reps repetitions, each running batches for at least --seconds of
 * wall time; images/s = images / elapsed. Inputs are fixed pseudo-random 224x224 RGB images.
 * The last line gives the process's peak resident set size (getrusage). A configuration may be
 * named alone (--threads 2 --batch 32) so a driver can interleave it with the peer's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "isa.h"
#include "model.h"

#define MAX_LIST 16

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_model [--threads LIST] [--batch LIST] [--reps N] [--seconds S]\n"
            "                   [--isa ISA] [--weights FILE]\n"
            "  --threads LIST  comma-separated thread counts (default 1,2)\n"
            "  --batch LIST    comma-separated batch sizes (default 1,32)\n"
            "  --reps N        repetitions per configuration (default 7)\n"
            "  --seconds S     minimum wall time of one repetition (default 1)\n"
            "  --isa ISA       widest ISA allowed: scalar, avx2, avx512, neon or auto (default:\n"
            "                  ORCHARD_ISA, else the best this CPU supports)\n"
            "  --weights FILE  weight file (default weights/mobilenet_v2_1.0_224.orw)\n"
            "  --unfused       run every layer on its own (no fused blocks), for comparison\n");
}

static int parse_list(const char *s, size_t *out, size_t *n, size_t max_value)
{
    *n = 0;
    while (*s != '\0') {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || (size_t)v > max_value || *n == MAX_LIST)
            return -1;
        out[(*n)++] = (size_t)v;
        s = *end == ',' ? end + 1 : end;
        if (*end != ',' && *end != '\0')
            return -1;
    }
    return *n > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    size_t threads[MAX_LIST] = {1, 2}, batches[MAX_LIST] = {1, 32}, nthreads = 2, nbatches = 2;
    size_t reps = 7;
    int unfused = 0;
    double seconds = 1.0;
    const char *isa_name = NULL, *weights = "weights/mobilenet_v2_1.0_224.orw";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--unfused") == 0) {
            unfused = 1;
            continue;
        }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = v == NULL;
        if (bad) {
        } else if (strcmp(argv[i], "--threads") == 0) {
            bad = parse_list(v, threads, &nthreads, 256) != 0;
        } else if (strcmp(argv[i], "--batch") == 0) {
            bad = parse_list(v, batches, &nbatches, 4096) != 0;
        } else if (strcmp(argv[i], "--reps") == 0) {
            long n = strtol(v, NULL, 10);
            bad = n < 1 || n > 1000;
            reps = (size_t)n;
        } else if (strcmp(argv[i], "--seconds") == 0) {
            seconds = strtod(v, NULL);
            bad = !(seconds > 0 && seconds <= 600);
        } else if (strcmp(argv[i], "--isa") == 0) {
            isa_name = v;
        } else if (strcmp(argv[i], "--weights") == 0) {
            weights = v;
        } else {
            bad = 1;
        }
        if (bad) {
            fprintf(stderr, "bench_model: bad or incomplete option '%s%s%s'\n", argv[i],
                    v ? " " : "", v ? v : "");
            usage(stderr);
            return 2;
        }
        i++;
    }
    orc_error err;
    orc_isa isa;
    if (orc_isa_choose(isa_name, "--isa", &isa, &err) != ORC_OK) {
        fprintf(stderr, "bench_model: %s\n", err.msg);
        return 2;
    }
    size_t max_batch = 0;
    for (size_t b = 0; b < nbatches; b++)
        max_batch = batches[b] > max_batch ? batches[b] : max_batch;
    const size_t image_bytes = 224 * 224 * 3;
    uint8_t *images = malloc(max_batch * image_bytes);
    float *features = malloc(max_batch * 1280 * sizeof *features);
    if (images == NULL || features == NULL) {
        fprintf(stderr, "bench_model: out of memory for %zu images\n", max_batch);
        return 1;
    }
    uint32_t s = 7;
    for (size_t i = 0; i < max_batch * image_bytes; i++) {
        s = s * 1664525u + 1013904223u;
        images[i] = (uint8_t)(s >> 24);
    }
    double *rates = malloc(reps * sizeof *rates);
    int printed_kernels = 0;
    for (size_t t = 0; t < nthreads; t++) {
        orc_model_options opt;
        orc_model_options_default(&opt);
        opt.threads = threads[t];
        opt.isa = isa;
        opt.batch_capacity = max_batch;
        opt.unfused = unfused;
        orc_model *m = NULL;
        if (orc_model_open(weights, &opt, &m, &err) != ORC_OK) {
            fprintf(stderr, "bench_model: %s\n", err.msg);
            return 1;
        }
        if (orc_model_input_size(m) != 224 || orc_model_input_channels(m) != 3 ||
            orc_model_feature_dim(m) > 1280) {
            fprintf(stderr, "bench_model: %s is not a 224x224x3 MobileNetV2\n", weights);
            return 1;
        }
        if (!printed_kernels) {
            printf("orchard isa %s kernels %s\n", orc_isa_name(isa),
                   orc_model_kernels_description(m));
            printed_kernels = 1;
        }
        for (size_t b = 0; b < nbatches; b++) {
            size_t batch = batches[b];
            for (int w = 0; w < 3; w++)
                orc_model_run(m, images, batch, features, NULL);
            for (size_t r = 0; r < reps; r++) {
                size_t n = 0;
                double t0 = now(), dt;
                do {
                    if (orc_model_run(m, images, batch, features, &err) != ORC_OK) {
                        fprintf(stderr, "bench_model: %s\n", err.msg);
                        return 1;
                    }
                    n += batch;
                    dt = now() - t0;
                } while (dt < seconds);
                rates[r] = (double)n / dt;
            }
            qsort(rates, reps, sizeof *rates, cmp_double);
            double median = reps % 2 ? rates[reps / 2]
                                     : 0.5 * (rates[reps / 2 - 1] + rates[reps / 2]);
            printf("orchard threads=%zu batch=%2zu img/s median %7.1f min %7.1f max %7.1f\n",
                   threads[t], batch, median, rates[0], rates[reps - 1]);
            fflush(stdout);
        }
        orc_model_close(m);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("orchard peak RSS %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
    free(rates);
    free(images);
    free(features);
    return 0;
}
