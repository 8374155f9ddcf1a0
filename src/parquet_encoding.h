/* parquet_encoding.h -- Parquet's low-level encodings, shared by the writer, the reader and the
 * tests: a growable byte buffer and the RLE/bit-packed hybrid used for definition/repetition
 * levels and dictionary indices.
 *
 * RLE/bit-packed hybrid (Parquet Encodings.md): a sequence of runs, each a ULEB128 header h:
 *  - h & 1 == 0: RLE run of h >> 1 copies of one value stored in ceil(bit_width / 8) bytes LE;
 *  - h & 1 == 1: (h >> 1) groups of 8 values bit-packed LSB first, bit_width bits each.
 * The encoder emits RLE runs for repeats and bit-packed groups otherwise; only the last group
 * may be padded (with zeros), which readers ignore since they know the value count.
 * Level streams in data page v1 are prefixed by their byte length (4 bytes LE): the caller adds it.
 */
#ifndef ORC_PARQUET_ENCODING_H
#define ORC_PARQUET_ENCODING_H

#include <stddef.h>
#include <stdint.h>

typedef struct orc_buf {
    uint8_t *data;
    size_t len, cap;
    int failed; /* an allocation failed (sticky) */
} orc_buf;

void orc_buf_free(orc_buf *b);
int orc_buf_reserve(orc_buf *b, size_t extra); /* 0 on allocation failure (and sets failed) */
void orc_buf_append(orc_buf *b, const void *p, size_t n);
void orc_buf_u32le(orc_buf *b, uint32_t v);

/* bits needed for max_value (0 for 0) */
int orc_bit_width(uint32_t max_value);

/* Append the hybrid encoding of values[n] (each < 2^bit_width, 1 <= bit_width <= 32). */
void orc_rle_encode_u8(orc_buf *out, const uint8_t *values, size_t n, int bit_width);
void orc_rle_encode_u32(orc_buf *out, const uint32_t *values, size_t n, int bit_width);

/* Decode exactly n values from data[len] into out[n] (u8: bit_width <= 8). Returns the bytes
 * consumed, or -1 if the stream is truncated, malformed, or a value exceeds max_value. */
long orc_rle_decode_u8(const uint8_t *data, size_t len, int bit_width, uint8_t *out, size_t n,
                       uint32_t max_value);
long orc_rle_decode_u32(const uint8_t *data, size_t len, int bit_width, uint32_t *out, size_t n,
                        uint32_t max_value);

/* Snappy raw block (Parquet's SNAPPY codec): decompress src[n] into dst[cap]. Returns the
 * uncompressed size, or -1 when the stream is malformed, copies reach before the start, or the
 * output would not be exactly cap bytes. */
long orc_snappy_decompress(const uint8_t *src, size_t n, uint8_t *dst, size_t cap);

/* DELTA_BINARY_PACKED: decode exactly count values into out[count] (wrapping int64 arithmetic,
 * as the spec asks). Returns the bytes consumed (up to the end of the last miniblock used), or -1
 * when truncated or malformed (a stream holding more or fewer values than count included). */
long orc_delta_binary_decode(const uint8_t *d, size_t len, int64_t *out, size_t count);

#endif
