/* pwconv.h -- pointwise (1x1) convolution: a GEMM over pixels with fused bias, clamp and an
 * optional residual add.
 *
 * out[p][co] = clamp(bias[co] + sum_ci in[p][ci] * w[ci][co]) + residual[p][co]
 * (the residual term only when args->residual is not NULL; MobileNetV2 uses it only with a
 * linear clamp). The kernel writes pixels [pixel_begin, pixel_end), pixel p at
 * input + p * input_stride etc.; see kernels/kernel_common.h for the contract.
 */
#ifndef ORC_KERNEL_PWCONV_H
#define ORC_KERNEL_PWCONV_H

#include "kernel_common.h"

typedef struct orc_f32_pwconv_args {
    size_t input_channels, output_channels;
    const float *input;    /* [pixels][input_stride], input_stride >= input_channels */
    size_t input_stride;
    const float *packed;   /* from the variant's pack function */
    const float *residual; /* NULL, or [pixels][residual_stride] */
    size_t residual_stride;
    float *output;         /* [pixels][output_stride], must not overlap input or residual */
    size_t output_stride;
    float output_min, output_max;
} orc_f32_pwconv_args;

typedef void orc_f32_pwconv_ukernel(const orc_f32_pwconv_args *args, size_t pixel_begin,
                                    size_t pixel_end);
/* weight: [input_channels][output_channels]; bias: [output_channels] */
typedef size_t orc_f32_pwconv_pack_fn(size_t input_channels, size_t output_channels,
                                      const float *weight, const float *bias, float *packed);

#define ORC_KERNEL(isa, ukernel, pack) orc_f32_pwconv_ukernel ukernel; orc_f32_pwconv_pack_fn pack;
#include "pwconv/pwconv.inc"
#undef ORC_KERNEL

#endif
