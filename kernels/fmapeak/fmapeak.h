/* fmapeak.h -- the machine's floating-point peak, measured: a loop of independent fused
 * multiply-adds (enough accumulators to cover latency x ports) per ISA, for the benchmarks'
 * "fraction of peak" column. orc_f32_fmapeak__<isa>(iterations, sink) runs the loop and returns
 * the floating-point operations it performed (2 per lane per FMA); *sink receives a value that
 * depends on every accumulator so the loop cannot be optimised away. The scalar variant does a
 * separate multiply and add (the scalar kernels are built without FMA) and counts both.
 */
#ifndef ORC_KERNEL_FMAPEAK_H
#define ORC_KERNEL_FMAPEAK_H

#include <stddef.h>

#include "kernel_common.h"

typedef double orc_f32_fmapeak_fn(size_t iterations, float *sink);

#define ORC_KERNEL(isa, fn) orc_f32_fmapeak_fn fn;
#include "fmapeak/fmapeak.inc"
#undef ORC_KERNEL

#endif
