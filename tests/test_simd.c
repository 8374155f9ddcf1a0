/* test_simd.c -- every SIMD kernel variant against the scalar one (kernels/<op>/<op>.inc):
 * channel counts around the vector widths (1, 7, 8, 9, 15, 16, 17, 31, 33) and every
 * MobileNetV2 1.0/224 layer shape, tolerance scaled with the accumulation length; a variant
 * this CPU lacks is skipped with a message. Also the ISA choice: ORCHARD_ISA / --isa parsing,
 * refusal of an ISA the CPU lacks, widest-variant dispatch. */
#include "check_main.h"
#include "dispatch.h"

#include <math.h>
#include <stdint.h>

static const size_t sweep[] = {1, 7, 8, 9, 15, 16, 17, 31, 33};
#define NSWEEP (sizeof sweep / sizeof sweep[0])
#define UNIT_ROUNDOFF (1.0 / 16777216.0)

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static float *rnd_buffer(size_t n) /* uniform in [-1, 1) */
{
    float *b = malloc((n ? n : 1) * sizeof *b);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < n; i++) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        b[i] = (float)((double)(rng >> 11) / 9007199254740992.0 * 2.0 - 1.0);
    }
    return b;
}

static float *packed_buffer(size_t floats)
{
    void *p = NULL;
    ck_assert_int_eq(posix_memalign(&p, 64, (floats ? floats : 1) * sizeof(float)), 0);
    return p;
}

/* both results are within n * u * sum_abs of the exact value, so of each other within twice */
static void check_pair(const char *name, const float *got, const float *want,
                       const float *sum_abs, size_t count, size_t terms, const char *shape)
{
    for (size_t i = 0; i < count; i++) {
        double tol = 2.0 * (double)(terms + 3) * UNIT_ROUNDOFF * sum_abs[i] + 1e-30;
        if (!(fabs((double)got[i] - (double)want[i]) <= tol))
            ck_abort_msg("%s %s: element %zu: got %.9g, scalar %.9g (tol %.3g)", name, shape, i,
                         (double)got[i], (double)want[i], tol);
    }
}

#define SKIP_MSG(isa, ukernel)                                                                  \
    fprintf(stderr, "test_simd: skipping %s: this CPU/build lacks %s\n", #ukernel,            \
            orc_isa_name(isa))

/* ---- pwconv ------------------------------------------------------------------------------ */

typedef struct pw_case {
    size_t pixels, cin, cout;
    int relu6, residual;
} pw_case;

static void pw_compare(const char *name, orc_f32_pwconv_ukernel *run,
                       orc_f32_pwconv_pack_fn *pack, pw_case c)
{
    const size_t p = c.pixels, cin = c.cin, cout = c.cout;
    float *w = rnd_buffer(cin * cout), *b = rnd_buffer(cout), *in = rnd_buffer(p * cin);
    float *res = rnd_buffer(p * cout), *want = rnd_buffer(p * cout), *got = rnd_buffer(p * cout);
    float *sum_abs = malloc(p * cout * sizeof *sum_abs);
    ck_assert_ptr_nonnull(sum_abs);
    float *ps = packed_buffer(orc_f32_pwconv_pack__scalar(cin, cout, w, b, NULL));
    float *pv = packed_buffer(pack(cin, cout, w, b, NULL));
    orc_f32_pwconv_pack__scalar(cin, cout, w, b, ps);
    pack(cin, cout, w, b, pv);
    orc_f32_pwconv_args a = {.input_channels = cin, .output_channels = cout, .input = in,
                             .input_stride = cin, .packed = ps,
                             .residual = c.residual ? res : NULL, .residual_stride = cout,
                             .output = want, .output_stride = cout,
                             .output_min = c.relu6 ? 0.0f : -INFINITY,
                             .output_max = c.relu6 ? 6.0f : INFINITY};
    orc_f32_pwconv_minmax__scalar(&a, 0, p);
    a.packed = pv;
    a.output = got;
    run(&a, 0, p);
    /* sum of |terms|: |bias| + |x|.|w| (+ |residual|) */
    for (size_t i = 0; i < p; i++)
        for (size_t co = 0; co < cout; co++)
            sum_abs[i * cout + co] = fabsf(b[co]) + (c.residual ? fabsf(res[i * cout + co]) : 0);
    for (size_t i = 0; i < p; i++)
        for (size_t ci = 0; ci < cin; ci++) {
            const float x = fabsf(in[i * cin + ci]);
            for (size_t co = 0; co < cout; co++)
                sum_abs[i * cout + co] += x * fabsf(w[ci * cout + co]);
        }
    char shape[96];
    snprintf(shape, sizeof shape, "pixels %zu cin %zu cout %zu relu6 %d residual %d", p, cin,
             cout, c.relu6, c.residual);
    check_pair(name, got, want, sum_abs, p * cout, cin + 1, shape);
    free(w); free(b); free(in); free(res); free(want); free(got); free(sum_abs);
    free(ps); free(pv);
}

/* the 1x1 layers of MobileNetV2 1.0/224: (pixels, cin, cout, relu6, residual) */
static size_t mobilenet_pw(pw_case *out)
{
    static const size_t blocks[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2},
                                        {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2},
                                        {6, 320, 1, 1}};
    size_t n = 0, h = 112, c = 32;
    for (size_t bi = 0; bi < 7; bi++)
        for (size_t r = 0; r < blocks[bi][2]; r++) {
            size_t t = blocks[bi][0], co = blocks[bi][1], s = r == 0 ? blocks[bi][3] : 1;
            if (t != 1)
                out[n++] = (pw_case){h * h, c, c * t, 1, 0};
            size_t oh = s == 1 ? h : (h + 1) / 2;
            out[n++] = (pw_case){oh * oh, c * t, co, 0, s == 1 && c == co};
            h = oh;
            c = co;
        }
    out[n++] = (pw_case){h * h, c, 1280, 1, 0};
    return n;
}

START_TEST(test_pwconv_sweep)
{
    int k = 0;
#define ORC_KERNEL(isa, ukernel, pack)                                                          \
    if (isa != ORC_ISA_SCALAR) {                                                               \
        if (!orc_isa_supported(isa)) {                                                         \
            SKIP_MSG(isa, ukernel);                                                            \
        } else {                                                                               \
            for (size_t i = 0; i < NSWEEP; i++)                                                \
                for (size_t j = 0; j < NSWEEP; j++, k++)                                       \
                    pw_compare(#ukernel, ukernel, pack,                                        \
                               (pw_case){1 + (size_t)k % 31, sweep[i], sweep[j], k % 2,        \
                                         (k / 2) % 2});                                        \
        }                                                                                      \
    }
#include "pwconv/pwconv.inc"
#undef ORC_KERNEL
}
END_TEST

START_TEST(test_pwconv_mobilenet)
{
    pw_case cases[64];
    size_t n = mobilenet_pw(cases);
    ck_assert_uint_eq(n, 34);
#define ORC_KERNEL(isa, ukernel, pack)                                                          \
    if (isa != ORC_ISA_SCALAR) {                                                               \
        if (!orc_isa_supported(isa))                                                           \
            SKIP_MSG(isa, ukernel);                                                            \
        else                                                                                   \
            for (size_t i = 0; i < n; i++)                                                     \
                pw_compare(#ukernel, ukernel, pack, cases[i]);                                 \
    }
#include "pwconv/pwconv.inc"
#undef ORC_KERNEL
}
END_TEST

/* ---- dwconv3x3 --------------------------------------------------------------------------- */

static void dw_compare(const char *name, orc_f32_dwconv3x3_ukernel *run,
                       orc_f32_dwconv3x3_pack_fn *pack, size_t h, size_t w, size_t ch,
                       size_t stride)
{
    size_t oh = orc_conv3x3_output_size(h, stride), ow = orc_conv3x3_output_size(w, stride);
    size_t pt = orc_conv3x3_pad_before(h, stride), pl = orc_conv3x3_pad_before(w, stride);
    float *wt = rnd_buffer(9 * ch), *b = rnd_buffer(ch), *in = rnd_buffer(h * w * ch);
    float *want = rnd_buffer(oh * ow * ch), *got = rnd_buffer(oh * ow * ch);
    float *sum_abs = malloc(oh * ow * ch * sizeof *sum_abs);
    ck_assert_ptr_nonnull(sum_abs);
    float *ps = packed_buffer(orc_f32_dwconv3x3_pack__scalar(ch, wt, b, NULL));
    float *pv = packed_buffer(pack(ch, wt, b, NULL));
    orc_f32_dwconv3x3_pack__scalar(ch, wt, b, ps);
    pack(ch, wt, b, pv);
    orc_f32_dwconv3x3_args a = {
        .input = in, .input_height = h, .input_width = w, .channels = ch,
        .input_row_stride = w * ch, .input_pixel_stride = ch, .output = want,
        .output_width = ow, .output_row_stride = ow * ch, .output_pixel_stride = ch,
        .stride = stride, .pad_top = pt, .pad_left = pl, .packed = ps, .output_min = -INFINITY,
        .output_max = INFINITY};
    orc_f32_dwconv3x3_minmax__scalar(&a, 0, oh);
    a.packed = pv;
    a.output = got;
    run(&a, 0, oh);
    for (size_t oy = 0; oy < oh; oy++)
        for (size_t ox = 0; ox < ow; ox++)
            for (size_t c = 0; c < ch; c++) {
                float s = fabsf(b[c]);
                for (size_t ky = 0; ky < 3; ky++)
                    for (size_t kx = 0; kx < 3; kx++) {
                        size_t iy = oy * stride + ky, ix = ox * stride + kx;
                        if (iy >= pt && iy - pt < h && ix >= pl && ix - pl < w)
                            s += fabsf(in[((iy - pt) * w + ix - pl) * ch + c] *
                                       wt[(ky * 3 + kx) * ch + c]);
                    }
                sum_abs[(oy * ow + ox) * ch + c] = s;
            }
    char shape[96];
    snprintf(shape, sizeof shape, "input %zux%zu channels %zu stride %zu", h, w, ch, stride);
    check_pair(name, got, want, sum_abs, oh * ow * ch, 10, shape);
    free(wt); free(b); free(in); free(want); free(got); free(sum_abs); free(ps); free(pv);
}

START_TEST(test_dwconv3x3)
{
    /* MobileNetV2 depthwise layers: (input size, channels, stride) */
    static const size_t mn[][3] = {{112, 32, 1}, {112, 96, 2}, {56, 144, 1}, {56, 144, 2},
                                   {28, 192, 1}, {28, 192, 2}, {14, 384, 1}, {14, 576, 1},
                                   {14, 576, 2}, {7, 960, 1}};
    /* widths up to 23: several pixel groups of the stride-1 path, with a remainder */
    static const size_t sizes[][2] = {{1, 1}, {2, 3}, {5, 5}, {6, 7}, {9, 12}, {4, 23}};
#define ORC_KERNEL(isa, ukernel, pack)                                                          \
    if (isa != ORC_ISA_SCALAR) {                                                               \
        if (!orc_isa_supported(isa)) {                                                         \
            SKIP_MSG(isa, ukernel);                                                            \
        } else {                                                                               \
            for (size_t i = 0; i < NSWEEP; i++)                                                \
                for (size_t z = 0; z < 6; z++)                                                 \
                    for (size_t s = 1; s <= 2; s++)                                            \
                        dw_compare(#ukernel, ukernel, pack, sizes[z][0], sizes[z][1], sweep[i], s); \
            for (size_t i = 0; i < sizeof mn / sizeof mn[0]; i++)                              \
                dw_compare(#ukernel, ukernel, pack, mn[i][0], mn[i][0], mn[i][1], mn[i][2]);   \
        }                                                                                      \
    }
#include "dwconv3x3/dwconv3x3.inc"
#undef ORC_KERNEL
}
END_TEST

/* ---- conv3x3 ----------------------------------------------------------------------------- */

static void c3_compare(const char *name, orc_f32_conv3x3_ukernel *run,
                       orc_f32_conv3x3_pack_fn *pack, size_t h, size_t w, size_t cin,
                       size_t cout, size_t stride)
{
    size_t oh = orc_conv3x3_output_size(h, stride), ow = orc_conv3x3_output_size(w, stride);
    size_t pt = orc_conv3x3_pad_before(h, stride), pl = orc_conv3x3_pad_before(w, stride);
    float *wt = rnd_buffer(9 * cin * cout), *b = rnd_buffer(cout), *in = rnd_buffer(h * w * cin);
    float *want = rnd_buffer(oh * ow * cout), *got = rnd_buffer(oh * ow * cout);
    float *sum_abs = malloc(oh * ow * cout * sizeof *sum_abs);
    ck_assert_ptr_nonnull(sum_abs);
    float *ps = packed_buffer(orc_f32_conv3x3_pack__scalar(cin, cout, wt, b, NULL));
    float *pv = packed_buffer(pack(cin, cout, wt, b, NULL));
    orc_f32_conv3x3_pack__scalar(cin, cout, wt, b, ps);
    pack(cin, cout, wt, b, pv);
    orc_f32_conv3x3_args a = {
        .input = in, .input_height = h, .input_width = w, .input_channels = cin,
        .input_row_stride = w * cin, .input_pixel_stride = cin, .output = want,
        .output_width = ow, .output_channels = cout, .output_row_stride = ow * cout,
        .output_pixel_stride = cout, .stride = stride, .pad_top = pt, .pad_left = pl,
        .packed = ps, .output_min = 0.0f, .output_max = 6.0f};
    orc_f32_conv3x3_minmax__scalar(&a, 0, oh);
    a.packed = pv;
    a.output = got;
    run(&a, 0, oh);
    for (size_t oy = 0; oy < oh; oy++)
        for (size_t ox = 0; ox < ow; ox++)
            for (size_t co = 0; co < cout; co++) {
                float s = fabsf(b[co]);
                for (size_t ky = 0; ky < 3; ky++)
                    for (size_t kx = 0; kx < 3; kx++) {
                        size_t iy = oy * stride + ky, ix = ox * stride + kx;
                        if (iy < pt || iy - pt >= h || ix < pl || ix - pl >= w)
                            continue;
                        for (size_t ci = 0; ci < cin; ci++)
                            s += fabsf(in[((iy - pt) * w + ix - pl) * cin + ci] *
                                       wt[((ky * 3 + kx) * cin + ci) * cout + co]);
                    }
                sum_abs[(oy * ow + ox) * cout + co] = s;
            }
    char shape[96];
    snprintf(shape, sizeof shape, "input %zux%zux%zu cout %zu stride %zu", h, w, cin, cout,
             stride);
    check_pair(name, got, want, sum_abs, oh * ow * cout, 9 * cin + 1, shape);
    free(wt); free(b); free(in); free(want); free(got); free(sum_abs); free(ps); free(pv);
}

START_TEST(test_conv3x3)
{
    static const size_t sizes[][2] = {{1, 1}, {3, 2}, {7, 7}, {8, 21}, {17, 40}};
    static const size_t cins[] = {1, 3, 8};
#define ORC_KERNEL(isa, ukernel, pack)                                                          \
    if (isa != ORC_ISA_SCALAR) {                                                               \
        if (!orc_isa_supported(isa)) {                                                         \
            SKIP_MSG(isa, ukernel);                                                            \
        } else {                                                                               \
            for (size_t i = 0; i < NSWEEP; i++)                                                \
                for (size_t z = 0; z < 5; z++)                                                 \
                    for (size_t s = 1; s <= 2; s++)                                            \
                        c3_compare(#ukernel, ukernel, pack, sizes[z][0], sizes[z][1],          \
                                   cins[(i + z) % 3], sweep[i], s);                            \
            c3_compare(#ukernel, ukernel, pack, 224, 224, 3, 32, 2); /* MobileNetV2 Conv1 */   \
        }                                                                                      \
    }
#include "conv3x3/conv3x3.inc"
#undef ORC_KERNEL
}
END_TEST

/* ---- gavgpool ---------------------------------------------------------------------------- */

START_TEST(test_gavgpool)
{
    static const size_t pixels[] = {1, 7, 49};
#define ORC_KERNEL(isa, ukernel)                                                                \
    if (isa != ORC_ISA_SCALAR) {                                                               \
        if (!orc_isa_supported(isa)) {                                                         \
            SKIP_MSG(isa, ukernel);                                                            \
        } else {                                                                               \
            for (size_t i = 0; i <= NSWEEP; i++)                                               \
                for (size_t z = 0; z < 3; z++) {                                               \
                    size_t ch = i < NSWEEP ? sweep[i] : 1280, stride = ch + z;                  \
                    float *in = rnd_buffer(pixels[z] * stride);                                \
                    float *want = rnd_buffer(ch), *got = rnd_buffer(ch);                       \
                    orc_f32_gavgpool_args a = {.pixels = pixels[z], .channels = ch,            \
                                               .input = in, .input_stride = stride,            \
                                               .output = want};                                \
                    size_t begin = ch > 3 ? 3 : 0;                                             \
                    orc_f32_gavgpool__scalar(&a, begin, ch);                                   \
                    a.output = got;                                                            \
                    ukernel(&a, begin, ch);                                                    \
                    /* same summation order as the scalar variant: bitwise equal */            \
                    ck_assert_msg(memcmp(want + begin, got + begin,                            \
                                         (ch - begin) * sizeof *got) == 0,                     \
                                  "%s: pixels %zu channels %zu differs from scalar", #ukernel, \
                                  pixels[z], ch);                                              \
                    free(in); free(want); free(got);                                           \
                }                                                                              \
        }                                                                                      \
    }
#include "gavgpool/gavgpool.inc"
#undef ORC_KERNEL
}
END_TEST

/* ---- ISA choice -------------------------------------------------------------------------- */

START_TEST(test_isa_choice)
{
    orc_error err;
    orc_isa isa;
    unsetenv("ORCHARD_ISA");
    ck_assert_int_eq(orc_isa_choose(NULL, "--isa", &isa, &err), ORC_OK);
    ck_assert_int_eq(isa, orc_isa_best());
    ck_assert_int_eq(orc_isa_choose("scalar", "--isa", &isa, &err), ORC_OK);
    ck_assert_int_eq(isa, ORC_ISA_SCALAR);
    ck_assert_int_eq(orc_isa_choose("sse9", "--isa", &isa, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(err.msg, "--isa") && strstr(err.msg, "sse9"), "%s", err.msg);
    setenv("ORCHARD_ISA", "scalar", 1);
    ck_assert_int_eq(orc_isa_choose(NULL, "--isa", &isa, &err), ORC_OK);
    ck_assert_int_eq(isa, ORC_ISA_SCALAR);
    ck_assert_int_eq(orc_isa_choose("auto", "--isa", &isa, &err), ORC_OK); /* option wins */
    ck_assert_int_eq(isa, orc_isa_best());
    setenv("ORCHARD_ISA", "bogus", 1);
    ck_assert_int_eq(orc_isa_choose(NULL, "--isa", &isa, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(err.msg, "ORCHARD_ISA") && strstr(err.msg, "bogus"), "%s", err.msg);
    unsetenv("ORCHARD_ISA");
    /* every ISA: supported ones are chosen and dispatch to themselves; others are refused by
     * name (never run: that would be SIGILL) */
    for (int i = 0; i < ORC_ISA_COUNT; i++) {
        orc_status st = orc_isa_choose(orc_isa_name((orc_isa)i), "--isa", &isa, &err);
        orc_kernels k;
        if (orc_isa_supported((orc_isa)i)) {
            ck_assert_int_eq(st, ORC_OK);
            ck_assert_int_eq(orc_kernels_select((orc_isa)i, &k, &err), ORC_OK);
            ck_assert_int_eq(k.pwconv.isa, i);
            ck_assert_int_eq(k.dwconv3x3.isa, i);
            ck_assert_int_eq(k.conv3x3.isa, i);
            ck_assert_int_eq(k.gavgpool.isa, i);
            ck_assert_ptr_nonnull(strstr(k.pwconv.name, orc_isa_name((orc_isa)i)));
        } else {
            ck_assert_int_eq(st, ORC_ERR_UNSUPPORTED);
            ck_assert_msg(strstr(err.msg, orc_isa_name((orc_isa)i)) != NULL, "%s", err.msg);
            ck_assert_int_eq(orc_kernels_select((orc_isa)i, &k, &err), ORC_ERR_UNSUPPORTED);
        }
    }
#if ORC_ARCH_X86_64
    /* what the probe found agrees with the compiler's view of this CPU */
    __builtin_cpu_init();
    ck_assert_int_eq(orc_isa_supported(ORC_ISA_AVX2) != 0,
                     __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));
    if (orc_isa_supported(ORC_ISA_AVX512))
        ck_assert(__builtin_cpu_supports("avx512f"));
    ck_assert(!orc_isa_supported(ORC_ISA_NEON));
#endif
#if ORC_ARCH_AARCH64
    ck_assert(orc_isa_supported(ORC_ISA_NEON));
    ck_assert_int_eq(orc_isa_best(), ORC_ISA_NEON);
#endif
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("simd");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_pwconv_sweep);
    tcase_add_test(tc, test_pwconv_mobilenet);
    tcase_add_test(tc, test_dwconv3x3);
    tcase_add_test(tc, test_conv3x3);
    tcase_add_test(tc, test_gavgpool);
    tcase_add_test(tc, test_isa_choice);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
