/* conv3x3.h -- full 3x3 convolution (MobileNetV2's first layer), fused bias + clamp.
 *
 * out[oy][ox][co] = clamp(bias[co] + sum_{ky,kx,ci} in[oy*s - pad_top + ky][ox*s - pad_left + kx][ci]
 *                                                     * w[ky][kx][ci][co])
 * with taps outside the input reading zero. The kernel writes output rows
 * [row_begin, row_end); see kernels/kernel_common.h for the contract shared by all kernels.
 */
#ifndef ORC_KERNEL_CONV3X3_H
#define ORC_KERNEL_CONV3X3_H

#include "kernel_common.h"

typedef struct orc_f32_conv3x3_args {
    const float *input;        /* [input_height][input_width][input_channels] */
    size_t input_height, input_width, input_channels;
    size_t input_row_stride;   /* floats between input rows */
    size_t input_pixel_stride; /* floats between input pixels of a row (>= input_channels) */
    float *output;             /* [output_height][output_width][output_channels] */
    size_t output_width, output_channels;
    size_t output_row_stride, output_pixel_stride;
    size_t stride;             /* 1 or 2 */
    size_t pad_top, pad_left;  /* zero padding before the first row / column */
    const float *packed;       /* from the variant's pack function */
    float output_min, output_max;
} orc_f32_conv3x3_args;

typedef void orc_f32_conv3x3_ukernel(const orc_f32_conv3x3_args *args, size_t row_begin,
                                     size_t row_end);
/* weight: [3][3][input_channels][output_channels] (HWIO); bias: [output_channels] */
typedef size_t orc_f32_conv3x3_pack_fn(size_t input_channels, size_t output_channels,
                                       const float *weight, const float *bias, float *packed);

#define ORC_KERNEL(isa, ukernel, pack) orc_f32_conv3x3_ukernel ukernel; orc_f32_conv3x3_pack_fn pack;
#include "conv3x3/conv3x3.inc"
#undef ORC_KERNEL

#endif
