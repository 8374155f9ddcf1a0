/* mobilenet_v2.h -- turn the layers of a Keras MobileNetV2 weights file into .orw layers.
 *
 * Checks that the file's layers are exactly those of Keras MobileNetV2(include_top=False) at
 * one of the Keras alphas (0.35, 0.5, 0.75, 1.0, 1.3, 1.4; channel counts inferred from the
 * kernel shapes), then folds each BatchNorm (epsilon 1e-3, in double) into the preceding
 * convolution. Errors name the file and the layer that does not fit.
 */
#ifndef ORC_CONVERT_MOBILENET_V2_H
#define ORC_CONVERT_MOBILENET_V2_H

#include "keras_h5.h"
#include "weights.h"

#define ORC_MNV2_LAYERS 52u    /* Conv1, 2 layers of block 0, 3 x 16 blocks, Conv_1 */
#define ORC_MNV2_BN_EPSILON 1e-3

typedef struct orc_mnv2_model {
    orc_weights_info info;             /* alpha, input size, feature dim, preprocessing */
    orc_layer layers[ORC_MNV2_LAYERS]; /* weight/bias point into storage[] */
    float *storage[2 * ORC_MNV2_LAYERS];
    uint64_t parameters;               /* Keras parameter count (kernels + 4 per BN channel) */
} orc_mnv2_model;

/* Build the folded model from h5; input_size is recorded in the file (Keras default 224). */
orc_status orc_mnv2_from_keras(const orc_keras_h5 *h5, uint32_t input_size,
                               orc_mnv2_model *out, orc_error *err);
void orc_mnv2_free(orc_mnv2_model *m);

#endif
