/* mobilenet_v2.c -- Keras MobileNetV2 (include_top=False) layers to folded .orw layers.
 *
 * The expected structure follows the Keras application: Conv1 (3x3, stride 2) + bn_Conv1;
 * block 0 = expanded_conv_depthwise, expanded_conv_project (+ _BN each); blocks 1..16 =
 * block_N_expand, block_N_depthwise, block_N_project (+ _BN each), depthwise stride 2 in blocks
 * 1, 3, 6 and 13; Conv_1 + Conv_1_bn. Channel counts come from the kernel shapes and must equal
 * those Keras builds for one of its alphas (make_divisible rounding to multiples of 8).
 */
#include "mobilenet_v2.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct layer_spec {
    char conv[48];
    char bn[48];
    orc_layer_kind kind;
    uint32_t stride;
    uint32_t relu6;
    uint32_t block;
} layer_spec;

static const double keras_alphas[] = {0.35, 0.5, 0.75, 1.0, 1.3, 1.4};
#define N_ALPHAS (sizeof keras_alphas / sizeof keras_alphas[0])
/* output channels (before alpha) of blocks 0..16 */
static const uint32_t block_channels[17] = {16, 24, 24, 32, 32, 32, 64, 64, 64, 64,
                                            96, 96, 96, 160, 160, 160, 320};

static uint32_t block_stride(uint32_t b)
{
    return (b == 1 || b == 3 || b == 6 || b == 13) ? 2 : 1;
}

static void spec_set(layer_spec *s, const char *conv, const char *bn, orc_layer_kind kind,
                     uint32_t stride, uint32_t relu6, uint32_t block)
{
    snprintf(s->conv, sizeof s->conv, "%s", conv);
    snprintf(s->bn, sizeof s->bn, "%s", bn);
    s->kind = kind;
    s->stride = stride;
    s->relu6 = relu6;
    s->block = block;
}

/* s[] zeroed by the caller, so names are NUL-padded */
static void build_specs(layer_spec s[ORC_MNV2_LAYERS])
{
    spec_set(&s[0], "Conv1", "bn_Conv1", ORC_LAYER_CONV3X3, 2, 1, UINT32_MAX);
    spec_set(&s[1], "expanded_conv_depthwise", "expanded_conv_depthwise_BN",
             ORC_LAYER_DWCONV3X3, 1, 1, 0);
    spec_set(&s[2], "expanded_conv_project", "expanded_conv_project_BN", ORC_LAYER_CONV1X1, 1,
             0, 0);
    for (uint32_t b = 1; b <= 16; b++) {
        char c[48], n[48];
        snprintf(c, sizeof c, "block_%u_expand", b);
        snprintf(n, sizeof n, "block_%u_expand_BN", b);
        spec_set(&s[3 * b], c, n, ORC_LAYER_CONV1X1, 1, 1, b);
        snprintf(c, sizeof c, "block_%u_depthwise", b);
        snprintf(n, sizeof n, "block_%u_depthwise_BN", b);
        spec_set(&s[3 * b + 1], c, n, ORC_LAYER_DWCONV3X3, block_stride(b), 1, b);
        snprintf(c, sizeof c, "block_%u_project", b);
        snprintf(n, sizeof n, "block_%u_project_BN", b);
        spec_set(&s[3 * b + 2], c, n, ORC_LAYER_CONV1X1, 1, 0, b);
    }
    spec_set(&s[51], "Conv_1", "Conv_1_bn", ORC_LAYER_CONV1X1, 1, 1, UINT32_MAX);
}

/* Layers without weights that Keras MobileNetV2 has (input, padding, activations, adds). */
static int is_weightless_layer(const char *n)
{
    static const char *const fixed[] = {"Conv1_pad", "Conv1_relu", "expanded_conv_depthwise_relu",
                                        "out_relu"};
    if (strncmp(n, "input", 5) == 0)
        return 1;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (strcmp(n, fixed[i]) == 0)
            return 1;
    static const char *const suffix[] = {"pad", "add", "expand_relu", "depthwise_relu"};
    for (uint32_t b = 1; b <= 16; b++)
        for (size_t k = 0; k < sizeof suffix / sizeof suffix[0]; k++) {
            char want[48];
            snprintf(want, sizeof want, "block_%u_%s", b, suffix[k]);
            if (strcmp(n, want) == 0)
                return 1;
        }
    return 0;
}

/* Keras _make_divisible(v, 8) */
static uint32_t make_divisible(double v)
{
    long nv = (long)(v + 4.0) / 8 * 8;
    if (nv < 8)
        nv = 8;
    if ((double)nv < 0.9 * v)
        nv += 8;
    return (uint32_t)nv;
}

/* The output channels Keras MobileNetV2(alpha) gives each of the 52 layers. */
static void keras_channels(double alpha, uint32_t cout[ORC_MNV2_LAYERS])
{
    cout[0] = make_divisible(32.0 * alpha);
    cout[1] = cout[0];
    cout[2] = make_divisible((double)(long)(block_channels[0] * alpha));
    for (uint32_t b = 1; b <= 16; b++) {
        cout[3 * b] = 6 * cout[3 * b - 1];
        cout[3 * b + 1] = cout[3 * b];
        cout[3 * b + 2] = make_divisible((double)(long)(block_channels[b] * alpha));
    }
    cout[51] = alpha > 1.0 ? make_divisible(1280.0 * alpha) : 1280;
}

static const char *leaf(const char *wname)
{
    const char *s = strrchr(wname, '/');
    return s != NULL ? s + 1 : wname;
}

static int find_layer(const orc_keras_h5 *h5, const char *name)
{
    for (uint32_t i = 0; i < h5->layer_count; i++)
        if (strcmp(h5->layers[i].name, name) == 0)
            return (int)i;
    return -1;
}

static orc_status check_finite(const orc_keras_h5 *h5, const char *layer, const char *wname,
                               const orc_keras_tensor *t, orc_error *err)
{
    for (uint64_t k = 0; k < t->count; k++)
        if (!isfinite(t->data[k]))
            return orc_error_set(err, ORC_ERR_NUMERIC, "%s: layer '%s': weight '%s' element %llu "
                                 "is %s", h5->path, layer, wname, (unsigned long long)k,
                                 isnan(t->data[k]) ? "NaN" : "Inf");
    return ORC_OK;
}

/* Every layer in the file must be one MobileNetV2 has, once, in model order. */
static orc_status check_layer_set(const orc_keras_h5 *h5, const layer_spec *specs,
                                  orc_error *err)
{
    for (uint32_t i = 0; i < h5->layer_count; i++) {
        const orc_keras_layer *l = &h5->layers[i];
        if (find_layer(h5, l->name) != (int)i)
            return orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s' is listed twice in "
                                 "layer_names", h5->path, l->name);
        int known = 0;
        for (uint32_t k = 0; k < ORC_MNV2_LAYERS && !known; k++)
            known = strcmp(l->name, specs[k].conv) == 0 || strcmp(l->name, specs[k].bn) == 0;
        if (known)
            continue;
        if (!is_weightless_layer(l->name))
            return orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s' is not a layer of Keras "
                                 "MobileNetV2 without top (include_top=False); convert the "
                                 "no_top weights file", h5->path, l->name);
        if (l->weight_count != 0)
            return orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s' has %u weights; in "
                                 "MobileNetV2 it has none", h5->path, l->name, l->weight_count);
    }
    int prev = -1;
    const char *prev_name = "the start";
    for (uint32_t k = 0; k < ORC_MNV2_LAYERS; k++) {
        const char *names[2] = {specs[k].conv, specs[k].bn};
        for (int j = 0; j < 2; j++) {
            int at = find_layer(h5, names[j]);
            if (at < 0)
                return orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s' of MobileNetV2 is "
                                     "missing", h5->path, names[j]);
            if (at < prev)
                return orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s' comes before '%s' in "
                                     "layer_names: not in MobileNetV2 order", h5->path, names[j],
                                     prev_name);
            prev = at;
            prev_name = names[j];
        }
    }
    return ORC_OK;
}

static orc_status read_kernel(const orc_keras_h5 *h5, const layer_spec *s, uint32_t cin,
                              orc_keras_tensor *t, orc_error *err)
{
    int li = find_layer(h5, s->conv);
    const orc_keras_layer *l = &h5->layers[li];
    const char *want = s->kind == ORC_LAYER_DWCONV3X3 ? "depthwise_kernel:0" : "kernel:0";
    if (l->weight_count != 1 || strcmp(leaf(l->weight_names[0]), want) != 0)
        return orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s' has %u weights (first '%s'); "
                             "MobileNetV2 has only its %s (no bias)", h5->path, s->conv,
                             l->weight_count, l->weight_count > 0 ? l->weight_names[0] : "",
                             want);
    orc_status st = orc_keras_h5_read(h5, (uint32_t)li, 0, t, err);
    if (st != ORC_OK)
        return st;
    uint64_t k = s->kind == ORC_LAYER_CONV1X1 ? 1 : 3;
    const uint64_t *d = t->dims;
    char shape[96];
    snprintf(shape, sizeof shape, "(%llu, %llu, %llu, %llu)", (unsigned long long)d[0],
             (unsigned long long)d[1], (unsigned long long)d[2], (unsigned long long)d[3]);
    if (t->rank != 4 || d[0] != k || d[1] != k || (s->kind == ORC_LAYER_DWCONV3X3 && d[3] != 1))
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s': kernel has shape %s (rank %u); "
                           "expected (%llu, %llu, cin, %s)", h5->path, s->conv,
                           t->rank == 4 ? shape : "?", t->rank, (unsigned long long)k,
                           (unsigned long long)k, s->kind == ORC_LAYER_DWCONV3X3 ? "1" : "cout");
    else if (d[2] != cin)
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s': kernel shape %s takes %llu input "
                           "channels, but the layer before gives %u", h5->path, s->conv, shape,
                           (unsigned long long)d[2], cin);
    else if (d[2] > 65536 || d[3] > 65536)
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s': kernel shape %s is too large",
                           h5->path, s->conv, shape);
    if (st == ORC_OK)
        st = check_finite(h5, s->conv, l->weight_names[0], t, err);
    if (st != ORC_OK) {
        free(t->data);
        t->data = NULL;
    }
    return st;
}

/* gamma, beta, moving_mean, moving_variance of the BatchNorm after a conv with cout channels */
static orc_status read_bn(const orc_keras_h5 *h5, const layer_spec *s, uint32_t cout,
                          orc_keras_tensor bn[4], orc_error *err)
{
    static const char *const vars[4] = {"gamma:0", "beta:0", "moving_mean:0",
                                        "moving_variance:0"};
    int li = find_layer(h5, s->bn);
    const orc_keras_layer *l = &h5->layers[li];
    if (l->weight_count != 4)
        return orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s' has %u weights; a BatchNorm "
                             "has 4 (gamma, beta, moving_mean, moving_variance)", h5->path, s->bn,
                             l->weight_count);
    orc_status st = ORC_OK;
    for (uint32_t v = 0; v < 4 && st == ORC_OK; v++) {
        int w = -1;
        for (uint32_t k = 0; k < 4; k++)
            if (strcmp(leaf(l->weight_names[k]), vars[v]) == 0)
                w = (int)k;
        if (w < 0) {
            st = orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s' has no weight '%s'",
                               h5->path, s->bn, vars[v]);
            break;
        }
        st = orc_keras_h5_read(h5, (uint32_t)li, (uint32_t)w, &bn[v], err);
        if (st != ORC_OK)
            break;
        if (bn[v].rank != 1 || bn[v].dims[0] != cout)
            st = orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s': %s has %llu values (rank "
                               "%u); the convolution '%s' before it has %u channels", h5->path,
                               s->bn, vars[v], (unsigned long long)bn[v].count, bn[v].rank,
                               s->conv, cout);
        if (st == ORC_OK)
            st = check_finite(h5, s->bn, l->weight_names[w], &bn[v], err);
    }
    for (uint32_t k = 0; k < cout && st == ORC_OK; k++)
        if (bn[3].data[k] < 0.0f)
            st = orc_error_set(err, ORC_ERR_NUMERIC, "%s: layer '%s': moving_variance[%u] = %g "
                               "is negative", h5->path, s->bn, k, (double)bn[3].data[k]);
    return st;
}

/* Find the Keras alpha whose channel counts match; otherwise name the first layer that does
 * not fit the closest alpha. */
static orc_status infer_alpha(const orc_keras_h5 *h5, const layer_spec *specs,
                              const orc_layer *layers, double *alpha, orc_error *err)
{
    uint32_t best_match = 0, best = 0;
    uint32_t expect[N_ALPHAS][ORC_MNV2_LAYERS];
    for (uint32_t a = 0; a < N_ALPHAS; a++) {
        keras_channels(keras_alphas[a], expect[a]);
        uint32_t k = 0;
        while (k < ORC_MNV2_LAYERS && layers[k].cout == expect[a][k])
            k++;
        if (k == ORC_MNV2_LAYERS) {
            *alpha = keras_alphas[a];
            return ORC_OK;
        }
        if (k > best_match) {
            best_match = k;
            best = a;
        }
    }
    return orc_error_set(err, ORC_ERR_FORMAT, "%s: layer '%s' has %u output channels, but Keras "
                         "MobileNetV2 at the closest alpha (%g) has %u there; no Keras alpha "
                         "(0.35, 0.5, 0.75, 1.0, 1.3, 1.4) fits this file", h5->path,
                         specs[best_match].conv, layers[best_match].cout, keras_alphas[best],
                         expect[best][best_match]);
}

orc_status orc_mnv2_from_keras(const orc_keras_h5 *h5, uint32_t input_size,
                               orc_mnv2_model *out, orc_error *err)
{
    layer_spec specs[ORC_MNV2_LAYERS];
    memset(specs, 0, sizeof specs);
    build_specs(specs);
    memset(out, 0, sizeof *out);
    orc_status st = check_layer_set(h5, specs, err);
    uint32_t cin = 3;
    for (uint32_t i = 0; i < ORC_MNV2_LAYERS && st == ORC_OK; i++) {
        const layer_spec *s = &specs[i];
        orc_keras_tensor kernel, bn[4];
        memset(&kernel, 0, sizeof kernel);
        memset(bn, 0, sizeof bn);
        st = read_kernel(h5, s, cin, &kernel, err);
        if (st != ORC_OK)
            break;
        uint32_t cout = (uint32_t)(s->kind == ORC_LAYER_DWCONV3X3 ? kernel.dims[2]
                                                                  : kernel.dims[3]);
        st = read_bn(h5, s, cout, bn, err);
        float *bias = st == ORC_OK ? malloc(cout * sizeof *bias) : NULL;
        if (st == ORC_OK && bias == NULL)
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: out of memory", h5->path);
        if (st == ORC_OK) {
            /* fold BN in double: w' = w * g / sqrt(v + eps), b' = beta - mean * g / sqrt(v + eps);
             * the output channel is the last axis of every kernel layout */
            for (uint64_t k = 0; k < kernel.count; k++) {
                uint32_t c = (uint32_t)(k % cout);
                double scale = (double)bn[0].data[c] /
                               sqrt((double)bn[3].data[c] + ORC_MNV2_BN_EPSILON);
                kernel.data[k] = (float)((double)kernel.data[k] * scale);
            }
            for (uint32_t c = 0; c < cout; c++) {
                double scale = (double)bn[0].data[c] /
                               sqrt((double)bn[3].data[c] + ORC_MNV2_BN_EPSILON);
                bias[c] = (float)((double)bn[1].data[c] - (double)bn[2].data[c] * scale);
            }
            orc_layer *l = &out->layers[i];
            l->kind = s->kind;
            l->stride = s->stride;
            l->cin = cin;
            l->cout = cout;
            l->relu6 = s->relu6;
            l->residual_from = -1;
            l->block = s->block;
            l->weight = kernel.data;
            l->bias = bias;
            memcpy(l->name, s->conv, sizeof l->name);
            out->storage[2 * i] = kernel.data;
            out->storage[2 * i + 1] = bias;
            out->parameters += kernel.count + 4ull * cout;
            kernel.data = NULL;
        }
        free(kernel.data);
        for (int v = 0; v < 4; v++)
            free(bn[v].data);
        cin = cout;
    }
    double alpha = 0;
    if (st == ORC_OK)
        st = infer_alpha(h5, specs, out->layers, &alpha, err);
    if (st != ORC_OK) {
        orc_mnv2_free(out);
        return st;
    }
    /* residual: stride-1 blocks whose input and output channels match (Keras block_N_add);
     * the block input is the input of its first layer (expand, or depthwise in block 0) */
    for (uint32_t b = 0; b <= 16; b++) {
        uint32_t first = b == 0 ? 1 : 3 * b, project = b == 0 ? 2 : 3 * b + 2;
        if (block_stride(b) == 1 && out->layers[first].cin == out->layers[project].cout)
            out->layers[project].residual_from = (int32_t)first;
    }
    out->info.alpha = (float)alpha;
    out->info.input_size = input_size;
    out->info.input_channels = 3;
    out->info.feature_dim = out->layers[ORC_MNV2_LAYERS - 1].cout;
    out->info.pre_scale = (float)(1.0 / 127.5);
    out->info.pre_offset = -1.0f;
    out->info.layer_count = ORC_MNV2_LAYERS;
    return ORC_OK;
}

void orc_mnv2_free(orc_mnv2_model *m)
{
    if (m == NULL)
        return;
    for (uint32_t i = 0; i < 2 * ORC_MNV2_LAYERS; i++) {
        free(m->storage[i]);
        m->storage[i] = NULL;
    }
}
