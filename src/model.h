/* model.h -- the MobileNetV2 forward pass: NHWC images in, feature vectors out.
 *
 * orc_model_open*() validates the layer graph, packs every layer's weights for the chosen
 * kernels, creates the thread pool and allocates (and touches) EVERY buffer the forward pass
 * needs; orc_model_run() then never allocates. The graph is executed generically from the
 * orc_layer array (weights.h): each layer reads the previous layer's output, 3x3 layers use
 * Keras padding (kernels/kernel_common.h), a layer with residual_from = r adds the INPUT of
 * layer r, and the last activation is average-pooled to the feature vector.
 *
 * Parallelism (static split, so features are bitwise identical for any thread count and batch
 * size with a given ISA): ORC_MODEL_SPLIT runs one image at a time, every layer split across
 * the threads (by output rows, pixels or channels); ORC_MODEL_IMAGES runs one whole image per
 * thread; ORC_MODEL_AUTO (default) runs floor(batch / threads) * threads images one per thread
 * and the rest split.
 *
 * Threading: one orc_model_run at a time per model (the model owns its threads and buffers);
 * different models are independent.
 */
#ifndef ORC_MODEL_H
#define ORC_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "isa.h"
#include "orchard.h"
#include "weights.h"

typedef enum orc_model_parallelism {
    ORC_MODEL_AUTO = 0,
    ORC_MODEL_SPLIT = 1,  /* one image split across all threads (latency) */
    ORC_MODEL_IMAGES = 2  /* several images in flight, one per thread (throughput) */
} orc_model_parallelism;

typedef struct orc_model_options {
    size_t threads;         /* >= 1 */
    orc_isa isa;            /* widest ISA allowed; orc_isa_best() by default */
    size_t batch_capacity;  /* most images per orc_model_run call */
    orc_model_parallelism parallelism;
    int unfused;            /* 1: run every layer on its own, no fused blocks (model.c); the
                               features are bitwise the same, only speed differs */
    size_t input_size;      /* 0: the weight file's (224); else run the network on
                               input_size x input_size images (ORC_MODEL_INPUT_MIN..MAX):
                               the layers are convolutions, the pooled feature stays 1280-d */
} orc_model_options;

#define ORC_MODEL_INPUT_MIN 32
#define ORC_MODEL_INPUT_MAX 1024

typedef struct orc_model orc_model;

/* threads 1, isa orc_isa_best(), batch_capacity 32, ORC_MODEL_AUTO, input_size 0 */
void orc_model_options_default(orc_model_options *opt);

/* From a .orw file (opened, packed, closed again: the model keeps no mapping). */
orc_status orc_model_open(const char *weights_path, const orc_model_options *opt,
                          orc_model **out, orc_error *err);
/* From an open weight file (not kept: may be closed after this returns). */
orc_status orc_model_open_weights(const orc_weights *w, const orc_model_options *opt,
                                  orc_model **out, orc_error *err);
/* From a layer array built by the caller (tests: random weights, small alpha or input size).
 * Uses info->input_size, input_channels, feature_dim, pre_scale, pre_offset, layer_count. */
orc_status orc_model_open_layers(const orc_weights_info *info, const orc_layer *layers,
                                 const orc_model_options *opt, orc_model **out, orc_error *err);
void orc_model_close(orc_model *m);

size_t orc_model_input_size(const orc_model *m);     /* e.g. 224 (height = width) */
size_t orc_model_input_channels(const orc_model *m); /* 3 */
size_t orc_model_feature_dim(const orc_model *m);    /* 1280 */
size_t orc_model_threads(const orc_model *m);
size_t orc_model_batch_capacity(const orc_model *m);
/* one line naming the chosen kernel of each op, e.g. for `orchard -v` */
const char *orc_model_kernels_description(const orc_model *m);

/* images: [batch][input_size][input_size][input_channels] uint8 (RGB), preprocessed as
 * x * pre_scale + pre_offset; features: [batch][feature_dim]. 1 <= batch <= batch_capacity. */
orc_status orc_model_run(orc_model *m, const uint8_t *images, size_t batch, float *features,
                         orc_error *err);
/* the same with float pixel values (0..255 scale, preprocessed the same way) */
orc_status orc_model_run_f32(orc_model *m, const float *images, size_t batch, float *features,
                             orc_error *err);

#endif
