/* dwconv3x3-scalar.c -- portable depthwise 3x3 convolution: weights packed as bias[c] then
 * [3][3][c]. */
#include "dwconv3x3/dwconv3x3.h"

#include <string.h>

size_t orc_f32_dwconv3x3_pack__scalar(size_t channels, const float *weight, const float *bias,
                                      float *packed)
{
    if (packed != NULL) {
        memcpy(packed, bias, channels * sizeof *packed);
        memcpy(packed + channels, weight, 9 * channels * sizeof *packed);
    }
    return 10 * channels;
}

void orc_f32_dwconv3x3_minmax__scalar(const orc_f32_dwconv3x3_args *a, size_t row_begin,
                                      size_t row_end)
{
    const size_t c = a->channels;
    const float *bias = a->packed;
    const float *weight = a->packed + c; /* [3][3][c] */
    for (size_t oy = row_begin; oy < row_end; oy++) {
        for (size_t ox = 0; ox < a->output_width; ox++) {
            float *out = a->output + oy * a->output_row_stride + ox * a->output_pixel_stride;
            for (size_t k = 0; k < c; k++)
                out[k] = bias[k];
            for (size_t ky = 0; ky < 3; ky++) {
                size_t iy = oy * a->stride + ky;
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
                    const float *w = weight + (ky * 3 + kx) * c;
                    for (size_t k = 0; k < c; k++)
                        out[k] += in[k] * w[k];
                }
            }
            for (size_t k = 0; k < c; k++) {
                float v = out[k];
                v = v < a->output_min ? a->output_min : v;
                out[k] = v > a->output_max ? a->output_max : v;
            }
        }
    }
}
