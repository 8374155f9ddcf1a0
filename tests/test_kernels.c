/* test_kernels.c -- every kernel variant (kernels/<op>/<op>.inc) against a naive double
 * oracle over a sweep of channel counts, strides, odd/even sizes and padded strides; output
 * gaps must stay untouched and results must be bitwise independent of the range split.
 * Variants this CPU cannot run are skipped with a message. */
#include "check_main.h"
#include "dispatch.h"

#include <float.h>
#include <math.h>
#include <stdint.h>

static const size_t channel_sweep[] = {1, 7, 8, 9, 15, 16, 17, 96, 144, 960};
#define NSWEEP (sizeof channel_sweep / sizeof channel_sweep[0])
#define SENTINEL 1234.5f
#define UNIT_ROUNDOFF (1.0 / 16777216.0)

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static float rnd(void) /* uniform in [-1, 1) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((double)(rng_state >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

static float *rnd_buffer(size_t n)
{
    float *b = malloc((n ? n : 1) * sizeof *b);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < n; i++)
        b[i] = rnd();
    return b;
}

static float *sentinel_buffer(size_t n)
{
    float *b = malloc((n ? n : 1) * sizeof *b);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < n; i++)
        b[i] = SENTINEL;
    return b;
}

static float *packed_buffer(size_t floats)
{
    void *p = NULL;
    ck_assert_int_eq(posix_memalign(&p, 64, (floats ? floats : 1) * sizeof(float)), 0);
    return p;
}

static double clampd(double v, float lo, float hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* |got - want| within an accumulation-length-scaled bound: n terms whose absolute values sum
 * to sum_abs give at most about n * u * sum_abs rounding error in float32 */
static void check_close(float got, double want, double sum_abs, size_t n, const char *what,
                        size_t i0, size_t i1, size_t i2)
{
    double tol = (double)(n + 3) * UNIT_ROUNDOFF * sum_abs + 1e-30;
    if (!(fabs((double)got - want) <= tol))
        ck_abort_msg("%s: element (%zu, %zu, %zu): got %.9g, want %.9g (tol %.3g)", what, i0, i1,
                     i2, (double)got, want, tol);
}

/* ---- pwconv ------------------------------------------------------------------------------ */

static void run_pwconv(const char *name, orc_f32_pwconv_ukernel *run, orc_f32_pwconv_pack_fn *pack,
                       size_t cin, size_t cout, size_t pixels, int relu6, int residual, int pad)
{
    size_t in_stride = cin + (pad ? 3 : 0), out_stride = cout + (pad ? 5 : 0);
    size_t res_stride = cout + (pad ? 2 : 0);
    float *w = rnd_buffer(cin * cout), *b = rnd_buffer(cout);
    float *in = rnd_buffer(pixels * in_stride), *res = rnd_buffer(pixels * res_stride);
    float *out = sentinel_buffer(pixels * out_stride), *out2 = sentinel_buffer(pixels * out_stride);
    size_t np = pack(cin, cout, w, b, NULL);
    float *packed = packed_buffer(np);
    ck_assert_uint_eq(pack(cin, cout, w, b, packed), np);
    orc_f32_pwconv_args a = {
        .input_channels = cin, .output_channels = cout, .input = in, .input_stride = in_stride,
        .packed = packed, .residual = residual ? res : NULL, .residual_stride = res_stride,
        .output = out, .output_stride = out_stride,
        .output_min = relu6 ? 0.0f : -INFINITY, .output_max = relu6 ? 6.0f : INFINITY};
    run(&a, 0, pixels);
    for (size_t p = 0; p < pixels; p++) {
        for (size_t co = 0; co < cout; co++) {
            double acc = b[co], sum_abs = fabs(b[co]);
            for (size_t ci = 0; ci < cin; ci++) {
                double t = (double)in[p * in_stride + ci] * w[ci * cout + co];
                acc += t;
                sum_abs += fabs(t);
            }
            acc = clampd(acc, a.output_min, a.output_max);
            if (residual) {
                acc += res[p * res_stride + co];
                sum_abs += fabs(res[p * res_stride + co]);
            }
            check_close(out[p * out_stride + co], acc, sum_abs, cin + 1, name, p, co, cin);
        }
        for (size_t g = cout; g < out_stride; g++)
            ck_assert_msg(out[p * out_stride + g] == SENTINEL, "%s wrote into the stride gap",
                          name);
    }
    /* the same pixels computed in three uneven slices: bitwise identical */
    a.output = out2;
    size_t s1 = pixels / 3, s2 = pixels - pixels / 5;
    run(&a, 0, s1);
    run(&a, s1, s2);
    run(&a, s2, pixels);
    ck_assert_msg(memcmp(out, out2, pixels * out_stride * sizeof *out) == 0,
                  "%s: result depends on the pixel range split", name);
    free(w); free(b); free(in); free(res); free(out); free(out2); free(packed);
}

START_TEST(test_pwconv)
{
#define ORC_KERNEL(isa, ukernel, pack)                                                          \
    if (!orc_isa_supported(isa)) {                                                            \
        fprintf(stderr, "test_kernels: skipping %s: this CPU/build lacks %s\n", #ukernel,      \
                orc_isa_name(isa));                                                          \
    } else {                                                                                  \
        for (size_t i = 0; i < NSWEEP; i++)                                                  \
            for (size_t j = 0; j < NSWEEP; j++) {                                            \
                size_t cin = channel_sweep[i], cout = channel_sweep[j];                       \
                size_t pixels = (cin * cout > 20000) ? 3 : 7;                                \
                run_pwconv(#ukernel, ukernel, pack, cin, cout, pixels, (i + j) % 2,           \
                           (i + j) % 3 == 0, (i * j) % 2);                                    \
            }                                                                                 \
        run_pwconv(#ukernel, ukernel, pack, 17, 9, 1, 1, 1, 1);                              \
        run_pwconv(#ukernel, ukernel, pack, 33, 31, 49, 0, 1, 0);                            \
    }
#include "pwconv/pwconv.inc"
#undef ORC_KERNEL
}
END_TEST

/* ---- conv3x3 and dwconv3x3 share the spatial sweep ----------------------------------------- */

static const size_t spatial_sweep[][2] = {{1, 1}, {2, 3}, {4, 5}, {7, 7}, {8, 6}, {9, 2}};
#define NSPATIAL (sizeof spatial_sweep / sizeof spatial_sweep[0])

/* oracle for both: depthwise when cin == 0 (channels = cout, weight [9][cout]) */
static void conv_oracle_check(const char *name, const float *in, size_t h, size_t wd,
                              size_t in_row, size_t in_pix, size_t cin, size_t cout,
                              const float *w, const float *b, size_t stride, const float *out,
                              size_t out_row, size_t out_pix, float lo, float hi)
{
    /* TF "SAME" (what Keras' correct_pad + valid conv amounts to), derived independently */
    size_t oh = (h + stride - 1) / stride, ow = (wd + stride - 1) / stride;
    long pad_h = (long)((oh - 1) * stride + 3) - (long)h, pad_w = (long)((ow - 1) * stride + 3) - (long)wd;
    size_t pt = pad_h > 0 ? (size_t)pad_h / 2 : 0, pl = pad_w > 0 ? (size_t)pad_w / 2 : 0;
    int depthwise = cin == 0;
    size_t taps = depthwise ? 9 : 9 * cin;
    for (size_t oy = 0; oy < oh; oy++)
        for (size_t ox = 0; ox < ow; ox++)
            for (size_t co = 0; co < cout; co++) {
                double acc = b[co], sum_abs = fabs(b[co]);
                for (size_t ky = 0; ky < 3; ky++)
                    for (size_t kx = 0; kx < 3; kx++) {
                        long iy = (long)(oy * stride + ky) - (long)pt;
                        long ix = (long)(ox * stride + kx) - (long)pl;
                        if (iy < 0 || ix < 0 || iy >= (long)h || ix >= (long)wd)
                            continue;
                        const float *px = in + (size_t)iy * in_row + (size_t)ix * in_pix;
                        if (depthwise) {
                            double t = (double)px[co] * w[(ky * 3 + kx) * cout + co];
                            acc += t;
                            sum_abs += fabs(t);
                        } else {
                            for (size_t ci = 0; ci < cin; ci++) {
                                double t = (double)px[ci] * w[((ky * 3 + kx) * cin + ci) * cout + co];
                                acc += t;
                                sum_abs += fabs(t);
                            }
                        }
                    }
                check_close(out[oy * out_row + ox * out_pix + co], clampd(acc, lo, hi), sum_abs,
                            taps + 1, name, oy, ox, co);
            }
}

static void check_gaps(const char *name, const float *out, size_t oh, size_t ow, size_t out_row,
                       size_t out_pix, size_t c)
{
    for (size_t oy = 0; oy < oh; oy++) {
        for (size_t ox = 0; ox < ow; ox++)
            for (size_t g = c; g < out_pix; g++)
                ck_assert_msg(out[oy * out_row + ox * out_pix + g] == SENTINEL,
                              "%s wrote into the pixel stride gap", name);
        for (size_t g = ow * out_pix; g < out_row; g++)
            ck_assert_msg(out[oy * out_row + g] == SENTINEL, "%s wrote into the row gap", name);
    }
}

static void run_dwconv(const char *name, orc_f32_dwconv3x3_ukernel *run,
                       orc_f32_dwconv3x3_pack_fn *pack, size_t c, size_t h, size_t wd,
                       size_t stride, int relu6, int pad)
{
    size_t in_pix = c + (pad ? 1 : 0), in_row = wd * in_pix + (pad ? 3 : 0);
    size_t oh = orc_conv3x3_output_size(h, stride), ow = orc_conv3x3_output_size(wd, stride);
    size_t out_pix = c + (pad ? 2 : 0), out_row = ow * out_pix + (pad ? 4 : 0);
    float *w = rnd_buffer(9 * c), *b = rnd_buffer(c), *in = rnd_buffer(h * in_row);
    float *out = sentinel_buffer(oh * out_row), *out2 = sentinel_buffer(oh * out_row);
    size_t np = pack(c, w, b, NULL);
    float *packed = packed_buffer(np);
    ck_assert_uint_eq(pack(c, w, b, packed), np);
    orc_f32_dwconv3x3_args a = {
        .input = in, .input_height = h, .input_width = wd, .channels = c,
        .input_row_stride = in_row, .input_pixel_stride = in_pix, .output = out,
        .output_width = ow, .output_row_stride = out_row, .output_pixel_stride = out_pix,
        .stride = stride, .pad_top = orc_conv3x3_pad_before(h, stride),
        .pad_left = orc_conv3x3_pad_before(wd, stride), .packed = packed,
        .output_min = relu6 ? 0.0f : -INFINITY, .output_max = relu6 ? 6.0f : INFINITY};
    run(&a, 0, oh);
    conv_oracle_check(name, in, h, wd, in_row, in_pix, 0, c, w, b, stride, out, out_row, out_pix,
                      a.output_min, a.output_max);
    check_gaps(name, out, oh, ow, out_row, out_pix, c);
    a.output = out2;
    for (size_t y = oh; y > 0; y--) /* one row at a time, backwards */
        run(&a, y - 1, y);
    ck_assert_msg(memcmp(out, out2, oh * out_row * sizeof *out) == 0,
                  "%s: result depends on the row range split", name);
    free(w); free(b); free(in); free(out); free(out2); free(packed);
}

START_TEST(test_dwconv3x3)
{
#define ORC_KERNEL(isa, ukernel, pack)                                                          \
    if (!orc_isa_supported(isa)) {                                                            \
        fprintf(stderr, "test_kernels: skipping %s: this CPU/build lacks %s\n", #ukernel,      \
                orc_isa_name(isa));                                                          \
    } else {                                                                                  \
        for (size_t i = 0; i < NSWEEP; i++)                                                  \
            for (size_t s = 0; s < NSPATIAL; s++)                                            \
                for (size_t stride = 1; stride <= 2; stride++)                               \
                    run_dwconv(#ukernel, ukernel, pack, channel_sweep[i], spatial_sweep[s][0], \
                               spatial_sweep[s][1], stride, (i + s) % 2 == 0, (s + stride) % 2); \
        run_dwconv(#ukernel, ukernel, pack, 32, 112, 112, 1, 1, 0);                          \
        run_dwconv(#ukernel, ukernel, pack, 96, 112, 112, 2, 1, 0);                          \
    }
#include "dwconv3x3/dwconv3x3.inc"
#undef ORC_KERNEL
}
END_TEST

static void run_conv3x3(const char *name, orc_f32_conv3x3_ukernel *run,
                        orc_f32_conv3x3_pack_fn *pack, size_t cin, size_t cout, size_t h,
                        size_t wd, size_t stride, int relu6, int pad)
{
    size_t in_pix = cin + (pad ? 1 : 0), in_row = wd * in_pix + (pad ? 2 : 0);
    size_t oh = orc_conv3x3_output_size(h, stride), ow = orc_conv3x3_output_size(wd, stride);
    size_t out_pix = cout + (pad ? 3 : 0), out_row = ow * out_pix + (pad ? 1 : 0);
    float *w = rnd_buffer(9 * cin * cout), *b = rnd_buffer(cout), *in = rnd_buffer(h * in_row);
    float *out = sentinel_buffer(oh * out_row), *out2 = sentinel_buffer(oh * out_row);
    size_t np = pack(cin, cout, w, b, NULL);
    float *packed = packed_buffer(np);
    ck_assert_uint_eq(pack(cin, cout, w, b, packed), np);
    orc_f32_conv3x3_args a = {
        .input = in, .input_height = h, .input_width = wd, .input_channels = cin,
        .input_row_stride = in_row, .input_pixel_stride = in_pix, .output = out,
        .output_width = ow, .output_channels = cout, .output_row_stride = out_row,
        .output_pixel_stride = out_pix, .stride = stride,
        .pad_top = orc_conv3x3_pad_before(h, stride),
        .pad_left = orc_conv3x3_pad_before(wd, stride), .packed = packed,
        .output_min = relu6 ? 0.0f : -INFINITY, .output_max = relu6 ? 6.0f : INFINITY};
    run(&a, 0, oh);
    conv_oracle_check(name, in, h, wd, in_row, in_pix, cin, cout, w, b, stride, out, out_row,
                      out_pix, a.output_min, a.output_max);
    check_gaps(name, out, oh, ow, out_row, out_pix, cout);
    a.output = out2;
    size_t mid = oh / 2;
    run(&a, mid, oh);
    run(&a, 0, mid);
    ck_assert_msg(memcmp(out, out2, oh * out_row * sizeof *out) == 0,
                  "%s: result depends on the row range split", name);
    free(w); free(b); free(in); free(out); free(out2); free(packed);
}

START_TEST(test_conv3x3)
{
    static const size_t cins[] = {1, 3, 8, 17};
#define ORC_KERNEL(isa, ukernel, pack)                                                          \
    if (!orc_isa_supported(isa)) {                                                            \
        fprintf(stderr, "test_kernels: skipping %s: this CPU/build lacks %s\n", #ukernel,      \
                orc_isa_name(isa));                                                          \
    } else {                                                                                  \
        for (size_t i = 0; i < 4; i++)                                                       \
            for (size_t j = 0; j < NSWEEP; j++)                                              \
                for (size_t s = 0; s < NSPATIAL; s += (channel_sweep[j] > 100 ? 2 : 1))      \
                    for (size_t stride = 1; stride <= 2; stride++)                           \
                        run_conv3x3(#ukernel, ukernel, pack, cins[i], channel_sweep[j],       \
                                    spatial_sweep[s][0], spatial_sweep[s][1], stride,         \
                                    (i + j + s) % 2, (j + stride) % 2);                       \
        run_conv3x3(#ukernel, ukernel, pack, 3, 32, 224, 224, 2, 1, 0);                      \
    }
#include "conv3x3/conv3x3.inc"
#undef ORC_KERNEL
}
END_TEST

/* ---- gavgpool ------------------------------------------------------------------------------ */

START_TEST(test_gavgpool)
{
    static const size_t pixel_sweep[] = {1, 2, 7, 49};
#define ORC_KERNEL(isa, ukernel)                                                                \
    if (!orc_isa_supported(isa)) {                                                            \
        fprintf(stderr, "test_kernels: skipping %s: this CPU/build lacks %s\n", #ukernel,      \
                orc_isa_name(isa));                                                          \
    } else {                                                                                  \
        for (size_t i = 0; i < NSWEEP; i++)                                                  \
            for (size_t p = 0; p < 4; p++) {                                                 \
                size_t c = channel_sweep[i], np = pixel_sweep[p], st = c + (p % 2) * 3;      \
                float *in = rnd_buffer(np * st), *out = sentinel_buffer(c + 1);               \
                float *out2 = sentinel_buffer(c + 1);                                         \
                orc_f32_gavgpool_args a = {.pixels = np, .channels = c, .input = in,          \
                                           .input_stride = st, .output = out};                \
                ukernel(&a, 0, c);                                                           \
                for (size_t k = 0; k < c; k++) {                                             \
                    double sum = 0, sum_abs = 0;                                             \
                    for (size_t q = 0; q < np; q++) {                                        \
                        sum += in[q * st + k];                                               \
                        sum_abs += fabs(in[q * st + k]);                                     \
                    }                                                                         \
                    check_close(out[k], sum / (double)np, sum_abs / (double)np, np + 1,       \
                                #ukernel, np, c, k);                                         \
                }                                                                             \
                ck_assert_msg(out[c] == SENTINEL, "%s wrote past the channels", #ukernel);  \
                a.output = out2;                                                              \
                ukernel(&a, c / 3, c);                                                       \
                ukernel(&a, 0, c / 3);                                                       \
                ck_assert_msg(memcmp(out, out2, (c + 1) * sizeof *out) == 0,                 \
                              "%s: result depends on the channel range split", #ukernel);   \
                free(in); free(out); free(out2);                                             \
            }                                                                                 \
    }
#include "gavgpool/gavgpool.inc"
#undef ORC_KERNEL
}
END_TEST

START_TEST(test_dispatch)
{
    orc_kernels k;
    orc_error err;
    ck_assert_int_eq(orc_kernels_select(ORC_ISA_SCALAR, &k, &err), ORC_OK);
    ck_assert_int_eq(k.pwconv.isa, ORC_ISA_SCALAR);
    ck_assert(k.conv3x3.run != NULL);
    ck_assert(k.dwconv3x3.pack != NULL);
    ck_assert_int_eq(orc_kernels_select(orc_isa_best(), &k, &err), ORC_OK);
    for (int i = 0; i < ORC_ISA_COUNT; i++) {
        orc_status st = orc_kernels_select((orc_isa)i, &k, &err);
        if (orc_isa_supported((orc_isa)i)) {
            ck_assert_int_eq(st, ORC_OK);
        } else {
            ck_assert_int_eq(st, ORC_ERR_UNSUPPORTED);
            ck_assert_ptr_nonnull(strstr(err.msg, orc_isa_name((orc_isa)i)));
        }
    }
    orc_isa isa;
    ck_assert_int_eq(orc_isa_parse("avx2", &isa, &err), ORC_OK);
    ck_assert_int_eq(isa, ORC_ISA_AVX2);
    ck_assert_int_eq(orc_isa_parse("sse9", &isa, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "sse9"));
    ck_assert(orc_isa_fits(ORC_ISA_SCALAR, ORC_ISA_NEON));
    ck_assert(orc_isa_fits(ORC_ISA_AVX2, ORC_ISA_AVX512));
    ck_assert(!orc_isa_fits(ORC_ISA_AVX512, ORC_ISA_AVX2));
    ck_assert(!orc_isa_fits(ORC_ISA_NEON, ORC_ISA_AVX512));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("kernels");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_pwconv);
    tcase_add_test(tc, test_dwconv3x3);
    tcase_add_test(tc, test_conv3x3);
    tcase_add_test(tc, test_gavgpool);
    tcase_add_test(tc, test_dispatch);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
