/* bench_gavgpool.c -- every global-average-pool variant over MobileNetV2's pooling
 * (bench/shapes/mobilenet_v2_gavgpool.txt): time (median/min/max), GFLOP/s (one add per input
 * element), the fraction of the ISA's measured FMA peak and GB/s read. */
#include "bench_common.h"
#include "dispatch.h"

typedef struct gp_ctx {
    orc_f32_gavgpool_ukernel *run;
    orc_f32_gavgpool_args args;
} gp_ctx;

static void call(void *ctx)
{
    gp_ctx *c = ctx;
    c->run(&c->args, 0, c->args.channels);
}

int main(int argc, char **argv)
{
    bench_options o;
    bench_parse(argc, argv, "bench/shapes/mobilenet_v2_gavgpool.txt", &o);
    size_t nlines;
    char **lines = bench_read_shapes(o.shapes, &nlines);
    printf("# bench_gavgpool: 1 thread, %zu repetitions of >= %.3f s per layer; peak = measured "
           "FMA loop of the ISA\n", o.reps, o.min_time);
    printf("layer\tisa\tpixels\tchannels\tmedian_us\tmin_us\tmax_us\tGFLOP/s\tpeak_frac\tGB/s\n");
    int status = 0;
#define ORC_KERNEL(isa, ukernel)                                                                \
    if (o.isa_wanted[isa]) {                                                                   \
        double peak = bench_peak_gflops(isa);                                                  \
        for (size_t i = 0; i < nlines; i++) {                                                  \
            unsigned pixels, ch;                                                               \
            char name[64];                                                                     \
            if (sscanf(lines[i], "%u %u %63s", &pixels, &ch, name) != 3 || pixels == 0 ||      \
                ch == 0) {                                                                     \
                fprintf(stderr, "bench_gavgpool: %s: bad line '%s'\n", o.shapes, lines[i]);    \
                status = 1;                                                                    \
                break;                                                                         \
            }                                                                                  \
            float *in = bench_random((size_t)pixels * ch), *out = bench_random(ch);            \
            gp_ctx c = {.run = ukernel, .args = {.pixels = pixels, .channels = ch, .input = in, \
                                                 .input_stride = ch, .output = out}};          \
            double med, mn, mx;                                                                \
            bench_time(call, &c, &o, &med, &mn, &mx);                                          \
            double flop = (double)pixels * ch;                                                 \
            printf("%s\t%s\t%u\t%u\t%.2f\t%.2f\t%.2f\t%.1f\t%.3f\t%.1f\t(peak %.1f, %s)\n",     \
                   name, orc_isa_name(isa), pixels, ch, med * 1e6, mn * 1e6, mx * 1e6,         \
                   flop / med * 1e-9, flop / med * 1e-9 / peak, 4.0 * flop / med * 1e-9, peak, \
                   #ukernel);                                                                  \
            free(in); free(out);                                                               \
        }                                                                                      \
        fflush(stdout);                                                                        \
    }
#include "gavgpool/gavgpool.inc"
#undef ORC_KERNEL
    free(lines);
    return status;
}
