/* orchard-convert.c -- Keras MobileNetV2 .h5 weights to an Orchard .orw file.
 *
 * orchard-convert [--input-size N] [--quiet] IN.h5 OUT.orw
 * Reads the Keras 2 legacy HDF5 layout (tools/convert/keras_h5.c), checks that it is a
 * MobileNetV2 without top at a Keras alpha and folds BatchNorm (tools/convert/mobilenet_v2.c),
 * writes OUT.orw.tmp.PID, re-opens it with the validating loader, compares every layer and
 * tensor with what was meant to be written, and only then renames it to OUT.orw.
 * Exit status: 0 converted, 1 refused or failed (the reason on stderr), 2 bad command line.
 */
#include "convert/keras_h5.h"
#include "convert/mobilenet_v2.h"
#include "weights.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: orchard-convert [--input-size N] [--quiet] IN.h5 OUT.orw\n\n"
            "Convert Keras MobileNetV2 ImageNet weights (include_top=False, any Keras alpha:\n"
            "0.35, 0.5, 0.75, 1.0, 1.3, 1.4) from the Keras 2 HDF5 layout that\n"
            "model.save_weights() writes (e.g. mobilenet_v2_weights_tf_dim_ordering_tf_kernels_\n"
            "1.0_224_no_top.h5) into the Orchard weight file described in weights/FORMAT.md.\n"
            "BatchNorm (epsilon 1e-3) is folded into the convolutions. The output is written\n"
            "to a temporary name, verified by re-opening it, then renamed to OUT.orw.\n\n"
            "options:\n"
            "  --input-size N  input image size recorded in the file (default 224; the Keras\n"
            "                  weights exist for 96, 128, 160, 192 and 224)\n"
            "  --quiet         print nothing on success\n"
            "  -h, --help      this text\n");
}

/* The file just written must hold exactly the model we meant to write. */
static orc_status verify(const char *tmp, const orc_mnv2_model *m, char sha[65], orc_error *err)
{
    orc_weights *w = NULL;
    orc_status st = orc_weights_open(tmp, &w, err);
    if (st != ORC_OK)
        return orc_error_prefix(err, "verifying what was written");
    const orc_weights_info *info = orc_weights_get_info(w);
    if (info->layer_count != m->info.layer_count || info->alpha != m->info.alpha ||
        info->feature_dim != m->info.feature_dim || info->input_size != m->info.input_size)
        st = orc_error_set(err, ORC_ERR_INTERNAL, "verifying %s: header differs from the model",
                           tmp);
    for (uint32_t i = 0; i < m->info.layer_count && st == ORC_OK; i++) {
        const orc_layer *a = orc_weights_layer(w, i), *b = &m->layers[i];
        size_t nw = a->kind == ORC_LAYER_CONV3X3     ? 9u * a->cin * a->cout
                    : a->kind == ORC_LAYER_DWCONV3X3 ? 9u * a->cout
                                                     : (size_t)a->cin * a->cout;
        if (a->kind != b->kind || a->stride != b->stride || a->cin != b->cin ||
            a->cout != b->cout || a->relu6 != b->relu6 || a->residual_from != b->residual_from ||
            a->block != b->block || strcmp(a->name, b->name) != 0 ||
            memcmp(a->weight, b->weight, nw * sizeof(float)) != 0 ||
            memcmp(a->bias, b->bias, a->cout * sizeof(float)) != 0)
            st = orc_error_set(err, ORC_ERR_INTERNAL, "verifying %s: layer %u (%s) differs from "
                               "what was meant to be written", tmp, i, b->name);
    }
    if (st == ORC_OK)
        memcpy(sha, info->sha256, 65);
    orc_weights_close(w);
    return st;
}

int main(int argc, char **argv)
{
    uint32_t input_size = 224;
    int quiet = 0;
    const char *in = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(argv[i], "--input-size") == 0) {
            char *end = NULL;
            long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;
            if (end == NULL || *end != '\0' || v < 32 || v > 8192) {
                fprintf(stderr, "orchard-convert: --input-size needs a number in [32, 8192]\n");
                return 2;
            }
            input_size = (uint32_t)v;
            i++;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "orchard-convert: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (in == NULL) {
            in = argv[i];
        } else if (out == NULL) {
            out = argv[i];
        } else {
            fprintf(stderr, "orchard-convert: too many arguments ('%s')\n", argv[i]);
            return 2;
        }
    }
    if (in == NULL || out == NULL) {
        usage(stderr);
        return 2;
    }
    orc_error err = {ORC_OK, ""};
    orc_keras_h5 *h5 = NULL;
    orc_mnv2_model model;
    int have_model = 0;
    char tmp[4096], sha[65] = "";
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out, (long)getpid());
    orc_status st = orc_keras_h5_open(in, &h5, &err);
    if (st == ORC_OK)
        st = orc_mnv2_from_keras(h5, input_size, &model, &err);
    have_model = st == ORC_OK;
    if (st == ORC_OK)
        st = orc_weights_write(tmp, &model.info, model.layers, &err);
    if (st == ORC_OK)
        st = verify(tmp, &model, sha, &err);
    if (st == ORC_OK && rename(tmp, out) != 0)
        st = orc_error_set(&err, ORC_ERR_IO, "cannot rename %s to %s: %s", tmp, out,
                           strerror(errno));
    if (st != ORC_OK) {
        unlink(tmp);
        fprintf(stderr, "orchard-convert: %s\n", err.msg);
    } else if (!quiet) {
        printf("orchard-convert: %s -> %s: MobileNetV2 alpha %g, %u layers, %llu Keras "
               "parameters, %u features, sha256 %s\n", in, out, (double)model.info.alpha,
               model.info.layer_count, (unsigned long long)model.parameters,
               model.info.feature_dim, sha);
    }
    if (have_model)
        orc_mnv2_free(&model);
    orc_keras_h5_close(h5);
    return st == ORC_OK ? 0 : 1;
}
