/* dispatch.c -- per-op variant choice from the kernels/<op>/<op>.inc lists. */
#include "dispatch.h"

#include <string.h>

/* a candidate is better when it fits the limit, is supported and is wider than the current */
static int better(orc_isa candidate, orc_isa current, int have, orc_isa limit)
{
    if (!orc_isa_fits(candidate, limit) || !orc_isa_supported(candidate))
        return 0;
    return !have || candidate > current;
}

orc_status orc_kernels_select(orc_isa limit, orc_kernels *out, orc_error *err)
{
    if ((unsigned)limit >= ORC_ISA_COUNT)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "invalid ISA value %d", (int)limit);
    if (!orc_isa_supported(limit))
        return orc_error_set(err, ORC_ERR_UNSUPPORTED,
                             "ISA '%s' is not available in this build or on this CPU "
                             "(best here: %s)", orc_isa_name(limit),
                             orc_isa_name(orc_isa_best()));
    orc_kernels k;
    memset(&k, 0, sizeof k);
    int have;

    /* per op (the field `op` of orc_kernels): walk its list and keep the widest variant that
     * fits; `also` completes the entry (the pack function, for the ops that have one) */
#define SELECT(op, isa_, ukernel, also)                                                         \
    if (better(isa_, k.op.isa, have, limit)) {                                                 \
        k.op.isa = isa_; k.op.name = #ukernel; k.op.run = ukernel; also; have = 1;             \
    }

    have = 0;
#define ORC_KERNEL(isa_, ukernel, pack_) \
    SELECT(conv3x3, isa_, ukernel, k.conv3x3.pack = pack_)
#include "conv3x3/conv3x3.inc"
#undef ORC_KERNEL

    have = 0;
#define ORC_KERNEL(isa_, ukernel, pack_) \
    SELECT(dwconv3x3, isa_, ukernel, k.dwconv3x3.pack = pack_)
#include "dwconv3x3/dwconv3x3.inc"
#undef ORC_KERNEL

    have = 0;
#define ORC_KERNEL(isa_, ukernel, pack_) \
    SELECT(pwconv, isa_, ukernel, k.pwconv.pack = pack_)
#include "pwconv/pwconv.inc"
#undef ORC_KERNEL

    have = 0;
#define ORC_KERNEL(isa_, ukernel) \
    SELECT(gavgpool, isa_, ukernel, (void)0)
#include "gavgpool/gavgpool.inc"
#undef ORC_KERNEL
#undef SELECT

    if (k.conv3x3.run == NULL || k.dwconv3x3.run == NULL || k.pwconv.run == NULL ||
        k.gavgpool.run == NULL)
        return orc_error_set(err, ORC_ERR_INTERNAL, "no kernel variant fits ISA '%s'",
                             orc_isa_name(limit));
    *out = k;
    return ORC_OK;
}
