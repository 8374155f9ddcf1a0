/* isa.h -- instruction-set variants of the kernels and the choice among them.
 *
 * Every kernel exists as a portable scalar variant and, later, SIMD variants (kernels/<op>/<op>.inc
 * lists them). orc_isa_supported() says whether this build and this CPU can run a variant;
 * orc_isa_best() is the widest one that is. For now only the scalar variants exist, so both
 * answer ORC_ISA_SCALAR; the SIMD work adds CPU probing here. Thread-safe, no state.
 */
#ifndef ORC_ISA_H
#define ORC_ISA_H

#include "orchard.h"

#if defined(__x86_64__) || defined(_M_X64)
#define ORC_ARCH_X86_64 1
#else
#define ORC_ARCH_X86_64 0
#endif
#if defined(__aarch64__)
#define ORC_ARCH_AARCH64 1
#else
#define ORC_ARCH_AARCH64 0
#endif

/* ordered from narrowest to widest within an architecture */
typedef enum orc_isa {
    ORC_ISA_SCALAR = 0,
    ORC_ISA_AVX2 = 1,   /* x86-64 AVX2 + FMA */
    ORC_ISA_AVX512 = 2, /* x86-64 AVX-512F (+DQ/BW/VL) */
    ORC_ISA_NEON = 3,   /* AArch64 Advanced SIMD */
    ORC_ISA_COUNT
} orc_isa;

/* "scalar", "avx2", "avx512", "neon" */
const char *orc_isa_name(orc_isa isa);
/* parse one of the names above; "auto" gives orc_isa_best() */
orc_status orc_isa_parse(const char *name, orc_isa *out, orc_error *err);
/* 1 if this build has the variant and this CPU can execute it */
int orc_isa_supported(orc_isa isa);
/* `requested`: a name for orc_isa_parse() given by `source` (e.g. "--isa"), or NULL/"" to
 * use the environment variable ORCHARD_ISA, or when that is unset too orc_isa_best().
 * ORC_ERR_INVALID_ARGUMENT for an unknown name, ORC_ERR_UNSUPPORTED for an ISA this CPU or
 * build lacks; the message names the source. */
orc_status orc_isa_choose(const char *requested, const char *source, orc_isa *out,
                          orc_error *err);
/* the widest supported ISA */
orc_isa orc_isa_best(void);
/* 1 if a variant of ISA `variant` may be used when at most `limit` is allowed
 * (same architecture family and not wider; scalar always fits) */
int orc_isa_fits(orc_isa variant, orc_isa limit);

#endif
