/* keras_h5.h -- read a Keras 2 legacy HDF5 weights file (model.save_weights("x.h5")).
 *
 * Layout read: root attribute layer_names (strings, model order); per layer a group with the
 * attribute weight_names (strings, possibly empty); each weight a float dataset at
 * <layer>/<weight name>, e.g. Conv1/Conv1/kernel:0. Fixed-length and variable-length string
 * attributes are both accepted. Not thread-safe (libhdf5 serial); one file per converter run.
 */
#ifndef ORC_KERAS_H5_H
#define ORC_KERAS_H5_H

#include "orchard.h"

typedef struct orc_keras_layer {
    char *name;
    uint32_t weight_count;
    char **weight_names; /* [weight_count], e.g. "Conv1/kernel:0" */
} orc_keras_layer;

typedef struct orc_keras_h5 {
    char *path;
    int64_t file; /* hid_t */
    uint32_t layer_count;
    orc_keras_layer *layers; /* [layer_count], in the file's (model) order */
} orc_keras_h5;

typedef struct orc_keras_tensor {
    uint32_t rank;      /* 1..4 */
    uint64_t dims[4];   /* Keras shape, e.g. (3, 3, cin, cout) */
    uint64_t count;     /* product of dims */
    float *data;        /* [count], row-major as stored; owned, free() it */
} orc_keras_tensor;

/* Open path and read the layer and weight names. */
orc_status orc_keras_h5_open(const char *path, orc_keras_h5 **out, orc_error *err);
void orc_keras_h5_close(orc_keras_h5 *h5);
/* Read weight w of layer l as float32 (a float dataset of any width; other types refused). */
orc_status orc_keras_h5_read(const orc_keras_h5 *h5, uint32_t l, uint32_t w,
                             orc_keras_tensor *out, orc_error *err);

#endif
