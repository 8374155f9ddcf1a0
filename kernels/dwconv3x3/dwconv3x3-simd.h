/* dwconv3x3-simd.h -- the depthwise 3x3 convolution written once against kernels/simd.h; each
 * ISA file defines ORC_DW_RUN and ORC_DW_PACK (the exported names) and includes it.
 *
 * Packed layout: bias[cp] then weight[9][cp], cp = channels rounded up to ORC_VW, zero padded,
 * so weight loads are always whole vectors; input loads and output stores of the last channel
 * vector are masked. Per output pixel and channel vector: bias, then the in-bounds taps fused
 * in (ky, kx) order; interior pixels take an unrolled nine-tap path with the same order, so
 * every element gets the same arithmetic wherever the row range starts. Memory-bound: one pass
 * over the output row, the three input rows stay in L1/L2.
 */
#include "simd.h"

static size_t padded_channels(size_t channels)
{
    return (channels + ORC_VW - 1) / ORC_VW * ORC_VW;
}

size_t ORC_DW_PACK(size_t channels, const float *weight, const float *bias, float *packed)
{
    size_t cp = padded_channels(channels);
    if (packed != NULL) {
        for (size_t c = 0; c < cp; c++)
            packed[c] = c < channels ? bias[c] : 0.0f;
        for (size_t t = 0; t < 9; t++)
            for (size_t c = 0; c < cp; c++)
                packed[cp + t * cp + c] = c < channels ? weight[t * channels + c] : 0.0f;
    }
    return 10 * cp;
}

void ORC_DW_RUN(const orc_f32_dwconv3x3_args *a, size_t row_begin, size_t row_end)
{
    const size_t c = a->channels, cp = padded_channels(c), s = a->stride;
    const float *bias = a->packed, *weight = a->packed + cp;
    const orc_v lo = orc_v_set1(a->output_min), hi = orc_v_set1(a->output_max);
    const size_t ps = a->input_pixel_stride;
    for (size_t oy = row_begin; oy < row_end; oy++) {
        /* valid kernel rows [ky0, ky1) and the input row of ky = 0 (may be virtual) */
        size_t ky0 = 0, ky1 = 3, top = oy * s;
        if (top < a->pad_top)
            ky0 = a->pad_top - top;
        if (top + 3 > a->pad_top + a->input_height)
            ky1 = a->pad_top + a->input_height - top;
        const float *rows[3] = {NULL, NULL, NULL};
        for (size_t ky = ky0; ky < ky1; ky++)
            rows[ky] = a->input + (top + ky - a->pad_top) * a->input_row_stride;
        float *orow = a->output + oy * a->output_row_stride;
        for (size_t ox = 0; ox < a->output_width; ox++) {
            size_t kx0 = 0, kx1 = 3, left = ox * s;
            if (left < a->pad_left)
                kx0 = a->pad_left - left;
            if (left + 3 > a->pad_left + a->input_width)
                kx1 = a->pad_left + a->input_width - left;
            float *out = orow + ox * a->output_pixel_stride;
            const size_t x0 = left - a->pad_left; /* input column of kx = 0 if valid */
            if (ky0 == 0 && ky1 == 3 && kx0 == 0 && kx1 == 3) {
                const float *r0 = rows[0] + x0 * ps, *r1 = rows[1] + x0 * ps,
                            *r2 = rows[2] + x0 * ps;
                for (size_t k = 0; k < c; k += ORC_VW) {
                    const size_t n = c - k;
                    const float *w = weight + k;
                    orc_v acc = orc_v_load(bias + k);
                    acc = orc_v_fma(orc_v_load_upto(r0 + k, n), orc_v_load(w), acc);
                    acc = orc_v_fma(orc_v_load_upto(r0 + ps + k, n), orc_v_load(w + cp), acc);
                    acc = orc_v_fma(orc_v_load_upto(r0 + 2 * ps + k, n), orc_v_load(w + 2 * cp),
                                    acc);
                    acc = orc_v_fma(orc_v_load_upto(r1 + k, n), orc_v_load(w + 3 * cp), acc);
                    acc = orc_v_fma(orc_v_load_upto(r1 + ps + k, n), orc_v_load(w + 4 * cp), acc);
                    acc = orc_v_fma(orc_v_load_upto(r1 + 2 * ps + k, n), orc_v_load(w + 5 * cp),
                                    acc);
                    acc = orc_v_fma(orc_v_load_upto(r2 + k, n), orc_v_load(w + 6 * cp), acc);
                    acc = orc_v_fma(orc_v_load_upto(r2 + ps + k, n), orc_v_load(w + 7 * cp), acc);
                    acc = orc_v_fma(orc_v_load_upto(r2 + 2 * ps + k, n), orc_v_load(w + 8 * cp),
                                    acc);
                    orc_v_store_upto(out + k, orc_v_clamp(acc, lo, hi), n);
                }
            } else {
                for (size_t k = 0; k < c; k += ORC_VW) {
                    const size_t n = c - k;
                    orc_v acc = orc_v_load(bias + k);
                    for (size_t ky = ky0; ky < ky1; ky++)
                        for (size_t kx = kx0; kx < kx1; kx++)
                            acc = orc_v_fma(orc_v_load_upto(rows[ky] + (x0 + kx) * ps + k, n),
                                            orc_v_load(weight + (ky * 3 + kx) * cp + k), acc);
                    orc_v_store_upto(out + k, orc_v_clamp(acc, lo, hi), n);
                }
            }
        }
    }
}
