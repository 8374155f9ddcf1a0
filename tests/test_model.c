/* test_model.c -- the whole forward pass on random MobileNetV2-shaped weights: against a naive
 * double-precision oracle written here from the Keras semantics, bitwise identity across
 * thread counts 1/2/3, batch sizes 1/5/32 and parallel modes (both for every ISA the CPU
 * has), uint8 vs float input, and the exact errors for bad graphs and bad calls. */
#include "check_main.h"
#include "model.h"

#include <math.h>
#include <stdatomic.h>

/* ---- a MobileNetV2 layer list (Keras applications/mobilenet_v2.py) with random weights ----- */

typedef struct net {
    orc_weights_info info;
    orc_layer layers[64];
    float *mem[128];
    size_t nmem;
} net;

static uint64_t rng = 88172645463325252ull;
static double urand(void) /* [-1, 1) */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

static size_t make_divisible(double v)
{
    size_t nv = (size_t)(v + 4.0) / 8 * 8;
    if (nv < 8)
        nv = 8;
    if ((double)nv < 0.9 * v)
        nv += 8;
    return nv;
}

static void add_layer(net *n, orc_layer_kind kind, size_t stride, size_t cin, size_t cout,
                      int relu6, int residual_from, const char *name)
{
    orc_layer *l = &n->layers[n->info.layer_count++];
    size_t taps = kind == ORC_LAYER_CONV3X3 ? 9 * cin : (kind == ORC_LAYER_DWCONV3X3 ? 9 : cin);
    size_t wn = kind == ORC_LAYER_CONV3X3 ? 9 * cin * cout
                : (kind == ORC_LAYER_DWCONV3X3 ? 9 * cout : cin * cout);
    float *w = malloc(wn * sizeof *w), *b = malloc(cout * sizeof *b);
    ck_assert(w != NULL && b != NULL);
    double scale = sqrt(3.0 / (double)taps) * (relu6 ? 1.5 : 1.0);
    for (size_t i = 0; i < wn; i++)
        w[i] = (float)(urand() * scale);
    for (size_t i = 0; i < cout; i++)
        b[i] = (float)(urand() * 0.2 + (relu6 ? 0.1 : 0.0));
    n->mem[n->nmem++] = w;
    n->mem[n->nmem++] = b;
    *l = (orc_layer){.kind = kind, .stride = (uint32_t)stride, .cin = (uint32_t)cin,
                     .cout = (uint32_t)cout, .relu6 = (uint32_t)relu6,
                     .residual_from = residual_from, .block = UINT32_MAX, .weight = w, .bias = b};
    snprintf(l->name, sizeof l->name, "%s", name);
}

static void make_net(net *n, double alpha, uint32_t input_size)
{
    static const size_t blocks[][4] = {/* filters, stride, expansion, repeats */
                                       {24, 2, 6, 2}, {32, 2, 6, 3}, {64, 2, 6, 4},
                                       {96, 1, 6, 3}, {160, 2, 6, 3}, {320, 1, 6, 1}};
    memset(n, 0, sizeof *n);
    n->info.alpha = (float)alpha;
    n->info.input_size = input_size;
    n->info.input_channels = 3;
    n->info.pre_scale = 1.0f / 127.5f;
    n->info.pre_offset = -1.0f;
    size_t c = make_divisible(32 * alpha);
    char name[48];
    add_layer(n, ORC_LAYER_CONV3X3, 2, 3, c, 1, -1, "Conv1");
    add_layer(n, ORC_LAYER_DWCONV3X3, 1, c, c, 1, -1, "expanded_conv_depthwise");
    size_t out = make_divisible(16 * alpha);
    add_layer(n, ORC_LAYER_CONV1X1, 1, c, out, 0, -1, "expanded_conv_project");
    c = out;
    int block = 1;
    for (size_t g = 0; g < 6; g++)
        for (size_t r = 0; r < blocks[g][3]; r++, block++) {
            size_t stride = r == 0 ? blocks[g][1] : 1, e = c * blocks[g][2];
            out = make_divisible((double)blocks[g][0] * alpha);
            int expand = (int)n->info.layer_count;
            snprintf(name, sizeof name, "block_%d_expand", block);
            add_layer(n, ORC_LAYER_CONV1X1, 1, c, e, 1, -1, name);
            snprintf(name, sizeof name, "block_%d_depthwise", block);
            add_layer(n, ORC_LAYER_DWCONV3X3, stride, e, e, 1, -1, name);
            snprintf(name, sizeof name, "block_%d_project", block);
            add_layer(n, ORC_LAYER_CONV1X1, 1, e, out, 0,
                      stride == 1 && c == out ? expand : -1, name);
            c = out;
        }
    size_t last = alpha > 1.0 ? make_divisible(1280 * alpha) : 1280;
    add_layer(n, ORC_LAYER_CONV1X1, 1, c, last, 1, -1, "Conv_1");
    n->info.feature_dim = (uint32_t)last;
}

static void free_net(net *n)
{
    for (size_t i = 0; i < n->nmem; i++)
        free(n->mem[i]);
}

/* ---- the oracle: Keras semantics in double, written independently of src/model.c ---------- */

static void oracle(const net *n, const uint8_t *img, double *features)
{
    size_t h = n->info.input_size, w = h, c = 3;
    double *x = malloc(h * w * c * sizeof *x);
    for (size_t i = 0; i < h * w * c; i++)
        x[i] = img[i] / 127.5 - 1.0;
    double *inputs[64] = {0}; /* each layer's input, kept for residuals */
    size_t n_layers = n->info.layer_count;
    for (size_t li = 0; li < n_layers; li++) {
        const orc_layer *l = &n->layers[li];
        inputs[li] = x;
        size_t s = l->stride ? l->stride : 1, oh = h, ow = w, co = l->cout;
        double *y;
        if (l->kind == ORC_LAYER_CONV1X1) {
            y = malloc(h * w * co * sizeof *y);
            for (size_t p = 0; p < h * w; p++)
                for (size_t o = 0; o < co; o++) {
                    double acc = l->bias[o];
                    for (size_t i = 0; i < c; i++)
                        acc += x[p * c + i] * l->weight[i * co + o];
                    y[p * co + o] = acc;
                }
        } else {
            /* ZeroPadding2D(correct_pad) for stride 2, "same" for stride 1, then valid conv */
            size_t top = s == 1 ? 1 : (h % 2 == 0 ? 0 : 1), left = s == 1 ? 1 : (w % 2 == 0 ? 0 : 1);
            size_t ph = h + top + 1, pw = w + left + 1;
            oh = (ph - 3) / s + 1;
            ow = (pw - 3) / s + 1;
            y = malloc(oh * ow * co * sizeof *y);
            for (size_t oy = 0; oy < oh; oy++)
                for (size_t ox = 0; ox < ow; ox++)
                    for (size_t o = 0; o < co; o++) {
                        double acc = l->bias[o];
                        for (size_t ky = 0; ky < 3; ky++)
                            for (size_t kx = 0; kx < 3; kx++) {
                                long iy = (long)(oy * s + ky) - (long)top;
                                long ix = (long)(ox * s + kx) - (long)left;
                                if (iy < 0 || ix < 0 || iy >= (long)h || ix >= (long)w)
                                    continue;
                                const double *px = x + ((size_t)iy * w + (size_t)ix) * c;
                                if (l->kind == ORC_LAYER_DWCONV3X3) {
                                    acc += px[o] * l->weight[(ky * 3 + kx) * co + o];
                                } else {
                                    for (size_t i = 0; i < c; i++)
                                        acc += px[i] * l->weight[((ky * 3 + kx) * c + i) * co + o];
                                }
                            }
                        y[(oy * ow + ox) * co + o] = acc;
                    }
        }
        for (size_t i = 0; i < oh * ow * co; i++) {
            if (l->relu6)
                y[i] = y[i] < 0 ? 0 : (y[i] > 6 ? 6 : y[i]);
            if (l->residual_from >= 0)
                y[i] += inputs[l->residual_from][i];
        }
        x = y;
        h = oh;
        w = ow;
        c = co;
    }
    for (size_t o = 0; o < c; o++) {
        double sum = 0;
        for (size_t p = 0; p < h * w; p++)
            sum += x[p * c + o];
        features[o] = sum / (double)(h * w);
    }
    for (size_t li = 0; li < n_layers; li++)
        free(inputs[li]);
    free(x);
}

static uint8_t *random_images(size_t count, size_t size)
{
    size_t nbytes = count * size * size * 3;
    uint8_t *img = malloc(nbytes);
    ck_assert_ptr_nonnull(img);
    for (size_t i = 0; i < nbytes; i++)
        img[i] = (uint8_t)((urand() + 1.0) * 128.0);
    return img;
}

/* the ISA the tests open models with; the oracle and identity tests loop over every ISA this
 * CPU supports (a variant the CPU lacks is reported as skipped) */
static orc_isa test_isa = ORC_ISA_SCALAR;

static int next_isa(int isa)
{
    for (isa++; isa < ORC_ISA_COUNT; isa++) {
        if (orc_isa_supported((orc_isa)isa))
            return isa;
        if ((isa == ORC_ISA_NEON) == (ORC_ARCH_AARCH64 != 0))
            fprintf(stderr, "test_model: skipping ISA %s: this CPU/build lacks it\n",
                    orc_isa_name((orc_isa)isa));
    }
    return isa;
}
#define FOR_EACH_ISA(isa) for (int isa = ORC_ISA_SCALAR; isa < ORC_ISA_COUNT; isa = next_isa(isa))

static orc_model *open_model(const net *n, size_t threads, size_t batch,
                             orc_model_parallelism mode)
{
    orc_model_options o;
    orc_model_options_default(&o);
    o.isa = test_isa;
    o.threads = threads;
    o.batch_capacity = batch;
    o.parallelism = mode;
    orc_model *m = NULL;
    orc_error err = {0};
    orc_status st = orc_model_open_layers(&n->info, n->layers, &o, &m, &err);
    ck_assert_msg(st == ORC_OK, "open: %s", err.msg);
    return m;
}

static void compare_oracle(double alpha, uint32_t size, size_t images)
{
    net n;
    make_net(&n, alpha, size);
    size_t fd = n.info.feature_dim;
    uint8_t *img = random_images(images, size);
    float *feat = malloc(images * fd * sizeof *feat);
    double *ref = malloc(images * fd * sizeof *ref);
    double max_ref = 0;
    for (size_t i = 0; i < images; i++) {
        oracle(&n, img + i * size * size * 3, ref + i * fd);
        for (size_t k = 0; k < fd; k++)
            max_ref = fabs(ref[i * fd + k]) > max_ref ? fabs(ref[i * fd + k]) : max_ref;
    }
    ck_assert_msg(max_ref > 0.1, "degenerate random network (features all ~0)");
    FOR_EACH_ISA(isa) {
        test_isa = (orc_isa)isa;
        orc_model *m = open_model(&n, 2, images, ORC_MODEL_AUTO);
        orc_error err;
        ck_assert_int_eq(orc_model_run(m, img, images, feat, &err), ORC_OK);
        double max_err = 0;
        for (size_t i = 0; i < images * fd; i++) {
            double e = fabs(feat[i] - ref[i]);
            max_err = e > max_err ? e : max_err;
        }
        fprintf(stderr, "test_model: alpha %.2f input %u isa %s: max |float - double| %.3g "
                        "(largest feature %.3g)\n", alpha, size, orc_isa_name(test_isa), max_err,
                max_ref);
        ck_assert_msg(max_err <= 1e-5 * (1.0 + max_ref), "isa %s: max error %.3g vs largest "
                      "feature %.3g", orc_isa_name(test_isa), max_err, max_ref);
        orc_model_close(m);
    }
    test_isa = ORC_ISA_SCALAR;
    free(img); free(feat); free(ref);
    free_net(&n);
}

START_TEST(test_oracle_small)
{
    compare_oracle(0.35, 64, 3);
    compare_oracle(0.5, 75, 1); /* odd sizes along the way: stride-2 padding on both sides */
}
END_TEST

START_TEST(test_oracle_full_size)
{
    compare_oracle(1.0, 224, 1);
}
END_TEST

/* for every ISA: the same features whatever the thread count, batch size or parallel mode */
static void check_bitwise_identity(void)
{
    net n;
    make_net(&n, 0.35, 64);
    size_t fd = n.info.feature_dim, px = 64 * 64 * 3;
    uint8_t *img = random_images(32, 64);
    float *ref = malloc(32 * fd * sizeof *ref), *got = malloc(32 * fd * sizeof *got);
    orc_error err;
    orc_model *m = open_model(&n, 1, 1, ORC_MODEL_AUTO);
    ck_assert_msg(strstr(orc_model_kernels_description(m), "; 0 fused blocks") == NULL,
                  "the 64x64 test network should have fused blocks: %s",
                  orc_model_kernels_description(m));
    for (size_t i = 0; i < 32; i++)
        ck_assert_int_eq(orc_model_run(m, img + i * px, 1, ref + i * fd, &err), ORC_OK);
    orc_model_close(m);
    static const size_t batches[] = {1, 5, 32};
    static const orc_model_parallelism modes[] = {ORC_MODEL_AUTO, ORC_MODEL_SPLIT,
                                                  ORC_MODEL_IMAGES};
    for (size_t threads = 1; threads <= 3; threads++)
        for (size_t mi = 0; mi < 3; mi++)
            for (size_t bi = 0; bi < 3; bi++) {
                size_t b = batches[bi];
                m = open_model(&n, threads, b, modes[mi]);
                memset(got, 0, 32 * fd * sizeof *got);
                for (size_t i = 0; i < 32; i += b)
                    ck_assert_int_eq(orc_model_run(m, img + i * px, 32 - i < b ? 32 - i : b,
                                                   got + i * fd, &err), ORC_OK);
                ck_assert_msg(memcmp(ref, got, 32 * fd * sizeof *got) == 0,
                              "isa %s threads %zu mode %d batch %zu differs from 1 thread "
                              "batch 1", orc_isa_name(test_isa), threads, (int)modes[mi], b);
                orc_model_close(m);
            }
    /* fused blocks (model.c) give bitwise the features of the layers run one by one */
    {
        orc_model_options o;
        orc_model_options_default(&o);
        o.isa = test_isa;
        o.threads = 2;
        o.batch_capacity = 5;
        o.unfused = 1;
        ck_assert_int_eq(orc_model_open_layers(&n.info, n.layers, &o, &m, &err), ORC_OK);
        ck_assert_ptr_nonnull(strstr(orc_model_kernels_description(m), "; 0 fused blocks"));
        ck_assert_int_eq(orc_model_run(m, img, 5, got, &err), ORC_OK);
        ck_assert_msg(memcmp(ref, got, 5 * fd * sizeof *got) == 0,
                      "isa %s: unfused layers differ from the fused blocks",
                      orc_isa_name(test_isa));
        orc_model_close(m);
    }
    /* float input gives bitwise the same features as uint8 input */
    float *imgf = malloc(5 * px * sizeof *imgf);
    for (size_t i = 0; i < 5 * px; i++)
        imgf[i] = img[i];
    m = open_model(&n, 2, 5, ORC_MODEL_AUTO);
    ck_assert_int_eq(orc_model_run_f32(m, imgf, 5, got, &err), ORC_OK);
    ck_assert(memcmp(ref, got, 5 * fd * sizeof *got) == 0);
    orc_model_close(m);
    free(imgf); free(img); free(ref); free(got);
    free_net(&n);
}

START_TEST(test_bitwise_identity)
{
    FOR_EACH_ISA(isa) {
        test_isa = (orc_isa)isa;
        check_bitwise_identity();
    }
    test_isa = ORC_ISA_SCALAR;
}
END_TEST

START_TEST(test_errors)
{
    net n;
    make_net(&n, 0.35, 64);
    orc_model_options o;
    orc_model_options_default(&o);
    orc_model *m = NULL;
    orc_error err;
    n.layers[7].cin += 1;
    ck_assert_int_eq(orc_model_open_layers(&n.info, n.layers, &o, &m, &err), ORC_ERR_FORMAT);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(err.msg, "layer 7 (block_2_depthwise)") != NULL, "%s", err.msg);
    n.layers[7].cin -= 1;
    n.layers[4].stride = 3;
    ck_assert_int_eq(orc_model_open_layers(&n.info, n.layers, &o, &m, &err), ORC_ERR_FORMAT);
    ck_assert_msg(strstr(err.msg, "stride 3") != NULL, "%s", err.msg);
    n.layers[4].stride = 2;
    n.layers[5].residual_from = 3; /* block_1 changes the shape: no residual possible */
    ck_assert_int_eq(orc_model_open_layers(&n.info, n.layers, &o, &m, &err), ORC_ERR_FORMAT);
    ck_assert_msg(strstr(err.msg, "residual_from 3") != NULL, "%s", err.msg);
    n.layers[5].residual_from = -1;
    n.info.feature_dim = 1000;
    ck_assert_int_eq(orc_model_open_layers(&n.info, n.layers, &o, &m, &err), ORC_ERR_FORMAT);
    ck_assert_msg(strstr(err.msg, "1280 channels") != NULL, "%s", err.msg);
    n.info.feature_dim = 1280;
    o.threads = 0;
    ck_assert_int_eq(orc_model_open_layers(&n.info, n.layers, &o, &m, &err),
                     ORC_ERR_INVALID_ARGUMENT);
    o.threads = 1;
    for (int isa = 0; isa < ORC_ISA_COUNT; isa++) {
        o.isa = (orc_isa)isa;
        orc_status st = orc_model_open_layers(&n.info, n.layers, &o, &m, &err);
        ck_assert_int_eq(st, orc_isa_supported(o.isa) ? ORC_OK : ORC_ERR_UNSUPPORTED);
        orc_model_close(m);
        m = NULL;
    }
    o.isa = ORC_ISA_SCALAR;
    o.batch_capacity = 2;
    ck_assert_int_eq(orc_model_open_layers(&n.info, n.layers, &o, &m, &err), ORC_OK);
    uint8_t img[3 * 64 * 64 * 3] = {0};
    float feat[3 * 1280];
    ck_assert_int_eq(orc_model_run(m, img, 3, feat, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(err.msg, "capacity") != NULL, "%s", err.msg);
    ck_assert_int_eq(orc_model_run(m, img, 2, feat, &err), ORC_OK);
    ck_assert_uint_eq(orc_model_feature_dim(m), 1280);
    ck_assert_uint_eq(orc_model_input_size(m), 64);
    orc_model_close(m);
    orc_model_close(NULL);
    free_net(&n);
}
END_TEST

/* Allocation counter: this binary's malloc family wraps glibc's and counts calls while
 * `counting` is set (not under ASan, which owns malloc there, nor in the static AArch64
 * build of tests/neon/check.h, whose libc.a defines malloc itself: the test then checks
 * nothing). */
#if defined(__SANITIZE_ADDRESS__) || defined(ORC_MINI_CHECK_H)
#define ORC_COUNT_ALLOCATIONS 0
#else
#define ORC_COUNT_ALLOCATIONS 1
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
static atomic_int counting;
static atomic_long allocations;
void *malloc(size_t size)
{
    if (atomic_load(&counting))
        atomic_fetch_add(&allocations, 1);
    return __libc_malloc(size);
}
void *calloc(size_t n, size_t size)
{
    if (atomic_load(&counting))
        atomic_fetch_add(&allocations, 1);
    return __libc_calloc(n, size);
}
void *realloc(void *p, size_t size)
{
    if (atomic_load(&counting))
        atomic_fetch_add(&allocations, 1);
    return __libc_realloc(p, size);
}
int posix_memalign(void **out, size_t alignment, size_t size)
{
    if (atomic_load(&counting))
        atomic_fetch_add(&allocations, 1);
    void *p = __libc_memalign(alignment, size);
    if (p == NULL)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}
#endif

START_TEST(test_run_does_not_allocate)
{
#if ORC_COUNT_ALLOCATIONS
    net n;
    make_net(&n, 0.35, 64);
    size_t px = 64 * 64 * 3, fd = n.info.feature_dim;
    uint8_t *img = random_images(5, 64);
    float *feat = malloc(5 * fd * sizeof *feat);
    orc_error err;
    static const orc_model_parallelism modes[] = {ORC_MODEL_SPLIT, ORC_MODEL_IMAGES,
                                                  ORC_MODEL_AUTO};
    for (size_t mi = 0; mi < 3; mi++) {
        atomic_store(&allocations, 0);
        atomic_store(&counting, 1);
        orc_model *m = open_model(&n, 2, 5, modes[mi]);
        atomic_store(&counting, 0);
        ck_assert_int_gt(atomic_load(&allocations), 0); /* the counter works: open allocates */
        atomic_store(&allocations, 0);
        atomic_store(&counting, 1);
        /* no ck_assert while counting: Check itself allocates to record the location */
        orc_status s1 = orc_model_run(m, img, 5, feat, &err);
        orc_status s2 = orc_model_run(m, img + px, 3, feat, &err);
        orc_status s3 = orc_model_run(m, img + 2 * px, 1, feat, &err);
        atomic_store(&counting, 0);
        ck_assert(s1 == ORC_OK && s2 == ORC_OK && s3 == ORC_OK);
        ck_assert_msg(atomic_load(&allocations) == 0, "mode %d: orc_model_run allocated %ld "
                      "times", (int)modes[mi], (long)atomic_load(&allocations));
        orc_model_close(m);
    }
    free(img);
    free(feat);
    free_net(&n);
#else
    fprintf(stderr, "test_model: allocation counting is off under ASan\n");
#endif
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_oracle_small);
    tcase_add_test(tc, test_oracle_full_size);
    tcase_add_test(tc, test_bitwise_identity);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_run_does_not_allocate);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
