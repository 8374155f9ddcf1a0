/* kernel_common.h -- what every kernel family shares: the ISA enum and the Keras 3x3 padding rule.
 *
 * Kernel contract (all ops, all ISA variants):
 *  - A kernel computes a RANGE of its output (rows, pixels or channels) given by the caller, so a
 *    thread pool can split the work statically. The value of every output element must not
 *    depend on where the range starts or ends (same accumulation order for every element):
 *    that is what makes features bitwise identical whatever the thread count or batch size.
 *  - Tensors are NHWC floats addressed by pointer + strides counted in floats. Channel counts
 *    may be any value >= 1 (SIMD variants handle remainders themselves).
 *  - Weights are packed once, at model load, by the variant's own pack function: it returns the
 *    number of floats it needs (and writes nothing) when `packed` is NULL; the caller provides
 *    a 64-byte aligned buffer of that size.
 *  - Kernels do not allocate, do not fail, and trust their arguments (the model validates them).
 *  - Output clamp: y = min(max(y, output_min), output_max); ReLU6 is [0, 6], linear is
 *    [-INFINITY, INFINITY].
 */
#ifndef ORC_KERNEL_COMMON_H
#define ORC_KERNEL_COMMON_H

#include <stddef.h>

#include "isa.h"

/* Keras MobileNetV2 3x3 padding. Stride 1: one pixel on every side ("same").
 * Stride 2: ZeroPadding2D(correct_pad) then a valid conv, which equals TF "SAME": for an even
 * input nothing before and one after (bottom/right only); for an odd input one on both sides. */
static inline size_t orc_conv3x3_output_size(size_t input_size, size_t stride)
{
    return stride == 1 ? input_size : (input_size + 1) / 2;
}

static inline size_t orc_conv3x3_pad_before(size_t input_size, size_t stride)
{
    return stride == 1 ? 1 : (input_size % 2 == 0 ? 0 : 1);
}

/* the output columns [*lo, *hi) of a 3x3 window (stride, pad_left columns of padding before an
 * input of input_width, output_width columns) whose three input columns all lie inside the
 * input: the columns a kernel may run without padding checks (lo == hi: none) */
static inline void orc_conv3x3_interior(size_t pad_left, size_t input_width, size_t stride,
                                        size_t output_width, size_t *lo, size_t *hi)
{
    size_t l = (pad_left + stride - 1) / stride, h = 0;
    if (pad_left + input_width >= 3)
        h = (pad_left + input_width - 3) / stride + 1;
    h = h < output_width ? h : output_width;
    *lo = l < h ? l : h;
    *hi = h;
}

#endif
