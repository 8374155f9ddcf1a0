/* test_convert.c -- orchard-convert on synthetic Keras MobileNetV2 .h5 files written here with
 * the libhdf5 C API (Keras 2 legacy layout: root layer_names, per-layer weight_names, datasets
 * at <layer>/<layer>/<var>:0, fixed- or variable-length name strings).
 *
 * The test has its own model of Keras MobileNetV2 (channel counts per alpha, residual rule) and
 * its own double-precision BatchNorm fold, and checks the converted .orw against them. Broken
 * files (missing, extra, out-of-order layers, wrong shapes, channel counts of no Keras alpha,
 * NaN/Inf) must fail with exit status 1, a message naming the layer, and no output file.
 */
#include "check_main.h"
#include "weights.h"

#include <hdf5.h>
#include <math.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define N_CONV 52

typedef struct synth {
    double alpha;
    int var_strings;          /* names as variable-length strings (h5py's other style) */
    const char *omit;         /* layer left out entirely */
    const char *extra;        /* unknown layer with one weight, added after Conv_1_bn */
    const char *nan_layer;    /* that layer's first weight gets a NaN at element 7 */
    const char *inf_var;      /* leaf name of the weight to poison instead, e.g. moving_variance:0 */
    const char *bad_dw;       /* depthwise layer written with depth multiplier 2 */
    const char *long_bn;      /* BatchNorm layer whose gamma has one value too many */
    int odd_channels;         /* blocks 3..5 project to 40 channels (fits no alpha) */
    int swap_order;           /* list block_2_project before block_2_depthwise */
} synth;

typedef struct conv_layer {
    char name[48], bn[48];
    int kind; /* 1 conv3x3, 2 dw, 3 1x1 */
    uint32_t stride, cin, cout, block;
    int relu6, residual_from;
} conv_layer;

static const uint32_t block_c[17] = {16, 24, 24, 32, 32, 32, 64, 64, 64, 64,
                                     96, 96, 96, 160, 160, 160, 320};

/* Keras _make_divisible(v, 8), written independently of the converter */
static uint32_t divisible8(double v)
{
    double r = floor((v + 4.0) / 8.0) * 8.0;
    if (r < 8.0)
        r = 8.0;
    if (r < 0.9 * v)
        r += 8.0;
    return (uint32_t)r;
}

/* the 52 conv layers of Keras MobileNetV2(alpha) */
static void keras_model(const synth *o, conv_layer L[N_CONV])
{
    memset(L, 0, sizeof(conv_layer) * N_CONV);
    uint32_t c = divisible8(32 * o->alpha);
    int n = 0;
    snprintf(L[n].name, 48, "Conv1");
    snprintf(L[n].bn, 48, "bn_Conv1");
    L[n].kind = 1, L[n].stride = 2, L[n].cin = 3, L[n].cout = c, L[n].relu6 = 1;
    L[n].block = UINT32_MAX, L[n].residual_from = -1, n++;
    for (uint32_t b = 0; b <= 16; b++) {
        uint32_t in = c, first = (uint32_t)n;
        uint32_t stride = (b == 1 || b == 3 || b == 6 || b == 13) ? 2 : 1;
        uint32_t out = divisible8(floor(block_c[b] * o->alpha));
        if (o->odd_channels && b >= 3 && b <= 5)
            out = 40;
        char pre[32];
        if (b == 0)
            snprintf(pre, sizeof pre, "expanded_conv_");
        else
            snprintf(pre, sizeof pre, "block_%u_", b);
        if (b > 0) {
            snprintf(L[n].name, 48, "%sexpand", pre);
            snprintf(L[n].bn, 48, "%sexpand_BN", pre);
            L[n].kind = 3, L[n].stride = 1, L[n].cin = c, L[n].cout = 6 * c, L[n].relu6 = 1;
            L[n].block = b, L[n].residual_from = -1, n++;
            c *= 6;
        }
        snprintf(L[n].name, 48, "%sdepthwise", pre);
        snprintf(L[n].bn, 48, "%sdepthwise_BN", pre);
        L[n].kind = 2, L[n].stride = stride, L[n].cin = c, L[n].cout = c, L[n].relu6 = 1;
        L[n].block = b, L[n].residual_from = -1, n++;
        snprintf(L[n].name, 48, "%sproject", pre);
        snprintf(L[n].bn, 48, "%sproject_BN", pre);
        L[n].kind = 3, L[n].stride = 1, L[n].cin = c, L[n].cout = out, L[n].relu6 = 0;
        L[n].block = b;
        L[n].residual_from = (stride == 1 && in == out) ? (int)first : -1;
        n++;
        c = out;
    }
    snprintf(L[n].name, 48, "Conv_1");
    snprintf(L[n].bn, 48, "Conv_1_bn");
    L[n].kind = 3, L[n].stride = 1, L[n].cin = c;
    L[n].cout = o->alpha > 1.0 ? divisible8(1280 * o->alpha) : 1280;
    L[n].relu6 = 1, L[n].block = UINT32_MAX, L[n].residual_from = -1, n++;
    ck_assert_int_eq(n, N_CONV);
}

/* deterministic values per (layer, variable): uniform in [lo, hi) */
static void fill(float *dst, size_t n, const char *layer, const char *var, float lo, float hi)
{
    uint32_t h = 2166136261u;
    for (const char *p = layer; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    for (const char *p = var; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    uint64_t s = h | 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        dst[i] = lo + (hi - lo) * (float)((s >> 40) & 0xffffff) / 16777216.0f;
    }
}

static const char *const bn_vars[4] = {"gamma:0", "beta:0", "moving_mean:0",
                                       "moving_variance:0"};
static const float bn_lo[4] = {0.5f, -1.0f, -1.0f, 0.05f}, bn_hi[4] = {1.5f, 1.0f, 1.0f, 2.0f};

static hid_t string_type(int var, size_t len)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (var) {
        H5Tset_size(t, H5T_VARIABLE);
    } else {
        H5Tset_size(t, len == 0 ? 1 : len);
        H5Tset_strpad(t, H5T_STR_NULLPAD);
    }
    return t;
}

static void write_names(hid_t obj, const char *attr, const char **names, size_t n, int var)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) > len)
            len = strlen(names[i]);
    hsize_t dim = n;
    hid_t space = H5Screate_simple(1, &dim, NULL);
    hid_t type = string_type(var, len);
    hid_t a = H5Acreate2(obj, attr, type, space, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(a, 0);
    if (n > 0) {
        if (var) {
            ck_assert_int_ge(H5Awrite(a, type, names), 0);
        } else {
            char *buf = calloc(n, len);
            for (size_t i = 0; i < n; i++)
                memcpy(buf + i * len, names[i], strlen(names[i]));
            ck_assert_int_ge(H5Awrite(a, type, buf), 0);
            free(buf);
        }
    }
    H5Aclose(a);
    H5Tclose(type);
    H5Sclose(space);
}

/* one layer group with weights vars[nv] of the given shapes (dims[v][0..rank-1]) */
static void write_layer(hid_t file, const synth *o, const char *layer, int nv,
                        const char *const *vars, const int *rank, hsize_t dims[][4],
                        const float *lo, const float *hi)
{
    hid_t g = H5Gcreate2(file, layer, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(g, 0);
    char full[8][128];
    const char *names[8];
    for (int v = 0; v < nv; v++) {
        snprintf(full[v], sizeof full[v], "%s/%s", layer, vars[v]);
        names[v] = full[v];
    }
    write_names(g, "weight_names", names, (size_t)nv, o->var_strings);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    for (int v = 0; v < nv; v++) {
        size_t count = 1;
        for (int k = 0; k < rank[v]; k++)
            count *= dims[v][k];
        float *data = malloc(count * sizeof *data);
        fill(data, count, layer, vars[v], lo[v], hi[v]);
        if (o->nan_layer != NULL && strcmp(o->nan_layer, layer) == 0 &&
            (o->inf_var != NULL ? strcmp(o->inf_var, vars[v]) == 0 : v == 0))
            data[count > 7 ? 7 : 0] = o->inf_var != NULL ? INFINITY : NAN;
        hid_t space = H5Screate_simple(rank[v], dims[v], NULL);
        hid_t d = H5Dcreate2(g, full[v], H5T_IEEE_F32LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        ck_assert_int_ge(d, 0);
        ck_assert_int_ge(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0);
        H5Dclose(d);
        H5Sclose(space);
        free(data);
    }
    H5Pclose(lcpl);
    H5Gclose(g);
}

static void write_empty_layer(hid_t file, const synth *o, const char *layer)
{
    write_layer(file, o, layer, 0, NULL, NULL, NULL, NULL, NULL);
}

static void write_conv(hid_t file, const synth *o, const conv_layer *l)
{
    int rank = 4;
    hsize_t dims[1][4];
    uint32_t k = l->kind == 3 ? 1 : 3;
    dims[0][0] = k, dims[0][1] = k, dims[0][2] = l->cin, dims[0][3] = l->cout;
    const char *var = "kernel:0";
    if (l->kind == 2) {
        var = "depthwise_kernel:0";
        dims[0][3] = (o->bad_dw != NULL && strcmp(o->bad_dw, l->name) == 0) ? 2 : 1;
    }
    float lo = -1.0f, hi = 1.0f;
    write_layer(file, o, l->name, 1, &var, &rank, dims, &lo, &hi);
}

static void write_bn(hid_t file, const synth *o, const conv_layer *l)
{
    int rank[4] = {1, 1, 1, 1};
    hsize_t dims[4][4];
    for (int v = 0; v < 4; v++)
        dims[v][0] = l->cout;
    if (o->long_bn != NULL && strcmp(o->long_bn, l->bn) == 0)
        dims[0][0]++;
    write_layer(file, o, l->bn, 4, bn_vars, rank, dims, bn_lo, bn_hi);
}

/* write the synthetic .h5 at path: every Keras layer, in model order, with weightless ones */
static void write_h5(const char *path, const synth *o)
{
    conv_layer L[N_CONV];
    keras_model(o, L);
    const char *order[200];
    char store[200][48];
    size_t n = 0;
#define ADD(...) (snprintf(store[n], 48, __VA_ARGS__), order[n] = store[n], n++)
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    ADD("input_1");
    ADD("Conv1_pad");
    for (int i = 0; i < N_CONV; i++) {
        const conv_layer *l = &L[i];
        if (l->kind == 2 && l->stride == 2 && l->block > 0)
            ADD("block_%u_pad", l->block);
        int swap = o->swap_order && strcmp(l->name, "block_2_depthwise") == 0;
        if (swap) {
            ADD("%s", L[i + 1].name);
            ADD("%s", L[i + 1].bn);
        }
        ADD("%s", l->name);
        ADD("%s", l->bn);
        if (l->relu6 && i == 0)
            ADD("Conv1_relu");
        else if (l->relu6 && i == N_CONV - 1)
            ADD("out_relu");
        else if (l->relu6)
            ADD("%s_relu", l->name);
        if (l->residual_from >= 0)
            ADD("block_%u_add", l->block);
        if (swap)
            i++;
    }
    if (o->extra != NULL)
        ADD("%s", o->extra);
#undef ADD
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (o->omit != NULL && strcmp(order[i], o->omit) == 0)
            continue;
        order[kept++] = order[i];
    }
    write_names(f, "layer_names", order, kept, o->var_strings);
    for (size_t i = 0; i < kept; i++) {
        int done = 0;
        for (int k = 0; k < N_CONV && !done; k++) {
            if (strcmp(order[i], L[k].name) == 0)
                write_conv(f, o, &L[k]), done = 1;
            else if (strcmp(order[i], L[k].bn) == 0)
                write_bn(f, o, &L[k]), done = 1;
        }
        if (!done && o->extra != NULL && strcmp(order[i], o->extra) == 0) {
            const char *var = "kernel:0";
            int rank = 2;
            hsize_t dims[1][4] = {{1280, 10}};
            float lo = -1, hi = 1;
            write_layer(f, o, o->extra, 1, &var, &rank, dims, &lo, &hi);
            done = 1;
        }
        if (!done)
            write_empty_layer(f, o, order[i]);
    }
    H5Fclose(f);
}

/* run orchard-convert IN OUT; returns its exit status, stderr in msg */
static int convert(const char *in, const char *out, char *msg, size_t cap)
{
    char errpath[600], cmd[8192];
    snprintf(errpath, sizeof errpath, "%s.stderr", out);
    snprintf(cmd, sizeof cmd, "%s --quiet '%s' '%s' 2>'%s'", orc_test_build("orchard-convert"),
             in, out, errpath);
    int rc = system(cmd);
    msg[0] = '\0';
    FILE *f = fopen(errpath, "r");
    if (f != NULL) {
        size_t got = fread(msg, 1, cap - 1, f);
        msg[got] = '\0';
        fclose(f);
    }
    unlink(errpath);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* convert o, expect success, check structure and the BN fold of every layer */
static void check_converts(const synth *o)
{
    const char *dir = orc_test_tmpdir();
    char in[512], out[512], msg[2048];
    snprintf(in, sizeof in, "%s/m.h5", dir);
    snprintf(out, sizeof out, "%s/m.orw", dir);
    write_h5(in, o);
    int rc = convert(in, out, msg, sizeof msg);
    ck_assert_msg(rc == 0, "alpha %g: exit %d: %s", o->alpha, rc, msg);
    orc_weights *w = NULL;
    orc_error err = {ORC_OK, ""};
    ck_assert_msg(orc_weights_open(out, &w, &err) == ORC_OK, "%s", err.msg);
    conv_layer L[N_CONV];
    keras_model(o, L);
    const orc_weights_info *info = orc_weights_get_info(w);
    ck_assert_float_eq(info->alpha, (float)o->alpha);
    ck_assert_uint_eq(info->layer_count, N_CONV);
    ck_assert_uint_eq(info->feature_dim, L[N_CONV - 1].cout);
    ck_assert_uint_eq(info->input_size, 224);
    ck_assert_float_eq(info->pre_scale, (float)(1.0 / 127.5));
    ck_assert_float_eq(info->pre_offset, -1.0f);
    double worst = 0;
    for (int i = 0; i < N_CONV; i++) {
        const orc_layer *l = orc_weights_layer(w, (uint32_t)i);
        ck_assert_str_eq(l->name, L[i].name);
        ck_assert_int_eq((int)l->kind, L[i].kind);
        ck_assert_uint_eq(l->stride, L[i].stride);
        ck_assert_uint_eq(l->cin, L[i].cin);
        ck_assert_uint_eq(l->cout, L[i].cout);
        ck_assert_uint_eq(l->relu6, (uint32_t)L[i].relu6);
        ck_assert_uint_eq(l->block, L[i].block);
        ck_assert_int_eq(l->residual_from, L[i].residual_from);
        /* BN fold against a double computation from the raw values */
        uint32_t k = L[i].kind == 3 ? 1 : 3, cout = L[i].cout;
        size_t nw = (size_t)k * k * (L[i].kind == 2 ? 1 : L[i].cin) * cout;
        float *kern = malloc(nw * sizeof *kern), *bn[4];
        fill(kern, nw, L[i].name, L[i].kind == 2 ? "depthwise_kernel:0" : "kernel:0", -1, 1);
        for (int v = 0; v < 4; v++) {
            bn[v] = malloc(cout * sizeof *bn[v]);
            fill(bn[v], cout, L[i].bn, bn_vars[v], bn_lo[v], bn_hi[v]);
        }
        for (size_t e = 0; e < nw; e++) {
            size_t c = e % cout;
            double want = (double)kern[e] * bn[0][c] / sqrt((double)bn[3][c] + 1e-3);
            double d = fabs(l->weight[e] - want);
            ck_assert_msg(d <= 1e-7 * fabs(want) + 1e-30, "%s weight %zu: %.9g vs %.9g",
                          L[i].name, e, (double)l->weight[e], want);
            if (d > worst)
                worst = d;
        }
        for (uint32_t c = 0; c < cout; c++) {
            double want = (double)bn[1][c] -
                          (double)bn[2][c] * bn[0][c] / sqrt((double)bn[3][c] + 1e-3);
            ck_assert_msg(fabs(l->bias[c] - want) <= 1e-7 * fabs(want) + 1e-12,
                          "%s bias %u: %.9g vs %.9g", L[i].name, c, (double)l->bias[c], want);
        }
        free(kern);
        for (int v = 0; v < 4; v++)
            free(bn[v]);
    }
    orc_weights_close(w);
    unlink(in);
    unlink(out);
    rmdir(dir);
}

/* convert o, expect exit 1 with every word in the message, and no output left behind */
static void check_refused(const synth *o, const char *w1, const char *w2)
{
    const char *dir = orc_test_tmpdir();
    char in[512], out[512], msg[2048];
    snprintf(in, sizeof in, "%s/bad.h5", dir);
    snprintf(out, sizeof out, "%s/bad.orw", dir);
    write_h5(in, o);
    int rc = convert(in, out, msg, sizeof msg);
    ck_assert_msg(rc == 1, "expected exit 1, got %d: %s", rc, msg);
    ck_assert_msg(strstr(msg, w1) != NULL, "'%s' not in: %s", w1, msg);
    ck_assert_msg(w2 == NULL || strstr(msg, w2) != NULL, "'%s' not in: %s", w2, msg);
    ck_assert_msg(strstr(msg, in) != NULL, "message does not name the input: %s", msg);
    ck_assert_int_ne(access(out, F_OK), 0);
    unlink(in);
    ck_assert_int_eq(rmdir(dir), 0); /* nothing else left: no temporary file */
}

START_TEST(test_alpha_035)
{
    synth o = {.alpha = 0.35};
    check_converts(&o);
}
END_TEST

START_TEST(test_alpha_13)
{
    synth o = {.alpha = 1.3};
    check_converts(&o);
}
END_TEST

START_TEST(test_alpha_05_variable_strings)
{
    synth o = {.alpha = 0.5, .var_strings = 1};
    check_converts(&o);
}
END_TEST

START_TEST(test_alpha_channels)
{
    /* spot values of the Keras channel table, independent of both implementations */
    const double alphas[6] = {0.35, 0.5, 0.75, 1.0, 1.3, 1.4};
    const uint32_t conv1[6] = {16, 16, 24, 32, 40, 48}, last[6] = {1280, 1280, 1280, 1280, 1664,
                                                                   1792};
    const uint32_t b16[6] = {112, 160, 240, 320, 416, 448};
    for (int a = 0; a < 6; a++) {
        synth o = {.alpha = alphas[a]};
        conv_layer L[N_CONV];
        keras_model(&o, L);
        ck_assert_uint_eq(L[0].cout, conv1[a]);
        ck_assert_uint_eq(L[50].cout, b16[a]);
        ck_assert_uint_eq(L[51].cout, last[a]);
    }
}
END_TEST

START_TEST(test_missing_layer)
{
    synth o = {.alpha = 1.0, .omit = "block_7_project"};
    check_refused(&o, "'block_7_project'", "missing");
    synth o2 = {.alpha = 0.35, .omit = "block_3_expand_BN"};
    check_refused(&o2, "'block_3_expand_BN'", "missing");
}
END_TEST

START_TEST(test_extra_layer)
{
    synth o = {.alpha = 1.0, .extra = "predictions"};
    check_refused(&o, "'predictions'", "not a layer of Keras MobileNetV2");
}
END_TEST

START_TEST(test_out_of_order)
{
    synth o = {.alpha = 1.0, .swap_order = 1};
    check_refused(&o, "'block_2_project' comes before", "not in MobileNetV2 order");
}
END_TEST

START_TEST(test_wrong_shapes)
{
    synth o = {.alpha = 1.0, .bad_dw = "block_5_depthwise"};
    check_refused(&o, "'block_5_depthwise'", "shape (3, 3, 192, 2)");
    synth o2 = {.alpha = 1.0, .long_bn = "block_2_expand_BN"};
    check_refused(&o2, "'block_2_expand_BN'", "gamma:0 has 145 values");
    synth o3 = {.alpha = 1.0, .odd_channels = 1};
    check_refused(&o3, "'block_3_project' has 40 output channels", "alpha (1) has 32");
}
END_TEST

START_TEST(test_nan_inf)
{
    synth o = {.alpha = 0.75, .nan_layer = "block_9_expand"};
    check_refused(&o, "'block_9_expand'", "element 7 is NaN");
    synth o2 = {.alpha = 1.0, .nan_layer = "Conv_1_bn", .inf_var = "moving_variance:0"};
    check_refused(&o2, "'Conv_1_bn'", "Inf");
}
END_TEST

START_TEST(test_not_keras)
{
    const char *dir = orc_test_tmpdir();
    char in[512], out[512], msg[2048];
    snprintf(in, sizeof in, "%s/x.h5", dir);
    snprintf(out, sizeof out, "%s/x.orw", dir);
    FILE *f = fopen(in, "w");
    fputs("not hdf5\n", f);
    fclose(f);
    ck_assert_int_eq(convert(in, out, msg, sizeof msg), 1);
    ck_assert_ptr_nonnull(strstr(msg, "not an HDF5 file"));
    hid_t h = H5Fcreate(in, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(h);
    ck_assert_int_eq(convert(in, out, msg, sizeof msg), 1);
    ck_assert_ptr_nonnull(strstr(msg, "no attribute 'layer_names'"));
    snprintf(in, sizeof in, "%s/absent.h5", dir);
    ck_assert_int_eq(convert(in, out, msg, sizeof msg), 1);
    ck_assert_ptr_nonnull(strstr(msg, "absent.h5"));
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s --bogus >/dev/null 2>&1", orc_test_build("orchard-convert"));
    int rc = system(cmd);
    ck_assert_int_eq(WEXITSTATUS(rc), 2);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("convert");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_alpha_channels);
    tcase_add_test(tc, test_alpha_035);
    tcase_add_test(tc, test_alpha_13);
    tcase_add_test(tc, test_alpha_05_variable_strings);
    tcase_add_test(tc, test_missing_layer);
    tcase_add_test(tc, test_extra_layer);
    tcase_add_test(tc, test_out_of_order);
    tcase_add_test(tc, test_wrong_shapes);
    tcase_add_test(tc, test_nan_inf);
    tcase_add_test(tc, test_not_keras);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
