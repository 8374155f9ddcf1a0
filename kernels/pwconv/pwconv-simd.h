/* pwconv-simd.h -- the pointwise-convolution GEMM written once against kernels/simd.h; each ISA
 * file defines ORC_PW_MR (pixels per register tile), ORC_PW_RUN and ORC_PW_PACK (the exported
 * names) and includes it.
 *
 * Packed layout: output channels in blocks of 2 * ORC_VW (one final block of ORC_VW when at
 * most ORC_VW channels remain); per block bias[width] then weight[input_channels][width], zero
 * padded past the last real channel. The micro-kernel keeps an ORC_PW_MR x width tile of
 * outputs in registers: per input channel it loads the block's weight row once and does one
 * broadcast FMA per pixel. Every output element is bias + in[0]*w[0] + in[1]*w[1] + ... fused
 * in input-channel order whatever the tile it falls in, so any pixel split gives bitwise the
 * same result. Clamp, then the residual add, at the store. Weights larger than L1 are walked
 * block by block over chunks of tiles (each block read from memory once per chunk), and the
 * first tile of a block prefetches the next block (the next layer's, after the last one: the
 * model packs layers back to back) into L2.
 */
#include "simd.h"

#define ORC_PW_NB (2 * ORC_VW)
#define ORC_PW_CHUNK_BYTES (256u << 10)    /* input rows per weight pass (L2) */
#define ORC_PW_L1_WEIGHT_BYTES (32u << 10) /* weights this small: tile by tile */

static size_t block_width(size_t remaining)
{
    return remaining > ORC_VW ? ORC_PW_NB : ORC_VW;
}

size_t ORC_PW_PACK(size_t input_channels, size_t output_channels, const float *weight,
                   const float *bias, float *packed)
{
    size_t total = 0;
    for (size_t co0 = 0; co0 < output_channels;) {
        size_t width = block_width(output_channels - co0);
        size_t valid = output_channels - co0 < width ? output_channels - co0 : width;
        if (packed != NULL) {
            float *dst = packed + total;
            for (size_t j = 0; j < width; j++)
                dst[j] = j < valid ? bias[co0 + j] : 0.0f;
            for (size_t ci = 0; ci < input_channels; ci++)
                for (size_t j = 0; j < width; j++)
                    dst[width + ci * width + j] =
                        j < valid ? weight[ci * output_channels + co0 + j] : 0.0f;
        }
        total += (input_channels + 1) * width;
        co0 += valid;
    }
    return total;
}

ORC_INLINE void store_row(float *out, const float *res, orc_v v, size_t n, orc_v lo, orc_v hi)
{
    v = orc_v_clamp(v, lo, hi);
    if (res != NULL)
        v = orc_v_add(v, orc_v_load_upto(res, n));
    orc_v_store_upto(out, v, n);
}

/* mr pixels x nv vectors (1 or 2) of one block; `valid` real channels in the block */
ORC_INLINE void tile(const size_t mr, const size_t nv, size_t cin, const float *in,
                     size_t in_stride, const float *blk, float *out, size_t out_stride,
                     const float *res, size_t res_stride, size_t valid, orc_v lo, orc_v hi,
                     const float *prefetch)
{
    orc_v acc0[ORC_PW_MR], acc1[ORC_PW_MR];
    const orc_v b0 = orc_v_load(blk);
    const orc_v b1 = nv == 2 ? orc_v_load(blk + ORC_VW) : b0;
#pragma GCC unroll 32
    for (size_t r = 0; r < mr; r++) {
        acc0[r] = b0;
        acc1[r] = b1;
    }
    const float *w = blk + nv * ORC_VW;
    for (size_t k = 0; k < cin; k++) {
        if (prefetch != NULL) { /* the next weight block, as long as this one, into L2 */
            __builtin_prefetch(prefetch + k * nv * ORC_VW, 0, 2);
            if (nv * ORC_VW * sizeof(float) > 64)
                __builtin_prefetch(prefetch + k * nv * ORC_VW + 64 / sizeof(float), 0, 2);
        }
        const orc_v w0 = orc_v_load(w);
        const orc_v w1 = nv == 2 ? orc_v_load(w + ORC_VW) : w0;
#pragma GCC unroll 32
        for (size_t r = 0; r < mr; r++) {
            const orc_v x = orc_v_set1(in[r * in_stride + k]);
            acc0[r] = orc_v_fma(x, w0, acc0[r]);
            if (nv == 2)
                acc1[r] = orc_v_fma(x, w1, acc1[r]);
        }
        w += nv * ORC_VW;
    }
#pragma GCC unroll 32
    for (size_t r = 0; r < mr; r++) {
        float *o = out + r * out_stride;
        const float *rr = res != NULL ? res + r * res_stride : NULL;
        if (nv == 2) {
            store_row(o, rr, acc0[r], ORC_VW, lo, hi);
            store_row(o + ORC_VW, rr != NULL ? rr + ORC_VW : NULL, acc1[r], valid - ORC_VW, lo,
                      hi);
        } else {
            store_row(o, rr, acc0[r], valid, lo, hi);
        }
    }
}

#define ORC_PW_CALL(m, nv, pf)                                                                  \
    tile(m, nv, cin, in, in_stride, blk, out, out_stride, res, res_stride, valid, lo, hi, pf)
#define ORC_PW_CASE(m)                                                                          \
    case m:                                                                                    \
        if (nv == 2 && pf != NULL)                                                             \
            ORC_PW_CALL(m, 2, pf);                                                             \
        else if (nv == 2)                                                                      \
            ORC_PW_CALL(m, 2, NULL);                                                           \
        else                                                                                   \
            ORC_PW_CALL(m, 1, NULL);                                                           \
        break;

static void tile_any(size_t mr, size_t nv, size_t cin, const float *in, size_t in_stride,
                     const float *blk, float *out, size_t out_stride, const float *res,
                     size_t res_stride, size_t valid, orc_v lo, orc_v hi, const float *pf)
{
    switch (mr) {
    ORC_PW_CASE(1) ORC_PW_CASE(2) ORC_PW_CASE(3) ORC_PW_CASE(4)
#if ORC_PW_MR >= 6
    ORC_PW_CASE(5) ORC_PW_CASE(6)
#endif
#if ORC_PW_MR >= 8
    ORC_PW_CASE(7) ORC_PW_CASE(8)
#endif
#if ORC_PW_MR >= 14
    ORC_PW_CASE(9) ORC_PW_CASE(10) ORC_PW_CASE(11) ORC_PW_CASE(12) ORC_PW_CASE(13)
    ORC_PW_CASE(14)
#endif
    default:
        break;
    }
}

void ORC_PW_RUN(const orc_f32_pwconv_args *a, size_t pixel_begin, size_t pixel_end)
{
    const size_t cin = a->input_channels, cout = a->output_channels;
    const orc_v lo = orc_v_set1(a->output_min), hi = orc_v_set1(a->output_max);
    const size_t n = pixel_end - pixel_begin;
    if (n == 0)
        return;
    /* tiles of nearly equal size (at most ORC_PW_MR): 25 pixels -> 13 + 12, not 14 + 11 */
    const size_t ntiles = (n + ORC_PW_MR - 1) / ORC_PW_MR;
    /* Loop order. Weights that fit L1: tile by tile, every block (input rows stay in L1).
     * Larger weights: chunks of tiles whose input rows fit ORC_PW_CHUNK_BYTES, and
     * per chunk block by block, so each weight block comes from memory or L3 once and every
     * tile of the chunk reuses it from L1/L2 (at 7x7 or 14x14 a layer is a few tiles and its
     * weights are read once instead of once per tile). The arithmetic of each element does
     * not depend on the order. */
    size_t chunk = 1;
    const int large = (cin + 1) * cout * sizeof(float) > ORC_PW_L1_WEIGHT_BYTES;
    if (large) {
        chunk = ORC_PW_CHUNK_BYTES / (ORC_PW_MR * cin * sizeof(float));
        chunk = chunk < 1 ? 1 : chunk;
    }
    for (size_t t0 = 0; t0 < ntiles; t0 += chunk) {
        const size_t t1 = t0 + chunk < ntiles ? t0 + chunk : ntiles;
        const float *blk = a->packed;
        for (size_t co0 = 0; co0 < cout;) {
            size_t width = block_width(cout - co0);
            size_t valid = cout - co0 < width ? cout - co0 : width;
            const float *next = blk + (cin + 1) * width;
            for (size_t t = t0; t < t1; t++) {
                size_t tb = pixel_begin + t * (n / ntiles) + (t < n % ntiles ? t : n % ntiles);
                size_t mr = n / ntiles + (t < n % ntiles ? 1 : 0);
                const float *res =
                    a->residual != NULL ? a->residual + tb * a->residual_stride + co0 : NULL;
                tile_any(mr, width / ORC_VW, cin, a->input + tb * a->input_stride,
                         a->input_stride, blk, a->output + tb * a->output_stride + co0,
                         a->output_stride, res, a->residual_stride, valid, lo, hi,
                         large && t == t0 ? next : NULL);
            }
            blk += (cin + 1) * width;
            co0 += valid;
        }
    }
}
