/* bench_dwconv3x3.c -- every depthwise 3x3 variant over the MobileNetV2 depthwise layers
 * (bench/shapes/mobilenet_v2_dwconv3x3.txt): time per layer (median/min/max), GFLOP/s, the
 * fraction of the ISA's measured FMA peak and the memory traffic rate (input + output bytes /
 * time; these layers are memory-bound); a total per ISA. */
#include "bench_common.h"
#include "dispatch.h"

typedef struct dw_ctx {
    orc_f32_dwconv3x3_ukernel *run;
    orc_f32_dwconv3x3_args args;
    size_t rows;
} dw_ctx;

static void call(void *ctx)
{
    dw_ctx *c = ctx;
    c->run(&c->args, 0, c->rows);
}

int main(int argc, char **argv)
{
    bench_options o;
    bench_parse(argc, argv, "bench/shapes/mobilenet_v2_dwconv3x3.txt", &o);
    size_t nlines;
    char **lines = bench_read_shapes(o.shapes, &nlines);
    printf("# bench_dwconv3x3: 1 thread, %zu repetitions of >= %.3f s per layer; peak = "
           "measured FMA loop of the ISA\n", o.reps, o.min_time);
    printf("layer\tisa\tin_hw\tchannels\tstride\tmedian_us\tmin_us\tmax_us\tGFLOP/s\tpeak_frac"
           "\tGB/s\n");
    int status = 0;
#define ORC_KERNEL(isa, ukernel, pack)                                                          \
    if (o.isa_wanted[isa]) {                                                                   \
        double peak = bench_peak_gflops(isa), total_s = 0.0, total_flop = 0.0;                 \
        for (size_t i = 0; i < nlines; i++) {                                                  \
            unsigned h, w, ch, stride;                                                         \
            char name[64];                                                                     \
            if (sscanf(lines[i], "%u %u %u %u %63s", &h, &w, &ch, &stride, name) != 5 ||       \
                h * w == 0 || ch == 0 || (stride != 1 && stride != 2)) {                       \
                fprintf(stderr, "bench_dwconv3x3: %s: bad line '%s'\n", o.shapes, lines[i]);   \
                status = 1;                                                                    \
                break;                                                                         \
            }                                                                                  \
            size_t oh = orc_conv3x3_output_size(h, stride), ow = orc_conv3x3_output_size(w, stride); \
            float *wt = bench_random(9 * (size_t)ch), *b = bench_random(ch);                   \
            float *in = bench_random((size_t)h * w * ch), *out = bench_random(oh * ow * ch);   \
            float *packed = bench_random(pack(ch, wt, b, NULL));                               \
            pack(ch, wt, b, packed);                                                           \
            dw_ctx c = {.run = ukernel, .rows = oh,                                            \
                        .args = {.input = in, .input_height = h, .input_width = w,             \
                                 .channels = ch, .input_row_stride = (size_t)w * ch,           \
                                 .input_pixel_stride = ch, .output = out, .output_width = ow,  \
                                 .output_row_stride = ow * ch, .output_pixel_stride = ch,      \
                                 .stride = stride, .pad_top = orc_conv3x3_pad_before(h, stride), \
                                 .pad_left = orc_conv3x3_pad_before(w, stride),                \
                                 .packed = packed, .output_min = 0.0f, .output_max = 6.0f}};   \
            double med, mn, mx;                                                                \
            bench_time(call, &c, &o, &med, &mn, &mx);                                          \
            double flop = 2.0 * 9.0 * (double)(oh * ow) * ch;                                  \
            double bytes = 4.0 * ((double)h * w * ch + (double)oh * ow * ch);                  \
            total_s += med;                                                                    \
            total_flop += flop;                                                                \
            printf("%s\t%s\t%u\t%u\t%u\t%.1f\t%.1f\t%.1f\t%.1f\t%.2f\t%.1f\n", name,           \
                   orc_isa_name(isa), h, ch, stride, med * 1e6, mn * 1e6, mx * 1e6,            \
                   flop / med * 1e-9, flop / med * 1e-9 / peak, bytes / med * 1e-9);           \
            free(wt); free(b); free(in); free(out); free(packed);                              \
        }                                                                                      \
        printf("TOTAL\t%s\t-\t-\t-\t%.1f\t-\t-\t%.1f\t%.2f\t(peak %.1f GFLOP/s, %s)\n",          \
               orc_isa_name(isa), total_s * 1e6, total_flop / total_s * 1e-9,                  \
               total_flop / total_s * 1e-9 / peak, peak, #ukernel);                            \
        fflush(stdout);                                                                        \
    }
#include "dwconv3x3/dwconv3x3.inc"
#undef ORC_KERNEL
    free(lines);
    return status;
}
