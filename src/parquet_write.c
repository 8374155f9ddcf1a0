/* parquet_write.c -- the Parquet writer (layout and guarantees in parquet.h).
 *
 * File: "PAR1" | row group 0: column chunk 0 [dictionary page] data pages..., chunk 1, ... |
 *       row group 1 ... | FileMetaData (Thrift compact) | u32 footer length | "PAR1".
 * Each column buffers its current page (levels + raw values) and its finished, compressed pages;
 * a row group is written when the buffered bytes reach row_group_bytes. RowGroup structs are
 * serialised as soon as their chunks are written, so the footer is the schema plus those bytes.
 */
#include "parquet.h"
#include "parquet_encoding.h"
#include "parquet_internal.h"
#include "thrift_compact.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define STATS_MAX_STRING 1024

typedef struct page_state {
    orc_buf values;       /* PLAIN bytes, or uint32 dictionary indices */
    orc_buf def, rep;     /* one uint8 level per entry */
    size_t num_values;    /* level entries (values + nulls + empty lists) */
    size_t num_nonnull;   /* values present */
} page_state;

typedef struct col_writer {
    orc_parquet_column spec;
    int physical;         /* PQ_* type of the leaf */
    int is_list;
    int max_def, max_rep;
    /* dictionary (STRING_DICT) of the current chunk */
    int dict_mode;        /* values go to the dictionary (else PLAIN) */
    int used_plain_data;  /* a PLAIN data page was written in this chunk */
    int used_dict_data;
    orc_buf dict_data;    /* PLAIN entries: u32 length + bytes */
    uint32_t *dict_off;   /* [dict_count] entry offsets into dict_data */
    uint32_t dict_count, dict_cap;
    uint32_t *hash;       /* open addressing: entry index + 1, 0 = empty */
    uint32_t hash_cap;    /* power of two */
    page_state page;
    orc_buf chunk;        /* finished pages (header + payload) of this row group */
    int64_t chunk_values;
    int64_t chunk_uncompressed;
    /* statistics of the chunk */
    int64_t null_count;
    int has_minmax;
    int32_t min_i32, max_i32;
    int64_t min_i64, max_i64;
    double min_f64, max_f64;
    float min_f32, max_f32;
    orc_buf smin, smax;
    int str_too_long;
} col_writer;

struct orc_parquet_writer {
    char *path, *tmp_path;
    int fd;
    size_t ncols;
    col_writer *cols;
    int codec;            /* PQ_CODEC_* */
    int zstd_level;
    size_t row_group_bytes, page_bytes, dictionary_bytes;
    char *created_by;
    ZSTD_CCtx *zctx;
    orc_buf zbuf, body, levels;
    orc_tc_writer tc;
    uint64_t offset;      /* bytes written to the file */
    int64_t rows, rg_rows;
    orc_buf row_groups;   /* serialised RowGroup structs */
    uint32_t nrow_groups;
    orc_status failed;
    char failmsg[sizeof(((orc_error *)0)->msg)];
};

static orc_status fail(orc_parquet_writer *w, orc_error *err, orc_status code, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));

static orc_status fail(orc_parquet_writer *w, orc_error *err, orc_status code, const char *fmt,
                       ...)
{
    char msg[sizeof w->failmsg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (w->failed == ORC_OK) {
        w->failed = code;
        snprintf(w->failmsg, sizeof w->failmsg, "%s", msg);
    }
    return orc_error_set(err, code, "writing %s: %s", w->path, msg);
}

static orc_status sticky(const orc_parquet_writer *w, orc_error *err)
{
    return orc_error_set(err, w->failed, "writing %s: an earlier error stopped the writer: %s",
                         w->path, w->failmsg);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

/* ---- file output ------------------------------------------------------------------------ */
static orc_status write_all(orc_parquet_writer *w, const void *p, size_t n, orc_error *err)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t k = write(w->fd, b, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return fail(w, err, ORC_ERR_IO, "write to %s failed: %s", w->tmp_path,
                        strerror(errno));
        }
        b += k;
        n -= (size_t)k;
        w->offset += (uint64_t)k;
    }
    return ORC_OK;
}

/* ---- statistics ------------------------------------------------------------------------- */
static void stats_string(col_writer *c, const char *s, size_t n)
{
    if (c->str_too_long)
        return;
    if (n > STATS_MAX_STRING) {
        c->str_too_long = 1;
        return;
    }
    if (!c->has_minmax) {
        c->smin.len = c->smax.len = 0;
        orc_buf_append(&c->smin, s, n);
        orc_buf_append(&c->smax, s, n);
        c->has_minmax = 1;
        return;
    }
    size_t m = n < c->smin.len ? n : c->smin.len;
    int cmp = m ? memcmp(s, c->smin.data, m) : 0;
    if (cmp < 0 || (cmp == 0 && n < c->smin.len)) {
        c->smin.len = 0;
        orc_buf_append(&c->smin, s, n);
    }
    m = n < c->smax.len ? n : c->smax.len;
    cmp = m ? memcmp(s, c->smax.data, m) : 0;
    if (cmp > 0 || (cmp == 0 && n > c->smax.len)) {
        c->smax.len = 0;
        orc_buf_append(&c->smax, s, n);
    }
}

static void stats_floats(col_writer *c, const float *v, size_t n)
{
    size_t i = 0;
    if (!c->has_minmax) {
        while (i < n && isnan(v[i]))
            i++;
        if (i == n)
            return;
        c->min_f32 = c->max_f32 = v[i++];
        c->has_minmax = 1;
    }
    float lo = c->min_f32, hi = c->max_f32;
    for (; i < n; i++) { /* NaN compares false both ways: ignored, as the spec asks */
        float x = v[i];
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    c->min_f32 = lo;
    c->max_f32 = hi;
}

/* ---- dictionary ------------------------------------------------------------------------- */
static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static int dict_entry_eq(const col_writer *c, uint32_t idx, const char *s, size_t n)
{
    const uint8_t *e = c->dict_data.data + c->dict_off[idx];
    uint32_t len = (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 |
                   (uint32_t)e[3] << 24;
    return len == n && memcmp(e + 4, s, n) == 0;
}

static int dict_rehash(col_writer *c, uint32_t cap)
{
    uint32_t *h = calloc(cap, sizeof *h);
    if (h == NULL)
        return 0;
    for (uint32_t i = 0; i < c->dict_count; i++) {
        const uint8_t *e = c->dict_data.data + c->dict_off[i];
        uint32_t len = (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 |
                       (uint32_t)e[3] << 24;
        uint32_t slot = hash_bytes((const char *)e + 4, len) & (cap - 1);
        while (h[slot] != 0)
            slot = (slot + 1) & (cap - 1);
        h[slot] = i + 1;
    }
    free(c->hash);
    c->hash = h;
    c->hash_cap = cap;
    return 1;
}

/* Index of s in the dictionary; adds it if new. -1: no memory; -2: dictionary full. */
static int64_t dict_lookup(col_writer *c, const char *s, size_t n, size_t limit)
{
    if (c->hash_cap == 0 && !dict_rehash(c, 1024))
        return -1;
    uint32_t slot = hash_bytes(s, n) & (c->hash_cap - 1);
    while (c->hash[slot] != 0) {
        if (dict_entry_eq(c, c->hash[slot] - 1, s, n))
            return c->hash[slot] - 1;
        slot = (slot + 1) & (c->hash_cap - 1);
    }
    if (c->dict_count > 0 && c->dict_data.len + 4 + n > limit)
        return -2;
    if (c->dict_count == c->dict_cap) {
        uint32_t cap = c->dict_cap ? c->dict_cap * 2 : 256;
        uint32_t *o = realloc(c->dict_off, cap * sizeof *o);
        if (o == NULL)
            return -1;
        c->dict_off = o;
        c->dict_cap = cap;
    }
    c->dict_off[c->dict_count] = (uint32_t)c->dict_data.len;
    orc_buf_u32le(&c->dict_data, (uint32_t)n);
    orc_buf_append(&c->dict_data, s, n);
    if (c->dict_data.failed)
        return -1;
    c->hash[slot] = ++c->dict_count;
    stats_string(c, s, n);
    if ((uint64_t)c->dict_count * 2 > c->hash_cap && !dict_rehash(c, c->hash_cap * 2))
        return -1;
    return c->dict_count - 1;
}

static void dict_reset(col_writer *c)
{
    c->dict_data.len = 0;
    c->dict_count = 0;
    if (c->hash != NULL)
        memset(c->hash, 0, c->hash_cap * sizeof *c->hash);
    c->dict_mode = c->spec.type == ORC_PARQUET_STRING_DICT;
}

/* ---- pages ------------------------------------------------------------------------------ */
/* Compress w->body (if the codec says so): returns the payload and its size. */
static orc_status compress_body(orc_parquet_writer *w, const uint8_t **out, size_t *out_len,
                                orc_error *err)
{
    if (w->codec == PQ_CODEC_UNCOMPRESSED) {
        *out = w->body.data;
        *out_len = w->body.len;
        return ORC_OK;
    }
    size_t bound = ZSTD_compressBound(w->body.len);
    w->zbuf.len = 0;
    if (!orc_buf_reserve(&w->zbuf, bound))
        return fail(w, err, ORC_ERR_NO_MEMORY, "no memory for a %zu-byte page", bound);
    size_t n = ZSTD_compressCCtx(w->zctx, w->zbuf.data, bound, w->body.data, w->body.len,
                                 w->zstd_level);
    if (ZSTD_isError(n))
        return fail(w, err, ORC_ERR_INTERNAL, "zstd: %s", ZSTD_getErrorName(n));
    *out = w->zbuf.data;
    *out_len = n;
    return ORC_OK;
}

static void append_levels(orc_parquet_writer *w, const orc_buf *lv, size_t n, int max_level)
{
    w->levels.len = 0;
    orc_rle_encode_u8(&w->levels, lv->data, n, orc_bit_width((uint32_t)max_level));
    orc_buf_u32le(&w->body, (uint32_t)w->levels.len);
    orc_buf_append(&w->body, w->levels.data, w->levels.len);
}

/* Serialise page header + payload into dst; returns the header+uncompressed size through
 * *uncompressed_total. */
static orc_status emit_page(orc_parquet_writer *w, orc_buf *dst, int page_type,
                            uint32_t num_values, int encoding, int64_t *uncompressed_total,
                            orc_error *err)
{
    if (w->body.failed)
        return fail(w, err, ORC_ERR_NO_MEMORY, "no memory for a page");
    if (w->body.len > INT32_MAX)
        return fail(w, err, ORC_ERR_INVALID_ARGUMENT, "a page of %zu bytes is too large",
                    w->body.len);
    const uint8_t *payload = NULL;
    size_t plen = 0;
    orc_status st = compress_body(w, &payload, &plen, err);
    if (st != ORC_OK)
        return st;
    orc_tc_writer *tc = &w->tc;
    orc_tc_writer_reset(tc);
    orc_tc_field_i32(tc, 1, page_type);
    orc_tc_field_i32(tc, 2, (int32_t)w->body.len);
    orc_tc_field_i32(tc, 3, (int32_t)plen);
    if (page_type == PQ_PAGE_DATA) {
        orc_tc_field_struct_begin(tc, 5);
        orc_tc_field_i32(tc, 1, (int32_t)num_values);
        orc_tc_field_i32(tc, 2, encoding);
        orc_tc_field_i32(tc, 3, PQ_ENC_RLE);
        orc_tc_field_i32(tc, 4, PQ_ENC_RLE);
        orc_tc_struct_end(tc);
    } else {
        orc_tc_field_struct_begin(tc, 7);
        orc_tc_field_i32(tc, 1, (int32_t)num_values);
        orc_tc_field_i32(tc, 2, encoding);
        orc_tc_struct_end(tc);
    }
    orc_tc_struct_end(tc);
    if (tc->failed)
        return fail(w, err, ORC_ERR_NO_MEMORY, "no memory for a page header");
    orc_buf_append(dst, tc->data, tc->len);
    orc_buf_append(dst, payload, plen);
    if (dst->failed)
        return fail(w, err, ORC_ERR_NO_MEMORY, "no memory to buffer a row group");
    *uncompressed_total += (int64_t)(tc->len + w->body.len);
    return ORC_OK;
}

static orc_status flush_page(orc_parquet_writer *w, col_writer *c, orc_error *err)
{
    page_state *pg = &c->page;
    if (pg->num_values == 0)
        return ORC_OK;
    if (pg->def.failed || pg->rep.failed || pg->values.failed)
        return fail(w, err, ORC_ERR_NO_MEMORY, "no memory for column '%s'", c->spec.name);
    w->body.len = 0;
    if (c->max_rep > 0)
        append_levels(w, &pg->rep, pg->num_values, c->max_rep);
    if (c->max_def > 0)
        append_levels(w, &pg->def, pg->num_values, c->max_def);
    int encoding = PQ_ENC_PLAIN;
    if (c->dict_mode && c->dict_count > 0) {
        int bw = orc_bit_width(c->dict_count - 1);
        if (bw == 0)
            bw = 1;
        uint8_t b = (uint8_t)bw;
        orc_buf_append(&w->body, &b, 1);
        orc_rle_encode_u32(&w->body, (const uint32_t *)(const void *)pg->values.data,
                           pg->num_nonnull, bw);
        encoding = PQ_ENC_RLE_DICTIONARY;
        c->used_dict_data = 1;
    } else {
        orc_buf_append(&w->body, pg->values.data, pg->values.len);
        c->used_plain_data = 1;
    }
    if (pg->num_values > INT32_MAX)
        return fail(w, err, ORC_ERR_INVALID_ARGUMENT, "too many values in one page");
    orc_status st = emit_page(w, &c->chunk, PQ_PAGE_DATA, (uint32_t)pg->num_values, encoding,
                              &c->chunk_uncompressed, err);
    if (st != ORC_OK)
        return st;
    c->chunk_values += (int64_t)pg->num_values;
    pg->num_values = pg->num_nonnull = 0;
    pg->values.len = pg->def.len = pg->rep.len = 0;
    return ORC_OK;
}

static size_t page_fill(const col_writer *c)
{
    return c->page.values.len + c->page.num_values;
}

/* ---- footer pieces ---------------------------------------------------------------------- */
static void put_stats(orc_tc_writer *tc, const col_writer *c)
{
    uint8_t lo[8], hi[8];
    size_t n = 0;
    const void *plo = lo, *phi = hi;
    if (c->has_minmax) {
        switch (c->physical) {
        case PQ_INT32:
            memcpy(lo, &c->min_i32, 4);
            memcpy(hi, &c->max_i32, 4);
            n = 4;
            break;
        case PQ_INT64:
            memcpy(lo, &c->min_i64, 8);
            memcpy(hi, &c->max_i64, 8);
            n = 8;
            break;
        case PQ_DOUBLE: { /* the spec: a zero min is written -0.0, a zero max +0.0 */
            double a = c->min_f64 == 0.0 ? -0.0 : c->min_f64;
            double b = c->max_f64 == 0.0 ? 0.0 : c->max_f64;
            memcpy(lo, &a, 8);
            memcpy(hi, &b, 8);
            n = 8;
            break;
        }
        case PQ_FLOAT: {
            float a = c->min_f32 == 0.0f ? -0.0f : c->min_f32;
            float b = c->max_f32 == 0.0f ? 0.0f : c->max_f32;
            memcpy(lo, &a, 4);
            memcpy(hi, &b, 4);
            n = 4;
            break;
        }
        default:
            break;
        }
    }
    int strings = c->physical == PQ_BYTE_ARRAY && c->has_minmax && !c->str_too_long;
    orc_tc_field_struct_begin(tc, 12);
    if (n > 0) { /* numeric: signed order is the type order, so the legacy fields agree */
        orc_tc_field_binary(tc, 1, phi, n);
        orc_tc_field_binary(tc, 2, plo, n);
    }
    if (!c->is_list)
        orc_tc_field_i64(tc, 3, c->null_count);
    if (n > 0) {
        orc_tc_field_binary(tc, 5, phi, n);
        orc_tc_field_binary(tc, 6, plo, n);
    } else if (strings) {
        orc_tc_field_binary(tc, 5, c->smax.data, c->smax.len);
        orc_tc_field_binary(tc, 6, c->smin.data, c->smin.len);
    }
    orc_tc_struct_end(tc);
}

/* Write every column chunk of the buffered rows and serialise their RowGroup. */
static orc_status flush_row_group(orc_parquet_writer *w, orc_error *err)
{
    orc_status st;
    if (w->rg_rows == 0)
        return ORC_OK;
    uint64_t rg_start = w->offset;
    int64_t total_uncompressed = 0, total_compressed = 0;
    orc_tc_writer rg;
    orc_tc_writer_init(&rg);
    orc_tc_write_field(&rg, 1, ORC_TC_LIST);
    orc_tc_list_begin(&rg, ORC_TC_STRUCT, (uint32_t)w->ncols);
    for (size_t i = 0; i < w->ncols; i++) {
        col_writer *c = &w->cols[i];
        if ((st = flush_page(w, c, err)) != ORC_OK)
            goto out;
        uint64_t chunk_start = w->offset;
        int64_t dict_offset = -1;
        int64_t uncompressed = c->chunk_uncompressed;
        size_t compressed = c->chunk.len;
        if (c->dict_count > 0 && c->used_dict_data) {
            orc_buf dict_page = {0};
            w->body.len = 0;
            orc_buf_append(&w->body, c->dict_data.data, c->dict_data.len);
            st = emit_page(w, &dict_page, PQ_PAGE_DICTIONARY, c->dict_count, PQ_ENC_PLAIN,
                           &uncompressed, err);
            if (st == ORC_OK)
                st = write_all(w, dict_page.data, dict_page.len, err);
            compressed += dict_page.len;
            orc_buf_free(&dict_page);
            if (st != ORC_OK)
                goto out;
            dict_offset = (int64_t)chunk_start;
        }
        uint64_t data_offset = w->offset;
        if ((st = write_all(w, c->chunk.data, c->chunk.len, err)) != ORC_OK)
            goto out;
        total_uncompressed += uncompressed;
        total_compressed += (int64_t)compressed;

        orc_tc_struct_begin(&rg); /* ColumnChunk */
        orc_tc_field_i64(&rg, 2, (int64_t)chunk_start);
        orc_tc_field_struct_begin(&rg, 3); /* ColumnMetaData */
        orc_tc_field_i32(&rg, 1, c->physical);
        int encs[3], nenc = 0;
        if (dict_offset >= 0 || c->used_plain_data)
            encs[nenc++] = PQ_ENC_PLAIN;
        encs[nenc++] = PQ_ENC_RLE;
        if (dict_offset >= 0)
            encs[nenc++] = PQ_ENC_RLE_DICTIONARY;
        orc_tc_write_field(&rg, 2, ORC_TC_LIST);
        orc_tc_list_begin(&rg, ORC_TC_I32, (uint32_t)nenc);
        for (int k = 0; k < nenc; k++)
            orc_tc_write_zigzag(&rg, encs[k]);
        orc_tc_write_field(&rg, 3, ORC_TC_LIST);
        orc_tc_list_begin(&rg, ORC_TC_BINARY, c->is_list ? 3 : 1);
        orc_tc_write_binary(&rg, c->spec.name, strlen(c->spec.name));
        if (c->is_list) {
            orc_tc_write_binary(&rg, "list", 4);
            orc_tc_write_binary(&rg, "element", 7);
        }
        orc_tc_field_i32(&rg, 4, w->codec);
        orc_tc_field_i64(&rg, 5, c->chunk_values);
        orc_tc_field_i64(&rg, 6, uncompressed);
        orc_tc_field_i64(&rg, 7, (int64_t)compressed);
        orc_tc_field_i64(&rg, 9, (int64_t)data_offset);
        if (dict_offset >= 0)
            orc_tc_field_i64(&rg, 11, dict_offset);
        put_stats(&rg, c);
        orc_tc_struct_end(&rg); /* ColumnMetaData */
        orc_tc_struct_end(&rg); /* ColumnChunk */

        c->chunk.len = 0;
        c->chunk_values = c->chunk_uncompressed = 0;
        c->null_count = 0;
        c->has_minmax = 0;
        c->str_too_long = 0;
        c->used_plain_data = c->used_dict_data = 0;
        dict_reset(c);
    }
    orc_tc_field_i64(&rg, 2, total_uncompressed);
    orc_tc_field_i64(&rg, 3, w->rg_rows);
    orc_tc_field_i64(&rg, 5, (int64_t)rg_start);
    orc_tc_field_i64(&rg, 6, total_compressed);
    orc_tc_write_field(&rg, 7, ORC_TC_I16);
    orc_tc_write_zigzag(&rg, (int16_t)w->nrow_groups);
    orc_tc_struct_end(&rg);
    if (rg.failed) {
        st = fail(w, err, ORC_ERR_NO_MEMORY, "no memory for the footer");
        goto out;
    }
    orc_buf_append(&w->row_groups, rg.data, rg.len);
    if (w->row_groups.failed) {
        st = fail(w, err, ORC_ERR_NO_MEMORY, "no memory for the footer");
        goto out;
    }
    w->nrow_groups++;
    w->rg_rows = 0;
    st = ORC_OK;
out:
    orc_tc_writer_free(&rg);
    return st;
}

static void put_schema_element(orc_tc_writer *tc, int type, int repetition, const char *name,
                               int num_children, int converted, int logical)
{
    orc_tc_struct_begin(tc);
    if (type >= 0)
        orc_tc_field_i32(tc, 1, type);
    if (repetition >= 0)
        orc_tc_field_i32(tc, 3, repetition);
    orc_tc_field_string(tc, 4, name);
    if (num_children >= 0)
        orc_tc_field_i32(tc, 5, num_children);
    if (converted >= 0)
        orc_tc_field_i32(tc, 6, converted);
    if (logical > 0) {
        orc_tc_field_struct_begin(tc, 10);
        orc_tc_field_struct_begin(tc, (int16_t)logical);
        orc_tc_struct_end(tc);
        orc_tc_struct_end(tc);
    }
    orc_tc_struct_end(tc);
}

static orc_status write_footer(orc_parquet_writer *w, orc_error *err)
{
    orc_tc_writer *tc = &w->tc;
    orc_tc_writer_reset(tc);
    orc_tc_field_i32(tc, 1, 1); /* version */
    uint32_t nelems = 1;
    for (size_t i = 0; i < w->ncols; i++)
        nelems += w->cols[i].is_list ? 3 : 1;
    orc_tc_write_field(tc, 2, ORC_TC_LIST);
    orc_tc_list_begin(tc, ORC_TC_STRUCT, nelems);
    put_schema_element(tc, -1, -1, "schema", (int)w->ncols, -1, 0);
    for (size_t i = 0; i < w->ncols; i++) {
        const col_writer *c = &w->cols[i];
        int rep = c->spec.nullable ? PQ_OPTIONAL : PQ_REQUIRED;
        switch (c->spec.type) {
        case ORC_PARQUET_STRING:
        case ORC_PARQUET_STRING_DICT:
            put_schema_element(tc, PQ_BYTE_ARRAY, rep, c->spec.name, -1, PQ_CONVERTED_UTF8,
                               PQ_LOGICAL_STRING);
            break;
        case ORC_PARQUET_FLOAT_LIST:
            put_schema_element(tc, -1, rep, c->spec.name, 1, PQ_CONVERTED_LIST, PQ_LOGICAL_LIST);
            put_schema_element(tc, -1, PQ_REPEATED, "list", 1, -1, 0);
            put_schema_element(tc, PQ_FLOAT, PQ_REQUIRED, "element", -1, -1, 0);
            break;
        default:
            put_schema_element(tc, c->physical, rep, c->spec.name, -1, -1, 0);
        }
    }
    orc_tc_field_i64(tc, 3, w->rows);
    orc_tc_write_field(tc, 4, ORC_TC_LIST);
    orc_tc_list_begin(tc, ORC_TC_STRUCT, w->nrow_groups);
    orc_tc_write_raw(tc, w->row_groups.data, w->row_groups.len);
    orc_tc_field_string(tc, 6, w->created_by);
    orc_tc_write_field(tc, 7, ORC_TC_LIST); /* column_orders: TypeDefinedOrder per leaf */
    orc_tc_list_begin(tc, ORC_TC_STRUCT, (uint32_t)w->ncols);
    for (size_t i = 0; i < w->ncols; i++) {
        orc_tc_struct_begin(tc);
        orc_tc_field_struct_begin(tc, 1);
        orc_tc_struct_end(tc);
        orc_tc_struct_end(tc);
    }
    orc_tc_struct_end(tc);
    if (tc->failed || tc->len > UINT32_MAX)
        return fail(w, err, ORC_ERR_NO_MEMORY, "no memory for the footer");
    orc_status st = write_all(w, tc->data, tc->len, err);
    if (st != ORC_OK)
        return st;
    uint8_t tail[8] = {(uint8_t)tc->len, (uint8_t)(tc->len >> 8), (uint8_t)(tc->len >> 16),
                       (uint8_t)(tc->len >> 24), 'P', 'A', 'R', '1'};
    return write_all(w, tail, sizeof tail, err);
}

/* ---- open / append / close -------------------------------------------------------------- */
static void free_writer(orc_parquet_writer *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; w->cols != NULL && i < w->ncols; i++) {
        col_writer *c = &w->cols[i];
        free((char *)c->spec.name);
        orc_buf_free(&c->dict_data);
        free(c->dict_off);
        free(c->hash);
        orc_buf_free(&c->page.values);
        orc_buf_free(&c->page.def);
        orc_buf_free(&c->page.rep);
        orc_buf_free(&c->chunk);
        orc_buf_free(&c->smin);
        orc_buf_free(&c->smax);
    }
    free(w->cols);
    if (w->fd >= 0)
        close(w->fd);
    ZSTD_freeCCtx(w->zctx);
    orc_buf_free(&w->zbuf);
    orc_buf_free(&w->body);
    orc_buf_free(&w->levels);
    orc_buf_free(&w->row_groups);
    orc_tc_writer_free(&w->tc);
    free(w->created_by);
    free(w->path);
    free(w->tmp_path);
    free(w);
}

static orc_status check_columns(const char *path, const orc_parquet_column *cols, size_t n,
                                orc_error *err)
{
    if (n == 0 || n > 4096)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "writing %s: %zu columns (1 to 4096 allowed)", path, n);
    for (size_t i = 0; i < n; i++) {
        if (cols[i].name == NULL || cols[i].name[0] == '\0')
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                 "writing %s: column %zu has no name", path, i);
        if (cols[i].type < ORC_PARQUET_STRING || cols[i].type > ORC_PARQUET_FLOAT_LIST)
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                 "writing %s: column '%s' has an unknown type %d", path,
                                 cols[i].name, (int)cols[i].type);
        for (size_t j = 0; j < i; j++)
            if (strcmp(cols[i].name, cols[j].name) == 0)
                return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                     "writing %s: column name '%s' appears twice", path,
                                     cols[i].name);
    }
    return ORC_OK;
}

orc_status orc_parquet_writer_open(const char *path, const orc_parquet_column *columns,
                                   size_t ncolumns, const orc_parquet_options *opt,
                                   orc_parquet_writer **out, orc_error *err)
{
    orc_parquet_options defaults = {0};
    if (opt == NULL)
        opt = &defaults;
    if (path == NULL || path[0] == '\0' || out == NULL || (columns == NULL && ncolumns > 0))
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "parquet writer: no path or output");
    orc_status st = check_columns(path, columns, ncolumns, err);
    if (st != ORC_OK)
        return st;
    if (opt->codec > ORC_PARQUET_CODEC_UNCOMPRESSED || opt->zstd_level < 0 ||
        opt->zstd_level > ZSTD_maxCLevel())
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "writing %s: bad codec %d or zstd level %d (1..%d)", path,
                             (int)opt->codec, opt->zstd_level, ZSTD_maxCLevel());
    if (opt->page_bytes > PQ_MAX_PAGE_BYTES || opt->dictionary_bytes > PQ_MAX_PAGE_BYTES)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "writing %s: page_bytes and dictionary_bytes must be <= 1 GiB", path);

    orc_parquet_writer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "writing %s: no memory", path);
    w->fd = -1;
    w->ncols = ncolumns;
    w->codec = opt->codec == ORC_PARQUET_CODEC_UNCOMPRESSED ? PQ_CODEC_UNCOMPRESSED
                                                            : PQ_CODEC_ZSTD;
    w->zstd_level = opt->zstd_level ? opt->zstd_level : 3;
    w->row_group_bytes = opt->row_group_bytes ? opt->row_group_bytes : (size_t)128 << 20;
    w->page_bytes = opt->page_bytes ? opt->page_bytes : (size_t)1 << 20;
    w->dictionary_bytes = opt->dictionary_bytes ? opt->dictionary_bytes : (size_t)1 << 20;
    char cb[64];
    snprintf(cb, sizeof cb, "orchard version %s", ORC_VERSION);
    w->created_by = dup_str(opt->created_by ? opt->created_by : cb);
    w->path = dup_str(path);
    w->cols = calloc(ncolumns, sizeof *w->cols);
    size_t plen = strlen(path);
    w->tmp_path = malloc(plen + 32);
    if (w->created_by == NULL || w->path == NULL || w->cols == NULL || w->tmp_path == NULL) {
        free_writer(w);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "writing %s: no memory", path);
    }
    orc_tc_writer_init(&w->tc);
    for (size_t i = 0; i < ncolumns; i++) {
        col_writer *c = &w->cols[i];
        c->spec = columns[i];
        c->spec.name = dup_str(columns[i].name);
        if (c->spec.name == NULL) {
            free_writer(w);
            return orc_error_set(err, ORC_ERR_NO_MEMORY, "writing %s: no memory", path);
        }
        c->spec.nullable = columns[i].nullable != 0;
        c->is_list = c->spec.type == ORC_PARQUET_FLOAT_LIST;
        c->physical = c->spec.type == ORC_PARQUET_INT32    ? PQ_INT32
                      : c->spec.type == ORC_PARQUET_INT64  ? PQ_INT64
                      : c->spec.type == ORC_PARQUET_DOUBLE ? PQ_DOUBLE
                      : c->is_list                         ? PQ_FLOAT
                                                           : PQ_BYTE_ARRAY;
        c->max_def = c->spec.nullable + c->is_list;
        c->max_rep = c->is_list;
        c->dict_mode = c->spec.type == ORC_PARQUET_STRING_DICT;
    }
    if (w->codec == PQ_CODEC_ZSTD && (w->zctx = ZSTD_createCCtx()) == NULL) {
        free_writer(w);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "writing %s: no memory for zstd", path);
    }
    /* hidden temp file beside the destination: DIR/.NAME.tmp-XXXXXX */
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
    snprintf(w->tmp_path, plen + 32, "%.*s.%s.tmp-XXXXXX", (int)dlen, path, path + dlen);
    w->fd = mkstemp(w->tmp_path);
    if (w->fd < 0) {
        st = orc_error_set(err, ORC_ERR_IO, "writing %s: cannot create %s: %s", path,
                           w->tmp_path, strerror(errno));
        free_writer(w);
        return st;
    }
    if (fchmod(w->fd, 0644) != 0 || write_all(w, PQ_MAGIC, 4, err) != ORC_OK) {
        st = orc_error_set(err, ORC_ERR_IO, "writing %s: cannot write %s: %s", path,
                           w->tmp_path, strerror(errno));
        orc_parquet_writer_discard(w);
        return st;
    }
    *out = w;
    return ORC_OK;
}

/* Length of the valid UTF-8 prefix of s[n] (== n when all of it is valid). */
static size_t utf8_valid_prefix(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (n - i <= k)
            return i;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return i; /* overlong, out of range or a surrogate */
        i += k + 1;
    }
    return i;
}

/* Check one value for column c; row is for the message. */
static orc_status check_value(const orc_parquet_writer *w, const col_writer *c,
                              const orc_parquet_value *v, int64_t row, orc_error *err)
{
    if (v->is_null) {
        if (!c->spec.nullable)
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                 "writing %s: row %lld: column '%s' is not nullable but the "
                                 "value is null", w->path, (long long)row, c->spec.name);
        return ORC_OK;
    }
    if (c->physical == PQ_BYTE_ARRAY) {
        if (v->str == NULL && v->str_len > 0)
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                 "writing %s: row %lld: column '%s': NULL string of length %zu",
                                 w->path, (long long)row, c->spec.name, v->str_len);
        size_t ok = v->str ? utf8_valid_prefix((const unsigned char *)v->str, v->str_len) : 0;
        if (v->str != NULL && ok != v->str_len)
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                 "writing %s: row %lld: column '%s' is a UTF-8 string but byte "
                                 "%zu (0x%02x) of the value is not valid UTF-8", w->path,
                                 (long long)row, c->spec.name, ok, (unsigned char)v->str[ok]);
        if (v->str_len > PQ_MAX_STRING_BYTES)
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                 "writing %s: row %lld: column '%s': string of %zu bytes is "
                                 "longer than the %zu allowed", w->path, (long long)row,
                                 c->spec.name, v->str_len, PQ_MAX_STRING_BYTES);
    } else if (c->is_list) {
        if (v->floats == NULL && v->n_floats > 0)
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                 "writing %s: row %lld: column '%s': NULL list of %zu floats",
                                 w->path, (long long)row, c->spec.name, v->n_floats);
        if (v->n_floats > PQ_MAX_LIST_VALUES)
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                 "writing %s: row %lld: column '%s': list of %zu floats is "
                                 "longer than the %zu allowed", w->path, (long long)row,
                                 c->spec.name, v->n_floats, PQ_MAX_LIST_VALUES);
    }
    return ORC_OK;
}

static void push_level(orc_buf *b, uint8_t level, size_t count)
{
    if (!orc_buf_reserve(b, count))
        return;
    memset(b->data + b->len, level, count);
    b->len += count;
}

/* Append one (already checked) value; may flush the page to switch off the dictionary. */
static orc_status append_value(orc_parquet_writer *w, col_writer *c, const orc_parquet_value *v,
                               orc_error *err)
{
    page_state *pg = &c->page;
    if (c->is_list) {
        if (v->is_null) {
            push_level(&pg->def, 0, 1);
            push_level(&pg->rep, 0, 1);
            pg->num_values++;
            c->null_count++;
        } else if (v->n_floats == 0) {
            push_level(&pg->def, (uint8_t)(c->max_def - 1), 1);
            push_level(&pg->rep, 0, 1);
            pg->num_values++;
        } else {
            push_level(&pg->def, (uint8_t)c->max_def, v->n_floats);
            push_level(&pg->rep, 0, 1);
            push_level(&pg->rep, 1, v->n_floats - 1);
            orc_buf_append(&pg->values, v->floats, v->n_floats * sizeof(float));
            pg->num_values += v->n_floats;
            pg->num_nonnull += v->n_floats;
            stats_floats(c, v->floats, v->n_floats);
        }
        return ORC_OK;
    }
    if (c->max_def > 0)
        push_level(&pg->def, v->is_null ? 0 : 1, 1);
    pg->num_values++;
    if (v->is_null) {
        c->null_count++;
        return ORC_OK;
    }
    pg->num_nonnull++;
    switch (c->physical) {
    case PQ_INT32:
        orc_buf_append(&pg->values, &v->i32, 4);
        if (!c->has_minmax || v->i32 < c->min_i32)
            c->min_i32 = v->i32;
        if (!c->has_minmax || v->i32 > c->max_i32)
            c->max_i32 = v->i32;
        c->has_minmax = 1;
        break;
    case PQ_INT64:
        orc_buf_append(&pg->values, &v->i64, 8);
        if (!c->has_minmax || v->i64 < c->min_i64)
            c->min_i64 = v->i64;
        if (!c->has_minmax || v->i64 > c->max_i64)
            c->max_i64 = v->i64;
        c->has_minmax = 1;
        break;
    case PQ_DOUBLE:
        orc_buf_append(&pg->values, &v->f64, 8);
        if (!isnan(v->f64)) {
            if (!c->has_minmax || v->f64 < c->min_f64)
                c->min_f64 = v->f64;
            if (!c->has_minmax || v->f64 > c->max_f64)
                c->max_f64 = v->f64;
            c->has_minmax = 1;
        }
        break;
    default: { /* BYTE_ARRAY */
        const char *s = v->str ? v->str : "";
        if (c->dict_mode) {
            int64_t idx = dict_lookup(c, s, v->str_len, w->dictionary_bytes);
            if (idx == -1)
                return fail(w, err, ORC_ERR_NO_MEMORY, "no memory for the dictionary of '%s'",
                            c->spec.name);
            if (idx >= 0) {
                uint32_t u = (uint32_t)idx;
                orc_buf_append(&pg->values, &u, 4);
                break;
            }
            /* dictionary full: finish this page (without the current value) in dictionary
             * encoding, then PLAIN for the rest of the chunk */
            pg->num_values--;
            pg->num_nonnull--;
            if (c->max_def > 0)
                pg->def.len--;
            orc_status st = flush_page(w, c, err);
            if (st != ORC_OK)
                return st;
            c->dict_mode = 0;
            if (c->max_def > 0)
                push_level(&pg->def, 1, 1);
            pg->num_values++;
            pg->num_nonnull++;
        }
        orc_buf_u32le(&pg->values, (uint32_t)v->str_len);
        orc_buf_append(&pg->values, s, v->str_len);
        stats_string(c, s, v->str_len);
    }
    }
    return ORC_OK;
}

/* After a whole row: close full pages, then the row group if it is full. */
static orc_status end_row(orc_parquet_writer *w, orc_error *err)
{
    w->rows++;
    w->rg_rows++;
    size_t buffered = 0;
    for (size_t i = 0; i < w->ncols; i++) {
        col_writer *c = &w->cols[i];
        page_state *pg = &c->page;
        if (pg->values.failed || pg->def.failed || pg->rep.failed)
            return fail(w, err, ORC_ERR_NO_MEMORY, "no memory for column '%s'", c->spec.name);
        if (page_fill(c) >= w->page_bytes || pg->num_values >= (size_t)INT32_MAX / 2) {
            orc_status st = flush_page(w, c, err);
            if (st != ORC_OK)
                return st;
        }
        buffered += c->chunk.len + page_fill(c) + c->dict_data.len;
    }
    if (buffered >= w->row_group_bytes)
        return flush_row_group(w, err);
    return ORC_OK;
}

orc_status orc_parquet_writer_append_row(orc_parquet_writer *w, const orc_parquet_value *values,
                                         orc_error *err)
{
    if (w == NULL || values == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "parquet append: no writer or row");
    if (w->failed != ORC_OK)
        return sticky(w, err);
    for (size_t i = 0; i < w->ncols; i++) {
        orc_status st = check_value(w, &w->cols[i], &values[i], w->rows, err);
        if (st != ORC_OK)
            return st;
    }
    for (size_t i = 0; i < w->ncols; i++) {
        orc_status st = append_value(w, &w->cols[i], &values[i], err);
        if (st != ORC_OK)
            return st;
    }
    return end_row(w, err);
}

/* Row r of a batch as values; *float_pos walks the concatenated floats of each list column. */
static void batch_value(const col_writer *c, const orc_parquet_batch_column *b, size_t r,
                        size_t *float_pos, orc_parquet_value *v)
{
    memset(v, 0, sizeof *v);
    v->is_null = b->is_null != NULL && b->is_null[r] != 0;
    if (c->physical == PQ_BYTE_ARRAY) {
        const char *s = b->str != NULL ? b->str[r] : NULL;
        if (s == NULL)
            v->is_null = 1;
        else if (!v->is_null) {
            v->str = s;
            v->str_len = strlen(s);
        }
    }
    if (v->is_null)
        return;
    switch (c->spec.type) {
    case ORC_PARQUET_INT32:
        v->i32 = b->i32[r];
        break;
    case ORC_PARQUET_INT64:
        v->i64 = b->i64[r];
        break;
    case ORC_PARQUET_DOUBLE:
        v->f64 = b->f64[r];
        break;
    case ORC_PARQUET_FLOAT_LIST:
        v->n_floats = b->list_lens != NULL ? b->list_lens[r] : b->list_len;
        v->floats = b->floats != NULL ? b->floats + *float_pos : NULL;
        *float_pos += v->n_floats;
        break;
    default:
        break;
    }
}

orc_status orc_parquet_writer_append_batch(orc_parquet_writer *w, size_t rows,
                                           const orc_parquet_batch_column *cols, orc_error *err)
{
    if (w == NULL || (cols == NULL && rows > 0))
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "parquet append: no writer or batch");
    if (w->failed != ORC_OK)
        return sticky(w, err);
    orc_parquet_value v;
    for (size_t i = 0; i < w->ncols; i++) {
        const col_writer *c = &w->cols[i];
        const orc_parquet_batch_column *b = &cols[i];
        int missing = (c->spec.type == ORC_PARQUET_INT32 && b->i32 == NULL) ||
                      (c->spec.type == ORC_PARQUET_INT64 && b->i64 == NULL) ||
                      (c->spec.type == ORC_PARQUET_DOUBLE && b->f64 == NULL);
        size_t pos = 0;
        for (size_t r = 0; r < rows; r++) {
            if (missing && (b->is_null == NULL || !b->is_null[r]))
                return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                     "writing %s: batch column '%s' has no values", w->path,
                                     c->spec.name);
            batch_value(c, b, r, &pos, &v);
            orc_status st = check_value(w, c, &v, w->rows + (int64_t)r, err);
            if (st != ORC_OK)
                return st;
        }
    }
    size_t *pos = calloc(w->ncols, sizeof *pos);
    if (pos == NULL)
        return fail(w, err, ORC_ERR_NO_MEMORY, "no memory");
    orc_status st = ORC_OK;
    for (size_t r = 0; r < rows && st == ORC_OK; r++) {
        for (size_t i = 0; i < w->ncols && st == ORC_OK; i++) {
            batch_value(&w->cols[i], &cols[i], r, &pos[i], &v);
            st = append_value(w, &w->cols[i], &v, err);
        }
        if (st == ORC_OK)
            st = end_row(w, err);
    }
    free(pos);
    return st;
}

int64_t orc_parquet_writer_rows(const orc_parquet_writer *w)
{
    return w ? w->rows : 0;
}

uint64_t orc_parquet_writer_bytes_written(const orc_parquet_writer *w)
{
    return w ? w->offset : 0;
}

static orc_status fsync_parent(const char *path, orc_error *err)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return orc_error_set(err, ORC_ERR_IO, "cannot open folder %s: %s", dir, strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0 && e != EINVAL)
        return orc_error_set(err, ORC_ERR_IO, "fsync of folder %s: %s", dir, strerror(e));
    return ORC_OK;
}

orc_status orc_parquet_writer_close(orc_parquet_writer *w, orc_error *err)
{
    if (w == NULL)
        return ORC_OK;
    orc_status st = w->failed != ORC_OK ? sticky(w, err) : ORC_OK;
    if (st == ORC_OK)
        st = flush_row_group(w, err);
    if (st == ORC_OK)
        st = write_footer(w, err);
    if (st == ORC_OK && fsync(w->fd) != 0)
        st = fail(w, err, ORC_ERR_IO, "fsync of %s: %s", w->tmp_path, strerror(errno));
    if (st == ORC_OK) {
        int rc = close(w->fd);
        w->fd = -1;
        if (rc != 0)
            st = fail(w, err, ORC_ERR_IO, "close of %s: %s", w->tmp_path, strerror(errno));
    }
    if (st == ORC_OK && rename(w->tmp_path, w->path) != 0)
        st = fail(w, err, ORC_ERR_IO, "rename %s to %s: %s", w->tmp_path, w->path,
                  strerror(errno));
    if (st == ORC_OK) {
        st = fsync_parent(w->path, err);
        free_writer(w);
        return st;
    }
    orc_parquet_writer_discard(w);
    return st;
}

void orc_parquet_writer_discard(orc_parquet_writer *w)
{
    if (w == NULL)
        return;
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
    if (w->tmp_path != NULL)
        unlink(w->tmp_path);
    free_writer(w);
}
