/* isa.c -- ISA names, parsing and the (for now scalar-only) support probe. */
#include "isa.h"

#include <string.h>

static const char *const names[ORC_ISA_COUNT] = {"scalar", "avx2", "avx512", "neon"};

const char *orc_isa_name(orc_isa isa)
{
    return (unsigned)isa < ORC_ISA_COUNT ? names[isa] : "unknown";
}

orc_status orc_isa_parse(const char *name, orc_isa *out, orc_error *err)
{
    if (name != NULL && strcmp(name, "auto") == 0) {
        *out = orc_isa_best();
        return ORC_OK;
    }
    for (int i = 0; name != NULL && i < ORC_ISA_COUNT; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (orc_isa)i;
            return ORC_OK;
        }
    }
    return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                         "unknown ISA '%s' (expected auto, scalar, avx2, avx512 or neon)",
                         name != NULL ? name : "(null)");
}

int orc_isa_supported(orc_isa isa)
{
    /* only the scalar variants exist so far; SIMD variants add their CPU probe here */
    return isa == ORC_ISA_SCALAR;
}

orc_isa orc_isa_best(void)
{
    if (orc_isa_supported(ORC_ISA_AVX512))
        return ORC_ISA_AVX512;
    if (orc_isa_supported(ORC_ISA_AVX2))
        return ORC_ISA_AVX2;
    if (orc_isa_supported(ORC_ISA_NEON))
        return ORC_ISA_NEON;
    return ORC_ISA_SCALAR;
}

int orc_isa_fits(orc_isa variant, orc_isa limit)
{
    if (variant == ORC_ISA_SCALAR)
        return 1;
    if (variant == ORC_ISA_NEON || limit == ORC_ISA_NEON)
        return variant == limit;
    return variant <= limit;
}
