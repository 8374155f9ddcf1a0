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

    have = 0;
#define ORC_KERNEL(isa_, ukernel, pack_)                                                        \
    if (better(isa_, k.conv3x3.isa, have, limit)) {                                          \
        k.conv3x3.isa = isa_; k.conv3x3.name = #ukernel;                                      \
        k.conv3x3.run = ukernel; k.conv3x3.pack = pack_; have = 1;                            \
    }
#include "conv3x3/conv3x3.inc"
#undef ORC_KERNEL

    have = 0;
#define ORC_KERNEL(isa_, ukernel, pack_)                                                        \
    if (better(isa_, k.dwconv3x3.isa, have, limit)) {                                        \
        k.dwconv3x3.isa = isa_; k.dwconv3x3.name = #ukernel;                                  \
        k.dwconv3x3.run = ukernel; k.dwconv3x3.pack = pack_; have = 1;                        \
    }
#include "dwconv3x3/dwconv3x3.inc"
#undef ORC_KERNEL

    have = 0;
#define ORC_KERNEL(isa_, ukernel, pack_)                                                        \
    if (better(isa_, k.pwconv.isa, have, limit)) {                                           \
        k.pwconv.isa = isa_; k.pwconv.name = #ukernel;                                        \
        k.pwconv.run = ukernel; k.pwconv.pack = pack_; have = 1;                              \
    }
#include "pwconv/pwconv.inc"
#undef ORC_KERNEL

    have = 0;
#define ORC_KERNEL(isa_, ukernel)                                                               \
    if (better(isa_, k.gavgpool.isa, have, limit)) {                                         \
        k.gavgpool.isa = isa_; k.gavgpool.name = #ukernel;                                    \
        k.gavgpool.run = ukernel; have = 1;                                                   \
    }
#include "gavgpool/gavgpool.inc"
#undef ORC_KERNEL

    if (k.conv3x3.run == NULL || k.dwconv3x3.run == NULL || k.pwconv.run == NULL ||
        k.gavgpool.run == NULL)
        return orc_error_set(err, ORC_ERR_INTERNAL, "no kernel variant fits ISA '%s'",
                             orc_isa_name(limit));
    *out = k;
    return ORC_OK;
}
