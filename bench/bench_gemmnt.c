/* bench_gemmnt.c -- every variant of the classifier's kernels, gemmnt (A.B^T: forward and
 * prediction) and gemmtn (A^T.B: gradients), over the products one L-BFGS evaluation and one
 * prediction make on Fruits-360 (bench/shapes/classifier_gemmnt.txt): time (median/min/max,
 * one thread), GFLOP/s and the fraction of the ISA's measured FMA peak. */
#include "bench_common.h"
#include "classify.h"
#include "gemmnt/gemmnt.h"
#include "gemmtn/gemmtn.h"

typedef struct gm_ctx {
    orc_f32_gemmnt_fn fn;
    orc_f32_gemmtn_fn fn_tn;
    size_t m, p, len;
    const float *a, *b;
    float *c;
} gm_ctx;

static void call(void *ctx)
{
    gm_ctx *g = ctx;
    if (g->fn != NULL)
        g->fn(g->m, g->p, g->len, g->a, g->len, g->b, g->len, NULL, g->c, g->p);
    else
        g->fn_tn(g->m, g->p, g->len, g->a, g->m, g->b, g->p, g->c, g->p);
}

int main(int argc, char **argv)
{
    bench_options o;
    bench_parse(argc, argv, "bench/shapes/classifier_gemmnt.txt", &o);
    size_t nlines;
    char **lines = bench_read_shapes(o.shapes, &nlines);
    printf("# bench_gemmnt: 1 thread, %zu repetitions of >= %.3f s per product; peak = measured "
           "FMA loop of the ISA\n", o.reps, o.min_time);
    printf("product\tisa\tm\tp\tlen\tmedian_ms\tmin_ms\tmax_ms\tGFLOP/s\tpeak_frac\n");
    int status = 0;
#define BENCH_KERNEL(isa, ukernel, want_op, nt_fn, tn_fn)                                       \
    if (o.isa_wanted[isa] && orc_classify_isa_usable(isa)) {                                   \
        double peak = bench_peak_gflops(isa);                                                  \
        for (size_t i = 0; i < nlines; i++) {                                                  \
            unsigned m, p, len;                                                                \
            char name[64], op[8];                                                              \
            if (sscanf(lines[i], "%7s %u %u %u %63s", op, &m, &p, &len, name) != 5 || m == 0 ||\
                p == 0 || len == 0 || (strcmp(op, "nt") != 0 && strcmp(op, "tn") != 0)) {      \
                fprintf(stderr, "bench_gemmnt: %s: bad line '%s'\n", o.shapes, lines[i]);      \
                status = 1;                                                                    \
                break;                                                                         \
            }                                                                                  \
            if (strcmp(op, want_op) != 0)                                                      \
                continue;                                                                      \
            float *a = bench_random((size_t)m * len), *b = bench_random((size_t)p * len);      \
            float *c = bench_random((size_t)m * p);                                            \
            gm_ctx g = {nt_fn, tn_fn, m, p, len, a, b, c};                                     \
            double med, mn, mx;                                                                \
            bench_time(call, &g, &o, &med, &mn, &mx);                                          \
            double flop = 2.0 * m * p * len;                                                   \
            printf("%s\t%s\t%u\t%u\t%u\t%.3f\t%.3f\t%.3f\t%.1f\t%.3f\t(peak %.1f, %s)\n", name, \
                   orc_isa_name(isa), m, p, len, med * 1e3, mn * 1e3, mx * 1e3,                \
                   flop / med * 1e-9, peak > 0 ? flop / med * 1e-9 / peak : 0.0, peak,        \
                   #ukernel);                                                                  \
            free(a); free(b); free(c);                                                         \
        }                                                                                      \
        fflush(stdout);                                                                        \
    }
#define ORC_KERNEL(isa, ukernel) BENCH_KERNEL(isa, ukernel, "nt", ukernel, NULL)
#include "gemmnt/gemmnt.inc"
#undef ORC_KERNEL
#define ORC_KERNEL(isa, ukernel) BENCH_KERNEL(isa, ukernel, "tn", NULL, ukernel)
#include "gemmtn/gemmtn.inc"
#undef ORC_KERNEL
    free(lines);
    return status;
}
