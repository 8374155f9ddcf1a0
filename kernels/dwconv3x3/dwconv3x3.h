/* dwconv3x3.h -- depthwise 3x3 convolution, stride 1 or 2, fused bias + clamp.
 *
 * out[oy][ox][c] = clamp(bias[c] + sum_{ky,kx} in[oy*s - pad_top + ky][ox*s - pad_left + kx][c]
 *                                               * w[ky][kx][c])
 * with taps outside the input reading zero (Keras padding: orc_conv3x3_pad_before()). The
 * kernel writes output rows [row_begin, row_end); see kernels/kernel_common.h for the contract.
 */
#ifndef ORC_KERNEL_DWCONV3X3_H
#define ORC_KERNEL_DWCONV3X3_H

#include "kernel_common.h"

typedef struct orc_f32_dwconv3x3_args {
    const float *input;        /* [input_height][input_width][channels] */
    size_t input_height, input_width, channels;
    size_t input_row_stride;   /* floats between input rows */
    size_t input_pixel_stride; /* floats between input pixels of a row (>= channels) */
    float *output;             /* [output_height][output_width][channels] */
    size_t output_width;
    size_t output_row_stride, output_pixel_stride;
    size_t stride;             /* 1 or 2 */
    size_t pad_top, pad_left;
    const float *packed;       /* from the variant's pack function */
    float output_min, output_max;
} orc_f32_dwconv3x3_args;

typedef void orc_f32_dwconv3x3_ukernel(const orc_f32_dwconv3x3_args *args, size_t row_begin,
                                       size_t row_end);
/* weight: [3][3][channels] (HWC); bias: [channels] */
typedef size_t orc_f32_dwconv3x3_pack_fn(size_t channels, const float *weight, const float *bias,
                                         float *packed);

#define ORC_KERNEL(isa, ukernel, pack) orc_f32_dwconv3x3_ukernel ukernel; orc_f32_dwconv3x3_pack_fn pack;
#include "dwconv3x3/dwconv3x3.inc"
#undef ORC_KERNEL

#endif
