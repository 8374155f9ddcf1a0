/* thrift_compact.h -- Thrift compact protocol: a growable-buffer encoder and a bounds-checked
 * decoder, enough for Parquet's footer (FileMetaData) and page headers.
 *
 * Encoding (Apache Thrift compact protocol):
 *  - integers are zigzag varints (ULEB128 of (n << 1) ^ (n >> 63));
 *  - a field header is one byte (delta << 4 | type) when 1 <= id - last_id <= 15, else the type
 *    byte followed by the zigzag-varint id; booleans carry their value in the type (1 true,
 *    2 false); a struct ends with a 0x00 stop byte; nested structs restart the id delta at 0;
 *  - binary/string: varint length then the bytes; list: (size << 4 | elem_type) when size < 15,
 *    else (0xF0 | elem_type) then the varint size.
 * Encoder: append-only; an allocation failure is sticky (orc_tc_writer.failed) and checked once
 * at the end. Decoder: never reads past its buffer, limits nesting depth, and reports the first
 * problem in orc_tc_reader.error (a static string) -- callers turn it into an orc_error.
 * Not thread-safe per object; distinct objects are independent.
 */
#ifndef ORC_THRIFT_COMPACT_H
#define ORC_THRIFT_COMPACT_H

#include <stddef.h>
#include <stdint.h>

enum {
    ORC_TC_STOP = 0,
    ORC_TC_TRUE = 1,
    ORC_TC_FALSE = 2,
    ORC_TC_BYTE = 3,
    ORC_TC_I16 = 4,
    ORC_TC_I32 = 5,
    ORC_TC_I64 = 6,
    ORC_TC_DOUBLE = 7,
    ORC_TC_BINARY = 8,
    ORC_TC_LIST = 9,
    ORC_TC_SET = 10,
    ORC_TC_MAP = 11,
    ORC_TC_STRUCT = 12
};

#define ORC_TC_MAX_DEPTH 32

/* ---- encoder ---------------------------------------------------------------------------- */
typedef struct orc_tc_writer {
    uint8_t *data;
    size_t len, cap;
    int failed;                        /* an allocation failed: the output is unusable */
    int depth;
    int16_t last_id[ORC_TC_MAX_DEPTH]; /* last field id per open struct */
} orc_tc_writer;

void orc_tc_writer_init(orc_tc_writer *w);
void orc_tc_writer_free(orc_tc_writer *w);
void orc_tc_writer_reset(orc_tc_writer *w); /* keep the buffer, drop the content */

void orc_tc_write_raw(orc_tc_writer *w, const void *p, size_t n);
void orc_tc_write_varint(orc_tc_writer *w, uint64_t v);
void orc_tc_write_zigzag(orc_tc_writer *w, int64_t v);
void orc_tc_write_field(orc_tc_writer *w, int16_t id, int type);
void orc_tc_struct_begin(orc_tc_writer *w); /* after the field header (or at top level) */
void orc_tc_struct_end(orc_tc_writer *w);   /* writes the stop byte */
void orc_tc_list_begin(orc_tc_writer *w, int elem_type, uint32_t size);

/* field helpers: header + value */
void orc_tc_field_i32(orc_tc_writer *w, int16_t id, int32_t v);
void orc_tc_field_i64(orc_tc_writer *w, int16_t id, int64_t v);
void orc_tc_field_bool(orc_tc_writer *w, int16_t id, int v);
void orc_tc_field_binary(orc_tc_writer *w, int16_t id, const void *p, size_t n);
void orc_tc_field_string(orc_tc_writer *w, int16_t id, const char *s);
void orc_tc_field_struct_begin(orc_tc_writer *w, int16_t id);
/* list elements */
void orc_tc_write_binary(orc_tc_writer *w, const void *p, size_t n);

/* ---- decoder ---------------------------------------------------------------------------- */
typedef struct orc_tc_reader {
    const uint8_t *p, *end;
    const char *error; /* first problem, or NULL */
    int depth;
} orc_tc_reader;

void orc_tc_reader_init(orc_tc_reader *r, const void *data, size_t len);
size_t orc_tc_reader_consumed(const orc_tc_reader *r, const void *start);

uint64_t orc_tc_read_varint(orc_tc_reader *r);
int64_t orc_tc_read_zigzag(orc_tc_reader *r);
int32_t orc_tc_read_i32(orc_tc_reader *r); /* zigzag varint range-checked to 32 bits */
/* Next field of the current struct: returns 0 at the stop byte (or on error), else 1 with *id and
 * *type (booleans: *type is ORC_TC_TRUE/ORC_TC_FALSE, the value). *last is the struct's last id. */
int orc_tc_read_field(orc_tc_reader *r, int16_t *last, int16_t *id, int *type);
/* Binary: points into the buffer (no copy); length bounds-checked. */
const uint8_t *orc_tc_read_binary(orc_tc_reader *r, size_t *len);
/* List header: element type and size (size bounded by the bytes left). */
int orc_tc_read_list(orc_tc_reader *r, int *elem_type, uint32_t *size);
/* Skip one value of the given type (nested structs/lists/maps, depth-limited). */
void orc_tc_skip(orc_tc_reader *r, int type);
/* Value readers for a field of `type`, with type checks (a mismatch is an error). */
int32_t orc_tc_read_field_i32(orc_tc_reader *r, int type);
int64_t orc_tc_read_field_i64(orc_tc_reader *r, int type);
int orc_tc_read_field_bool(orc_tc_reader *r, int type);
void orc_tc_fail(orc_tc_reader *r, const char *why);

#endif
