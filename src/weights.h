/* weights.h -- the MobileNetV2 weight file (.orw): memory-mapped, validated, read-only.
 *
 * The byte layout is normative in weights/FORMAT.md. Everything the forward pass needs comes
 * from the file: architecture (alpha, input size, per-layer kind/stride/channels/activation/
 * residual), preprocessing constants, and BatchNorm-folded weights and biases.
 *
 * orc_weights_open() maps the file and checks magic, version, header checksum, every offset
 * and size (bounds, 64-byte alignment), every tensor checksum, and the layer graph's
 * consistency (channels chain, shapes) before returning; nothing is used unchecked.
 * An orc_weights is immutable after open and may be shared by any number of threads.
 */
#ifndef ORC_WEIGHTS_H
#define ORC_WEIGHTS_H

#include "orchard.h"

typedef enum orc_layer_kind {
    ORC_LAYER_CONV3X3 = 1,   /* full 3x3 conv (the first layer); weight [3][3][cin][cout] (HWIO) */
    ORC_LAYER_DWCONV3X3 = 2, /* depthwise 3x3; weight [3][3][c] (HWC), cin == cout */
    ORC_LAYER_CONV1X1 = 3    /* pointwise 1x1; weight [cin][cout] */
} orc_layer_kind;

typedef struct orc_layer {
    orc_layer_kind kind;
    uint32_t stride;      /* 1 or 2 (3x3 layers); stride 2 pads bottom/right only (TF "SAME") */
    uint32_t cin, cout;
    uint32_t relu6;       /* 1: clamp to [0, 6] after bias */
    int32_t residual_from; /* -1, or the index of the layer whose INPUT is added to this
                              layer's output (the block input), for project layers */
    uint32_t block;       /* inverted-residual block index (0..16), or UINT32_MAX for Conv1/Conv_1 */
    const float *weight;  /* BN folded, layout above, 64-byte aligned, inside the mapping */
    const float *bias;    /* [cout], BN folded */
    char name[48];        /* Keras layer name, e.g. "block_3_expand" */
} orc_layer;

typedef struct orc_weights_info {
    float alpha;          /* width multiplier, e.g. 1.0 */
    uint32_t input_size;  /* 224 */
    uint32_t input_channels; /* 3 */
    uint32_t feature_dim; /* 1280 */
    float pre_scale;      /* x * pre_scale + pre_offset: 1/127.5 and -1 for Keras MobileNetV2 */
    float pre_offset;
    uint32_t layer_count;
    char sha256[65];      /* hex SHA-256 of the whole file, for run.json */
} orc_weights_info;

typedef struct orc_weights orc_weights;

/* Map and validate path. On any problem returns an error whose message names the file, what is
 * wrong and what to do (e.g. "rebuild it with make weights"). */
orc_status orc_weights_open(const char *path, orc_weights **out, orc_error *err);
void orc_weights_close(orc_weights *w);
const orc_weights_info *orc_weights_get_info(const orc_weights *w);
/* layer i in execution order, 0 <= i < layer_count */
const orc_layer *orc_weights_layer(const orc_weights *w, uint32_t i);

/* Write a .orw file at path (replacing it) from info (alpha, input_size, input_channels,
 * feature_dim, pre_scale, pre_offset, layer_count; sha256 ignored) and layers[layer_count]
 * (weight/bias in the layouts above, host memory). Runs the same graph and NaN/Inf checks as
 * orc_weights_open first. Used by orchard-convert and by tests that need a model file. */
orc_status orc_weights_write(const char *path, const orc_weights_info *info,
                             const orc_layer *layers, orc_error *err);

#endif
