/* gavgpool-simd.h -- global average pooling written once against kernels/simd.h; each ISA file
 * defines ORC_GP_RUN and includes it. Per channel vector the pixels are summed in pixel order
 * (the scalar order, so every ISA gives the scalar result), then divided by the pixel count. */
#include "simd.h"

void ORC_GP_RUN(const orc_f32_gavgpool_args *a, size_t channel_begin, size_t channel_end)
{
    for (size_t k = channel_begin; k < channel_end; k += ORC_VW) {
        const size_t n = channel_end - k;
        orc_v acc = orc_v_zero();
        for (size_t p = 0; p < a->pixels; p++)
            acc = orc_v_add(acc, orc_v_load_upto(a->input + p * a->input_stride + k, n));
        orc_v_store_upto(a->output + k, acc, n);
    }
    for (size_t c = channel_begin; c < channel_end; c++)
        a->output[c] /= (float)a->pixels;
}
