/* isa.c -- ISA names, parsing, the one-time CPU probe and the ORCHARD_ISA / --isa choice.
 *
 * x86-64: AVX2 needs the CPU's avx2 + fma bits and the OS saving YMM state (XCR0 bits 1-2);
 * AVX-512 needs avx512f/dq/bw/vl (the -avx512.c files are built with all four) and the OS
 * saving opmask and ZMM state too (XCR0 bits 5-7). AArch64: Advanced SIMD is architectural. */
#include "isa.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if ORC_ARCH_X86_64
#include <cpuid.h>
#endif

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

static int supported[ORC_ISA_COUNT];
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

#if ORC_ARCH_X86_64
/* XCR0: which register states the OS saves on a context switch (0 without OSXSAVE) */
static unsigned long long os_saved_state(void)
{
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE))
        return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}
#endif

static void probe(void)
{
    supported[ORC_ISA_SCALAR] = 1;
#if ORC_ARCH_X86_64
    __builtin_cpu_init();
    unsigned long long xcr0 = os_saved_state();
    int os_ymm = (xcr0 & 0x6) == 0x6, os_zmm = (xcr0 & 0xE6) == 0xE6;
    supported[ORC_ISA_AVX2] = os_ymm && __builtin_cpu_supports("avx2") &&
                              __builtin_cpu_supports("fma");
    supported[ORC_ISA_AVX512] = supported[ORC_ISA_AVX2] && os_zmm &&
                                __builtin_cpu_supports("avx512f") &&
                                __builtin_cpu_supports("avx512dq") &&
                                __builtin_cpu_supports("avx512bw") &&
                                __builtin_cpu_supports("avx512vl");
#endif
#if ORC_ARCH_AARCH64
    supported[ORC_ISA_NEON] = 1;
#endif
}

int orc_isa_supported(orc_isa isa)
{
    if ((unsigned)isa >= ORC_ISA_COUNT)
        return 0;
    pthread_once(&probe_once, probe);
    return supported[isa];
}

orc_status orc_isa_choose(const char *requested, const char *source, orc_isa *out,
                          orc_error *err)
{
    if (requested == NULL || requested[0] == '\0') {
        requested = getenv("ORCHARD_ISA");
        source = "environment variable ORCHARD_ISA";
    }
    if (requested == NULL || requested[0] == '\0') {
        *out = orc_isa_best();
        return ORC_OK;
    }
    orc_isa isa;
    if (orc_isa_parse(requested, &isa, NULL) != ORC_OK)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "%s: unknown ISA '%s' (expected auto, scalar, avx2, avx512 or neon)",
                             source, requested);
    if (!orc_isa_supported(isa))
        return orc_error_set(err, ORC_ERR_UNSUPPORTED,
                             "%s asks for ISA '%s', which this CPU or build lacks "
                             "(available here: scalar%s%s%s)", source, requested,
                             orc_isa_supported(ORC_ISA_AVX2) ? ", avx2" : "",
                             orc_isa_supported(ORC_ISA_AVX512) ? ", avx512" : "",
                             orc_isa_supported(ORC_ISA_NEON) ? ", neon" : "");
    *out = isa;
    return ORC_OK;
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
