/* conv3x3-simd.h -- the full 3x3 convolution (the first layer) written once against
 * kernels/simd.h; each ISA file defines ORC_C3_TILE (pixels per register tile, at most 8),
 * ORC_C3_RUN and ORC_C3_PACK and includes it.
 *
 * Packed layout: output channels in blocks of 2 * ORC_VW (one final block of ORC_VW when at
 * most ORC_VW channels remain, as in pwconv); per block bias[width] then
 * weight[3][3][input_channels][width], zero padded past the last real channel. Interior pixels
 * go in tiles of up to ORC_C3_TILE with both vectors of a block (2 * ORC_C3_TILE independent
 * accumulators; per tap and input channel two weight loads and one broadcast per pixel feed
 * 2 * ORC_C3_TILE FMAs), the padding columns one pixel at a time; both fuse bias then the in-bounds taps in
 * (ky, kx, ci) order, so every element gets the same arithmetic wherever the row range starts.
 */
#include "simd.h"

static size_t block_width(size_t remaining)
{
    return remaining > ORC_VW ? 2 * ORC_VW : ORC_VW;
}

size_t ORC_C3_PACK(size_t input_channels, size_t output_channels, const float *weight,
                   const float *bias, float *packed)
{
    size_t total = 0;
    for (size_t co0 = 0; co0 < output_channels;) {
        size_t width = block_width(output_channels - co0);
        size_t valid = output_channels - co0 < width ? output_channels - co0 : width;
        if (packed != NULL) {
            float *dst = packed + total;
            for (size_t j = 0; j < width; j++) {
                dst[j] = j < valid ? bias[co0 + j] : 0.0f;
                for (size_t t = 0; t < 9 * input_channels; t++)
                    dst[width + t * width + j] =
                        j < valid ? weight[t * output_channels + co0 + j] : 0.0f;
            }
        }
        total += (1 + 9 * input_channels) * width;
        co0 += valid;
    }
    return total;
}

/* g pixels (g == 1: taps [kx0, kx1) only) x nv vectors of one block; the first pixel's kx = 0
 * column is x0 (modular when kx0 > 0), the next ones s * ps floats further */
ORC_INLINE void c3_tile(const size_t g, const size_t nv, const float *const *rows, size_t ky0,
                        size_t ky1, size_t kx0, size_t kx1, size_t x0, size_t s, size_t ps,
                        size_t cin, const float *blk, float *out, size_t ops, size_t valid,
                        orc_v lo, orc_v hi)
{
    const size_t width = nv * ORC_VW;
    orc_v acc0[ORC_C3_TILE], acc1[ORC_C3_TILE];
    const orc_v b0 = orc_v_load(blk);
    const orc_v b1 = nv == 2 ? orc_v_load(blk + ORC_VW) : b0;
#pragma GCC unroll 8
    for (size_t j = 0; j < g; j++) {
        acc0[j] = b0;
        acc1[j] = b1;
    }
    const float *w = blk + width; /* [ky][kx][ci][width] */
    for (size_t ky = ky0; ky < ky1; ky++)
        for (size_t kx = kx0; kx < kx1; kx++) {
            const float *in = rows[ky] + (x0 + kx) * ps;
            const float *wt = w + (ky * 3 + kx) * cin * width;
            for (size_t ci = 0; ci < cin; ci++) {
                const orc_v w0 = orc_v_load(wt + ci * width);
                const orc_v w1 = nv == 2 ? orc_v_load(wt + ci * width + ORC_VW) : w0;
#pragma GCC unroll 8
                for (size_t j = 0; j < g; j++) {
                    const orc_v x = orc_v_set1(in[j * s * ps + ci]);
                    acc0[j] = orc_v_fma(x, w0, acc0[j]);
                    if (nv == 2)
                        acc1[j] = orc_v_fma(x, w1, acc1[j]);
                }
            }
        }
#pragma GCC unroll 8
    for (size_t j = 0; j < g; j++) {
        float *o = out + j * ops;
        if (nv == 2) {
            orc_v_store(o, orc_v_clamp(acc0[j], lo, hi));
            orc_v_store_upto(o + ORC_VW, orc_v_clamp(acc1[j], lo, hi), valid - ORC_VW);
        } else {
            orc_v_store_upto(o, orc_v_clamp(acc0[j], lo, hi), valid);
        }
    }
}

#define ORC_C3_CASE(m)                                                                          \
    case m:                                                                                    \
        if (nv == 2)                                                                           \
            c3_tile(m, 2, rows, ky0, ky1, 0, 3, x0, s, ps, cin, blk, out, ops, valid, lo, hi);  \
        else                                                                                   \
            c3_tile(m, 1, rows, ky0, ky1, 0, 3, x0, s, ps, cin, blk, out, ops, valid, lo, hi);  \
        break;

/* g (1..ORC_C3_TILE) interior pixels */
static void c3_tile_any(size_t g, size_t nv, const float *const *rows, size_t ky0, size_t ky1,
                        size_t x0, size_t s, size_t ps, size_t cin, const float *blk, float *out,
                        size_t ops, size_t valid, orc_v lo, orc_v hi)
{
    switch (g) {
    ORC_C3_CASE(1) ORC_C3_CASE(2) ORC_C3_CASE(3) ORC_C3_CASE(4)
#if ORC_C3_TILE >= 6
    ORC_C3_CASE(5) ORC_C3_CASE(6)
#endif
#if ORC_C3_TILE >= 8
    ORC_C3_CASE(7) ORC_C3_CASE(8)
#endif
    default:
        break;
    }
}

void ORC_C3_RUN(const orc_f32_conv3x3_args *a, size_t row_begin, size_t row_end)
{
    const size_t cin = a->input_channels, cout = a->output_channels, s = a->stride;
    const size_t ps = a->input_pixel_stride, ops = a->output_pixel_stride, ow = a->output_width;
    const orc_v lo = orc_v_set1(a->output_min), hi = orc_v_set1(a->output_max);
    /* output columns [ox_lo, ox_hi) have all three input columns inside the input */
    size_t ox_lo, ox_hi;
    orc_conv3x3_interior(a->pad_left, a->input_width, s, ow, &ox_lo, &ox_hi);
    const size_t inner = ox_hi - ox_lo;
    const size_t ngroups = (inner + ORC_C3_TILE - 1) / ORC_C3_TILE;
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
        const float *blk = a->packed;
        for (size_t co0 = 0; co0 < cout;) {
            const size_t width = block_width(cout - co0);
            const size_t valid = cout - co0 < width ? cout - co0 : width, nv = width / ORC_VW;
            /* the columns outside [ox_lo, ox_hi) (padding) one at a time */
            for (size_t ox = 0; ox < ow; ox++) {
                if (ox == ox_lo && inner > 0) {
                    ox = ox_hi - 1;
                    continue;
                }
                const size_t left = ox * s;
                size_t kx0 = 0, kx1 = 3;
                if (left < a->pad_left)
                    kx0 = a->pad_left - left;
                if (left + 3 > a->pad_left + a->input_width)
                    kx1 = a->pad_left + a->input_width - left;
                float *out = orow + ox * ops + co0;
                if (nv == 2)
                    c3_tile(1, 2, rows, ky0, ky1, kx0, kx1, left - a->pad_left, s, ps, cin, blk,
                            out, ops, valid, lo, hi);
                else
                    c3_tile(1, 1, rows, ky0, ky1, kx0, kx1, left - a->pad_left, s, ps, cin, blk,
                            out, ops, valid, lo, hi);
            }
            /* the interior in tiles of nearly equal size: 110 pixels -> 8 x 14 + 6 x 13 */
            for (size_t q = 0; q < ngroups; q++) {
                const size_t extra = inner % ngroups;
                const size_t ox = ox_lo + q * (inner / ngroups) + (q < extra ? q : extra);
                const size_t g = inner / ngroups + (q < extra ? 1 : 0);
                c3_tile_any(g, nv, rows, ky0, ky1, ox * s - a->pad_left, s, ps, cin, blk,
                            orow + ox * ops + co0, ops, valid, lo, hi);
            }
            blk += (1 + 9 * cin) * width;
            co0 += valid;
        }
    }
}
