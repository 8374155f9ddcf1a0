/* conv3x3-simd.h -- the full 3x3 convolution (the first layer) written once against
 * kernels/simd.h; each ISA file defines ORC_C3_RUN and ORC_C3_PACK and includes it.
 *
 * Packed layout: output channels in blocks of ORC_VW; per block bias[ORC_VW] then
 * weight[3][3][input_channels][ORC_VW], zero padded past the last real channel. Interior
 * pixels go eight at a time (eight independent accumulators hide the FMA latency; each weight
 * vector is loaded once per eight pixels), edge pixels one at a time; both fuse bias then the
 * in-bounds taps in (ky, kx, ci) order, so every element gets the same arithmetic wherever the
 * row range starts.
 */
#include "simd.h"

#define ORC_C3_TILE 8

static size_t block_floats(size_t input_channels)
{
    return ORC_VW + 9 * input_channels * ORC_VW;
}

size_t ORC_C3_PACK(size_t input_channels, size_t output_channels, const float *weight,
                   const float *bias, float *packed)
{
    size_t blocks = (output_channels + ORC_VW - 1) / ORC_VW;
    if (packed != NULL) {
        for (size_t b = 0; b < blocks; b++) {
            float *dst = packed + b * block_floats(input_channels);
            for (size_t j = 0; j < ORC_VW; j++) {
                size_t co = b * ORC_VW + j;
                dst[j] = co < output_channels ? bias[co] : 0.0f;
                for (size_t t = 0; t < 9 * input_channels; t++)
                    dst[ORC_VW + t * ORC_VW + j] =
                        co < output_channels ? weight[t * output_channels + co] : 0.0f;
            }
        }
    }
    return blocks * block_floats(input_channels);
}

void ORC_C3_RUN(const orc_f32_conv3x3_args *a, size_t row_begin, size_t row_end)
{
    const size_t cin = a->input_channels, cout = a->output_channels, s = a->stride;
    const size_t ps = a->input_pixel_stride, ow = a->output_width;
    const orc_v lo = orc_v_set1(a->output_min), hi = orc_v_set1(a->output_max);
    for (size_t oy = row_begin; oy < row_end; oy++) {
        size_t ky0 = 0, ky1 = 3, top = oy * s;
        if (top < a->pad_top)
            ky0 = a->pad_top - top;
        if (top + 3 > a->pad_top + a->input_height)
            ky1 = a->pad_top + a->input_height - top;
        const float *rows[3] = {NULL, NULL, NULL};
        for (size_t ky = ky0; ky < ky1; ky++)
            rows[ky] = a->input + (top + ky - a->pad_top) * a->input_row_stride;
        float *orow = a->output + oy * a->output_row_stride;
        for (size_t co0 = 0; co0 < cout; co0 += ORC_VW) {
            const size_t n = cout - co0;
            const float *blk = a->packed + co0 / ORC_VW * block_floats(cin);
            const orc_v bias = orc_v_load(blk);
            const float *w = blk + ORC_VW; /* [ky][kx][ci][ORC_VW] */
            size_t ox = 0;
            while (ox < ow) {
                int tile = ox + ORC_C3_TILE <= ow && ox * s >= a->pad_left &&
                           (ox + ORC_C3_TILE - 1) * s + 3 <= a->pad_left + a->input_width;
                if (tile) {
                    orc_v acc[ORC_C3_TILE];
#pragma GCC unroll 8
                    for (size_t j = 0; j < ORC_C3_TILE; j++)
                        acc[j] = bias;
                    const size_t x0 = ox * s - a->pad_left;
                    for (size_t ky = ky0; ky < ky1; ky++) {
                        for (size_t kx = 0; kx < 3; kx++) {
                            const float *in = rows[ky] + (x0 + kx) * ps;
                            const float *wt = w + (ky * 3 + kx) * cin * ORC_VW;
                            for (size_t ci = 0; ci < cin; ci++) {
                                const orc_v wv = orc_v_load(wt + ci * ORC_VW);
#pragma GCC unroll 8
                                for (size_t j = 0; j < ORC_C3_TILE; j++)
                                    acc[j] = orc_v_fma(orc_v_set1(in[j * s * ps + ci]), wv,
                                                       acc[j]);
                            }
                        }
                    }
#pragma GCC unroll 8
                    for (size_t j = 0; j < ORC_C3_TILE; j++)
                        orc_v_store_upto(orow + (ox + j) * a->output_pixel_stride + co0,
                                         orc_v_clamp(acc[j], lo, hi), n);
                    ox += ORC_C3_TILE;
                    continue;
                }
                size_t kx0 = 0, kx1 = 3, left = ox * s;
                if (left < a->pad_left)
                    kx0 = a->pad_left - left;
                if (left + 3 > a->pad_left + a->input_width)
                    kx1 = a->pad_left + a->input_width - left;
                const size_t x0 = left - a->pad_left; /* modular when kx0 > 0 */
                orc_v acc = bias;
                for (size_t ky = ky0; ky < ky1; ky++)
                    for (size_t kx = kx0; kx < kx1; kx++) {
                        const float *in = rows[ky] + (x0 + kx) * ps;
                        const float *wt = w + (ky * 3 + kx) * cin * ORC_VW;
                        for (size_t ci = 0; ci < cin; ci++)
                            acc = orc_v_fma(orc_v_set1(in[ci]), orc_v_load(wt + ci * ORC_VW), acc);
                    }
                orc_v_store_upto(orow + ox * a->output_pixel_stride + co0,
                                 orc_v_clamp(acc, lo, hi), n);
                ox++;
            }
        }
    }
}
