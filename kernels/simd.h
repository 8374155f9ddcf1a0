/* simd.h -- the small vector vocabulary shared by the SIMD kernel templates.
 *
 * Included only by ISA files (kernels/<op>/<op>-avx2.c, -avx512.c, -neon.c), which define
 * exactly one of ORC_SIMD_AVX2, ORC_SIMD_AVX512, ORC_SIMD_NEON first and are compiled with the
 * matching ISA flags. It gives ORC_VW (floats per vector), the type orc_v and a handful of
 * inline operations; the op templates (kernels/<op>/<op>-simd.h) are written against them so
 * that every ISA runs the same algorithm with the same accumulation order.
 *   orc_v_fma(a, b, c) = a * b + c with a single rounding (fused on every ISA).
 *   orc_v_load_n / orc_v_store_n touch only the first n floats (1 <= n <= ORC_VW).
 */
#ifndef ORC_KERNEL_SIMD_H
#define ORC_KERNEL_SIMD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ORC_INLINE static inline __attribute__((always_inline))

#if defined(ORC_SIMD_AVX512)
#include <immintrin.h>
#define ORC_VW 16
typedef __m512 orc_v;
ORC_INLINE orc_v orc_v_load(const float *p) { return _mm512_loadu_ps(p); }
ORC_INLINE void orc_v_store(float *p, orc_v v) { _mm512_storeu_ps(p, v); }
ORC_INLINE orc_v orc_v_set1(float x) { return _mm512_set1_ps(x); }
ORC_INLINE orc_v orc_v_zero(void) { return _mm512_setzero_ps(); }
ORC_INLINE orc_v orc_v_fma(orc_v a, orc_v b, orc_v c) { return _mm512_fmadd_ps(a, b, c); }
ORC_INLINE orc_v orc_v_add(orc_v a, orc_v b) { return _mm512_add_ps(a, b); }
ORC_INLINE orc_v orc_v_min(orc_v a, orc_v b) { return _mm512_min_ps(a, b); }
ORC_INLINE orc_v orc_v_max(orc_v a, orc_v b) { return _mm512_max_ps(a, b); }
ORC_INLINE __mmask16 orc_v_mask(size_t n) { return (__mmask16)((1u << n) - 1u); }
ORC_INLINE orc_v orc_v_load_n(const float *p, size_t n)
{
    return _mm512_maskz_loadu_ps(orc_v_mask(n), p);
}
ORC_INLINE void orc_v_store_n(float *p, orc_v v, size_t n)
{
    _mm512_mask_storeu_ps(p, orc_v_mask(n), v);
}

#elif defined(ORC_SIMD_AVX2)
#include <immintrin.h>
#define ORC_VW 8
typedef __m256 orc_v;
/* 8 x -1 then 8 x 0: the mask for the first n lanes starts at index 8 - n */
static const int32_t orc_v_mask_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                             0,  0,  0,  0,  0,  0,  0,  0};
ORC_INLINE orc_v orc_v_load(const float *p) { return _mm256_loadu_ps(p); }
ORC_INLINE void orc_v_store(float *p, orc_v v) { _mm256_storeu_ps(p, v); }
ORC_INLINE orc_v orc_v_set1(float x) { return _mm256_set1_ps(x); }
ORC_INLINE orc_v orc_v_zero(void) { return _mm256_setzero_ps(); }
ORC_INLINE orc_v orc_v_fma(orc_v a, orc_v b, orc_v c) { return _mm256_fmadd_ps(a, b, c); }
ORC_INLINE orc_v orc_v_add(orc_v a, orc_v b) { return _mm256_add_ps(a, b); }
ORC_INLINE orc_v orc_v_min(orc_v a, orc_v b) { return _mm256_min_ps(a, b); }
ORC_INLINE orc_v orc_v_max(orc_v a, orc_v b) { return _mm256_max_ps(a, b); }
ORC_INLINE __m256i orc_v_mask(size_t n)
{
    return _mm256_loadu_si256((const __m256i *)(const void *)(orc_v_mask_table + 8 - n));
}
ORC_INLINE orc_v orc_v_load_n(const float *p, size_t n)
{
    return _mm256_maskload_ps(p, orc_v_mask(n));
}
ORC_INLINE void orc_v_store_n(float *p, orc_v v, size_t n)
{
    _mm256_maskstore_ps(p, orc_v_mask(n), v);
}

#elif defined(ORC_SIMD_NEON)
#include <arm_neon.h>
#define ORC_VW 4
typedef float32x4_t orc_v;
ORC_INLINE orc_v orc_v_load(const float *p) { return vld1q_f32(p); }
ORC_INLINE void orc_v_store(float *p, orc_v v) { vst1q_f32(p, v); }
ORC_INLINE orc_v orc_v_set1(float x) { return vdupq_n_f32(x); }
ORC_INLINE orc_v orc_v_zero(void) { return vdupq_n_f32(0.0f); }
ORC_INLINE orc_v orc_v_fma(orc_v a, orc_v b, orc_v c) { return vfmaq_f32(c, a, b); }
ORC_INLINE orc_v orc_v_add(orc_v a, orc_v b) { return vaddq_f32(a, b); }
ORC_INLINE orc_v orc_v_min(orc_v a, orc_v b) { return vminq_f32(a, b); }
ORC_INLINE orc_v orc_v_max(orc_v a, orc_v b) { return vmaxq_f32(a, b); }
ORC_INLINE orc_v orc_v_load_n(const float *p, size_t n)
{
    float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    memcpy(t, p, n * sizeof *t);
    return vld1q_f32(t);
}
ORC_INLINE void orc_v_store_n(float *p, orc_v v, size_t n)
{
    float t[4];
    vst1q_f32(t, v);
    memcpy(p, t, n * sizeof *t);
}

#else
#error "simd.h: define ORC_SIMD_AVX2, ORC_SIMD_AVX512 or ORC_SIMD_NEON before including it"
#endif

/* store the first n lanes (all when n >= ORC_VW) */
ORC_INLINE void orc_v_store_upto(float *p, orc_v v, size_t n)
{
    if (n >= ORC_VW)
        orc_v_store(p, v);
    else
        orc_v_store_n(p, v, n);
}

ORC_INLINE orc_v orc_v_load_upto(const float *p, size_t n)
{
    return n >= ORC_VW ? orc_v_load(p) : orc_v_load_n(p, n);
}

ORC_INLINE orc_v orc_v_clamp(orc_v v, orc_v lo, orc_v hi)
{
    return orc_v_min(orc_v_max(v, lo), hi);
}

#endif
