/* bench_pwconv.c -- every pointwise-convolution variant over the MobileNetV2 1x1 layers
 * (bench/shapes/mobilenet_v2_pwconv.txt): time per layer (median/min/max), GFLOP/s and the
 * fraction of the ISA's measured single-thread FMA peak; a total per ISA. */
#include "bench_common.h"
#include "dispatch.h"

#include <math.h>

typedef struct pw_ctx {
    orc_f32_pwconv_ukernel *run;
    orc_f32_pwconv_args args;
    size_t pixels;
} pw_ctx;

static void call(void *ctx)
{
    pw_ctx *c = ctx;
    c->run(&c->args, 0, c->pixels);
}

int main(int argc, char **argv)
{
    bench_options o;
    bench_parse(argc, argv, "bench/shapes/mobilenet_v2_pwconv.txt", &o);
    size_t nlines;
    char **lines = bench_read_shapes(o.shapes, &nlines);
    printf("# bench_pwconv: 1 thread, %zu repetitions of >= %.3f s per layer; peak = measured "
           "FMA loop of the ISA\n", o.reps, o.min_time);
    printf("layer\tisa\tpixels\tcin\tcout\tmedian_us\tmin_us\tmax_us\tGFLOP/s\tpeak_frac\n");
    int status = 0;
#define ORC_KERNEL(isa, ukernel, pack)                                                          \
    if (o.isa_wanted[isa]) {                                                                   \
        double peak = bench_peak_gflops(isa), total_s = 0.0, total_flop = 0.0;                 \
        for (size_t i = 0; i < nlines; i++) {                                                  \
            unsigned h, w, cin, cout, relu6, residual;                                         \
            char name[64];                                                                     \
            if (sscanf(lines[i], "%u %u %u %u %u %u %63s", &h, &w, &cin, &cout, &relu6,        \
                       &residual, name) != 7 || h * w == 0 || cin == 0 || cout == 0) {          \
                fprintf(stderr, "bench_pwconv: %s: bad line '%s'\n", o.shapes, lines[i]);      \
                status = 1;                                                                    \
                break;                                                                         \
            }                                                                                  \
            size_t pixels = (size_t)h * w;                                                     \
            float *wt = bench_random((size_t)cin * cout), *b = bench_random(cout);             \
            float *in = bench_random(pixels * cin), *out = bench_random(pixels * cout);        \
            float *res = bench_random(pixels * cout);                                          \
            float *packed = bench_random(pack(cin, cout, wt, b, NULL));                        \
            pack(cin, cout, wt, b, packed);                                                    \
            pw_ctx c = {.run = ukernel, .pixels = pixels,                                      \
                        .args = {.input_channels = cin, .output_channels = cout, .input = in,  \
                                 .input_stride = cin, .packed = packed,                        \
                                 .residual = residual ? res : NULL, .residual_stride = cout,   \
                                 .output = out, .output_stride = cout,                         \
                                 .output_min = relu6 ? 0.0f : -INFINITY,                       \
                                 .output_max = relu6 ? 6.0f : INFINITY}};                      \
            double med, mn, mx;                                                                \
            bench_time(call, &c, &o, &med, &mn, &mx);                                          \
            double flop = 2.0 * (double)pixels * cin * cout;                                   \
            total_s += med;                                                                    \
            total_flop += flop;                                                                \
            printf("%s\t%s\t%zu\t%u\t%u\t%.1f\t%.1f\t%.1f\t%.1f\t%.2f\n", name,                \
                   orc_isa_name(isa), pixels, cin, cout, med * 1e6, mn * 1e6, mx * 1e6,        \
                   flop / med * 1e-9, flop / med * 1e-9 / peak);                               \
            free(wt); free(b); free(in); free(out); free(res); free(packed);                   \
        }                                                                                      \
        printf("TOTAL\t%s\t-\t-\t-\t%.1f\t-\t-\t%.1f\t%.2f\t(peak %.1f GFLOP/s, %s)\n",          \
               orc_isa_name(isa), total_s * 1e6, total_flop / total_s * 1e-9,                  \
               total_flop / total_s * 1e-9 / peak, peak, #ukernel);                            \
        fflush(stdout);                                                                        \
    }
#include "pwconv/pwconv.inc"
#undef ORC_KERNEL
    free(lines);
    return status;
}
