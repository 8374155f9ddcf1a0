/* gavgpool.h -- global average pooling: out[c] = (sum_p in[p][c]) / pixels, summed in pixel
 * order. The kernel writes channels [channel_begin, channel_end); see kernels/kernel_common.h.
 * No weights, so no pack step.
 */
#ifndef ORC_KERNEL_GAVGPOOL_H
#define ORC_KERNEL_GAVGPOOL_H

#include "kernel_common.h"

typedef struct orc_f32_gavgpool_args {
    size_t pixels, channels;
    const float *input;  /* [pixels][input_stride], input_stride >= channels */
    size_t input_stride;
    float *output;       /* [channels] */
} orc_f32_gavgpool_args;

typedef void orc_f32_gavgpool_ukernel(const orc_f32_gavgpool_args *args, size_t channel_begin,
                                      size_t channel_end);

#define ORC_KERNEL(isa, ukernel) orc_f32_gavgpool_ukernel ukernel;
#include "gavgpool/gavgpool.inc"
#undef ORC_KERNEL

#endif
