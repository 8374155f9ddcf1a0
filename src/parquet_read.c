/* parquet_read.c -- the Parquet reader (scope and guarantees in parquet.h).
 *
 * open: read the tail, check both magics, parse FileMetaData (schema tree, row groups, column
 * chunk metadata) and check every chunk's byte range lies between the leading magic and the
 * footer. A column is decoded when first asked for in a row group: its chunk is read with one
 * pread, its pages parsed one by one (header, optional zstd, levels, values) and assembled into
 * per-row arrays (null flags, values or offsets into a byte/float buffer).
 */
#include "parquet.h"
#include "parquet_encoding.h"
#include "parquet_internal.h"
#include "thrift_compact.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define MAX_FOOTER_BYTES ((uint32_t)256 << 20)
/* Reader limits (row counts cannot be bounded by bytes: RLE stores a million nulls in a few
 * bytes), so that a corrupt count is refused instead of allocating gigabytes. */
#define MAX_ROWS_PER_GROUP ((int64_t)1 << 26)
#define MAX_PAGE_VALUES ((int32_t)1 << 26)

typedef struct schema_el {
    int type, type_length, repetition, num_children, converted, logical;
    const uint8_t *name;
    size_t name_len;
} schema_el;

typedef struct col_info {
    orc_parquet_column spec; /* name owned */
    int physical;
    int max_def, max_rep;
    int def_list;            /* FLOAT_LIST: level at which the list is defined (not null) */
    int elem_optional;
    size_t leaf, nleaves;    /* leaf columns of this top-level column */
} col_info;

typedef struct chunk_info {
    int has_meta;
    int physical, codec;
    int64_t num_values, total_compressed, total_uncompressed;
    int64_t data_page_offset, dict_page_offset; /* -1: absent */
} chunk_info;

typedef struct rg_info {
    int64_t num_rows;
    chunk_info *chunks; /* [nleaves] */
} rg_info;

typedef struct col_data {
    int loaded;
    uint8_t *nulls;    /* [rows] */
    void *values;      /* [rows] i32/i64/double for scalar columns */
    uint64_t *offsets; /* [rows + 1] strings: into bytes; lists: into floats */
    orc_buf data;      /* string bytes or floats */
} col_data;

struct orc_parquet_reader {
    char *path;
    int fd;
    uint64_t file_size, data_end; /* data_end: where the footer starts */
    uint8_t *footer;
    size_t ncols, nleaves;
    col_info *cols;
    int64_t num_rows;
    size_t nrg;
    rg_info *rgs;
    char *created_by;
    size_t cur_rg;
    int64_t cur_row;   /* in the current row group; -1 before its first row */
    col_data *data;    /* [ncols], for cur_rg */
    int rg_ready;      /* data[] belongs to cur_rg */
    ZSTD_DCtx *dctx;
};

static orc_status ferr(const orc_parquet_reader *r, orc_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static orc_status ferr(const orc_parquet_reader *r, orc_error *err, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return orc_error_set(err, ORC_ERR_FORMAT, "reading %s: %s", r->path, msg);
}

static orc_status read_at(orc_parquet_reader *r, void *buf, size_t n, uint64_t off,
                          orc_error *err)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t k = pread(r->fd, p, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return orc_error_set(err, ORC_ERR_IO, "reading %s: %s", r->path, strerror(errno));
        if (k == 0)
            return ferr(r, err, "unexpected end of file at offset %llu",
                        (unsigned long long)off);
        p += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return ORC_OK;
}

/* ---- footer ----------------------------------------------------------------------------- */
static void parse_logical(orc_tc_reader *t, int *logical)
{
    int16_t last = 0, id;
    int type;
    while (orc_tc_read_field(t, &last, &id, &type)) {
        if (type == ORC_TC_STRUCT)
            *logical = id;
        orc_tc_skip(t, type);
    }
}

static void parse_schema_el(orc_tc_reader *t, schema_el *e)
{
    int16_t last = 0, id;
    int type;
    e->type = e->type_length = e->repetition = e->num_children = e->converted = -1;
    e->logical = 0;
    e->name = NULL;
    e->name_len = 0;
    while (orc_tc_read_field(t, &last, &id, &type)) {
        switch (id) {
        case 1: e->type = orc_tc_read_field_i32(t, type); break;
        case 2: e->type_length = orc_tc_read_field_i32(t, type); break;
        case 3: e->repetition = orc_tc_read_field_i32(t, type); break;
        case 4:
            if (type != ORC_TC_BINARY)
                orc_tc_fail(t, "schema name is not a string");
            else
                e->name = orc_tc_read_binary(t, &e->name_len);
            break;
        case 5: e->num_children = orc_tc_read_field_i32(t, type); break;
        case 6: e->converted = orc_tc_read_field_i32(t, type); break;
        case 10:
            if (type == ORC_TC_STRUCT)
                parse_logical(t, &e->logical);
            else
                orc_tc_skip(t, type);
            break;
        default: orc_tc_skip(t, type);
        }
    }
    if (t->error == NULL && e->name == NULL)
        orc_tc_fail(t, "schema element without a name");
}

static void parse_column_meta(orc_tc_reader *t, chunk_info *c)
{
    int16_t last = 0, id;
    int type;
    c->has_meta = 1;
    while (orc_tc_read_field(t, &last, &id, &type)) {
        switch (id) {
        case 1: c->physical = orc_tc_read_field_i32(t, type); break;
        case 4: c->codec = orc_tc_read_field_i32(t, type); break;
        case 5: c->num_values = orc_tc_read_field_i64(t, type); break;
        case 6: c->total_uncompressed = orc_tc_read_field_i64(t, type); break;
        case 7: c->total_compressed = orc_tc_read_field_i64(t, type); break;
        case 9: c->data_page_offset = orc_tc_read_field_i64(t, type); break;
        case 11: c->dict_page_offset = orc_tc_read_field_i64(t, type); break;
        default: orc_tc_skip(t, type);
        }
    }
}

static void parse_column_chunk(orc_tc_reader *t, chunk_info *c)
{
    int16_t last = 0, id;
    int type;
    memset(c, 0, sizeof *c);
    c->physical = c->codec = -1;
    c->data_page_offset = c->dict_page_offset = -1;
    c->num_values = c->total_compressed = c->total_uncompressed = -1;
    while (orc_tc_read_field(t, &last, &id, &type)) {
        if (id == 3 && type == ORC_TC_STRUCT)
            parse_column_meta(t, c);
        else
            orc_tc_skip(t, type);
    }
}

static void parse_row_group(orc_tc_reader *t, rg_info *g, size_t nleaves, int *ncolumns_seen)
{
    int16_t last = 0, id;
    int type;
    g->num_rows = -1;
    *ncolumns_seen = -1;
    while (orc_tc_read_field(t, &last, &id, &type)) {
        if (id == 1 && type == ORC_TC_LIST) {
            int et;
            uint32_t n;
            if (!orc_tc_read_list(t, &et, &n))
                return;
            if (et != ORC_TC_STRUCT || n != nleaves || g->chunks != NULL) {
                orc_tc_fail(t, "row group column count differs from the schema");
                return;
            }
            g->chunks = calloc(nleaves ? nleaves : 1, sizeof *g->chunks);
            if (g->chunks == NULL) {
                orc_tc_fail(t, "no memory");
                return;
            }
            for (uint32_t i = 0; i < n && t->error == NULL; i++)
                parse_column_chunk(t, &g->chunks[i]);
            *ncolumns_seen = (int)n;
        } else if (id == 3) {
            g->num_rows = orc_tc_read_field_i64(t, type);
        } else {
            orc_tc_skip(t, type);
        }
    }
}

/* Build top-level columns from the flattened schema. */
static orc_status build_schema(orc_parquet_reader *r, const schema_el *el, size_t n,
                               orc_error *err)
{
    if (n == 0 || el[0].num_children < 0)
        return ferr(r, err, "the schema has no root group");
    size_t ncols = (size_t)el[0].num_children;
    if (ncols > n - 1)
        return ferr(r, err, "the schema root claims %zu columns but has %zu elements", ncols,
                    n - 1);
    r->cols = calloc(ncols ? ncols : 1, sizeof *r->cols);
    if (r->cols == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "reading %s: no memory", r->path);
    r->ncols = ncols;
    size_t i = 1, leaf = 0;
    for (size_t c = 0; c < ncols; c++) {
        if (i >= n)
            return ferr(r, err, "the schema ends before column %zu", c);
        const schema_el *e = &el[i];
        col_info *ci = &r->cols[c];
        char *name = malloc(e->name_len + 1);
        if (name == NULL)
            return orc_error_set(err, ORC_ERR_NO_MEMORY, "reading %s: no memory", r->path);
        memcpy(name, e->name, e->name_len);
        name[e->name_len] = '\0';
        ci->spec.name = name;
        ci->spec.type = ORC_PARQUET_UNSUPPORTED;
        ci->spec.nullable = e->repetition == PQ_OPTIONAL;
        ci->leaf = leaf;
        /* walk the subtree: count elements and leaves */
        size_t pending = 1, start = i, leaves = 0;
        while (pending > 0) {
            if (i >= n)
                return ferr(r, err, "the schema of column '%s' is truncated", name);
            pending--;
            if (el[i].num_children > 0) {
                if ((size_t)el[i].num_children > n)
                    return ferr(r, err, "schema element '%.*s' claims too many children",
                                (int)el[i].name_len, (const char *)el[i].name);
                pending += (size_t)el[i].num_children;
            } else {
                leaves++;
            }
            i++;
        }
        ci->nleaves = leaves;
        leaf += leaves;
        size_t count = i - start;
        if (count == 1) { /* primitive */
            if (e->repetition == PQ_REPEATED)
                continue;
            ci->max_def = ci->spec.nullable;
            ci->physical = e->type;
            if (e->type == PQ_BYTE_ARRAY && (e->converted == PQ_CONVERTED_UTF8 ||
                                             e->logical == PQ_LOGICAL_STRING ||
                                             (e->converted < 0 && e->logical == 0)))
                ci->spec.type = ORC_PARQUET_STRING;
            else if (e->type == PQ_INT32 && (e->converted < 0 || e->converted == 17) &&
                     (e->logical == 0 || e->logical == 10))
                ci->spec.type = ORC_PARQUET_INT32;
            else if (e->type == PQ_INT64 && (e->converted < 0 || e->converted == 18) &&
                     (e->logical == 0 || e->logical == 10))
                ci->spec.type = ORC_PARQUET_INT64;
            else if (e->type == PQ_DOUBLE && e->converted < 0 && e->logical == 0)
                ci->spec.type = ORC_PARQUET_DOUBLE;
        } else if (count == 3 && (e->converted == PQ_CONVERTED_LIST ||
                                  e->logical == PQ_LOGICAL_LIST) &&
                   e->repetition != PQ_REPEATED && el[start + 1].num_children == 1 &&
                   el[start + 1].repetition == PQ_REPEATED &&
                   el[start + 2].type == PQ_FLOAT && el[start + 2].num_children <= 0 &&
                   el[start + 2].repetition != PQ_REPEATED) {
            ci->spec.type = ORC_PARQUET_FLOAT_LIST;
            ci->physical = PQ_FLOAT;
            ci->def_list = ci->spec.nullable;
            ci->elem_optional = el[start + 2].repetition == PQ_OPTIONAL;
            ci->max_def = ci->spec.nullable + 1 + ci->elem_optional;
            ci->max_rep = 1;
        }
    }
    if (i != n)
        return ferr(r, err, "the schema has %zu elements past its columns", n - i);
    r->nleaves = leaf;
    return ORC_OK;
}

static orc_status parse_footer(orc_parquet_reader *r, const uint8_t *buf, size_t len,
                               orc_error *err)
{
    orc_tc_reader t;
    orc_tc_reader_init(&t, buf, len);
    int16_t last = 0, id;
    int type;
    schema_el *el = NULL;
    uint32_t nel = 0;
    int have_schema = 0, have_rows = 0, have_rgs = 0;
    orc_status st = ORC_OK;
    /* the schema (field 2) comes before the row groups (field 4) in every writer we know; we
     * still parse row groups only once the schema is known */
    const uint8_t *rg_start = NULL;
    uint32_t nrg = 0;
    while (orc_tc_read_field(&t, &last, &id, &type)) {
        if (id == 2 && type == ORC_TC_LIST && !have_schema) {
            int et;
            if (!orc_tc_read_list(&t, &et, &nel))
                break;
            if (et != ORC_TC_STRUCT) {
                orc_tc_fail(&t, "schema is not a list of structs");
                break;
            }
            el = calloc(nel ? nel : 1, sizeof *el);
            if (el == NULL) {
                orc_tc_fail(&t, "no memory");
                break;
            }
            for (uint32_t i = 0; i < nel && t.error == NULL; i++)
                parse_schema_el(&t, &el[i]);
            have_schema = 1;
        } else if (id == 3) {
            r->num_rows = orc_tc_read_field_i64(&t, type);
            have_rows = 1;
        } else if (id == 4 && type == ORC_TC_LIST && !have_rgs) {
            int et;
            rg_start = t.p;
            if (!orc_tc_read_list(&t, &et, &nrg))
                break;
            t.p = rg_start;
            orc_tc_skip(&t, ORC_TC_LIST);
            have_rgs = 1;
        } else if (id == 6 && type == ORC_TC_BINARY) {
            size_t n;
            const uint8_t *s = orc_tc_read_binary(&t, &n);
            if (s != NULL && r->created_by == NULL && (r->created_by = malloc(n + 1)) != NULL) {
                memcpy(r->created_by, s, n);
                r->created_by[n] = '\0';
            }
        } else {
            orc_tc_skip(&t, type);
        }
    }
    if (t.error != NULL) {
        st = ferr(r, err, "corrupt footer: %s", t.error);
        goto out;
    }
    if (!have_schema || !have_rows || !have_rgs) {
        st = ferr(r, err, "corrupt footer: missing %s", !have_schema ? "schema"
                                                        : !have_rows ? "num_rows"
                                                                     : "row_groups");
        goto out;
    }
    if ((st = build_schema(r, el, nel, err)) != ORC_OK)
        goto out;
    /* row groups */
    orc_tc_reader_init(&t, rg_start, (size_t)(buf + len - rg_start));
    int et;
    if (!orc_tc_read_list(&t, &et, &nrg) || (nrg > 0 && et != ORC_TC_STRUCT)) {
        st = ferr(r, err, "corrupt footer: bad row group list");
        goto out;
    }
    r->rgs = calloc(nrg ? nrg : 1, sizeof *r->rgs);
    if (r->rgs == NULL) {
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "reading %s: no memory", r->path);
        goto out;
    }
    r->nrg = nrg;
    int64_t total = 0;
    for (uint32_t g = 0; g < nrg; g++) {
        int seen;
        parse_row_group(&t, &r->rgs[g], r->nleaves, &seen);
        if (t.error != NULL) {
            st = ferr(r, err, "corrupt footer in row group %u: %s", g, t.error);
            goto out;
        }
        rg_info *rg = &r->rgs[g];
        if (seen < 0 || rg->num_rows < 0 || rg->num_rows > INT64_MAX - total) {
            st = ferr(r, err, "row group %u has no columns or a bad row count", g);
            goto out;
        }
        if (rg->num_rows > MAX_ROWS_PER_GROUP) {
            st = ferr(r, err, "row group %u has %lld rows, more than this reader's limit of %lld",
                      g, (long long)rg->num_rows, (long long)MAX_ROWS_PER_GROUP);
            goto out;
        }
        total += rg->num_rows;
        for (size_t k = 0; k < r->nleaves; k++) {
            chunk_info *c = &rg->chunks[k];
            if (!c->has_meta)
                continue; /* refused if read */
            int64_t start = c->dict_page_offset > 0 && c->dict_page_offset < c->data_page_offset
                                ? c->dict_page_offset
                                : c->data_page_offset;
            if (start < 4 || c->total_compressed < 0 || c->num_values < 0 ||
                (uint64_t)start > r->data_end ||
                (uint64_t)c->total_compressed > r->data_end - (uint64_t)start) {
                st = ferr(r, err, "row group %u column chunk %zu: byte range [%lld, +%lld) lies "
                          "outside the data (4..%llu)", g, k, (long long)start,
                          (long long)c->total_compressed, (unsigned long long)r->data_end);
                goto out;
            }
        }
    }
    if (total != r->num_rows) {
        st = ferr(r, err, "the footer says %lld rows but its row groups hold %lld",
                  (long long)r->num_rows, (long long)total);
        goto out;
    }
out:
    free(el);
    return st;
}

/* ---- column decoding -------------------------------------------------------------------- */
typedef struct chunk_state {
    orc_parquet_reader *r;
    const col_info *ci;
    col_data *cd;
    int64_t rows;        /* rows in the row group */
    int64_t row;         /* rows started so far */
    /* dictionary */
    int have_dict;
    uint32_t dict_count;
    uint64_t *dict_off;  /* strings: [count + 1] offsets into dict_bytes; scalars: unused */
    const uint8_t *dict_bytes; /* strings: entry bytes; scalars: PLAIN values */
    uint8_t *dict_page;  /* owned copy of the dictionary page */
    orc_buf page;        /* decompressed page */
    orc_buf plain;       /* values of a DELTA_* / BYTE_STREAM_SPLIT page, re-encoded PLAIN */
    int64_t *ints;       /* scratch for DELTA_BINARY_PACKED */
    size_t ints_cap;
    uint8_t *def, *rep;  /* scratch levels */
    uint32_t *idx;       /* scratch dictionary indices */
    size_t level_cap, idx_cap;
    const char *problem;
} chunk_state;

static size_t value_size(int physical)
{
    return physical == PQ_INT32 || physical == PQ_FLOAT ? 4 : 8;
}

static int decode_dictionary(chunk_state *s, const uint8_t *p, size_t len, uint32_t count)
{
    free(s->dict_page);
    free(s->dict_off);
    s->dict_off = NULL;
    s->dict_page = malloc(len ? len : 1);
    if (s->dict_page == NULL)
        return 0;
    memcpy(s->dict_page, p, len);
    s->dict_bytes = s->dict_page;
    s->dict_count = count;
    if (s->ci->physical == PQ_BYTE_ARRAY) {
        s->dict_off = malloc(((size_t)count + 1) * sizeof *s->dict_off);
        if (s->dict_off == NULL)
            return 0;
        size_t pos = 0;
        for (uint32_t i = 0; i < count; i++) {
            if (len - pos < 4) {
                s->problem = "dictionary page truncated";
                return 0;
            }
            uint32_t n = (uint32_t)p[pos] | (uint32_t)p[pos + 1] << 8 |
                         (uint32_t)p[pos + 2] << 16 | (uint32_t)p[pos + 3] << 24;
            if (n > len - pos - 4) {
                s->problem = "dictionary string past the end of its page";
                return 0;
            }
            s->dict_off[i] = pos;
            pos += 4 + (size_t)n;
        }
    } else if ((uint64_t)count * value_size(s->ci->physical) > len) {
        s->problem = "dictionary page shorter than its values";
        return 0;
    }
    s->have_dict = 1;
    return 1;
}

static int grow_scratch(chunk_state *s, size_t n)
{
    if (n <= s->level_cap)
        return 1;
    uint8_t *d = realloc(s->def, n), *r2;
    if (d == NULL)
        return 0;
    s->def = d;
    r2 = realloc(s->rep, n);
    if (r2 == NULL)
        return 0;
    s->rep = r2;
    s->level_cap = n;
    return 1;
}

static int grow_indices(chunk_state *s, size_t n)
{
    if (n <= s->idx_cap)
        return 1;
    uint32_t *ix = realloc(s->idx, n * sizeof *ix);
    if (ix == NULL)
        return 0;
    s->idx = ix;
    s->idx_cap = n;
    return 1;
}

/* Append one present value (from PLAIN bytes at *vp or dictionary index *ix) to the column. */
static int take_value(chunk_state *s, int dict, const uint8_t **vp, const uint8_t *vend,
                      size_t *ix, int64_t row)
{
    const col_info *ci = s->ci;
    col_data *cd = s->cd;
    if (ci->physical == PQ_BYTE_ARRAY) {
        const uint8_t *src;
        uint32_t n;
        if (dict) {
            uint32_t k = s->idx[(*ix)++];
            src = s->dict_bytes + s->dict_off[k];
        } else {
            src = *vp;
            if (vend - src < 4) {
                s->problem = "string values truncated";
                return 0;
            }
        }
        n = (uint32_t)src[0] | (uint32_t)src[1] << 8 | (uint32_t)src[2] << 16 |
            (uint32_t)src[3] << 24;
        if (!dict) {
            if (n > (size_t)(vend - src - 4)) {
                s->problem = "string length past the end of its page";
                return 0;
            }
            *vp = src + 4 + n;
        }
        orc_buf_append(&cd->data, src + 4, n);
        cd->offsets[row + 1] = cd->data.len;
        return !cd->data.failed;
    }
    size_t vs = value_size(ci->physical);
    const uint8_t *src;
    if (dict) {
        src = s->dict_bytes + (size_t)s->idx[(*ix)++] * vs;
    } else {
        if ((size_t)(vend - *vp) < vs) {
            s->problem = "values truncated";
            return 0;
        }
        src = *vp;
        *vp += vs;
    }
    if (ci->spec.type == ORC_PARQUET_FLOAT_LIST) {
        orc_buf_append(&cd->data, src, 4);
        cd->offsets[row + 1] = cd->data.len / 4;
        return !cd->data.failed;
    }
    memcpy((uint8_t *)cd->values + (size_t)row * vs, src, vs);
    return 1;
}

static int grow_ints(chunk_state *s, size_t n)
{
    if (n <= s->ints_cap)
        return 1;
    int64_t *p = realloc(s->ints, (n ? n : 1) * sizeof *p);
    if (p == NULL)
        return 0;
    s->ints = p;
    s->ints_cap = n;
    return 1;
}

/* DELTA_BINARY_PACKED stream of n values at *vp into s->ints; advances *vp. */
static int delta_ints(chunk_state *s, const uint8_t **vp, const uint8_t *vend, size_t n)
{
    if (!grow_ints(s, n)) {
        s->problem = "no memory";
        return 0;
    }
    long used = orc_delta_binary_decode(*vp, (size_t)(vend - *vp), s->ints, n);
    if (used < 0) {
        s->problem = "bad DELTA_BINARY_PACKED values";
        return 0;
    }
    *vp += used;
    return 1;
}

/* Re-encode the `present` values of a DELTA_* or BYTE_STREAM_SPLIT page as PLAIN into
 * s->plain, so the PLAIN path decodes them; *vp and *vend then point there. */
static int transcode_to_plain(chunk_state *s, int encoding, const uint8_t **vp,
                              const uint8_t **vend, size_t present)
{
    int phys = s->ci->physical;
    orc_buf *out = &s->plain;
    out->len = 0;
    const uint8_t *p = *vp, *end = *vend;
    if (encoding == PQ_ENC_BYTE_STREAM_SPLIT && phys != PQ_BYTE_ARRAY) {
        size_t k = value_size(phys);
        if ((size_t)(end - p) / k < present) {
            s->problem = "BYTE_STREAM_SPLIT values truncated";
            return 0;
        }
        if (!orc_buf_reserve(out, present * k))
            return 0;
        for (size_t i = 0; i < present; i++)
            for (size_t j = 0; j < k; j++)
                out->data[i * k + j] = p[j * present + i];
        out->len = present * k;
    } else if (encoding == PQ_ENC_DELTA_BINARY_PACKED &&
               (phys == PQ_INT32 || phys == PQ_INT64)) {
        if (!delta_ints(s, &p, end, present))
            return 0;
        for (size_t i = 0; i < present; i++) {
            if (phys == PQ_INT32) {
                int32_t x = (int32_t)(uint32_t)(uint64_t)s->ints[i];
                orc_buf_append(out, &x, 4);
            } else {
                orc_buf_append(out, &s->ints[i], 8);
            }
        }
    } else if ((encoding == PQ_ENC_DELTA_LENGTH_BYTE_ARRAY ||
                encoding == PQ_ENC_DELTA_BYTE_ARRAY) && phys == PQ_BYTE_ARRAY) {
        int64_t *prefix = NULL;
        if (encoding == PQ_ENC_DELTA_BYTE_ARRAY) {
            if (!delta_ints(s, &p, end, present))
                return 0;
            prefix = malloc((present ? present : 1) * sizeof *prefix);
            if (prefix == NULL)
                return 0;
            memcpy(prefix, s->ints, present * sizeof *prefix);
        }
        if (!delta_ints(s, &p, end, present)) {
            free(prefix);
            return 0;
        }
        size_t prev_start = 0, prev_len = 0;
        for (size_t i = 0; i < present; i++) {
            int64_t n = s->ints[i], pre = prefix ? prefix[i] : 0;
            if (n < 0 || pre < 0 || (uint64_t)pre > prev_len || (uint64_t)n > (size_t)(end - p) ||
                (uint64_t)n + (uint64_t)pre > PQ_MAX_STRING_BYTES) {
                free(prefix);
                s->problem = "bad DELTA string lengths";
                return 0;
            }
            size_t start = out->len + 4;
            orc_buf_u32le(out, (uint32_t)(n + pre));
            if (pre > 0 && orc_buf_reserve(out, (size_t)pre)) { /* prefix of the previous value */
                memmove(out->data + out->len, out->data + prev_start, (size_t)pre);
                out->len += (size_t)pre;
            }
            orc_buf_append(out, p, (size_t)n);
            p += n;
            prev_start = start;
            prev_len = (size_t)(n + pre);
        }
        free(prefix);
    } else {
        s->problem = "unsupported value encoding for this column type";
        return 0;
    }
    if (out->failed) {
        s->problem = "no memory";
        return 0;
    }
    *vp = out->data;
    *vend = out->data + out->len;
    return 1;
}

/* Decode one data page (levels already located): nv level entries. */
static int decode_values(chunk_state *s, size_t nv, int encoding, const uint8_t *vp,
                         const uint8_t *vend)
{
    const col_info *ci = s->ci;
    size_t present = 0;
    for (size_t k = 0; k < nv; k++)
        present += s->def[k] == ci->max_def;
    int dict = encoding == PQ_ENC_RLE_DICTIONARY || encoding == PQ_ENC_PLAIN_DICTIONARY;
    if (dict) {
        if (!s->have_dict) {
            s->problem = "dictionary-encoded page without a dictionary page";
            return 0;
        }
        if (present > 0) {
            if (vp >= vend) {
                s->problem = "dictionary indices missing";
                return 0;
            }
            int bw = *vp++;
            if (!grow_indices(s, present))
                return 0;
            if (bw > 32 || orc_rle_decode_u32(vp, (size_t)(vend - vp), bw, s->idx, present,
                                              s->dict_count ? s->dict_count - 1 : 0) < 0 ||
                s->dict_count == 0) {
                s->problem = "bad dictionary indices";
                return 0;
            }
        }
    } else if (encoding == PQ_ENC_DELTA_BINARY_PACKED ||
               encoding == PQ_ENC_DELTA_LENGTH_BYTE_ARRAY ||
               encoding == PQ_ENC_DELTA_BYTE_ARRAY || encoding == PQ_ENC_BYTE_STREAM_SPLIT) {
        if (!transcode_to_plain(s, encoding, &vp, &vend, present))
            return 0;
    } else if (encoding != PQ_ENC_PLAIN) {
        s->problem = "unsupported value encoding (PLAIN, dictionary, DELTA_* and "
                     "BYTE_STREAM_SPLIT are read)";
        return 0;
    }
    col_data *cd = s->cd;
    size_t ix = 0;
    for (size_t k = 0; k < nv; k++) {
        int d = s->def[k], rp = s->rep[k];
        if (rp == 0) {
            if (s->row >= s->rows) {
                s->problem = "more rows in the pages than in the row group";
                return 0;
            }
            int64_t row = s->row++;
            cd->nulls[row] = 0;
            if (cd->offsets != NULL)
                cd->offsets[row + 1] = cd->offsets[row];
            if (ci->spec.type == ORC_PARQUET_FLOAT_LIST ? d < ci->def_list : d < ci->max_def) {
                cd->nulls[row] = 1;
                continue;
            }
        } else if (s->row == 0) {
            s->problem = "the first level of a column repeats";
            return 0;
        }
        if (d == ci->max_def && !dict && ci->spec.type == ORC_PARQUET_FLOAT_LIST) {
            /* fast path: the run of present elements of this list, copied at once */
            size_t j = k + 1;
            while (j < nv && s->def[j] == ci->max_def && s->rep[j] != 0)
                j++;
            size_t bytes = (j - k) * 4;
            if ((size_t)(vend - vp) < bytes) {
                s->problem = "values truncated";
                return 0;
            }
            orc_buf_append(&cd->data, vp, bytes);
            vp += bytes;
            cd->offsets[s->row] = cd->data.len / 4;
            k = j - 1;
            if (cd->data.failed)
                return 0;
        } else if (d == ci->max_def) {
            if (!take_value(s, dict, &vp, vend, &ix, s->row - 1))
                return 0;
        } else if (ci->spec.type == ORC_PARQUET_FLOAT_LIST) {
            if (ci->elem_optional && d == ci->max_def - 1) {
                s->problem = "a list holds a null element (not supported)";
                return 0;
            }
            if (rp != 0) {
                s->problem = "an empty or null list continues";
                return 0;
            }
        }
    }
    return 1;
}

static int decode_levels(chunk_state *s, const uint8_t **p, const uint8_t *end, uint8_t *out,
                         size_t nv, int max_level, long explicit_len)
{
    if (max_level == 0) {
        memset(out, max_level, nv);
        return 1;
    }
    size_t len;
    if (explicit_len < 0) { /* v1: u32 length prefix */
        if (end - *p < 4) {
            s->problem = "levels truncated";
            return 0;
        }
        len = (size_t)(*p)[0] | (size_t)(*p)[1] << 8 | (size_t)(*p)[2] << 16 |
              (size_t)(*p)[3] << 24;
        *p += 4;
    } else {
        len = (size_t)explicit_len;
    }
    if (len > (size_t)(end - *p) ||
        orc_rle_decode_u8(*p, len, orc_bit_width((uint32_t)max_level), out, nv,
                          (uint32_t)max_level) < 0) {
        s->problem = "bad definition or repetition levels";
        return 0;
    }
    *p += len;
    return 1;
}

/* Bytes [from, from + n) of a column chunk that starts at file offset `start`. */
typedef struct window {
    uint64_t start;
    orc_buf buf;
    size_t from, len;
} window;

static orc_status window_get(orc_parquet_reader *r, window *w, size_t from, size_t n,
                             orc_error *err)
{
    if (from >= w->from && from + n <= w->from + w->len && w->buf.data != NULL)
        return ORC_OK;
    w->buf.len = 0;
    w->len = 0;
    if (!orc_buf_reserve(&w->buf, n ? n : 1))
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "reading %s: no memory for %zu bytes",
                             r->path, n);
    orc_status st = read_at(r, w->buf.data, n, w->start + from, err);
    if (st == ORC_OK) {
        w->from = from;
        w->len = n;
    }
    return st;
}

static orc_status load_column(orc_parquet_reader *r, size_t col, orc_error *err)
{
    const col_info *ci = &r->cols[col];
    col_data *cd = &r->data[col];
    const rg_info *rg = &r->rgs[r->cur_rg];
    const chunk_info *c = &rg->chunks[ci->leaf];
    if (ci->spec.type == ORC_PARQUET_UNSUPPORTED)
        return orc_error_set(err, ORC_ERR_UNSUPPORTED,
                             "reading %s: column '%s' has a type this reader does not decode",
                             r->path, ci->spec.name);
    if (!c->has_meta)
        return ferr(r, err, "column '%s' has no metadata in row group %zu", ci->spec.name,
                    r->cur_rg);
    if (c->physical != ci->physical)
        return ferr(r, err, "column '%s': chunk type %d differs from the schema's %d",
                    ci->spec.name, c->physical, ci->physical);
    if (c->codec != PQ_CODEC_UNCOMPRESSED && c->codec != PQ_CODEC_ZSTD &&
        c->codec != PQ_CODEC_SNAPPY)
        return orc_error_set(err, ORC_ERR_UNSUPPORTED,
                             "reading %s: column '%s' uses codec %d (only UNCOMPRESSED, ZSTD "
                             "and SNAPPY are supported)", r->path, ci->spec.name, c->codec);
    int64_t rows = rg->num_rows;
    size_t nrows = (size_t)rows;
    cd->nulls = calloc(nrows ? nrows : 1, 1);
    if (ci->spec.type == ORC_PARQUET_STRING || ci->spec.type == ORC_PARQUET_FLOAT_LIST)
        cd->offsets = calloc(nrows + 1, sizeof *cd->offsets);
    else
        cd->values = calloc(nrows ? nrows : 1, value_size(ci->physical));
    if (cd->nulls == NULL || (cd->offsets == NULL && cd->values == NULL))
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "reading %s: no memory for %lld rows",
                             r->path, (long long)rows);
    int64_t start = c->dict_page_offset > 0 && c->dict_page_offset < c->data_page_offset
                        ? c->dict_page_offset
                        : c->data_page_offset;
    size_t clen = (size_t)c->total_compressed;
    /* the chunk is read page by page through a window: memory is the decoded column plus one
     * page, not the whole compressed chunk besides */
    window win = {.start = (uint64_t)start};
    orc_status st = ORC_OK;
    if (cd->offsets != NULL && c->total_uncompressed > 0) { /* one allocation, not doublings */
        uint64_t guess = (uint64_t)c->total_uncompressed;
        uint64_t bound = (uint64_t)clen * 16 + 4096;
        orc_buf_reserve(&cd->data, (size_t)(guess < bound ? guess : bound));
        cd->data.failed = 0; /* only a hint */
    }
    chunk_state s = {.r = r, .ci = ci, .cd = cd, .rows = rows};
    int64_t levels_seen = 0;
    size_t pos = 0;
    while (st == ORC_OK && pos < clen && (s.row < rows || levels_seen < c->num_values)) {
        orc_tc_reader t;
        int16_t last, id, l2;
        int type, t2;
        int ptype;
        int32_t usize, csize, nv, enc, def_len, rep_len;
        int is_compressed;
        size_t want = clen - pos < 65536 ? clen - pos : 65536;
    parse_header: /* a header larger than the window (big statistics): retry with more */
        if ((st = window_get(r, &win, pos, want, err)) != ORC_OK)
            break;
        orc_tc_reader_init(&t, win.buf.data + (pos - win.from), win.from + win.len - pos);
        last = 0;
        ptype = usize = csize = nv = enc = def_len = rep_len = -1;
        is_compressed = 1;
        while (orc_tc_read_field(&t, &last, &id, &type)) {
            if (id == 1) ptype = orc_tc_read_field_i32(&t, type);
            else if (id == 2) usize = orc_tc_read_field_i32(&t, type);
            else if (id == 3) csize = orc_tc_read_field_i32(&t, type);
            else if ((id == 5 || id == 7 || id == 8) && type == ORC_TC_STRUCT) {
                l2 = 0;
                int16_t sub;
                while (orc_tc_read_field(&t, &l2, &sub, &t2)) {
                    if (sub == 1) nv = orc_tc_read_field_i32(&t, t2);
                    else if ((id != 8 && sub == 2) || (id == 8 && sub == 4))
                        enc = orc_tc_read_field_i32(&t, t2);
                    else if (id == 8 && sub == 5) def_len = orc_tc_read_field_i32(&t, t2);
                    else if (id == 8 && sub == 6) rep_len = orc_tc_read_field_i32(&t, t2);
                    else if (id == 8 && sub == 7) is_compressed = orc_tc_read_field_bool(&t, t2);
                    else orc_tc_skip(&t, t2);
                }
            } else orc_tc_skip(&t, type);
        }
        if (t.error != NULL && want < clen - pos && want < ((size_t)16 << 20)) {
            want = clen - pos < want * 8 ? clen - pos : want * 8;
            goto parse_header;
        }
        if (t.error != NULL) {
            st = ferr(r, err, "column '%s': corrupt page header: %s", ci->spec.name, t.error);
            break;
        }
        pos += orc_tc_reader_consumed(&t, win.buf.data + (pos - win.from));
        if (csize < 0 || usize < 0 || (size_t)csize > clen - pos ||
            (size_t)usize > PQ_MAX_PAGE_BYTES) {
            st = ferr(r, err, "column '%s': page sizes %d/%d do not fit its chunk",
                      ci->spec.name, csize, usize);
            break;
        }
        if ((st = window_get(r, &win, pos, (size_t)csize, err)) != ORC_OK)
            break;
        const uint8_t *payload = win.buf.data + (pos - win.from);
        pos += (size_t)csize;
        if (ptype == PQ_PAGE_INDEX)
            continue;
        if ((ptype != PQ_PAGE_DATA && ptype != PQ_PAGE_DICTIONARY && ptype != PQ_PAGE_DATA_V2) ||
            nv < 0 || enc < 0) {
            st = ferr(r, err, "column '%s': page of type %d without a valid header",
                      ci->spec.name, ptype);
            break;
        }
        /* v2: levels are never compressed */
        size_t lv_bytes = 0;
        if (ptype == PQ_PAGE_DATA_V2) {
            if (def_len < 0 || rep_len < 0 || (size_t)def_len + (size_t)rep_len > (size_t)csize ||
                (size_t)def_len + (size_t)rep_len > (size_t)usize) {
                st = ferr(r, err, "column '%s': bad v2 level lengths", ci->spec.name);
                break;
            }
            lv_bytes = (size_t)def_len + (size_t)rep_len;
        }
        s.page.len = 0;
        if (!orc_buf_reserve(&s.page, (size_t)usize + 1)) {
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "reading %s: no memory", r->path);
            break;
        }
        memcpy(s.page.data, payload, lv_bytes);
        if (c->codec == PQ_CODEC_ZSTD && (ptype != PQ_PAGE_DATA_V2 || is_compressed)) {
            if (s.r->dctx == NULL && (s.r->dctx = ZSTD_createDCtx()) == NULL) {
                st = orc_error_set(err, ORC_ERR_NO_MEMORY, "reading %s: no memory", r->path);
                break;
            }
            size_t got = ZSTD_decompressDCtx(r->dctx, s.page.data + lv_bytes,
                                             (size_t)usize - lv_bytes, payload + lv_bytes,
                                             (size_t)csize - lv_bytes);
            if (ZSTD_isError(got) || got != (size_t)usize - lv_bytes) {
                st = ferr(r, err, "column '%s': zstd page does not decompress to its %d bytes%s%s",
                          ci->spec.name, usize, ZSTD_isError(got) ? ": " : "",
                          ZSTD_isError(got) ? ZSTD_getErrorName(got) : "");
                break;
            }
        } else if (c->codec == PQ_CODEC_SNAPPY && (ptype != PQ_PAGE_DATA_V2 || is_compressed)) {
            if (orc_snappy_decompress(payload + lv_bytes, (size_t)csize - lv_bytes,
                                      s.page.data + lv_bytes, (size_t)usize - lv_bytes) < 0) {
                st = ferr(r, err, "column '%s': snappy page does not decompress to its %d bytes",
                          ci->spec.name, usize);
                break;
            }
        } else {
            if (csize != usize) {
                st = ferr(r, err, "column '%s': uncompressed page with sizes %d != %d",
                          ci->spec.name, csize, usize);
                break;
            }
            memcpy(s.page.data + lv_bytes, payload + lv_bytes, (size_t)usize - lv_bytes);
        }
        const uint8_t *p = s.page.data, *end = s.page.data + usize;
        if (ptype == PQ_PAGE_DICTIONARY) {
            if (s.have_dict || (enc != PQ_ENC_PLAIN && enc != PQ_ENC_PLAIN_DICTIONARY) ||
                !decode_dictionary(&s, p, (size_t)usize, (uint32_t)nv)) {
                st = s.problem ? ferr(r, err, "column '%s': %s", ci->spec.name, s.problem)
                               : ferr(r, err, "column '%s': bad dictionary page", ci->spec.name);
                break;
            }
            continue;
        }
        if (nv > MAX_PAGE_VALUES || (int64_t)nv > c->num_values - levels_seen) {
            st = ferr(r, err, "column '%s': a page of %d values (limit %d) or more values in "
                      "the pages than the chunk's %lld", ci->spec.name, nv, MAX_PAGE_VALUES,
                      (long long)c->num_values);
            break;
        }
        if (!grow_scratch(&s, (size_t)nv + 1)) {
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "reading %s: no memory", r->path);
            break;
        }
        int ok;
        if (ptype == PQ_PAGE_DATA)
            ok = decode_levels(&s, &p, end, s.rep, (size_t)nv, ci->max_rep, -1) &&
                 decode_levels(&s, &p, end, s.def, (size_t)nv, ci->max_def, -1);
        else
            ok = decode_levels(&s, &p, end, s.rep, (size_t)nv, ci->max_rep, rep_len) &&
                 decode_levels(&s, &p, end, s.def, (size_t)nv, ci->max_def, def_len);
        if (ok)
            ok = decode_values(&s, (size_t)nv, enc, p, end);
        if (!ok || cd->data.failed) {
            st = s.problem ? ferr(r, err, "column '%s': %s", ci->spec.name, s.problem)
                           : orc_error_set(err, ORC_ERR_NO_MEMORY, "reading %s: no memory",
                                           r->path);
            break;
        }
        levels_seen += nv;
    }
    if (st == ORC_OK && s.row != rows)
        st = ferr(r, err, "column '%s' holds %lld rows in row group %zu, the footer says %lld",
                  ci->spec.name, (long long)s.row, r->cur_rg, (long long)rows);
    orc_buf_free(&win.buf);
    free(s.dict_page);
    free(s.dict_off);
    free(s.def);
    free(s.rep);
    free(s.idx);
    orc_buf_free(&s.page);
    orc_buf_free(&s.plain);
    free(s.ints);
    if (st == ORC_OK)
        cd->loaded = 1;
    return st;
}

/* ---- public API ------------------------------------------------------------------------- */
static void free_col_data(orc_parquet_reader *r)
{
    for (size_t i = 0; r->data != NULL && i < r->ncols; i++) {
        col_data *cd = &r->data[i];
        free(cd->nulls);
        free(cd->values);
        free(cd->offsets);
        orc_buf_free(&cd->data);
        memset(cd, 0, sizeof *cd);
    }
    r->rg_ready = 0;
}

void orc_parquet_reader_close(orc_parquet_reader *r)
{
    if (r == NULL)
        return;
    free_col_data(r);
    free(r->data);
    for (size_t i = 0; r->cols != NULL && i < r->ncols; i++)
        free((char *)r->cols[i].spec.name);
    free(r->cols);
    for (size_t g = 0; r->rgs != NULL && g < r->nrg; g++)
        free(r->rgs[g].chunks);
    free(r->rgs);
    free(r->created_by);
    free(r->footer);
    free(r->path);
    ZSTD_freeDCtx(r->dctx);
    if (r->fd >= 0)
        close(r->fd);
    free(r);
}

orc_status orc_parquet_reader_open(const char *path, orc_parquet_reader **out, orc_error *err)
{
    if (path == NULL || out == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "parquet reader: no path or output");
    orc_parquet_reader *r = calloc(1, sizeof *r);
    if (r == NULL || (r->path = strdup(path)) == NULL) {
        free(r);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "reading %s: no memory", path);
    }
    r->cur_row = -1;
    orc_status st = ORC_OK;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (r->fd < 0 || fstat(r->fd, &sb) != 0) {
        st = orc_error_set(err, ORC_ERR_IO, "reading %s: %s", path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = orc_error_set(err, ORC_ERR_IO, "reading %s: not a regular file", path);
        goto fail;
    }
    r->file_size = (uint64_t)sb.st_size;
    if (r->file_size < 12) {
        st = ferr(r, err, "not a Parquet file (%llu bytes, shorter than the 12 of an empty one)",
                  (unsigned long long)r->file_size);
        goto fail;
    }
    uint8_t head[4], tail[8];
    if ((st = read_at(r, head, 4, 0, err)) != ORC_OK ||
        (st = read_at(r, tail, 8, r->file_size - 8, err)) != ORC_OK)
        goto fail;
    if (memcmp(head, PQ_MAGIC, 4) != 0 || memcmp(tail + 4, PQ_MAGIC, 4) != 0) {
        st = ferr(r, err, "not a Parquet file (no PAR1 magic at the %s)",
                  memcmp(head, PQ_MAGIC, 4) != 0 ? "start" : "end: truncated or unfinished?");
        goto fail;
    }
    uint32_t flen = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 |
                    (uint32_t)tail[3] << 24;
    if (flen == 0 || flen > MAX_FOOTER_BYTES || (uint64_t)flen > r->file_size - 12) {
        st = ferr(r, err, "footer length %u does not fit the %llu-byte file", flen,
                  (unsigned long long)r->file_size);
        goto fail;
    }
    r->data_end = r->file_size - 8 - flen;
    if ((r->footer = malloc(flen)) == NULL) {
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "reading %s: no memory", path);
        goto fail;
    }
    if ((st = read_at(r, r->footer, flen, r->data_end, err)) != ORC_OK ||
        (st = parse_footer(r, r->footer, flen, err)) != ORC_OK)
        goto fail;
    r->data = calloc(r->ncols ? r->ncols : 1, sizeof *r->data);
    if (r->data == NULL) {
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "reading %s: no memory", path);
        goto fail;
    }
    if (r->created_by == NULL)
        r->created_by = strdup("");
    *out = r;
    return ORC_OK;
fail:
    orc_parquet_reader_close(r);
    return st;
}

size_t orc_parquet_reader_column_count(const orc_parquet_reader *r)
{
    return r->ncols;
}

const orc_parquet_column *orc_parquet_reader_column(const orc_parquet_reader *r, size_t i)
{
    return i < r->ncols ? &r->cols[i].spec : NULL;
}

int orc_parquet_reader_find_column(const orc_parquet_reader *r, const char *name)
{
    for (size_t i = 0; i < r->ncols; i++)
        if (strcmp(r->cols[i].spec.name, name) == 0)
            return (int)i;
    return -1;
}

int64_t orc_parquet_reader_row_count(const orc_parquet_reader *r)
{
    return r->num_rows;
}

size_t orc_parquet_reader_row_group_count(const orc_parquet_reader *r)
{
    return r->nrg;
}

int64_t orc_parquet_reader_row_group_rows(const orc_parquet_reader *r, size_t rg)
{
    return rg < r->nrg ? r->rgs[rg].num_rows : -1;
}

orc_parquet_codec orc_parquet_reader_codec(const orc_parquet_reader *r, size_t rg, size_t col)
{
    if (rg >= r->nrg || col >= r->ncols)
        return ORC_PARQUET_CODEC_DEFAULT;
    const chunk_info *c = &r->rgs[rg].chunks[r->cols[col].leaf];
    if (r->cols[col].nleaves == 0 || !c->has_meta)
        return ORC_PARQUET_CODEC_DEFAULT;
    return c->codec == PQ_CODEC_ZSTD           ? ORC_PARQUET_CODEC_ZSTD
           : c->codec == PQ_CODEC_UNCOMPRESSED ? ORC_PARQUET_CODEC_UNCOMPRESSED
                                               : ORC_PARQUET_CODEC_DEFAULT;
}

const char *orc_parquet_reader_created_by(const orc_parquet_reader *r)
{
    return r->created_by ? r->created_by : "";
}

orc_status orc_parquet_reader_seek_row_group(orc_parquet_reader *r, size_t rg, orc_error *err)
{
    if (r == NULL || rg > r->nrg)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "parquet reader: no row group %zu",
                             rg);
    free_col_data(r);
    r->cur_rg = rg;
    r->cur_row = -1;
    return ORC_OK;
}

orc_status orc_parquet_reader_next(orc_parquet_reader *r, int *has_row, orc_error *err)
{
    if (r == NULL || has_row == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "parquet reader: no reader");
    *has_row = 0;
    while (r->cur_rg < r->nrg) {
        if (r->cur_row + 1 < r->rgs[r->cur_rg].num_rows) {
            r->cur_row++;
            *has_row = 1;
            return ORC_OK;
        }
        free_col_data(r);
        r->cur_rg++;
        r->cur_row = -1;
    }
    return ORC_OK;
}

orc_status orc_parquet_reader_get(orc_parquet_reader *r, size_t col, orc_parquet_value *v,
                                  orc_error *err)
{
    if (r == NULL || v == NULL || col >= r->ncols)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "parquet reader: no column %zu",
                             col);
    if (r->cur_rg >= r->nrg || r->cur_row < 0)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "reading %s: no current row (call orc_parquet_reader_next)",
                             r->path);
    col_data *cd = &r->data[col];
    if (!cd->loaded) {
        orc_status st = load_column(r, col, err);
        if (st != ORC_OK) {
            free(cd->nulls);
            free(cd->values);
            free(cd->offsets);
            orc_buf_free(&cd->data);
            memset(cd, 0, sizeof *cd);
            return st;
        }
    }
    const col_info *ci = &r->cols[col];
    size_t row = (size_t)r->cur_row;
    memset(v, 0, sizeof *v);
    v->is_null = cd->nulls[row];
    switch (ci->spec.type) {
    case ORC_PARQUET_STRING:
    case ORC_PARQUET_STRING_DICT:
        v->str = cd->data.data ? (const char *)cd->data.data + cd->offsets[row] : "";
        v->str_len = (size_t)(cd->offsets[row + 1] - cd->offsets[row]);
        break;
    case ORC_PARQUET_FLOAT_LIST:
        v->floats = cd->data.data ? (const float *)(const void *)cd->data.data + cd->offsets[row]
                                  : NULL;
        v->n_floats = (size_t)(cd->offsets[row + 1] - cd->offsets[row]);
        break;
    case ORC_PARQUET_INT32:
        v->i32 = ((const int32_t *)cd->values)[row];
        v->i64 = v->i32;
        break;
    case ORC_PARQUET_INT64:
        v->i64 = ((const int64_t *)cd->values)[row];
        break;
    case ORC_PARQUET_DOUBLE:
        v->f64 = ((const double *)cd->values)[row];
        break;
    default:
        break;
    }
    return ORC_OK;
}
