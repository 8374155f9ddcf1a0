/* thrift_compact.c -- Thrift compact protocol encoder and bounds-checked decoder (see the header
 * for the byte layout). */
#include "thrift_compact.h"

#include <stdlib.h>
#include <string.h>

/* ---- encoder ---------------------------------------------------------------------------- */
void orc_tc_writer_init(orc_tc_writer *w)
{
    memset(w, 0, sizeof *w);
}

void orc_tc_writer_free(orc_tc_writer *w)
{
    free(w->data);
    memset(w, 0, sizeof *w);
}

void orc_tc_writer_reset(orc_tc_writer *w)
{
    w->len = 0;
    w->failed = 0;
    w->depth = 0;
    w->last_id[0] = 0;
}

void orc_tc_write_raw(orc_tc_writer *w, const void *p, size_t n)
{
    if (w->failed)
        return;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n)
            cap *= 2;
        uint8_t *d = realloc(w->data, cap);
        if (d == NULL) {
            w->failed = 1;
            return;
        }
        w->data = d;
        w->cap = cap;
    }
    if (n > 0)
        memcpy(w->data + w->len, p, n);
    w->len += n;
}

static void write_byte(orc_tc_writer *w, uint8_t b)
{
    orc_tc_write_raw(w, &b, 1);
}

void orc_tc_write_varint(orc_tc_writer *w, uint64_t v)
{
    uint8_t buf[10];
    size_t n = 0;
    while (v >= 0x80) {
        buf[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    buf[n++] = (uint8_t)v;
    orc_tc_write_raw(w, buf, n);
}

void orc_tc_write_zigzag(orc_tc_writer *w, int64_t v)
{
    orc_tc_write_varint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void orc_tc_write_field(orc_tc_writer *w, int16_t id, int type)
{
    int16_t *last = &w->last_id[w->depth];
    int delta = id - *last;
    if (delta > 0 && delta <= 15) {
        write_byte(w, (uint8_t)(delta << 4 | type));
    } else {
        write_byte(w, (uint8_t)type);
        orc_tc_write_zigzag(w, id);
    }
    *last = id;
}

void orc_tc_struct_begin(orc_tc_writer *w)
{
    if (w->depth + 1 >= ORC_TC_MAX_DEPTH) {
        w->failed = 1;
        return;
    }
    w->last_id[++w->depth] = 0;
}

void orc_tc_struct_end(orc_tc_writer *w)
{
    write_byte(w, ORC_TC_STOP);
    if (w->depth > 0)
        w->depth--;
}

void orc_tc_list_begin(orc_tc_writer *w, int elem_type, uint32_t size)
{
    if (size < 15) {
        write_byte(w, (uint8_t)(size << 4 | (uint32_t)elem_type));
    } else {
        write_byte(w, (uint8_t)(0xF0 | elem_type));
        orc_tc_write_varint(w, size);
    }
}

void orc_tc_field_i32(orc_tc_writer *w, int16_t id, int32_t v)
{
    orc_tc_write_field(w, id, ORC_TC_I32);
    orc_tc_write_zigzag(w, v);
}

void orc_tc_field_i64(orc_tc_writer *w, int16_t id, int64_t v)
{
    orc_tc_write_field(w, id, ORC_TC_I64);
    orc_tc_write_zigzag(w, v);
}

void orc_tc_field_bool(orc_tc_writer *w, int16_t id, int v)
{
    orc_tc_write_field(w, id, v ? ORC_TC_TRUE : ORC_TC_FALSE);
}

void orc_tc_write_binary(orc_tc_writer *w, const void *p, size_t n)
{
    orc_tc_write_varint(w, n);
    orc_tc_write_raw(w, p, n);
}

void orc_tc_field_binary(orc_tc_writer *w, int16_t id, const void *p, size_t n)
{
    orc_tc_write_field(w, id, ORC_TC_BINARY);
    orc_tc_write_binary(w, p, n);
}

void orc_tc_field_string(orc_tc_writer *w, int16_t id, const char *s)
{
    orc_tc_field_binary(w, id, s, strlen(s));
}

void orc_tc_field_struct_begin(orc_tc_writer *w, int16_t id)
{
    orc_tc_write_field(w, id, ORC_TC_STRUCT);
    orc_tc_struct_begin(w);
}

/* ---- decoder ---------------------------------------------------------------------------- */
void orc_tc_reader_init(orc_tc_reader *r, const void *data, size_t len)
{
    r->p = data;
    r->end = r->p + len;
    r->error = NULL;
    r->depth = 0;
}

size_t orc_tc_reader_consumed(const orc_tc_reader *r, const void *start)
{
    return (size_t)(r->p - (const uint8_t *)start);
}

void orc_tc_fail(orc_tc_reader *r, const char *why)
{
    if (r->error == NULL)
        r->error = why;
    r->p = r->end;
}

uint64_t orc_tc_read_varint(orc_tc_reader *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            orc_tc_fail(r, "truncated varint");
            return 0;
        }
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80))
            return v;
    }
    orc_tc_fail(r, "varint longer than 10 bytes");
    return 0;
}

int64_t orc_tc_read_zigzag(orc_tc_reader *r)
{
    uint64_t u = orc_tc_read_varint(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

int32_t orc_tc_read_i32(orc_tc_reader *r)
{
    int64_t v = orc_tc_read_zigzag(r);
    if (v < INT32_MIN || v > INT32_MAX) {
        orc_tc_fail(r, "i32 out of range");
        return 0;
    }
    return (int32_t)v;
}

int orc_tc_read_field(orc_tc_reader *r, int16_t *last, int16_t *id, int *type)
{
    if (r->error != NULL)
        return 0;
    if (r->p >= r->end) {
        orc_tc_fail(r, "truncated struct");
        return 0;
    }
    uint8_t b = *r->p++;
    if (b == ORC_TC_STOP)
        return 0;
    int t = b & 0x0F;
    int delta = b >> 4;
    if (t > ORC_TC_STRUCT) {
        orc_tc_fail(r, "unknown field type");
        return 0;
    }
    if (delta != 0) {
        *id = (int16_t)(*last + delta);
    } else {
        int64_t v = orc_tc_read_zigzag(r);
        if (v < INT16_MIN || v > INT16_MAX) {
            orc_tc_fail(r, "field id out of range");
            return 0;
        }
        *id = (int16_t)v;
    }
    *last = *id;
    *type = t;
    return r->error == NULL;
}

const uint8_t *orc_tc_read_binary(orc_tc_reader *r, size_t *len)
{
    uint64_t n = orc_tc_read_varint(r);
    if (r->error != NULL)
        return NULL;
    if (n > (uint64_t)(r->end - r->p)) {
        orc_tc_fail(r, "binary length past the end of the buffer");
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    *len = (size_t)n;
    return p;
}

int orc_tc_read_list(orc_tc_reader *r, int *elem_type, uint32_t *size)
{
    if (r->p >= r->end) {
        orc_tc_fail(r, "truncated list header");
        return 0;
    }
    uint8_t b = *r->p++;
    uint64_t n = b >> 4;
    if (n == 15)
        n = orc_tc_read_varint(r);
    *elem_type = b & 0x0F;
    /* every element takes at least one byte (booleans and empty structs included) */
    if (r->error == NULL && n > (uint64_t)(r->end - r->p))
        orc_tc_fail(r, "list size larger than the bytes left");
    if (r->error != NULL)
        return 0;
    *size = (uint32_t)n;
    return 1;
}

void orc_tc_skip(orc_tc_reader *r, int type)
{
    if (r->error != NULL)
        return;
    if (++r->depth > ORC_TC_MAX_DEPTH) {
        orc_tc_fail(r, "nesting too deep");
        return;
    }
    switch (type) {
    case ORC_TC_TRUE:
    case ORC_TC_FALSE:
        break; /* value in the field header; as a list element it is one byte */
    case ORC_TC_BYTE:
        if (r->p >= r->end)
            orc_tc_fail(r, "truncated byte");
        else
            r->p++;
        break;
    case ORC_TC_I16:
    case ORC_TC_I32:
    case ORC_TC_I64:
        (void)orc_tc_read_varint(r);
        break;
    case ORC_TC_DOUBLE:
        if (r->end - r->p < 8)
            orc_tc_fail(r, "truncated double");
        else
            r->p += 8;
        break;
    case ORC_TC_BINARY: {
        size_t n;
        (void)orc_tc_read_binary(r, &n);
        break;
    }
    case ORC_TC_LIST:
    case ORC_TC_SET: {
        int et;
        uint32_t n;
        if (!orc_tc_read_list(r, &et, &n))
            break;
        for (uint32_t i = 0; i < n && r->error == NULL; i++) {
            if (et == ORC_TC_TRUE || et == ORC_TC_FALSE)
                orc_tc_skip(r, ORC_TC_BYTE);
            else
                orc_tc_skip(r, et);
        }
        break;
    }
    case ORC_TC_MAP: {
        uint64_t n = orc_tc_read_varint(r);
        if (n == 0 || r->error != NULL)
            break;
        if (r->p >= r->end || n > (uint64_t)(r->end - r->p)) {
            orc_tc_fail(r, "truncated map");
            break;
        }
        uint8_t kv = *r->p++;
        for (uint64_t i = 0; i < n && r->error == NULL; i++) {
            orc_tc_skip(r, kv >> 4);
            orc_tc_skip(r, kv & 0x0F);
        }
        break;
    }
    case ORC_TC_STRUCT: {
        int16_t last = 0, id;
        int t;
        while (orc_tc_read_field(r, &last, &id, &t))
            orc_tc_skip(r, t);
        break;
    }
    default:
        orc_tc_fail(r, "unknown type to skip");
    }
    r->depth--;
}

int32_t orc_tc_read_field_i32(orc_tc_reader *r, int type)
{
    if (type != ORC_TC_I32 && type != ORC_TC_I16 && type != ORC_TC_BYTE) {
        orc_tc_fail(r, "field is not an integer");
        return 0;
    }
    if (type == ORC_TC_BYTE) {
        if (r->p >= r->end) {
            orc_tc_fail(r, "truncated byte");
            return 0;
        }
        return (int8_t)*r->p++;
    }
    return orc_tc_read_i32(r);
}

int64_t orc_tc_read_field_i64(orc_tc_reader *r, int type)
{
    if (type == ORC_TC_I64)
        return orc_tc_read_zigzag(r);
    return orc_tc_read_field_i32(r, type);
}

int orc_tc_read_field_bool(orc_tc_reader *r, int type)
{
    if (type == ORC_TC_TRUE)
        return 1;
    if (type == ORC_TC_FALSE)
        return 0;
    orc_tc_fail(r, "field is not a boolean");
    return 0;
}
