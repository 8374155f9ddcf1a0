/* dwconv3x3-simd.h -- the depthwise 3x3 convolution written once against kernels/simd.h; each
 * ISA file defines ORC_DW_GROUP (output pixels per register group, 4 or 8), ORC_DW_RUN and
 * ORC_DW_PACK (the exported names) and includes it.
 *
 * Packed layout: bias[cp] then weight[9][cp], cp = channels rounded up to ORC_VW, zero padded,
 * so weight loads are always whole vectors; input loads and output stores of the last channel
 * vector are masked.
 * Stride 1: per output row and channel vector the bias and nine weight vectors are loaded once;
 * the pixels whose 3x3 window lies inside the input columns go in groups of up to ORC_DW_GROUP
 * (one accumulator each, independent FMA chains; each input column is loaded once and shared
 * by the three taps that read it), the first and last pixel of a row one at a time.
 * Stride 2: pixel by pixel, every channel vector of a pixel in turn (the input is read in
 * order; there is little column sharing to gain).
 * Every output element is bias, then the in-bounds taps fused in (ky, kx) order, whatever path,
 * group or row range it falls in, so any row split gives bitwise the same result.
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

/* whole vector, or the first n lanes when `masked` (a constant after inlining) */
ORC_INLINE orc_v load_v(const float *p, int masked, size_t n)
{
    return masked ? orc_v_load_n(p, n) : orc_v_load(p);
}

/* g output pixels (the first at input column x0 for kx = 0, the next s columns further) of one
 * channel vector; the taps in kernel rows [ky0, ky1) and columns [kx0, kx1) are inside the
 * input (x0 is modular when kx0 > 0; only a lone pixel, g = 1, has kx0 > 0 or kx1 < 3) */
ORC_INLINE void group(const size_t g, const size_t s, const int masked, const float *const *rows,
                      size_t ky0, size_t ky1, size_t kx0, size_t kx1, size_t x0, size_t ps,
                      size_t k, size_t n, const orc_v *w, orc_v bias, float *out, size_t ops,
                      orc_v lo, orc_v hi)
{
    orc_v acc[ORC_DW_GROUP];
#pragma GCC unroll 8
    for (size_t j = 0; j < g; j++)
        acc[j] = bias;
#pragma GCC unroll 3
    for (size_t ky = 0; ky < 3; ky++) {
        if (ky < ky0 || ky >= ky1)
            continue;
        /* a column is loaded once and used by the up to three taps that read it */
        orc_v col[ORC_DW_GROUP + 2];
#pragma GCC unroll 10
        for (size_t x = 0; x < (g - 1) * s + 3; x++)
            col[x] = x >= kx0 && x < kx1 + (g - 1) * s
                         ? load_v(rows[ky] + (x0 + x) * ps + k, masked, n)
                         : orc_v_zero();
#pragma GCC unroll 3
        for (size_t kx = 0; kx < 3; kx++)
            if (kx >= kx0 && kx < kx1)
#pragma GCC unroll 8
                for (size_t j = 0; j < g; j++)
                    acc[j] = orc_v_fma(col[j * s + kx], w[ky * 3 + kx], acc[j]);
    }
#pragma GCC unroll 8
    for (size_t j = 0; j < g; j++) {
        const orc_v v = orc_v_clamp(acc[j], lo, hi);
        if (masked)
            orc_v_store_n(out + j * ops, v, n);
        else
            orc_v_store(out + j * ops, v);
    }
}

#define ORC_DW_CASE(m)                                                                          \
    case m:                                                                                    \
        group(m, 1, 0, rows, ky0, ky1, 0, 3, x0, ps, k, n, w, bias, out, ops, lo, hi);         \
        break;

static void group_any(size_t g, const float *const *rows, size_t ky0, size_t ky1,
                      size_t x0, size_t ps, size_t k, size_t n, const orc_v *w, orc_v bias,
                      float *out, size_t ops, orc_v lo, orc_v hi)
{
    switch (g) {
    ORC_DW_CASE(1) ORC_DW_CASE(2) ORC_DW_CASE(3) ORC_DW_CASE(4)
#if ORC_DW_GROUP >= 8
    ORC_DW_CASE(5) ORC_DW_CASE(6) ORC_DW_CASE(7) ORC_DW_CASE(8)
#endif
    default:
        break;
    }
}

/* one output row pixel by pixel, all channel vectors of a pixel before the next pixel (stride 2:
 * the input is read once, in order; column sharing would save little) */
static void row_by_pixel(const orc_f32_dwconv3x3_args *a, const float *const *rows, size_t ky0,
                         size_t ky1, float *orow)
{
    const size_t c = a->channels, cp = padded_channels(c), s = a->stride;
    const float *bias = a->packed, *weight = a->packed + cp;
    const orc_v lo = orc_v_set1(a->output_min), hi = orc_v_set1(a->output_max);
    const size_t ps = a->input_pixel_stride;
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
                acc = orc_v_fma(orc_v_load_upto(r0 + 2 * ps + k, n), orc_v_load(w + 2 * cp), acc);
                acc = orc_v_fma(orc_v_load_upto(r1 + k, n), orc_v_load(w + 3 * cp), acc);
                acc = orc_v_fma(orc_v_load_upto(r1 + ps + k, n), orc_v_load(w + 4 * cp), acc);
                acc = orc_v_fma(orc_v_load_upto(r1 + 2 * ps + k, n), orc_v_load(w + 5 * cp), acc);
                acc = orc_v_fma(orc_v_load_upto(r2 + k, n), orc_v_load(w + 6 * cp), acc);
                acc = orc_v_fma(orc_v_load_upto(r2 + ps + k, n), orc_v_load(w + 7 * cp), acc);
                acc = orc_v_fma(orc_v_load_upto(r2 + 2 * ps + k, n), orc_v_load(w + 8 * cp), acc);
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

void ORC_DW_RUN(const orc_f32_dwconv3x3_args *a, size_t row_begin, size_t row_end)
{
    const size_t c = a->channels, cp = padded_channels(c), s = a->stride;
    const float *bias = a->packed, *weight = a->packed + cp;
    const orc_v lo = orc_v_set1(a->output_min), hi = orc_v_set1(a->output_max);
    const size_t ps = a->input_pixel_stride, ops = a->output_pixel_stride, ow = a->output_width;
    /* output columns [ox_lo, ox_hi) have all three input columns inside the input */
    size_t ox_lo, ox_hi;
    orc_conv3x3_interior(a->pad_left, a->input_width, s, ow, &ox_lo, &ox_hi);
    const size_t inner = ox_hi - ox_lo;
    const size_t ngroups = (inner + ORC_DW_GROUP - 1) / ORC_DW_GROUP;
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
        if (s != 1) {
            row_by_pixel(a, rows, ky0, ky1, orow);
            continue;
        }
        for (size_t k = 0; k < c; k += ORC_VW) {
            const size_t n = c - k;
            const int masked = n < ORC_VW;
            orc_v w[9];
            for (size_t t = 0; t < 9; t++)
                w[t] = orc_v_load(weight + t * cp + k);
            const orc_v b = orc_v_load(bias + k);
            /* columns before ox_lo and from ox_hi on (padding), and every column of the last,
             * partial channel vector: one pixel at a time */
            for (size_t ox = 0; ox < ow; ox++) {
                if (ox == ox_lo && inner > 0 && !masked) {
                    ox = ox_hi - 1;
                    continue;
                }
                size_t kx0 = 0, kx1 = 3;
                if (ox < a->pad_left)
                    kx0 = a->pad_left - ox;
                if (ox + 3 > a->pad_left + a->input_width)
                    kx1 = a->pad_left + a->input_width - ox;
                if (masked)
                    group(1, 1, 1, rows, ky0, ky1, kx0, kx1, ox - a->pad_left, ps, k, n, w, b,
                          orow + ox * ops + k, ops, lo, hi);
                else
                    group(1, 1, 0, rows, ky0, ky1, kx0, kx1, ox - a->pad_left, ps, k, n, w, b,
                          orow + ox * ops + k, ops, lo, hi);
            }
            if (masked)
                continue;
            /* groups of nearly equal size: 12 pixels -> 6 + 6, not 8 + 4 */
            for (size_t q = 0; q < ngroups; q++) {
                const size_t extra = inner % ngroups;
                size_t ox = ox_lo + q * (inner / ngroups) + (q < extra ? q : extra);
                size_t g = inner / ngroups + (q < extra ? 1 : 0);
                group_any(g, rows, ky0, ky1, ox - a->pad_left, ps, k, n, w, b,
                          orow + ox * ops + k, ops, lo, hi);
            }
        }
    }
}
