/* model.c -- MobileNetV2 forward pass: graph validation and buffer plan at open, static
 * per-layer work split at run time.
 *
 * Fused blocks: an expand (1x1) -> depthwise -> project (1x1) chain at a high resolution
 * (input >= FUSE_MIN_SIZE) runs as one step, tile of output rows by tile (so does the first
 * block, the full 3x3 convolution in the expand's place): the expand rows the tile's depthwise
 * window needs go to a per-thread scratch tile (kept in L2 instead of a several-MB activation
 * round trip through memory), the depthwise output to a second one, and the project writes the
 * block output. Tiles recompute the 1-2 expand rows they share with the
 * previous tile. Every element gets exactly the arithmetic of the unfused layers (the kernels
 * do not depend on where a range starts; rows outside a tile are either real padding or not
 * needed), so fused and unfused features are bitwise identical. */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "threadpool.h"

#define MAX_BUFFERS 8
#define FUSE_MIN_SIZE 28              /* fuse blocks whose input is at least this high */
#define FUSE_TILE_BYTES (768u << 10)  /* target size of a fused block's expand tile */

typedef struct step {
    orc_layer_kind kind;
    size_t in_h, in_w, cin, out_h, out_w, cout, stride, pad_top, pad_left;
    int in_buf, out_buf, res_buf; /* buffer indices; res_buf -1: no residual */
    float out_min, out_max;
    float *packed;
    size_t fused_rows; /* > 0: this expand step runs itself and the next two steps as one
                          fused block, this many depthwise output rows per tile */
    size_t *part_begin; /* not NULL: a 1x1 layer split across threads by output channels */
    float **parts;      /* (plan_channel_split): thread t computes channels [part_begin[t],
                           part_begin[t + 1]) of every pixel from its own packing parts[t] */
} step;

struct orc_model {
    orc_kernels k;
    step *steps;
    size_t nsteps;
    size_t input_size, input_channels, feature_dim;
    float pre_scale, pre_offset;
    int last_buf;              /* the buffer holding the last layer's output */
    size_t last_pixels;
    size_t nbuf, buf_floats;   /* buffers per slot, floats per buffer */
    size_t slots;              /* one buffer set per thread (images in flight) */
    float *act_mem;            /* slots * nbuf * buf_floats, 64-byte aligned */
    float *packed_mem;
    float *parts_mem;          /* the packings of the channel-split layers */
    size_t scratch_floats;     /* per thread: the fused blocks' expand + depthwise tiles */
    float *scratch_mem;        /* threads * scratch_floats */
    orc_threadpool *pool;
    size_t threads, batch_capacity;
    orc_model_parallelism parallelism;
    int unfused;
    char kernels_desc[256];
};

/* ---- open ------------------------------------------------------------------------------- */

void orc_model_options_default(orc_model_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->threads = 1;
    opt->isa = orc_isa_best();
    opt->batch_capacity = 32;
    opt->parallelism = ORC_MODEL_AUTO;
}

static void *alloc_touched(size_t floats)
{
    void *p = NULL;
    size_t bytes = (floats ? floats : 1) * sizeof(float);
    if (posix_memalign(&p, 64, bytes) != 0)
        return NULL;
    memset(p, 0, bytes); /* first touch now, not during the forward pass */
    return p;
}

static size_t round16(size_t n)
{
    return (n + 15) / 16 * 16;
}

/* validate layer i against the running shape; fills the shape part of *s */
static orc_status plan_shape(const orc_layer *l, size_t i, size_t *h, size_t *w, size_t *c,
                             step *s, orc_error *err)
{
    const char *name = l->name[0] ? l->name : "(unnamed)";
    if (l->weight == NULL || l->bias == NULL)
        return orc_error_set(err, ORC_ERR_FORMAT, "layer %zu (%.48s) has no weight or bias", i,
                             name);
    if (l->cin != *c)
        return orc_error_set(err, ORC_ERR_FORMAT,
                             "layer %zu (%.48s) expects %u input channels but the previous "
                             "layer gives %zu", i, name, l->cin, *c);
    if (l->cout == 0)
        return orc_error_set(err, ORC_ERR_FORMAT, "layer %zu (%.48s) has 0 output channels", i,
                             name);
    if (l->relu6 > 1)
        return orc_error_set(err, ORC_ERR_FORMAT, "layer %zu (%.48s) has relu6 flag %u (0 or 1)",
                             i, name, l->relu6);
    s->kind = l->kind;
    s->in_h = *h; s->in_w = *w; s->cin = l->cin; s->cout = l->cout;
    switch (l->kind) {
    case ORC_LAYER_CONV3X3:
    case ORC_LAYER_DWCONV3X3:
        if (l->stride != 1 && l->stride != 2)
            return orc_error_set(err, ORC_ERR_FORMAT, "layer %zu (%.48s) has stride %u (1 or 2)",
                                 i, name, l->stride);
        if (l->kind == ORC_LAYER_DWCONV3X3 && l->cout != l->cin)
            return orc_error_set(err, ORC_ERR_FORMAT,
                                 "depthwise layer %zu (%.48s) has %u inputs but %u outputs", i,
                                 name, l->cin, l->cout);
        s->stride = l->stride;
        s->out_h = orc_conv3x3_output_size(*h, l->stride);
        s->out_w = orc_conv3x3_output_size(*w, l->stride);
        s->pad_top = orc_conv3x3_pad_before(*h, l->stride);
        s->pad_left = orc_conv3x3_pad_before(*w, l->stride);
        break;
    case ORC_LAYER_CONV1X1:
        if (l->stride > 1)
            return orc_error_set(err, ORC_ERR_FORMAT,
                                 "1x1 layer %zu (%.48s) has stride %u (only 1 is supported)", i,
                                 name, l->stride);
        s->stride = 1;
        s->out_h = *h;
        s->out_w = *w;
        break;
    default:
        return orc_error_set(err, ORC_ERR_FORMAT, "layer %zu (%.48s) has unknown kind %d", i,
                             name, (int)l->kind);
    }
    if (i == 0 && l->kind != ORC_LAYER_CONV3X3)
        return orc_error_set(err, ORC_ERR_FORMAT, "layer 0 (%.48s) must be the full 3x3 "
                             "convolution", name);
    s->out_min = l->relu6 ? 0.0f : -INFINITY;
    s->out_max = l->relu6 ? 6.0f : INFINITY;
    *h = s->out_h; *w = s->out_w; *c = s->cout;
    return ORC_OK;
}

/* assign every layer an output buffer: not its input, not a buffer some later layer still
 * needs as its residual source */
static orc_status plan_buffers(orc_model *m, const orc_layer *layers, orc_error *err)
{
    size_t n = m->nsteps;
    int cur = 0; /* buffer 0 holds the preprocessed input */
    size_t used = 1;
    for (size_t i = 0; i < n; i++) {
        step *s = &m->steps[i];
        s->in_buf = cur;
        s->res_buf = -1;
        int busy[MAX_BUFFERS] = {0};
        busy[cur] = 1;
        /* residual sources still pending at layer i (including layer i's own) */
        for (size_t j = i; j < n; j++) {
            int32_t r = layers[j].residual_from;
            if (r >= 0 && (size_t)r <= i)
                busy[m->steps[r].in_buf] = 1;
        }
        if (layers[i].residual_from >= 0)
            s->res_buf = m->steps[layers[i].residual_from].in_buf;
        int out = -1;
        for (int b = 0; b < MAX_BUFFERS && out < 0; b++)
            if (!busy[b])
                out = b;
        if (out < 0)
            return orc_error_set(err, ORC_ERR_UNSUPPORTED,
                                 "layer %zu (%.48s): the residual connections need more than "
                                 "%d activation buffers", i, layers[i].name, MAX_BUFFERS);
        s->out_buf = out;
        if ((size_t)out + 1 > used)
            used = (size_t)out + 1;
        cur = out;
    }
    m->nbuf = used;
    m->last_buf = cur;
    return ORC_OK;
}

/* depthwise input rows [*first, *end) that output rows [r0, r1) of step d read */
static void fused_input_rows(const step *d, size_t r0, size_t r1, size_t *first, size_t *end)
{
    size_t top = r0 * d->stride, bottom = (r1 - 1) * d->stride + 3;
    *first = top < d->pad_top ? 0 : top - d->pad_top;
    *end = bottom - d->pad_top < d->in_h ? bottom - d->pad_top : d->in_h;
}

/* mark expand -> depthwise -> project chains at high resolution as fused, choose their tile
 * height and the per-thread scratch size */
static void plan_fusion(orc_model *m, const orc_layer *layers)
{
    size_t scratch = 0;
    for (size_t i = 0; i + 2 < m->nsteps; i++) {
        step *e = &m->steps[i], *d = &m->steps[i + 1], *p = &m->steps[i + 2];
        if ((e->kind != ORC_LAYER_CONV1X1 && e->kind != ORC_LAYER_CONV3X3) ||
            d->kind != ORC_LAYER_DWCONV3X3 ||
            p->kind != ORC_LAYER_CONV1X1 || e->in_h < FUSE_MIN_SIZE || e->res_buf >= 0 ||
            d->res_buf >= 0)
            continue;
        int needed = 0; /* the intermediate outputs must not be anyone's residual source */
        for (size_t j = 0; j < m->nsteps; j++)
            if (layers[j].residual_from == (int32_t)(i + 1) ||
                layers[j].residual_from == (int32_t)(i + 2))
                needed = 1;
        if (needed)
            continue;
        size_t row_bytes = d->in_w * e->cout * sizeof(float), rows = 1;
        while (rows < d->out_h && ((rows) * d->stride + 3) * row_bytes <= FUSE_TILE_BYTES)
            rows++;
        size_t first, end;
        fused_input_rows(d, 0, rows, &first, &end);
        size_t need = round16((rows * d->stride + 3) * d->in_w * e->cout) +
                      round16(rows * d->out_w * e->cout);
        e->fused_rows = rows;
        scratch = need > scratch ? need : scratch;
        i += 2;
    }
    m->scratch_floats = scratch;
}

/* channel-split unit: a multiple of every variant's output-channel block */
#define SPLIT_UNIT 32

/* A 1x1 layer whose weights outweigh its input (cout > pixels: the 7x7 layers, the 14x14
 * expands), run on several threads for one image, is split by output channels instead of
 * pixels: each thread then reads only its part of the weights, which come from memory once per
 * image, instead of all of them. Each part is packed on its own. The arithmetic of every
 * element is the same either way (bias, then the input channels in order). */
static int split_by_channels(const orc_model *m, const step *s)
{
    return m->threads > 1 && m->parallelism != ORC_MODEL_IMAGES &&
           s->kind == ORC_LAYER_CONV1X1 && s->fused_rows == 0 &&
           s->cout > s->out_h * s->out_w && (s->cout + SPLIT_UNIT - 1) / SPLIT_UNIT >= m->threads;
}

static orc_status plan_channel_split(orc_model *m, const orc_layer *layers, orc_error *err)
{
    const size_t nt = m->threads;
    size_t total = 0;
    for (int pass = 0; pass < 2; pass++) { /* pass 0 sizes, pass 1 packs */
        float *p = m->parts_mem;
        for (size_t i = 0; i < m->nsteps; i += m->steps[i].fused_rows > 0 ? 3 : 1) {
            step *s = &m->steps[i];
            if (!split_by_channels(m, s))
                continue;
            float *sub = NULL;
            if (pass == 1) {
                s->part_begin = calloc(nt + 1, sizeof *s->part_begin);
                s->parts = calloc(nt, sizeof *s->parts);
                sub = malloc(s->cin * s->cout * sizeof *sub);
                if (s->part_begin == NULL || s->parts == NULL || sub == NULL) {
                    free(sub);
                    return orc_error_set(err, ORC_ERR_NO_MEMORY,
                                         "out of memory for the channel split of layer %zu", i);
                }
            }
            const size_t units = (s->cout + SPLIT_UNIT - 1) / SPLIT_UNIT;
            for (size_t t = 0; t < nt; t++) {
                size_t u0, u1;
                orc_split_range(units, t, nt, &u0, &u1);
                const size_t c0 = u0 * SPLIT_UNIT;
                const size_t c1 = u1 * SPLIT_UNIT < s->cout ? u1 * SPLIT_UNIT : s->cout;
                if (pass == 1) {
                    for (size_t ci = 0; ci < s->cin; ci++)
                        memcpy(sub + ci * (c1 - c0), layers[i].weight + ci * s->cout + c0,
                               (c1 - c0) * sizeof *sub);
                    s->part_begin[t] = c0;
                    s->part_begin[t + 1] = c1;
                    s->parts[t] = p;
                    p += round16(m->k.pwconv.pack(s->cin, c1 - c0, sub, layers[i].bias + c0, p));
                } else {
                    total += round16(m->k.pwconv.pack(s->cin, c1 - c0, NULL, NULL, NULL));
                }
            }
            free(sub);
        }
        if (pass == 0) {
            if (total == 0)
                return ORC_OK;
            m->parts_mem = alloc_touched(total);
            if (m->parts_mem == NULL)
                return orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory for %zu packed "
                                     "weights of the channel-split layers", total);
        }
    }
    return ORC_OK;
}

static orc_status build(orc_model *m, const orc_weights_info *info, const orc_layer *layers,
                        orc_error *err)
{
    if (info->layer_count < 2)
        return orc_error_set(err, ORC_ERR_FORMAT, "the model has %u layers (at least 2 needed)",
                             info->layer_count);
    if (info->input_size < 1 || info->input_size > 4096 || info->input_channels < 1 ||
        info->input_channels > 64)
        return orc_error_set(err, ORC_ERR_FORMAT, "unsupported input shape %ux%ux%u",
                             info->input_size, info->input_size, info->input_channels);
    if (!isfinite(info->pre_scale) || !isfinite(info->pre_offset))
        return orc_error_set(err, ORC_ERR_FORMAT, "preprocessing constants are not finite");
    m->nsteps = info->layer_count;
    m->input_size = info->input_size;
    m->input_channels = info->input_channels;
    m->feature_dim = info->feature_dim;
    m->pre_scale = info->pre_scale;
    m->pre_offset = info->pre_offset;
    m->steps = calloc(m->nsteps, sizeof *m->steps);
    if (m->steps == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory for the layer plan");

    size_t h = m->input_size, w = m->input_size, c = m->input_channels;
    size_t max_act = h * w * c, packed_total = 0;
    for (size_t i = 0; i < m->nsteps; i++) {
        step *s = &m->steps[i];
        orc_status st = plan_shape(&layers[i], i, &h, &w, &c, s, err);
        if (st != ORC_OK)
            return st;
        int32_t r = layers[i].residual_from;
        if (r >= 0) {
            const step *src = &m->steps[r];
            if ((size_t)r >= i || src->in_h != s->out_h || src->in_w != s->out_w ||
                src->cin != s->cout)
                return orc_error_set(err, ORC_ERR_FORMAT,
                                     "layer %zu (%.48s): residual_from %d does not name an "
                                     "earlier layer whose input has this layer's output shape",
                                     i, layers[i].name, (int)r);
        } else if (r != -1) {
            return orc_error_set(err, ORC_ERR_FORMAT, "layer %zu (%.48s): residual_from %d",
                                 i, layers[i].name, (int)r);
        }
        if (s->out_h * s->out_w * s->cout > max_act)
            max_act = s->out_h * s->out_w * s->cout;
        size_t np = 0;
        if (s->kind == ORC_LAYER_CONV3X3)
            np = m->k.conv3x3.pack(s->cin, s->cout, layers[i].weight, layers[i].bias, NULL);
        else if (s->kind == ORC_LAYER_DWCONV3X3)
            np = m->k.dwconv3x3.pack(s->cout, layers[i].weight, layers[i].bias, NULL);
        else
            np = m->k.pwconv.pack(s->cin, s->cout, layers[i].weight, layers[i].bias, NULL);
        packed_total += round16(np);
    }
    if (c != m->feature_dim)
        return orc_error_set(err, ORC_ERR_FORMAT,
                             "the last layer gives %zu channels but the feature size is %u", c,
                             info->feature_dim);
    m->last_pixels = h * w;
    orc_status st = plan_buffers(m, layers, err);
    if (st != ORC_OK)
        return st;

    m->packed_mem = alloc_touched(packed_total);
    if (m->packed_mem == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory for %zu packed weights",
                             packed_total);
    float *p = m->packed_mem;
    for (size_t i = 0; i < m->nsteps; i++) {
        step *s = &m->steps[i];
        size_t np;
        if (s->kind == ORC_LAYER_CONV3X3)
            np = m->k.conv3x3.pack(s->cin, s->cout, layers[i].weight, layers[i].bias, p);
        else if (s->kind == ORC_LAYER_DWCONV3X3)
            np = m->k.dwconv3x3.pack(s->cout, layers[i].weight, layers[i].bias, p);
        else
            np = m->k.pwconv.pack(s->cin, s->cout, layers[i].weight, layers[i].bias, p);
        s->packed = p;
        p += round16(np);
    }

    if (!m->unfused)
        plan_fusion(m, layers);
    orc_status split_st = plan_channel_split(m, layers, err);
    if (split_st != ORC_OK)
        return split_st;
    if (m->scratch_floats > 0) {
        m->scratch_mem = alloc_touched(m->threads * m->scratch_floats);
        if (m->scratch_mem == NULL)
            return orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory for %zu x %zu floats "
                                 "of fused-block tiles", m->threads, m->scratch_floats);
    }

    m->buf_floats = round16(max_act);
    m->slots = m->parallelism == ORC_MODEL_SPLIT ? 1 : m->threads;
    m->act_mem = alloc_touched(m->slots * m->nbuf * m->buf_floats);
    if (m->act_mem == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY,
                             "out of memory for activations (%zu buffers of %zu floats)",
                             m->slots * m->nbuf, m->buf_floats);
    return ORC_OK;
}

orc_status orc_model_open_layers(const orc_weights_info *info, const orc_layer *layers,
                                 const orc_model_options *opt, orc_model **out, orc_error *err)
{
    orc_model_options defaults;
    if (opt == NULL) {
        orc_model_options_default(&defaults);
        opt = &defaults;
    }
    if (info == NULL || layers == NULL || out == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "orc_model_open: NULL argument");
    if (opt->threads < 1 || opt->threads > ORC_THREADS_MAX)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "thread count %zu is out of range (1..%d)", opt->threads,
                             ORC_THREADS_MAX);
    if (opt->batch_capacity < 1)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "batch capacity must be >= 1");
    if (opt->parallelism != ORC_MODEL_AUTO && opt->parallelism != ORC_MODEL_SPLIT &&
        opt->parallelism != ORC_MODEL_IMAGES)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "unknown parallelism mode %d",
                             (int)opt->parallelism);
    orc_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory for the model");
    m->threads = opt->threads;
    m->batch_capacity = opt->batch_capacity;
    m->parallelism = opt->parallelism;
    m->unfused = opt->unfused;
    orc_status st = orc_kernels_select(opt->isa, &m->k, err);
    if (st == ORC_OK)
        st = build(m, info, layers, err);
    if (st == ORC_OK)
        st = orc_threadpool_open(m->threads, &m->pool, err);
    if (st != ORC_OK) {
        orc_model_close(m);
        return st;
    }
    size_t fused = 0;
    for (size_t i = 0; i < m->nsteps; i++)
        fused += m->steps[i].fused_rows > 0;
    snprintf(m->kernels_desc, sizeof m->kernels_desc, "%s, %s, %s, %s; %zu fused blocks",
             m->k.conv3x3.name, m->k.dwconv3x3.name, m->k.pwconv.name, m->k.gavgpool.name,
             fused);
    *out = m;
    return ORC_OK;
}

orc_status orc_model_open_weights(const orc_weights *w, const orc_model_options *opt,
                                  orc_model **out, orc_error *err)
{
    if (w == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "orc_model_open: NULL weights");
    orc_weights_info info = *orc_weights_get_info(w);
    if (opt != NULL && opt->input_size != 0) {
        if (opt->input_size < ORC_MODEL_INPUT_MIN || opt->input_size > ORC_MODEL_INPUT_MAX)
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                 "input size %zu is out of range (%d..%d)", opt->input_size,
                                 ORC_MODEL_INPUT_MIN, ORC_MODEL_INPUT_MAX);
        info.input_size = (uint32_t)opt->input_size;
    }
    orc_layer *layers = calloc(info.layer_count ? info.layer_count : 1, sizeof *layers);
    if (layers == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory for the layer list");
    for (uint32_t i = 0; i < info.layer_count; i++)
        layers[i] = *orc_weights_layer(w, i);
    orc_status st = orc_model_open_layers(&info, layers, opt, out, err);
    free(layers);
    return st;
}

orc_status orc_model_open(const char *weights_path, const orc_model_options *opt,
                          orc_model **out, orc_error *err)
{
    orc_weights *w = NULL;
    orc_status st = orc_weights_open(weights_path, &w, err);
    if (st != ORC_OK)
        return st;
    st = orc_model_open_weights(w, opt, out, err);
    if (st != ORC_OK)
        orc_error_prefix(err, "%s", weights_path);
    orc_weights_close(w);
    return st;
}

void orc_model_close(orc_model *m)
{
    if (m == NULL)
        return;
    orc_threadpool_close(m->pool);
    free(m->act_mem);
    free(m->scratch_mem);
    free(m->packed_mem);
    free(m->parts_mem);
    for (size_t i = 0; m->steps != NULL && i < m->nsteps; i++) {
        free(m->steps[i].part_begin);
        free(m->steps[i].parts);
    }
    free(m->steps);
    free(m);
}

size_t orc_model_input_size(const orc_model *m) { return m->input_size; }
size_t orc_model_input_channels(const orc_model *m) { return m->input_channels; }
size_t orc_model_feature_dim(const orc_model *m) { return m->feature_dim; }
size_t orc_model_threads(const orc_model *m) { return m->threads; }
size_t orc_model_batch_capacity(const orc_model *m) { return m->batch_capacity; }
const char *orc_model_kernels_description(const orc_model *m) { return m->kernels_desc; }

/* ---- run -------------------------------------------------------------------------------- */

typedef struct run_ctx {
    orc_model *m;
    const uint8_t *u8;   /* one of the two inputs */
    const float *f32;
    float *features;
    size_t image;        /* SPLIT: the image being computed */
    size_t step;         /* SPLIT: the layer being computed */
    size_t images_begin, images_count; /* IMAGES: the images computed one per thread */
} run_ctx;

static float *buffer(const orc_model *m, size_t slot, int b)
{
    return m->act_mem + (slot * m->nbuf + (size_t)b) * m->buf_floats;
}

/* dst[i] = src[i] * scale + offset for i in [0, n): 16 at a time in a fixed-length inner loop
 * (restrict pointers) that the compiler vectorizes at -O2, then the rest */
#define PRE_CHUNK 16
static void preprocess_u8(float *restrict dst, const uint8_t *restrict src, size_t n,
                          float scale, float offset)
{
    size_t i = 0;
    for (; i + PRE_CHUNK <= n; i += PRE_CHUNK)
        for (size_t j = 0; j < PRE_CHUNK; j++)
            dst[i + j] = (float)src[i + j] * scale + offset;
    for (; i < n; i++)
        dst[i] = (float)src[i] * scale + offset;
}

static void preprocess_f32(float *restrict dst, const float *restrict src, size_t n,
                           float scale, float offset)
{
    size_t i = 0;
    for (; i + PRE_CHUNK <= n; i += PRE_CHUNK)
        for (size_t j = 0; j < PRE_CHUNK; j++)
            dst[i + j] = src[i + j] * scale + offset;
    for (; i < n; i++)
        dst[i] = src[i] * scale + offset;
}

static void preprocess(const run_ctx *r, size_t slot, size_t image, size_t t, size_t nt)
{
    const orc_model *m = r->m;
    size_t row = m->input_size * m->input_channels, begin, end;
    orc_split_range(m->input_size, t, nt, &begin, &end);
    float *dst = buffer(m, slot, 0) + begin * row;
    const size_t from = image * m->input_size * row + begin * row, n = (end - begin) * row;
    if (r->u8 != NULL)
        preprocess_u8(dst, r->u8 + from, n, m->pre_scale, m->pre_offset);
    else
        preprocess_f32(dst, r->f32 + from, n, m->pre_scale, m->pre_offset);
}

/* output rows [first, end) of the 3x3 convolution e into rows 0.. of `tile`: the input is
 * shifted to the first row they read (row `first` * stride - pad_top, or the top padding), so
 * every element gets the taps, and the arithmetic, of the whole layer */
static void fused_conv3x3(const orc_model *m, const step *e, const float *in, size_t first,
                          size_t end, float *tile)
{
    const size_t top = first * e->stride, row = e->in_w * e->cin;
    const size_t shift = top >= e->pad_top ? top - e->pad_top : 0;
    orc_f32_conv3x3_args a = {
        .input = in + shift * row, .input_height = e->in_h - shift, .input_width = e->in_w,
        .input_channels = e->cin, .input_row_stride = row, .input_pixel_stride = e->cin,
        .output = tile, .output_width = e->out_w, .output_channels = e->cout,
        .output_row_stride = e->out_w * e->cout, .output_pixel_stride = e->cout,
        .stride = e->stride, .pad_top = e->pad_top + shift - top, .pad_left = e->pad_left,
        .packed = e->packed, .output_min = e->out_min, .output_max = e->out_max};
    m->k.conv3x3.run(&a, 0, end - first);
}

/* a fused block (plan_fusion): part t of nt of the output rows, tile by tile, in the scratch
 * tiles of thread `worker` */
static void run_fused(const orc_model *m, size_t slot, size_t worker, size_t i, size_t t,
                      size_t nt)
{
    const step *e = &m->steps[i], *d = &m->steps[i + 1], *p = &m->steps[i + 2];
    const float *in = buffer(m, slot, e->in_buf);
    float *out = buffer(m, slot, p->out_buf);
    const float *res = p->res_buf >= 0 ? buffer(m, slot, p->res_buf) : NULL;
    const size_t ex = e->cout, w = d->in_w, ow = d->out_w;
    float *xtile = m->scratch_mem + worker * m->scratch_floats;
    float *dtile = xtile + round16((e->fused_rows * d->stride + 3) * w * ex);
    size_t rb, re;
    orc_split_range(d->out_h, t, nt, &rb, &re);
    for (size_t r0 = rb; r0 < re; r0 += e->fused_rows) {
        size_t r1 = r0 + e->fused_rows < re ? r0 + e->fused_rows : re, first, end;
        fused_input_rows(d, r0, r1, &first, &end);
        if (e->kind == ORC_LAYER_CONV3X3) {
            fused_conv3x3(m, e, in, first, end, xtile);
        } else {
            orc_f32_pwconv_args xa = {
                .input_channels = e->cin, .output_channels = ex,
                .input = in + first * w * e->cin, .input_stride = e->cin, .packed = e->packed,
                .output = xtile, .output_stride = ex, .output_min = e->out_min,
                .output_max = e->out_max};
            m->k.pwconv.run(&xa, 0, (end - first) * w);
        }
        /* tile row k is input row first + k: shift the top padding so that output row
         * r0 + j of the layer is row j of the call */
        orc_f32_dwconv3x3_args da = {
            .input = xtile, .input_height = end - first, .input_width = w, .channels = ex,
            .input_row_stride = w * ex, .input_pixel_stride = ex, .output = dtile,
            .output_width = ow, .output_row_stride = ow * ex, .output_pixel_stride = ex,
            .stride = d->stride, .pad_top = d->pad_top + first - r0 * d->stride,
            .pad_left = d->pad_left, .packed = d->packed, .output_min = d->out_min,
            .output_max = d->out_max};
        m->k.dwconv3x3.run(&da, 0, r1 - r0);
        orc_f32_pwconv_args pa = {
            .input_channels = ex, .output_channels = p->cout, .input = dtile,
            .input_stride = ex, .packed = p->packed,
            .residual = res != NULL ? res + r0 * ow * p->cout : NULL,
            .residual_stride = p->cout, .output = out + r0 * ow * p->cout,
            .output_stride = p->cout, .output_min = p->out_min, .output_max = p->out_max};
        m->k.pwconv.run(&pa, 0, (r1 - r0) * ow);
    }
}

/* the step after step i (a fused block covers three) */
static size_t next_step(const orc_model *m, size_t i)
{
    return i + (m->steps[i].fused_rows > 0 ? 3 : 1);
}

/* part t of nt of step i (a whole fused block when steps[i].fused_rows > 0) on the buffers of
 * `slot`, by thread `worker` */
static void run_step(const orc_model *m, size_t slot, size_t worker, size_t i, size_t t,
                     size_t nt)
{
    const step *s = &m->steps[i];
    if (s->fused_rows > 0) {
        run_fused(m, slot, worker, i, t, nt);
        return;
    }
    const float *in = buffer(m, slot, s->in_buf);
    float *out = buffer(m, slot, s->out_buf);
    size_t begin, end;
    switch (s->kind) {
    case ORC_LAYER_CONV3X3: {
        orc_f32_conv3x3_args a = {
            .input = in, .input_height = s->in_h, .input_width = s->in_w,
            .input_channels = s->cin, .input_row_stride = s->in_w * s->cin,
            .input_pixel_stride = s->cin, .output = out, .output_width = s->out_w,
            .output_channels = s->cout, .output_row_stride = s->out_w * s->cout,
            .output_pixel_stride = s->cout, .stride = s->stride, .pad_top = s->pad_top,
            .pad_left = s->pad_left, .packed = s->packed, .output_min = s->out_min,
            .output_max = s->out_max};
        orc_split_range(s->out_h, t, nt, &begin, &end);
        if (begin < end)
            m->k.conv3x3.run(&a, begin, end);
        break;
    }
    case ORC_LAYER_DWCONV3X3: {
        orc_f32_dwconv3x3_args a = {
            .input = in, .input_height = s->in_h, .input_width = s->in_w, .channels = s->cin,
            .input_row_stride = s->in_w * s->cin, .input_pixel_stride = s->cin, .output = out,
            .output_width = s->out_w, .output_row_stride = s->out_w * s->cout,
            .output_pixel_stride = s->cout, .stride = s->stride, .pad_top = s->pad_top,
            .pad_left = s->pad_left, .packed = s->packed, .output_min = s->out_min,
            .output_max = s->out_max};
        orc_split_range(s->out_h, t, nt, &begin, &end);
        if (begin < end)
            m->k.dwconv3x3.run(&a, begin, end);
        break;
    }
    case ORC_LAYER_CONV1X1: {
        orc_f32_pwconv_args a = {
            .input_channels = s->cin, .output_channels = s->cout, .input = in,
            .input_stride = s->cin, .packed = s->packed,
            .residual = s->res_buf >= 0 ? buffer(m, slot, s->res_buf) : NULL,
            .residual_stride = s->cout, .output = out, .output_stride = s->cout,
            .output_min = s->out_min, .output_max = s->out_max};
        if (nt > 1 && s->parts != NULL) { /* split by output channels */
            const size_t c0 = s->part_begin[t], c1 = s->part_begin[t + 1];
            a.output_channels = c1 - c0;
            a.packed = s->parts[t];
            a.output = out + c0;
            a.residual = a.residual != NULL ? a.residual + c0 : NULL;
            if (c0 < c1)
                m->k.pwconv.run(&a, 0, s->out_h * s->out_w);
            break;
        }
        orc_split_range(s->out_h * s->out_w, t, nt, &begin, &end);
        if (begin < end)
            m->k.pwconv.run(&a, begin, end);
        break;
    }
    }
}

static void pool_features(const run_ctx *r, size_t slot, size_t image, size_t t, size_t nt)
{
    const orc_model *m = r->m;
    orc_f32_gavgpool_args a = {.pixels = m->last_pixels, .channels = m->feature_dim,
                               .input = buffer(m, slot, m->last_buf),
                               .input_stride = m->feature_dim,
                               .output = r->features + image * m->feature_dim};
    size_t begin, end;
    orc_split_range(m->feature_dim, t, nt, &begin, &end);
    if (begin < end)
        m->k.gavgpool.run(&a, begin, end);
}

static void task_images(void *ctx, size_t t, size_t nt)
{
    const run_ctx *r = ctx;
    size_t begin, end;
    orc_split_range(r->images_count, t, nt, &begin, &end);
    for (size_t i = r->images_begin + begin; i < r->images_begin + end; i++) {
        preprocess(r, t, i, 0, 1);
        for (size_t s = 0; s < r->m->nsteps; s = next_step(r->m, s))
            run_step(r->m, t, t, s, 0, 1);
        pool_features(r, t, i, 0, 1);
    }
}

static void task_preprocess(void *ctx, size_t t, size_t nt)
{
    const run_ctx *r = ctx;
    preprocess(r, 0, r->image, t, nt);
}

static void task_step(void *ctx, size_t t, size_t nt)
{
    const run_ctx *r = ctx;
    run_step(r->m, 0, t, r->step, t, nt);
}

static void task_pool(void *ctx, size_t t, size_t nt)
{
    const run_ctx *r = ctx;
    pool_features(r, 0, r->image, t, nt);
}

static orc_status run(orc_model *m, const uint8_t *u8, const float *f32, size_t batch,
                      float *features, orc_error *err)
{
    if (m == NULL || (u8 == NULL && f32 == NULL) || features == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "orc_model_run: NULL argument");
    if (batch < 1 || batch > m->batch_capacity)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "batch of %zu images is outside 1..%zu (the model's capacity)",
                             batch, m->batch_capacity);
    run_ctx r = {.m = m, .u8 = u8, .f32 = f32, .features = features};
    size_t nt = m->threads, in_flight = 0;
    if (m->parallelism == ORC_MODEL_IMAGES)
        in_flight = batch;
    else if (m->parallelism == ORC_MODEL_AUTO)
        in_flight = batch / nt * nt;
    if (in_flight > 0) {
        r.images_begin = 0;
        r.images_count = in_flight;
        orc_threadpool_run(m->pool, task_images, &r);
    }
    for (size_t i = in_flight; i < batch; i++) {
        r.image = i;
        orc_threadpool_run(m->pool, task_preprocess, &r);
        for (size_t s = 0; s < m->nsteps; s = next_step(m, s)) {
            r.step = s;
            orc_threadpool_run(m->pool, task_step, &r);
        }
        orc_threadpool_run(m->pool, task_pool, &r);
    }
    return ORC_OK;
}

orc_status orc_model_run(orc_model *m, const uint8_t *images, size_t batch, float *features,
                         orc_error *err)
{
    return run(m, images, NULL, batch, features, err);
}

orc_status orc_model_run_f32(orc_model *m, const float *images, size_t batch, float *features,
                             orc_error *err)
{
    return run(m, NULL, images, batch, features, err);
}
