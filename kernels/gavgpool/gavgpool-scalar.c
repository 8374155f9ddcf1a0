/* gavgpool-scalar.c -- portable global average pool: per channel, sum in pixel order, then
 * divide by the pixel count. */
#include "gavgpool/gavgpool.h"

void orc_f32_gavgpool__scalar(const orc_f32_gavgpool_args *a, size_t channel_begin,
                              size_t channel_end)
{
    for (size_t c = channel_begin; c < channel_end; c++)
        a->output[c] = 0.0f;
    for (size_t p = 0; p < a->pixels; p++) {
        const float *in = a->input + p * a->input_stride;
        for (size_t c = channel_begin; c < channel_end; c++)
            a->output[c] += in[c];
    }
    for (size_t c = channel_begin; c < channel_end; c++)
        a->output[c] /= (float)a->pixels;
}
