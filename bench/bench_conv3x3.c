/* bench_conv3x3.c -- every full 3x3 convolution variant over MobileNetV2's first layer
 * (bench/shapes/mobilenet_v2_conv3x3.txt): time (median/min/max), GFLOP/s and the fraction of
 * the ISA's measured FMA peak. */
#include "bench_common.h"
#include "dispatch.h"

typedef struct c3_ctx {
    orc_f32_conv3x3_ukernel *run;
    orc_f32_conv3x3_args args;
    size_t rows;
} c3_ctx;

static void call(void *ctx)
{
    c3_ctx *c = ctx;
    c->run(&c->args, 0, c->rows);
}

int main(int argc, char **argv)
{
    bench_options o;
    bench_parse(argc, argv, "bench/shapes/mobilenet_v2_conv3x3.txt", &o);
    size_t nlines;
    char **lines = bench_read_shapes(o.shapes, &nlines);
    printf("# bench_conv3x3: 1 thread, %zu repetitions of >= %.3f s per layer; peak = measured "
           "FMA loop of the ISA\n", o.reps, o.min_time);
    printf("layer\tisa\tin_hw\tcin\tcout\tstride\tmedian_us\tmin_us\tmax_us\tGFLOP/s\tpeak_frac\n");
    int status = 0;
#define ORC_KERNEL(isa, ukernel, pack)                                                          \
    if (o.isa_wanted[isa]) {                                                                   \
        double peak = bench_peak_gflops(isa);                                                  \
        for (size_t i = 0; i < nlines; i++) {                                                  \
            unsigned h, w, cin, cout, stride;                                                  \
            char name[64];                                                                     \
            if (sscanf(lines[i], "%u %u %u %u %u %63s", &h, &w, &cin, &cout, &stride,          \
                       name) != 6 || h * w == 0 || cin == 0 || cout == 0 ||                    \
                (stride != 1 && stride != 2)) {                                                \
                fprintf(stderr, "bench_conv3x3: %s: bad line '%s'\n", o.shapes, lines[i]);     \
                status = 1;                                                                    \
                break;                                                                         \
            }                                                                                  \
            size_t oh = orc_conv3x3_output_size(h, stride), ow = orc_conv3x3_output_size(w, stride); \
            float *wt = bench_random(9 * (size_t)cin * cout), *b = bench_random(cout);         \
            float *in = bench_random((size_t)h * w * cin), *out = bench_random(oh * ow * cout); \
            float *packed = bench_random(pack(cin, cout, wt, b, NULL));                        \
            pack(cin, cout, wt, b, packed);                                                    \
            c3_ctx c = {.run = ukernel, .rows = oh,                                            \
                        .args = {.input = in, .input_height = h, .input_width = w,             \
                                 .input_channels = cin, .input_row_stride = (size_t)w * cin,   \
                                 .input_pixel_stride = cin, .output = out, .output_width = ow, \
                                 .output_channels = cout, .output_row_stride = ow * cout,      \
                                 .output_pixel_stride = cout, .stride = stride,                \
                                 .pad_top = orc_conv3x3_pad_before(h, stride),                 \
                                 .pad_left = orc_conv3x3_pad_before(w, stride),                \
                                 .packed = packed, .output_min = 0.0f, .output_max = 6.0f}};   \
            double med, mn, mx;                                                                \
            bench_time(call, &c, &o, &med, &mn, &mx);                                          \
            double flop = 2.0 * 9.0 * (double)(oh * ow) * cin * cout;                         \
            printf("%s\t%s\t%u\t%u\t%u\t%u\t%.1f\t%.1f\t%.1f\t%.1f\t%.2f\t(peak %.1f, %s)\n",   \
                   name, orc_isa_name(isa), h, cin, cout, stride, med * 1e6, mn * 1e6,         \
                   mx * 1e6, flop / med * 1e-9, flop / med * 1e-9 / peak, peak, #ukernel);     \
            free(wt); free(b); free(in); free(out); free(packed);                              \
        }                                                                                      \
        fflush(stdout);                                                                        \
    }
#include "conv3x3/conv3x3.inc"
#undef ORC_KERNEL
    free(lines);
    return status;
}
