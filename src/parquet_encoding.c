/* parquet_encoding.c -- growable byte buffer and the RLE/bit-packed hybrid (see the header). */
#include "parquet_encoding.h"

#include <stdlib.h>
#include <string.h>

void orc_buf_free(orc_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

int orc_buf_reserve(orc_buf *b, size_t extra)
{
    if (b->failed)
        return 0;
    if (b->len + extra <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) {
        if (cap > SIZE_MAX / 2) {
            b->failed = 1;
            return 0;
        }
        cap *= 2;
    }
    uint8_t *d = realloc(b->data, cap);
    if (d == NULL) {
        b->failed = 1;
        return 0;
    }
    b->data = d;
    b->cap = cap;
    return 1;
}

void orc_buf_append(orc_buf *b, const void *p, size_t n)
{
    if (n == 0 || !orc_buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void orc_buf_u32le(orc_buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    orc_buf_append(b, x, 4);
}

int orc_bit_width(uint32_t max_value)
{
    int w = 0;
    while (max_value != 0) {
        w++;
        max_value >>= 1;
    }
    return w;
}

static void put_varint(orc_buf *out, uint64_t v)
{
    uint8_t buf[10];
    size_t n = 0;
    while (v >= 0x80) {
        buf[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    buf[n++] = (uint8_t)v;
    orc_buf_append(out, buf, n);
}

static void put_rle_run(orc_buf *out, uint32_t value, size_t count, int bit_width)
{
    put_varint(out, (uint64_t)count << 1);
    uint8_t b[4] = {(uint8_t)value, (uint8_t)(value >> 8), (uint8_t)(value >> 16),
                    (uint8_t)(value >> 24)};
    orc_buf_append(out, b, (size_t)(bit_width + 7) / 8);
}

/* Bit-pack values (padded with zeros to a multiple of 8), at most 63 groups per run, the
 * largest run whose header fits in one byte (what other writers emit). */
#define ORC_DEFINE_BITPACK(NAME, T)                                                           \
    static void NAME(orc_buf *out, const T *v, size_t n, int bit_width)                       \
    {                                                                                         \
        while (n > 0) {                                                                       \
            size_t take = n < 63 * 8 ? n : 63 * 8;                                            \
            size_t groups = (take + 7) / 8;                                                   \
            put_varint(out, (uint64_t)groups << 1 | 1);                                       \
            if (!orc_buf_reserve(out, groups * (size_t)bit_width))                            \
                return;                                                                       \
            uint8_t *p = out->data + out->len;                                                \
            uint64_t acc = 0;                                                                 \
            int bits = 0;                                                                     \
            for (size_t i = 0; i < groups * 8; i++) {                                         \
                uint64_t x = i < take ? (uint64_t)v[i] : 0;                                   \
                acc |= x << bits;                                                             \
                bits += bit_width;                                                            \
                while (bits >= 8) {                                                           \
                    *p++ = (uint8_t)acc;                                                      \
                    acc >>= 8;                                                                \
                    bits -= 8;                                                                \
                }                                                                             \
            }                                                                                 \
            out->len += groups * (size_t)bit_width;                                           \
            v += take;                                                                        \
            n -= take;                                                                        \
        }                                                                                     \
    }

/* Greedy: runs of >= 8 equal values become RLE runs; everything else is bit-packed. Before an
 * RLE run, the pending literals are completed to a multiple of 8 with values of the run itself,
 * so that padding only ever happens at the very end of the stream. */
#define ORC_DEFINE_RLE_ENCODE(NAME, BITPACK, T)                                               \
    void NAME(orc_buf *out, const T *v, size_t n, int bit_width)                              \
    {                                                                                         \
        size_t i = 0, lit = 0;                                                                \
        while (i < n) {                                                                       \
            size_t r = 1;                                                                     \
            while (i + r < n && v[i + r] == v[i])                                             \
                r++;                                                                          \
            if (r < 8) {                                                                      \
                i += r;                                                                       \
                continue;                                                                     \
            }                                                                                 \
            if (i > lit) {                                                                    \
                size_t pad = (8 - (i - lit) % 8) % 8;                                         \
                BITPACK(out, v + lit, i - lit + pad, bit_width);                              \
                i += pad;                                                                     \
                r -= pad;                                                                     \
            }                                                                                 \
            put_rle_run(out, (uint32_t)v[i], r, bit_width);                                   \
            i += r;                                                                           \
            lit = i;                                                                          \
        }                                                                                     \
        if (n > lit)                                                                          \
            BITPACK(out, v + lit, n - lit, bit_width);                                        \
    }

ORC_DEFINE_BITPACK(bitpack_u8, uint8_t)
ORC_DEFINE_BITPACK(bitpack_u32, uint32_t)
ORC_DEFINE_RLE_ENCODE(orc_rle_encode_u8, bitpack_u8, uint8_t)
ORC_DEFINE_RLE_ENCODE(orc_rle_encode_u32, bitpack_u32, uint32_t)

static int get_varint(const uint8_t *d, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*pos >= len)
            return 0;
        uint8_t b = d[(*pos)++];
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 1;
        }
    }
    return 0;
}

#define ORC_DEFINE_RLE_DECODE(NAME, T)                                                        \
    long NAME(const uint8_t *d, size_t len, int bit_width, T *out, size_t n,                  \
              uint32_t max_value)                                                             \
    {                                                                                         \
        if (bit_width < 0 || bit_width > 32 || (size_t)bit_width > sizeof(T) * 8)             \
            return -1;                                                                        \
        size_t pos = 0, got = 0;                                                              \
        uint64_t mask = bit_width == 0 ? 0 : (~(uint64_t)0 >> (64 - bit_width));              \
        while (got < n) {                                                                     \
            uint64_t h;                                                                       \
            if (!get_varint(d, len, &pos, &h))                                                \
                return -1;                                                                    \
            if ((h & 1) == 0) {                                                               \
                uint64_t count = h >> 1;                                                      \
                size_t vb = (size_t)(bit_width + 7) / 8;                                      \
                if (len - pos < vb)                                                           \
                    return -1;                                                                \
                uint32_t x = 0;                                                               \
                for (size_t k = 0; k < vb; k++)                                               \
                    x |= (uint32_t)d[pos + k] << (8 * k);                                     \
                pos += vb;                                                                    \
                if (x > max_value)                                                            \
                    return -1;                                                                \
                size_t take = count < n - got ? (size_t)count : n - got;                      \
                for (size_t k = 0; k < take; k++)                                             \
                    out[got + k] = (T)x;                                                      \
                got += take;                                                                  \
            } else {                                                                          \
                uint64_t groups = h >> 1;                                                     \
                if (groups > len)                                                             \
                    return -1;                                                                \
                size_t bytes = (size_t)groups * (size_t)bit_width;                            \
                size_t avail = len - pos < bytes ? len - pos : bytes;                         \
                size_t nvals = bit_width == 0 ? (size_t)groups * 8                            \
                                              : avail * 8 / (size_t)bit_width;                \
                if (nvals > (size_t)groups * 8)                                               \
                    nvals = (size_t)groups * 8;                                               \
                size_t take = nvals < n - got ? nvals : n - got;                              \
                if (avail < bytes && take < n - got)                                          \
                    return -1; /* truncated before the values we need */                      \
                const uint8_t *p = d + pos;                                                   \
                for (size_t k = 0; k < take; k++) {                                           \
                    size_t bit = k * (size_t)bit_width;                                       \
                    uint64_t acc = 0;                                                         \
                    size_t first = bit / 8, last = (bit + (size_t)bit_width + 7) / 8;         \
                    for (size_t b = first; b < last && b < avail; b++)                        \
                        acc |= (uint64_t)p[b] << (8 * (b - first));                           \
                    uint64_t x = (acc >> (bit % 8)) & mask;                                   \
                    if (x > max_value)                                                        \
                        return -1;                                                            \
                    out[got + k] = (T)x;                                                      \
                }                                                                             \
                got += take;                                                                  \
                pos += avail;                                                                 \
            }                                                                                 \
        }                                                                                     \
        return (long)pos;                                                                     \
    }

ORC_DEFINE_RLE_DECODE(orc_rle_decode_u8, uint8_t)
ORC_DEFINE_RLE_DECODE(orc_rle_decode_u32, uint32_t)

long orc_snappy_decompress(const uint8_t *src, size_t n, uint8_t *dst, size_t cap)
{
    size_t pos = 0, out = 0;
    uint64_t total;
    if (!get_varint(src, n, &pos, &total) || total != cap)
        return -1;
    while (pos < n) {
        uint8_t tag = src[pos++];
        size_t len, off = 0;
        if ((tag & 3) == 0) { /* literal */
            len = (size_t)(tag >> 2) + 1;
            if (len > 60) {
                size_t k = len - 60; /* 1..4 length bytes */
                if (n - pos < k)
                    return -1;
                len = 0;
                for (size_t i = 0; i < k; i++)
                    len |= (size_t)src[pos + i] << (8 * i);
                len += 1;
                pos += k;
            }
            if (n - pos < len || cap - out < len)
                return -1;
            memcpy(dst + out, src + pos, len);
            pos += len;
            out += len;
            continue;
        }
        if ((tag & 3) == 1) {
            if (n - pos < 1)
                return -1;
            len = 4 + ((tag >> 2) & 7);
            off = (size_t)(tag >> 5) << 8 | src[pos];
            pos += 1;
        } else if ((tag & 3) == 2) {
            if (n - pos < 2)
                return -1;
            len = 1 + (size_t)(tag >> 2);
            off = (size_t)src[pos] | (size_t)src[pos + 1] << 8;
            pos += 2;
        } else {
            if (n - pos < 4)
                return -1;
            len = 1 + (size_t)(tag >> 2);
            off = (size_t)src[pos] | (size_t)src[pos + 1] << 8 | (size_t)src[pos + 2] << 16 |
                  (size_t)src[pos + 3] << 24;
            pos += 4;
        }
        if (off == 0 || off > out || cap - out < len)
            return -1;
        for (size_t i = 0; i < len; i++) /* may overlap: byte by byte */
            dst[out + i] = dst[out - off + i];
        out += len;
    }
    return out == cap ? (long)out : -1;
}

long orc_delta_binary_decode(const uint8_t *d, size_t len, int64_t *out, size_t count)
{
    size_t pos = 0;
    uint64_t block, nmini, total, zz;
    if (!get_varint(d, len, &pos, &block) || !get_varint(d, len, &pos, &nmini) ||
        !get_varint(d, len, &pos, &total) || !get_varint(d, len, &pos, &zz))
        return -1;
    if (block == 0 || block % 128 != 0 || block > 65536 || nmini == 0 || block % nmini != 0 ||
        (block / nmini) % 32 != 0 || total != count)
        return -1;
    size_t per_mini = (size_t)(block / nmini);
    uint64_t value = (zz >> 1) ^ (~(zz & 1) + 1);
    size_t got = 0;
    if (count > 0)
        out[got++] = (int64_t)value;
    while (got < count) {
        uint64_t mz;
        if (!get_varint(d, len, &pos, &mz))
            return -1;
        uint64_t min_delta = (mz >> 1) ^ (~(mz & 1) + 1);
        if (len - pos < nmini)
            return -1;
        const uint8_t *widths = d + pos;
        pos += (size_t)nmini;
        for (size_t m = 0; m < nmini && got < count; m++) {
            int bw = widths[m];
            if (bw > 64)
                return -1;
            size_t bytes = per_mini * (size_t)bw / 8;
            if (len - pos < bytes)
                return -1;
            const uint8_t *p = d + pos;
            for (size_t k = 0; k < per_mini && got < count; k++) {
                uint64_t x = 0;
                if (bw > 0) {
                    size_t bit = k * (size_t)bw;
                    for (int b = 0; b < bw; b++, bit++)
                        x |= (uint64_t)((p[bit / 8] >> (bit % 8)) & 1) << b;
                }
                value += min_delta + x;
                out[got++] = (int64_t)value;
            }
            pos += bytes;
        }
    }
    return (long)pos;
}
