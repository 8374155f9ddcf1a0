/* dispatch.h -- choose one variant of every kernel for an ISA limit.
 *
 * orc_kernels_select() walks each op's list (kernels/<op>/<op>.inc) and takes, per op, the
 * widest variant that fits the requested ISA (orc_isa_fits) and that this CPU supports
 * (orc_isa_supported). The result is a plain table of function pointers, filled once at model
 * open and read-only afterwards (any thread may use it).
 */
#ifndef ORC_DISPATCH_H
#define ORC_DISPATCH_H

#include "conv3x3/conv3x3.h"
#include "dwconv3x3/dwconv3x3.h"
#include "gavgpool/gavgpool.h"
#include "isa.h"
#include "orchard.h"
#include "pwconv/pwconv.h"

typedef struct orc_kernels {
    struct { orc_isa isa; const char *name; orc_f32_conv3x3_ukernel *run; orc_f32_conv3x3_pack_fn *pack; } conv3x3;
    struct { orc_isa isa; const char *name; orc_f32_dwconv3x3_ukernel *run; orc_f32_dwconv3x3_pack_fn *pack; } dwconv3x3;
    struct { orc_isa isa; const char *name; orc_f32_pwconv_ukernel *run; orc_f32_pwconv_pack_fn *pack; } pwconv;
    struct { orc_isa isa; const char *name; orc_f32_gavgpool_ukernel *run; } gavgpool;
} orc_kernels;

/* Fill *out for at most `limit`. Fails (ORC_ERR_UNSUPPORTED) when this CPU cannot run `limit`
 * itself, so that forcing an ISA the machine lacks is an error, never SIGILL. */
orc_status orc_kernels_select(orc_isa limit, orc_kernels *out, orc_error *err);

#endif
