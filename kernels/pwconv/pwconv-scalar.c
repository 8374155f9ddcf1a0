/* pwconv-scalar.c -- portable pointwise convolution: weights packed as bias[cout] then
 * [cin][cout]; each output pixel accumulates in place, bias first, then ci in order. */
#include "pwconv/pwconv.h"

#include <string.h>

size_t orc_f32_pwconv_pack__scalar(size_t input_channels, size_t output_channels,
                                   const float *weight, const float *bias, float *packed)
{
    size_t wsize = input_channels * output_channels;
    if (packed != NULL) {
        memcpy(packed, bias, output_channels * sizeof *packed);
        memcpy(packed + output_channels, weight, wsize * sizeof *packed);
    }
    return output_channels + wsize;
}

void orc_f32_pwconv_minmax__scalar(const orc_f32_pwconv_args *a, size_t pixel_begin,
                                   size_t pixel_end)
{
    const size_t cin = a->input_channels, cout = a->output_channels;
    const float *bias = a->packed;
    const float *weight = a->packed + cout; /* [cin][cout] */
    for (size_t p = pixel_begin; p < pixel_end; p++) {
        const float *in = a->input + p * a->input_stride;
        float *out = a->output + p * a->output_stride;
        for (size_t co = 0; co < cout; co++)
            out[co] = bias[co];
        for (size_t ci = 0; ci < cin; ci++) {
            const float x = in[ci];
            const float *w = weight + ci * cout;
            for (size_t co = 0; co < cout; co++)
                out[co] += x * w[co];
        }
        for (size_t co = 0; co < cout; co++) {
            float v = out[co];
            v = v < a->output_min ? a->output_min : v;
            out[co] = v > a->output_max ? a->output_max : v;
        }
        if (a->residual != NULL) {
            const float *r = a->residual + p * a->residual_stride;
            for (size_t co = 0; co < cout; co++)
                out[co] += r[co];
        }
    }
}
