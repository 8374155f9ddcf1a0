/* conv3x3-scalar.c -- portable 3x3 convolution: weights packed as bias[cout] then HWIO. */
#include "conv3x3/conv3x3.h"

#include <string.h>

size_t orc_f32_conv3x3_pack__scalar(size_t input_channels, size_t output_channels,
                                    const float *weight, const float *bias, float *packed)
{
    size_t wsize = 9 * input_channels * output_channels;
    if (packed != NULL) {
        memcpy(packed, bias, output_channels * sizeof *packed);
        memcpy(packed + output_channels, weight, wsize * sizeof *packed);
    }
    return output_channels + wsize;
}

void orc_f32_conv3x3_minmax__scalar(const orc_f32_conv3x3_args *a, size_t row_begin,
                                    size_t row_end)
{
    const size_t cin = a->input_channels, cout = a->output_channels;
    const float *bias = a->packed;
    const float *weight = a->packed + cout; /* [3][3][cin][cout] */
    for (size_t oy = row_begin; oy < row_end; oy++) {
        for (size_t ox = 0; ox < a->output_width; ox++) {
            float *out = a->output + oy * a->output_row_stride + ox * a->output_pixel_stride;
            for (size_t co = 0; co < cout; co++)
                out[co] = bias[co];
            for (size_t ky = 0; ky < 3; ky++) {
                size_t iy = oy * a->stride + ky; /* padded coordinate */
                if (iy < a->pad_top || iy - a->pad_top >= a->input_height)
                    continue;
                iy -= a->pad_top;
                for (size_t kx = 0; kx < 3; kx++) {
                    size_t ix = ox * a->stride + kx;
                    if (ix < a->pad_left || ix - a->pad_left >= a->input_width)
                        continue;
                    ix -= a->pad_left;
                    const float *in = a->input + iy * a->input_row_stride +
                                      ix * a->input_pixel_stride;
                    const float *w = weight + (ky * 3 + kx) * cin * cout;
                    for (size_t ci = 0; ci < cin; ci++) {
                        const float x = in[ci];
                        const float *wrow = w + ci * cout;
                        for (size_t co = 0; co < cout; co++)
                            out[co] += x * wrow[co];
                    }
                }
            }
            for (size_t co = 0; co < cout; co++) {
                float v = out[co];
                v = v < a->output_min ? a->output_min : v;
                out[co] = v > a->output_max ? a->output_max : v;
            }
        }
    }
}
