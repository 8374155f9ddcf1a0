/* test_parquet.c -- the Thrift compact encoder/decoder and the RLE/bit-packed hybrid against
 * hand-checked byte vectors; writer -> reader round trips of every column type (nulls, empty
 * lists, long and non-ASCII strings, many row groups, dictionary fallback, both codecs, row and
 * batch appends); bad values refused; corrupt files refused without crashing; a write error
 * (file-size limit) fails cleanly and leaves no file; a writer killed with SIGKILL mid-file
 * leaves no file under the final name, only a hidden temp file that no reader accepts.
 *
 * The "fixtures" case writes the files of tests/it-parquet.sh: with ORC_PARQUET_FIXTURES=DIR it
 * leaves DIR/NAME.parquet and DIR/NAME.expect.json (every value, written from the generator, not
 * read back) for tests/parquet/check.mjs and its three independent readers.
 */
#include "check_main.h"
#include "parquet.h"
#include "parquet_encoding.h"
#include "thrift_compact.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

static void rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

#define ASSERT_BYTES(buf, len, ...)                                                         \
    do {                                                                                    \
        const uint8_t want_[] = {__VA_ARGS__};                                              \
        ck_assert_uint_eq((len), sizeof want_);                                             \
        for (size_t k_ = 0; k_ < sizeof want_; k_++)                                        \
            ck_assert_msg((buf)[k_] == want_[k_], "byte %zu: got 0x%02x want 0x%02x", k_,   \
                          (buf)[k_], want_[k_]);                                            \
    } while (0)

/* ---- Thrift compact -------------------------------------------------------------------- */
START_TEST(test_thrift_encoder_vectors)
{
    orc_tc_writer w;
    orc_tc_writer_init(&w);
    /* field 1 i32 5: short header (delta 1, type 5) + zigzag 10 */
    orc_tc_field_i32(&w, 1, 5);
    /* field 20 i32 -1: delta 19 > 15 -> long form: type byte, zigzag id 40, value zigzag 1 */
    orc_tc_field_i32(&w, 20, -1);
    /* field 21 bool true: delta 1, type 1; field 22 bool false: type 2 */
    orc_tc_field_bool(&w, 21, 1);
    orc_tc_field_bool(&w, 22, 0);
    /* field 23 i64 64 -> zigzag 128 = 0x80 0x01 */
    orc_tc_field_i64(&w, 23, 64);
    /* field 24 binary "ab" */
    orc_tc_field_binary(&w, 24, "ab", 2);
    /* field 25 struct { field 1 i32 -64 } ; nested ids restart at 0 */
    orc_tc_field_struct_begin(&w, 25);
    orc_tc_field_i32(&w, 1, -64);
    orc_tc_struct_end(&w);
    /* field 26 list<i32> [1, 2, 3]: header (3 << 4 | 5) */
    orc_tc_write_field(&w, 26, ORC_TC_LIST);
    orc_tc_list_begin(&w, ORC_TC_I32, 3);
    orc_tc_write_zigzag(&w, 1);
    orc_tc_write_zigzag(&w, 2);
    orc_tc_write_zigzag(&w, 3);
    /* field 10 (backwards: delta <= 0) i32 0 -> long form, zigzag id 20 */
    orc_tc_field_i32(&w, 10, 0);
    orc_tc_struct_end(&w);
    ck_assert_int_eq(w.failed, 0);
    ASSERT_BYTES(w.data, w.len, 0x15, 0x0A, 0x05, 0x28, 0x01, 0x11, 0x12, 0x16, 0x80, 0x01,
                 0x18, 0x02, 'a', 'b', 0x1C, 0x15, 0x7F, 0x00, 0x19, 0x35, 0x02, 0x04, 0x06,
                 0x05, 0x14, 0x00, 0x00);
    /* a long list header: 20 binaries -> 0xF8 then varint 20 */
    orc_tc_writer_reset(&w);
    orc_tc_list_begin(&w, ORC_TC_BINARY, 20);
    ASSERT_BYTES(w.data, w.len, 0xF8, 0x14);
    /* zigzag edges: INT64_MIN -> 0xFF..0x01 (10 bytes) */
    orc_tc_writer_reset(&w);
    orc_tc_write_zigzag(&w, INT64_MIN);
    ASSERT_BYTES(w.data, w.len, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01);
    orc_tc_writer_free(&w);
}
END_TEST

START_TEST(test_thrift_decoder)
{
    const uint8_t msg[] = {0x15, 0x0A, 0x05, 0x28, 0x01, 0x11, 0x12, 0x16, 0x80, 0x01,
                           0x18, 0x02, 'a', 'b', 0x1C, 0x15, 0x7F, 0x00, 0x19, 0x35, 0x02,
                           0x04, 0x06, 0x05, 0x14, 0x00, 0x00};
    orc_tc_reader r;
    orc_tc_reader_init(&r, msg, sizeof msg);
    int16_t last = 0, id;
    int type;
    ck_assert(orc_tc_read_field(&r, &last, &id, &type));
    ck_assert_int_eq(id, 1);
    ck_assert_int_eq(orc_tc_read_field_i32(&r, type), 5);
    ck_assert(orc_tc_read_field(&r, &last, &id, &type));
    ck_assert_int_eq(id, 20);
    ck_assert_int_eq(orc_tc_read_field_i32(&r, type), -1);
    ck_assert(orc_tc_read_field(&r, &last, &id, &type));
    ck_assert_int_eq(id, 21);
    ck_assert_int_eq(orc_tc_read_field_bool(&r, type), 1);
    ck_assert(orc_tc_read_field(&r, &last, &id, &type));
    ck_assert_int_eq(orc_tc_read_field_bool(&r, type), 0);
    ck_assert(orc_tc_read_field(&r, &last, &id, &type));
    ck_assert_int_eq(id, 23);
    ck_assert_int_eq(orc_tc_read_field_i64(&r, type), 64);
    ck_assert(orc_tc_read_field(&r, &last, &id, &type));
    size_t n;
    const uint8_t *s = orc_tc_read_binary(&r, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(memcmp(s, "ab", 2), 0);
    ck_assert(orc_tc_read_field(&r, &last, &id, &type));
    ck_assert_int_eq(id, 25);
    ck_assert_int_eq(type, ORC_TC_STRUCT);
    orc_tc_skip(&r, type); /* the nested struct */
    ck_assert(orc_tc_read_field(&r, &last, &id, &type));
    ck_assert_int_eq(id, 26);
    orc_tc_skip(&r, type); /* the list */
    ck_assert(orc_tc_read_field(&r, &last, &id, &type));
    ck_assert_int_eq(id, 10);
    ck_assert_int_eq(orc_tc_read_field_i32(&r, type), 0);
    ck_assert(!orc_tc_read_field(&r, &last, &id, &type));
    ck_assert_ptr_null(r.error);
    ck_assert_uint_eq(orc_tc_reader_consumed(&r, msg), sizeof msg);

    /* every truncation is an error, never a read past the end */
    for (size_t cut = 0; cut < sizeof msg - 1; cut++) {
        orc_tc_reader_init(&r, msg, cut);
        orc_tc_skip(&r, ORC_TC_STRUCT);
        ck_assert_msg(r.error != NULL, "truncation at %zu not detected", cut);
    }
    /* a binary longer than the buffer, a list larger than the bytes left, an endless varint */
    const uint8_t bad_bin[] = {0x18, 0x7F, 'x'};
    orc_tc_reader_init(&r, bad_bin, sizeof bad_bin);
    orc_tc_skip(&r, ORC_TC_STRUCT);
    ck_assert_ptr_nonnull(r.error);
    const uint8_t bad_list[] = {0x19, 0xF5, 0xFF, 0xFF, 0xFF, 0x0F, 0x00};
    orc_tc_reader_init(&r, bad_list, sizeof bad_list);
    orc_tc_skip(&r, ORC_TC_STRUCT);
    ck_assert_ptr_nonnull(r.error);
    uint8_t endless[16];
    memset(endless, 0xFF, sizeof endless);
    orc_tc_reader_init(&r, endless, sizeof endless);
    (void)orc_tc_read_varint(&r);
    ck_assert_ptr_nonnull(r.error);
    /* nesting deeper than the limit */
    uint8_t deep[200];
    for (size_t k = 0; k < sizeof deep; k++)
        deep[k] = 0x1C; /* field +1, struct */
    orc_tc_reader_init(&r, deep, sizeof deep);
    orc_tc_skip(&r, ORC_TC_STRUCT);
    ck_assert_ptr_nonnull(r.error);
}
END_TEST

/* ---- RLE / bit-packed hybrid ----------------------------------------------------------- */
START_TEST(test_rle_vectors)
{
    orc_buf b = {0};
    /* Encodings.md example: 0..7 with bit width 3, one bit-packed group */
    const uint8_t seq[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    orc_rle_encode_u8(&b, seq, 8, 3);
    ASSERT_BYTES(b.data, b.len, 0x03, 0x88, 0xC6, 0xFA);
    /* 100 ones, bit width 1: one RLE run, header 100 << 1 = 200 as a varint */
    uint8_t ones[100];
    memset(ones, 1, sizeof ones);
    b.len = 0;
    orc_rle_encode_u8(&b, ones, 100, 1);
    ASSERT_BYTES(b.data, b.len, 0xC8, 0x01, 0x01);
    /* 1,2,3 then ten 5s, width 3: the literals borrow five 5s to fill a group of 8
     * (001 010 011 101 101 101 101 101, LSB first: D1 DA B6), then an RLE run of five 5s */
    const uint8_t mix[13] = {1, 2, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
    b.len = 0;
    orc_rle_encode_u8(&b, mix, 13, 3);
    ASSERT_BYTES(b.data, b.len, 0x03, 0xD1, 0xDA, 0xB6, 0x0A, 0x05);
    /* a short tail is padded with zeros: 1,0,1 -> one group 0b00000101 */
    const uint8_t tail[3] = {1, 0, 1};
    b.len = 0;
    orc_rle_encode_u8(&b, tail, 3, 1);
    ASSERT_BYTES(b.data, b.len, 0x03, 0x05);
    /* dictionary indices wider than a byte: a run of 300 in width 9 stores the value in 2 bytes */
    uint32_t wide[9] = {300, 300, 300, 300, 300, 300, 300, 300, 300};
    b.len = 0;
    orc_rle_encode_u32(&b, wide, 9, 9);
    ASSERT_BYTES(b.data, b.len, 0x12, 0x2C, 0x01);
    orc_buf_free(&b);

    /* decoding the vectors */
    uint8_t out[16];
    const uint8_t v1[] = {0x03, 0xD1, 0xDA, 0xB6, 0x0A, 0x05};
    ck_assert_int_eq(orc_rle_decode_u8(v1, sizeof v1, 3, out, 13, 7), 6);
    ck_assert_int_eq(memcmp(out, mix, 13), 0);
    ck_assert_int_eq(orc_rle_decode_u8(v1, sizeof v1, 3, out, 13, 4), -1); /* 5 > max 4 */
    ck_assert_int_eq(orc_rle_decode_u8(v1, 3, 3, out, 13, 7), -1);         /* truncated */
    ck_assert_int_eq(orc_rle_decode_u8(v1, 4, 3, out, 8, 7), 4);           /* only what is asked */
}
END_TEST

/* decoders for other writers' files: snappy blocks and DELTA_BINARY_PACKED (spec examples) */
START_TEST(test_snappy_and_delta_vectors)
{
    uint8_t out[32];
    /* "abc" literal (tag (3-1)<<2), then a copy of 6 at offset 3 with a 1-byte offset
     * (tag (6-4)<<2 | 1, offset 3): "abcabcabc" */
    const uint8_t s1[] = {0x09, 0x08, 'a', 'b', 'c', 0x09, 0x03};
    ck_assert_int_eq(orc_snappy_decompress(s1, sizeof s1, out, 9), 9);
    ck_assert_int_eq(memcmp(out, "abcabcabc", 9), 0);
    /* a 2-byte-offset copy (tag (3-1)<<2 | 2, offset 3 LE) */
    const uint8_t s2[] = {0x06, 0x08, 'a', 'b', 'c', 0x0A, 0x03, 0x00};
    ck_assert_int_eq(orc_snappy_decompress(s2, sizeof s2, out, 6), 6);
    ck_assert_int_eq(memcmp(out, "abcabc", 6), 0);
    const uint8_t far[] = {0x06, 0x08, 'a', 'b', 'c', 0x0A, 0x09, 0x00}; /* before the start */
    ck_assert_int_eq(orc_snappy_decompress(far, sizeof far, out, 6), -1);
    ck_assert_int_eq(orc_snappy_decompress(s1, sizeof s1, out, 8), -1); /* wrong size */
    ck_assert_int_eq(orc_snappy_decompress(s1, 6, out, 9), -1);         /* truncated */

    int64_t v[8];
    /* 1,2,3,4,5: block 128 (80 01), 4 miniblocks, 5 values, first zigzag(1) = 2, min delta
     * zigzag(1) = 2, widths 0 0 0 0, no miniblock bytes */
    const uint8_t d1[] = {0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00};
    ck_assert_int_eq(orc_delta_binary_decode(d1, sizeof d1, v, 5), (long)sizeof d1);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(v[i], i + 1);
    /* 7,5,3,1,2,3,4,5: first 14, min delta zigzag(-2) = 3, miniblock 0 of width 2 holds
     * 0,0,0,3,3,3,3 (+25 zeros): C0 3F then six zero bytes */
    const uint8_t d2[] = {0x80, 0x01, 0x04, 0x08, 0x0E, 0x03, 0x02, 0x00, 0x00,
                          0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    const int64_t want[8] = {7, 5, 3, 1, 2, 3, 4, 5};
    ck_assert_int_eq(orc_delta_binary_decode(d2, sizeof d2, v, 8), (long)sizeof d2);
    ck_assert_int_eq(memcmp(v, want, sizeof want), 0);
    ck_assert_int_eq(orc_delta_binary_decode(d2, sizeof d2 - 1, v, 8), -1); /* truncated */
    ck_assert_int_eq(orc_delta_binary_decode(d2, sizeof d2, v, 7), -1);     /* count differs */
}
END_TEST

START_TEST(test_rle_roundtrip_sweep)
{
    uint32_t state = 12345;
    for (int width = 1; width <= 20; width++) {
        for (size_t n = 0; n < 300; n += (n < 20 ? 1 : 37)) {
            uint32_t in[300], got[300];
            uint32_t maxv = width == 32 ? UINT32_MAX : (1u << width) - 1;
            for (size_t i = 0; i < n; i++) {
                state = state * 1103515245u + 12345u;
                /* mixture of runs and noise */
                in[i] = (i / 11) % 2 ? (uint32_t)(i / 11) & maxv : (state >> 8) & maxv;
            }
            orc_buf b = {0};
            orc_rle_encode_u32(&b, in, n, width);
            long used = orc_rle_decode_u32(b.data, b.len, width, got, n, maxv);
            ck_assert_msg(used >= 0, "width %d n %zu", width, n);
            ck_assert_int_eq(memcmp(in, got, n * sizeof *in), 0);
            orc_buf_free(&b);
        }
    }
}
END_TEST

/* ---- generator of test rows -------------------------------------------------------------- */
typedef struct fixture {
    const char *name;
    int64_t rows;
    orc_parquet_codec codec;
    int zstd_level;
    size_t row_group_bytes, dictionary_bytes;
    size_t list_len;   /* features length */
    int long_strings;  /* some 100 KB strings */
    int many_labels;   /* distinct labels (dictionary fallback) */
    int batch;         /* written with append_batch */
} fixture;

static const orc_parquet_column fixture_columns[] = {
    {"path", ORC_PARQUET_STRING, 0},        {"label", ORC_PARQUET_STRING_DICT, 0},
    {"features", ORC_PARQUET_FLOAT_LIST, 0}, {"pca", ORC_PARQUET_FLOAT_LIST, 1},
    {"width", ORC_PARQUET_INT32, 0},         {"bytes", ORC_PARQUET_INT64, 1},
    {"score", ORC_PARQUET_DOUBLE, 1},        {"error", ORC_PARQUET_STRING, 1},
    {"note", ORC_PARQUET_STRING_DICT, 1}, /* mostly null: all-null chunks in small files */
};
#define NCOLS (sizeof fixture_columns / sizeof fixture_columns[0])

static const char *const labels[] = {"Apple Braeburn", "Banana", "Cherry", "Pêche", "梨", "🍓"};

typedef struct row_buf {
    char path[256];
    char label[64];
    char *longstr;
    float features[1280];
    float pca[8];
    char error[128];
} row_buf;

/* Row r of fixture f into v[NCOLS] (pointers into rb). */
static void gen_row(const fixture *f, int64_t r, row_buf *rb, orc_parquet_value *v)
{
    memset(v, 0, NCOLS * sizeof *v);
    if (f->long_strings && r % 5 == 2) {
        size_t n = 100000 + (size_t)r;
        for (size_t k = 0; k < n; k++)
            rb->longstr[k] = (char)('a' + (k * 7 + (size_t)r) % 26);
        v[0].str = rb->longstr;
        v[0].str_len = n;
    } else {
        static const char *const dirs[] = {"Apple Braeburn", "Pêche", "日本/梨", "émoji 🍓",
                                           "plain", ""};
        snprintf(rb->path, sizeof rb->path, "data/%s/%lld_100.jpg", dirs[r % 6], (long long)r);
        v[0].str = rb->path;
        v[0].str_len = strlen(rb->path);
    }
    if (f->many_labels)
        snprintf(rb->label, sizeof rb->label, "label-%05lld", (long long)(r * 7919 % 100000));
    else
        snprintf(rb->label, sizeof rb->label, "%s", labels[(r / 3) % 6]);
    v[1].str = rb->label;
    v[1].str_len = strlen(rb->label);
    size_t n = f->list_len;
    if (r % 9 == 4)
        n = 0; /* an empty features list */
    for (size_t k = 0; k < n; k++)
        rb->features[k] = (float)((double)r * 0.001 + (double)k * 0.25 - 3.0) *
                          (k % 3 == 0 ? -1.0f : 1.0f);
    v[2].floats = rb->features;
    v[2].n_floats = n;
    if (r % 7 == 3) {
        v[3].is_null = 1;
    } else {
        size_t k = r % 13 == 6 ? 0 : 8;
        for (size_t i = 0; i < k; i++)
            rb->pca[i] = (float)sin((double)r + (double)i) * 1e3f;
        v[3].floats = rb->pca;
        v[3].n_floats = k;
    }
    v[4].i32 = (int32_t)(r * 37 % 1000) - 500;
    v[5].is_null = r % 4 == 1;
    v[5].i64 = (r - 50) * 4000000011LL;
    v[6].is_null = r % 6 == 5;
    v[6].f64 = (double)r / 7.0 - 10.0;
    v[7].is_null = r % 10 != 0;
    snprintf(rb->error, sizeof rb->error, "decode failed: \"bad\\marker\"\tat row %lld\n",
             (long long)r);
    v[7].str = rb->error;
    v[7].str_len = strlen(rb->error);
    v[8].is_null = r % 5 != 1;
    v[8].str = labels[r % 6];
    v[8].str_len = strlen(labels[r % 6]);
}

static void json_string(FILE *o, const char *s, size_t n)
{
    fputc('"', o);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(o, "\\%c", c);
        else if (c < 0x20)
            fprintf(o, "\\u%04x", c);
        else
            fputc(c, o);
    }
    fputc('"', o);
}

static void json_value(FILE *o, const orc_parquet_column *c, const orc_parquet_value *v)
{
    if (v->is_null) {
        fputs("null", o);
        return;
    }
    switch (c->type) {
    case ORC_PARQUET_STRING:
    case ORC_PARQUET_STRING_DICT:
        json_string(o, v->str, v->str_len);
        break;
    case ORC_PARQUET_FLOAT_LIST:
        fputc('[', o);
        for (size_t k = 0; k < v->n_floats; k++)
            fprintf(o, "%s%.9g", k ? "," : "", (double)v->floats[k]);
        fputc(']', o);
        break;
    case ORC_PARQUET_INT32:
        fprintf(o, "%d", v->i32);
        break;
    case ORC_PARQUET_INT64:
        fprintf(o, "\"%lld\"", (long long)v->i64); /* as a string: past 2^53 */
        break;
    case ORC_PARQUET_DOUBLE:
        fprintf(o, "%.17g", v->f64);
        break;
    default:
        fputs("null", o);
    }
}

static const char *type_name(orc_parquet_type t)
{
    switch (t) {
    case ORC_PARQUET_STRING: return "string";
    case ORC_PARQUET_STRING_DICT: return "string_dict";
    case ORC_PARQUET_FLOAT_LIST: return "float_list";
    case ORC_PARQUET_INT32: return "int32";
    case ORC_PARQUET_INT64: return "int64";
    case ORC_PARQUET_DOUBLE: return "double";
    default: return "unsupported";
    }
}

static void write_fixture(const fixture *f, const char *dir, int with_expect)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.parquet", dir, f->name);
    orc_parquet_options o = {0};
    o.codec = f->codec;
    o.zstd_level = f->zstd_level;
    o.row_group_bytes = f->row_group_bytes;
    o.dictionary_bytes = f->dictionary_bytes;
    orc_parquet_writer *w = NULL;
    orc_error e = {0};
    ck_assert_msg(orc_parquet_writer_open(path, fixture_columns, NCOLS, &o, &w, &e) == ORC_OK,
                  "%s", e.msg);
    row_buf *rb = calloc(1, sizeof *rb);
    rb->longstr = malloc(200000);
    ck_assert_ptr_nonnull(rb->longstr);
    FILE *ex = NULL;
    if (with_expect) {
        char ep[520];
        snprintf(ep, sizeof ep, "%s/%s.expect.json", dir, f->name);
        ex = fopen(ep, "w");
        ck_assert_ptr_nonnull(ex);
        fprintf(ex, "{\"file\":\"%s.parquet\",\"rows\":%lld,\"codec\":\"%s\",\"columns\":[",
                f->name, (long long)f->rows,
                f->codec == ORC_PARQUET_CODEC_UNCOMPRESSED ? "UNCOMPRESSED" : "ZSTD");
        for (size_t c = 0; c < NCOLS; c++)
            fprintf(ex, "%s{\"name\":\"%s\",\"type\":\"%s\",\"nullable\":%s}", c ? "," : "",
                    fixture_columns[c].name, type_name(fixture_columns[c].type),
                    fixture_columns[c].nullable ? "true" : "false");
        fputs("],\"data\":[\n", ex);
    }
    orc_parquet_value v[NCOLS];
    for (int64_t r = 0; r < f->rows; r++) {
        gen_row(f, r, rb, v);
        if (ex != NULL) {
            fputs(r ? ",\n[" : "[", ex);
            for (size_t c = 0; c < NCOLS; c++) {
                if (c)
                    fputc(',', ex);
                json_value(ex, &fixture_columns[c], &v[c]);
            }
            fputc(']', ex);
        }
        if (f->batch) { /* one-row batches through the column-major API */
            orc_parquet_batch_column b[NCOLS];
            memset(b, 0, sizeof b);
            uint8_t nulls[NCOLS];
            const char *strs[NCOLS];
            char *copies[NCOLS] = {0};
            for (size_t c = 0; c < NCOLS; c++) {
                nulls[c] = (uint8_t)v[c].is_null;
                b[c].is_null = &nulls[c];
                copies[c] = v[c].str ? strndup(v[c].str, v[c].str_len) : NULL;
                strs[c] = v[c].is_null ? NULL : copies[c];
                b[c].str = &strs[c];
                b[c].i32 = &v[c].i32;
                b[c].i64 = &v[c].i64;
                b[c].f64 = &v[c].f64;
                b[c].floats = v[c].floats;
                b[c].list_lens = &v[c].n_floats;
            }
            ck_assert_msg(orc_parquet_writer_append_batch(w, 1, b, &e) == ORC_OK, "%s", e.msg);
            for (size_t c = 0; c < NCOLS; c++)
                free(copies[c]);
        } else {
            ck_assert_msg(orc_parquet_writer_append_row(w, v, &e) == ORC_OK, "%s", e.msg);
        }
    }
    ck_assert_msg(orc_parquet_writer_close(w, &e) == ORC_OK, "%s", e.msg);
    if (ex != NULL) { /* the row-group count is the writer's choice: taken from the footer */
        orc_parquet_reader *r = NULL;
        ck_assert_msg(orc_parquet_reader_open(path, &r, &e) == ORC_OK, "%s", e.msg);
        fprintf(ex, "],\"row_groups\":%zu}\n", orc_parquet_reader_row_group_count(r));
        orc_parquet_reader_close(r);
        fclose(ex);
    }
    free(rb->longstr);
    free(rb);
}

/* Read the fixture back and compare every value with the generator. */
static void check_fixture(const fixture *f, const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.parquet", dir, f->name);
    orc_parquet_reader *r = NULL;
    orc_error e = {0};
    ck_assert_msg(orc_parquet_reader_open(path, &r, &e) == ORC_OK, "%s", e.msg);
    ck_assert_int_eq(orc_parquet_reader_row_count(r), f->rows);
    ck_assert_uint_eq(orc_parquet_reader_column_count(r), NCOLS);
    for (size_t c = 0; c < NCOLS; c++) {
        const orc_parquet_column *col = orc_parquet_reader_column(r, c);
        ck_assert_str_eq(col->name, fixture_columns[c].name);
        orc_parquet_type want = fixture_columns[c].type == ORC_PARQUET_STRING_DICT
                                    ? ORC_PARQUET_STRING
                                    : fixture_columns[c].type;
        ck_assert_int_eq(col->type, want);
        ck_assert_int_eq(col->nullable, fixture_columns[c].nullable);
    }
    for (size_t g = 0; g < orc_parquet_reader_row_group_count(r); g++)
        ck_assert_int_eq(orc_parquet_reader_codec(r, g, 2),
                         f->codec == ORC_PARQUET_CODEC_UNCOMPRESSED
                             ? ORC_PARQUET_CODEC_UNCOMPRESSED
                             : ORC_PARQUET_CODEC_ZSTD);
    row_buf *rb = calloc(1, sizeof *rb);
    rb->longstr = malloc(200000);
    orc_parquet_value want[NCOLS], got;
    int has;
    int64_t n = 0;
    while (orc_parquet_reader_next(r, &has, &e) == ORC_OK && has) {
        gen_row(f, n, rb, want);
        for (size_t c = 0; c < NCOLS; c++) {
            ck_assert_msg(orc_parquet_reader_get(r, c, &got, &e) == ORC_OK, "%s", e.msg);
            ck_assert_msg(got.is_null == want[c].is_null, "%s row %lld col %zu null", f->name,
                          (long long)n, c);
            if (got.is_null)
                continue;
            switch (fixture_columns[c].type) {
            case ORC_PARQUET_STRING:
            case ORC_PARQUET_STRING_DICT:
                ck_assert_uint_eq(got.str_len, want[c].str_len);
                ck_assert_int_eq(memcmp(got.str, want[c].str, got.str_len), 0);
                break;
            case ORC_PARQUET_FLOAT_LIST:
                ck_assert_uint_eq(got.n_floats, want[c].n_floats);
                if (got.n_floats)
                    ck_assert_int_eq(memcmp(got.floats, want[c].floats, got.n_floats * 4), 0);
                break;
            case ORC_PARQUET_INT32:
                ck_assert_int_eq(got.i32, want[c].i32);
                break;
            case ORC_PARQUET_INT64:
                ck_assert_int_eq(got.i64, want[c].i64);
                break;
            case ORC_PARQUET_DOUBLE:
                ck_assert(memcmp(&got.f64, &want[c].f64, 8) == 0);
                break;
            default:
                ck_abort();
            }
        }
        n++;
    }
    ck_assert_int_eq(n, f->rows);
    free(rb->longstr);
    free(rb);
    orc_parquet_reader_close(r);
}

static const fixture fixtures[] = {
    {"empty", 0, ORC_PARQUET_CODEC_ZSTD, 0, 0, 0, 16, 0, 0, 0},
    {"one-row", 1, ORC_PARQUET_CODEC_ZSTD, 0, 0, 0, 1280, 0, 0, 0},
    {"many-row-groups", 3000, ORC_PARQUET_CODEC_ZSTD, 1, 16384, 0, 16, 0, 0, 0},
    {"long-strings-uncompressed", 40, ORC_PARQUET_CODEC_UNCOMPRESSED, 0, 0, 0, 4, 1, 0, 0},
    {"features-zstd", 300, ORC_PARQUET_CODEC_ZSTD, 3, 0, 0, 1280, 0, 0, 0},
    {"dictionary-fallback", 2000, ORC_PARQUET_CODEC_ZSTD, 0, 0, 4096, 3, 0, 1, 0},
    {"batch-uncompressed", 500, ORC_PARQUET_CODEC_UNCOMPRESSED, 0, 65536, 0, 32, 0, 0, 1},
};

START_TEST(test_fixtures_roundtrip)
{
    const char *keep = getenv("ORC_PARQUET_FIXTURES");
    const char *dir = keep && keep[0] ? keep : orc_test_tmpdir();
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        write_fixture(&fixtures[i], dir, keep && keep[0]);
        check_fixture(&fixtures[i], dir);
    }
    /* the layouts the fixtures are meant to have */
    char path[512];
    orc_parquet_reader *r;
    orc_error e;
    snprintf(path, sizeof path, "%s/many-row-groups.parquet", dir);
    ck_assert_int_eq(orc_parquet_reader_open(path, &r, &e), ORC_OK);
    ck_assert_uint_gt(orc_parquet_reader_row_group_count(r), 5);
    orc_parquet_reader_close(r);
    snprintf(path, sizeof path, "%s/empty.parquet", dir);
    ck_assert_int_eq(orc_parquet_reader_open(path, &r, &e), ORC_OK);
    ck_assert_uint_eq(orc_parquet_reader_row_group_count(r), 0);
    ck_assert_str_eq(orc_parquet_reader_created_by(r), "orchard version " ORC_VERSION);
    orc_parquet_reader_close(r);
    if (!(keep && keep[0]))
        rm_rf(dir);
}
END_TEST

/* ---- bad input and corrupt files ------------------------------------------------------- */
START_TEST(test_bad_values_refused)
{
    const char *dir = orc_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/x.parquet", dir);
    orc_parquet_writer *w = NULL;
    orc_error e = {0};
    orc_parquet_column dup[] = {{"a", ORC_PARQUET_INT32, 0}, {"a", ORC_PARQUET_INT64, 0}};
    ck_assert_int_eq(orc_parquet_writer_open(path, dup, 2, NULL, &w, &e),
                     ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(e.msg, "'a' appears twice"));
    orc_parquet_column cols[] = {{"path", ORC_PARQUET_STRING, 0}, {"n", ORC_PARQUET_INT32, 1}};
    ck_assert_int_eq(orc_parquet_writer_open(path, cols, 2, NULL, &w, &e), ORC_OK);
    orc_parquet_value v[2] = {{0}};
    v[0].is_null = 1;
    ck_assert_int_eq(orc_parquet_writer_append_row(w, v, &e), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(e.msg, "column 'path' is not nullable"));
    v[0].is_null = 0;
    v[0].str = "ok";
    v[0].str_len = 2;
    v[1].is_null = 1;
    ck_assert_int_eq(orc_parquet_writer_append_row(w, v, &e), ORC_OK);
    /* strings are UTF-8 (the String logical type): invalid bytes are refused, with where */
    static const char *const bad_utf8[] = {"caf\xe9.jpg", "\xc0\xaf" "etc", "a\xed\xa0\x80" "b",
                                           "trunc\xe6\xa2", "\xf5\x80\x80\x80"};
    for (size_t k = 0; k < sizeof bad_utf8 / sizeof bad_utf8[0]; k++) {
        v[0].str = bad_utf8[k];
        v[0].str_len = strlen(bad_utf8[k]);
        ck_assert_int_eq(orc_parquet_writer_append_row(w, v, &e), ORC_ERR_INVALID_ARGUMENT);
        ck_assert_ptr_nonnull(strstr(e.msg, "not valid UTF-8"));
    }
    v[0].str = "caf\xc3\xa9 \xe6\xa2\xa8 \xf0\x9f\x8d\x93";
    v[0].str_len = strlen(v[0].str);
    ck_assert_int_eq(orc_parquet_writer_append_row(w, v, &e), ORC_OK);
    ck_assert_int_eq(orc_parquet_writer_rows(w), 2);
    /* a refused batch appends nothing */
    orc_parquet_batch_column b[2] = {{0}};
    const char *strs[2] = {"fine", NULL};
    int32_t n[2] = {1, 2};
    b[0].str = strs;
    b[1].i32 = n;
    ck_assert_int_eq(orc_parquet_writer_append_batch(w, 2, b, &e), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(e.msg, "row 3"));
    ck_assert_int_eq(orc_parquet_writer_rows(w), 2);
    /* the final name does not exist before close; the hidden temp file does */
    struct stat sb;
    ck_assert_int_ne(stat(path, &sb), 0);
    ck_assert_int_eq(orc_parquet_writer_close(w, &e), ORC_OK);
    ck_assert_int_eq(stat(path, &sb), 0);
    /* discard leaves nothing */
    snprintf(path, sizeof path, "%s/y.parquet", dir);
    ck_assert_int_eq(orc_parquet_writer_open(path, cols, 2, NULL, &w, &e), ORC_OK);
    orc_parquet_writer_discard(w);
    DIR *d = opendir(dir);
    struct dirent *de;
    int files = 0;
    while ((de = readdir(d)) != NULL)
        files += de->d_name[0] != '.' || (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."));
    closedir(d);
    ck_assert_int_eq(files, 1); /* x.parquet only */
    ck_assert_int_eq(orc_parquet_writer_close(NULL, &e), ORC_OK);
    orc_parquet_reader_close(NULL);
    rm_rf(dir);
}
END_TEST

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = malloc((size_t)n);
    ck_assert_uint_eq(fread(d, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return d;
}

static void spit(const char *path, const uint8_t *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(d, 1, n, f), n);
    fclose(f);
}

/* open + read every value; returns the first error status (ORC_OK if all went through) */
static orc_status read_everything(const char *path, orc_error *e)
{
    orc_parquet_reader *r = NULL;
    orc_status st = orc_parquet_reader_open(path, &r, e);
    if (st != ORC_OK)
        return st;
    int has;
    orc_parquet_value v;
    while ((st = orc_parquet_reader_next(r, &has, e)) == ORC_OK && has)
        for (size_t c = 0; c < orc_parquet_reader_column_count(r) && st == ORC_OK; c++)
            st = orc_parquet_reader_get(r, c, &v, e);
    orc_parquet_reader_close(r);
    return st;
}

START_TEST(test_corrupt_files_refused)
{
    const char *dir = orc_test_tmpdir();
    const fixture small = {"small", 60, ORC_PARQUET_CODEC_UNCOMPRESSED, 0, 2048, 0, 5, 0, 0, 0};
    const fixture smallz = {"smallz", 60, ORC_PARQUET_CODEC_ZSTD, 0, 2048, 0, 5, 0, 0, 0};
    write_fixture(&small, dir, 0);
    write_fixture(&smallz, dir, 0);
    char path[512], bad[512];
    snprintf(bad, sizeof bad, "%s/bad.parquet", dir);
    orc_error e = {0};
    const char *names[] = {"small", "smallz"};
    for (int which = 0; which < 2; which++) {
        snprintf(path, sizeof path, "%s/%s.parquet", dir, names[which]);
        size_t n;
        uint8_t *d = slurp(path, &n);
        ck_assert_int_eq(read_everything(path, &e), ORC_OK);
        /* truncated files: no magic, or a footer that does not fit */
        size_t cuts[] = {0, 3, 11, n / 2, n - 1, n - 4};
        for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
            spit(bad, d, cuts[k]);
            ck_assert_int_eq(read_everything(bad, &e), ORC_ERR_FORMAT);
            ck_assert_ptr_nonnull(strstr(e.msg, "bad.parquet"));
        }
        /* a footer length larger than the file */
        uint8_t *m = malloc(n);
        memcpy(m, d, n);
        m[n - 5] = 0x7F;
        spit(bad, m, n);
        ck_assert_int_eq(read_everything(bad, &e), ORC_ERR_FORMAT);
        ck_assert_ptr_nonnull(strstr(e.msg, "footer length"));
        /* every single-byte change anywhere: an error or a clean read, never a crash
         * (the ASan pass checks the "never") */
        int errors = 0, tries = 0;
        for (size_t pos = 0; pos < n; pos += 1 + n / 800, tries++) {
            memcpy(m, d, n);
            m[pos] ^= (uint8_t)(0x5A + pos);
            spit(bad, m, n);
            errors += read_everything(bad, &e) != ORC_OK;
        }
        ck_assert_int_gt(errors, tries / 20);
        /* random bursts: 1..8 random bytes, half of them aimed at the footer (Thrift) */
        uint32_t seed = 0xC0FFEEu + (uint32_t)which;
        size_t footer = (size_t)d[n - 8] | (size_t)d[n - 7] << 8 | (size_t)d[n - 6] << 16;
        for (int it = 0; it < 300; it++) {
            memcpy(m, d, n);
            seed = seed * 1664525u + 1013904223u;
            int k = 1 + (int)(seed >> 29);
            for (int j = 0; j < k; j++) {
                seed = seed * 1664525u + 1013904223u;
                size_t pos = it % 2 ? n - 8 - footer + (seed >> 8) % footer : (seed >> 8) % n;
                seed = seed * 1664525u + 1013904223u;
                m[pos] = (uint8_t)(seed >> 24);
            }
            spit(bad, m, n);
            (void)read_everything(bad, &e);
        }
        free(m);
        free(d);
    }
    /* a file that is not Parquet at all */
    spit(bad, (const uint8_t *)"hello, this is not a parquet file", 33);
    ck_assert_int_eq(read_everything(bad, &e), ORC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(e.msg, "not a Parquet file"));
    snprintf(path, sizeof path, "%s/missing.parquet", dir);
    ck_assert_int_eq(read_everything(path, &e), ORC_ERR_IO);
    rm_rf(dir);
}
END_TEST

/* A full disk (here: a file-size limit, EFBIG) fails the write with ORC_ERR_IO, and close
 * leaves neither the final file nor the temp file behind. */
START_TEST(test_write_error_cleans_up)
{
    const char *dir = orc_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/full.parquet", dir);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {100000, 100000};
        setrlimit(RLIMIT_FSIZE, &rl);
        orc_parquet_column c[] = {{"features", ORC_PARQUET_FLOAT_LIST, 0}};
        orc_parquet_options o = {0};
        o.codec = ORC_PARQUET_CODEC_UNCOMPRESSED;
        o.row_group_bytes = 50000;
        orc_parquet_writer *w = NULL;
        orc_error e = {0};
        if (orc_parquet_writer_open(path, c, 1, &o, &w, &e) != ORC_OK)
            _exit(10);
        float f[1280] = {0};
        orc_parquet_value v = {0};
        v.floats = f;
        v.n_floats = 1280;
        orc_status st = ORC_OK;
        int r;
        for (r = 0; r < 1000 && st == ORC_OK; r++)
            st = orc_parquet_writer_append_row(w, &v, &e);
        if (st != ORC_ERR_IO || strstr(e.msg, "File too large") == NULL)
            _exit(11);
        /* the writer stays failed, and says why */
        if (orc_parquet_writer_append_row(w, &v, &e) != ORC_ERR_IO ||
            strstr(e.msg, "earlier error") == NULL)
            _exit(12);
        if (orc_parquet_writer_close(w, &e) != ORC_ERR_IO)
            _exit(13);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    DIR *d = opendir(dir);
    struct dirent *de;
    int files = 0;
    while ((de = readdir(d)) != NULL)
        files += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    ck_assert_int_eq(files, 0);
    rm_rf(dir);
}
END_TEST

/* SIGKILL in the middle of a file: the final name never appears; what is left is the hidden
 * temp file, which no reader takes for a complete file (no footer). See also test_dataset.c. */
START_TEST(test_killed_writer_leaves_no_file)
{
    const char *dir = orc_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/killed.parquet", dir);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        orc_parquet_column c[] = {{"path", ORC_PARQUET_STRING, 0},
                                  {"features", ORC_PARQUET_FLOAT_LIST, 0}};
        orc_parquet_options o = {0};
        o.row_group_bytes = 65536; /* row groups reach the disk while the writer runs */
        orc_parquet_writer *w = NULL;
        if (orc_parquet_writer_open(path, c, 2, &o, &w, NULL) != ORC_OK)
            _exit(10);
        float f[1280];
        for (int k = 0; k < 1280; k++)
            f[k] = (float)k;
        orc_parquet_value v[2] = {{0}};
        v[0].str = "img/a.jpg";
        v[0].str_len = 9;
        v[1].floats = f;
        v[1].n_floats = 1280;
        for (;;) {
            f[0] += 1.0f;
            if (orc_parquet_writer_append_row(w, v, NULL) != ORC_OK)
                _exit(11);
        }
    }
    char tmpname[700] = "";
    for (int tries = 0; tries < 2000 && tmpname[0] == '\0'; tries++) {
        usleep(5000);
        DIR *d = opendir(dir);
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            char p[700];
            struct stat sb;
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            if (strncmp(de->d_name, ".killed.parquet.tmp-", 20) == 0 && stat(p, &sb) == 0 &&
                sb.st_size > 200000)
                snprintf(tmpname, sizeof tmpname, "%s", p);
        }
        closedir(d);
    }
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ck_assert_msg(tmpname[0] != '\0', "the writer never reached the disk");
    struct stat sb;
    ck_assert_int_ne(stat(path, &sb), 0);
    orc_parquet_reader *r = NULL;
    orc_error e = {0};
    ck_assert_int_eq(orc_parquet_reader_open(tmpname, &r, &e), ORC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(e.msg, "no PAR1 magic at the end"));
    rm_rf(dir);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("parquet");
    TCase *tc = tcase_create("encoding");
    tcase_add_test(tc, test_thrift_encoder_vectors);
    tcase_add_test(tc, test_thrift_decoder);
    tcase_add_test(tc, test_rle_vectors);
    tcase_add_test(tc, test_rle_roundtrip_sweep);
    tcase_add_test(tc, test_snappy_and_delta_vectors);
    suite_add_tcase(s, tc);
    tc = tcase_create("fixtures");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fixtures_roundtrip);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_bad_values_refused);
    tcase_add_test(tc, test_corrupt_files_refused);
    tcase_add_test(tc, test_write_error_cleans_up);
    tcase_add_test(tc, test_killed_writer_leaves_no_file);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
