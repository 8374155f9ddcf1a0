/* parquet.h -- Orchard's own Parquet writer and reader (no Arrow/Parquet library).
 *
 * Columns (orc_parquet_type), as laid out in the file:
 *   STRING       BYTE_ARRAY, logical String (UTF8), PLAIN
 *   STRING_DICT  BYTE_ARRAY, logical String, RLE_DICTIONARY with a PLAIN dictionary page; a
 *                column chunk whose dictionary passes dictionary_bytes goes on in PLAIN
 *   INT32, INT64, DOUBLE   PLAIN
 *   FLOAT_LIST   the standard 3-level LIST:  <opt|req> group NAME (LIST) {
 *                  repeated group list { required float element; } }
 *                (empty lists and, when nullable, null lists supported)
 * nullable=1 makes a column OPTIONAL (nulls allowed), else REQUIRED.
 * Pages: data page v1; definition/repetition levels RLE/bit-packed hybrid; ZSTD (level
 * configurable, default 3) or UNCOMPRESSED. Statistics (min_value/max_value with a
 * TypeDefinedOrder column order, null_count) on scalar columns, min/max of the elements on lists;
 * string min/max are omitted past 1024 bytes.
 *
 * Writer memory is bounded by the row group: pages are compressed as they fill (page_bytes,
 * default 1 MiB of raw values) and kept in memory until their row group is written, which
 * happens once the buffered bytes of all columns reach row_group_bytes (default 128 MiB). So
 * peak memory is about row_group_bytes + columns * page_bytes * 2.
 *
 * Atomicity: the writer writes `.<name>.tmp-XXXXXX` in the destination folder (hidden, and not
 * ending in .parquet, so `*.parquet` globs and Spark never see it); close writes the footer,
 * fsyncs, renames it to the final name and fsyncs the folder. A killed writer leaves at most the
 * hidden temp file (orc_dataset_open removes such leftovers); discard removes it.
 *
 * Reader: validates every offset, size, level, index and length against the file (a corrupt
 * file gives ORC_ERR_FORMAT, never a crash). It reads our files and files of other writers that
 * use the same types: PLAIN, (RLE|PLAIN)_DICTIONARY, DELTA_BINARY_PACKED,
 * DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT values, data pages v1 and v2,
 * UNCOMPRESSED, ZSTD or SNAPPY, FLOAT lists whose element is required or optional (a null
 * element is an error). Other codecs (GZIP, LZ4, BROTLI) are refused with a message. Columns of
 * other types are listed as ORC_PARQUET_UNSUPPORTED and only refused when read.
 * Row groups are decoded one at a time and only the columns asked for.
 *
 * Threads: one writer or reader per thread; distinct objects are independent.
 */
#ifndef ORC_PARQUET_H
#define ORC_PARQUET_H

#include "orchard.h"

#include <stddef.h>
#include <stdint.h>

typedef enum orc_parquet_type {
    ORC_PARQUET_UNSUPPORTED = 0, /* reader only: a column of another type */
    ORC_PARQUET_STRING,
    ORC_PARQUET_STRING_DICT,
    ORC_PARQUET_INT32,
    ORC_PARQUET_INT64,
    ORC_PARQUET_DOUBLE,
    ORC_PARQUET_FLOAT_LIST
} orc_parquet_type;

typedef struct orc_parquet_column {
    const char *name; /* UTF-8, unique, not empty */
    orc_parquet_type type;
    int nullable;     /* 1: OPTIONAL (nulls allowed); 0: REQUIRED */
} orc_parquet_column;

typedef enum orc_parquet_codec {
    ORC_PARQUET_CODEC_DEFAULT = 0, /* ZSTD */
    ORC_PARQUET_CODEC_ZSTD,
    ORC_PARQUET_CODEC_UNCOMPRESSED
} orc_parquet_codec;

/* Zero-initialised options are the defaults. */
typedef struct orc_parquet_options {
    orc_parquet_codec codec;
    int zstd_level;          /* 1..22; 0 = 3 */
    size_t row_group_bytes;  /* 0 = 128 MiB; at least 1 (tests use small values) */
    size_t page_bytes;       /* 0 = 1 MiB of raw values per data page */
    size_t dictionary_bytes; /* 0 = 1 MiB: past it a dictionary column chunk falls back to PLAIN */
    const char *created_by;  /* NULL = "orchard version <ORC_VERSION>" */
} orc_parquet_options;

/* One value of one column. Strings need not be NUL-terminated (str_len counts the bytes);
 * FLOAT_LIST uses floats/n_floats (floats may be NULL when n_floats is 0). */
typedef struct orc_parquet_value {
    int is_null;
    int32_t i32;
    int64_t i64;
    double f64;
    const char *str;
    size_t str_len;
    const float *floats;
    size_t n_floats;
} orc_parquet_value;

/* A batch of `rows` values of one column (column-major append). */
typedef struct orc_parquet_batch_column {
    const uint8_t *is_null;  /* [rows], non-zero = null; NULL = no nulls */
    const int32_t *i32;      /* INT32: [rows] */
    const int64_t *i64;      /* INT64: [rows] */
    const double *f64;       /* DOUBLE: [rows] */
    const char *const *str;  /* strings: [rows] NUL-terminated; a NULL pointer is a null */
    const float *floats;     /* FLOAT_LIST: the values of all non-null rows, concatenated */
    size_t list_len;         /* FLOAT_LIST: every non-null row has list_len values, unless */
    const size_t *list_lens; /* [rows] per-row lengths (overrides list_len) */
} orc_parquet_batch_column;

typedef struct orc_parquet_writer orc_parquet_writer;

/* Create `path` (through a hidden temp file, see above) with the given columns (copied). */
orc_status orc_parquet_writer_open(const char *path, const orc_parquet_column *columns,
                                   size_t ncolumns, const orc_parquet_options *opt,
                                   orc_parquet_writer **out, orc_error *err);
/* Append one row: values[ncolumns]. A bad value (null in a REQUIRED column, string longer than
 * 2 GiB, ...) is refused before anything is appended. */
orc_status orc_parquet_writer_append_row(orc_parquet_writer *w, const orc_parquet_value *values,
                                         orc_error *err);
/* Append `rows` rows given column by column: cols[ncolumns]. Validated first, like a row. */
orc_status orc_parquet_writer_append_batch(orc_parquet_writer *w, size_t rows,
                                           const orc_parquet_batch_column *cols, orc_error *err);
int64_t orc_parquet_writer_rows(const orc_parquet_writer *w);
uint64_t orc_parquet_writer_bytes_written(const orc_parquet_writer *w); /* so far, to the file */
/* Finish: flush, write the footer, fsync, rename to the final path, free. On failure the temp
 * file is removed and nothing is left at the final path. NULL is a no-op (ORC_OK). */
orc_status orc_parquet_writer_close(orc_parquet_writer *w, orc_error *err);
/* Abandon: remove the temp file, free. NULL is a no-op. */
void orc_parquet_writer_discard(orc_parquet_writer *w);

/* ---- reader ---------------------------------------------------------------------------- */
typedef struct orc_parquet_reader orc_parquet_reader;

/* Open and validate the footer and schema of `path`. */
orc_status orc_parquet_reader_open(const char *path, orc_parquet_reader **out, orc_error *err);
void orc_parquet_reader_close(orc_parquet_reader *r); /* NULL is a no-op */

size_t orc_parquet_reader_column_count(const orc_parquet_reader *r);
/* Column i: name, type (UNSUPPORTED for types this reader does not decode), nullable. */
const orc_parquet_column *orc_parquet_reader_column(const orc_parquet_reader *r, size_t i);
int orc_parquet_reader_find_column(const orc_parquet_reader *r, const char *name); /* -1 */
int64_t orc_parquet_reader_row_count(const orc_parquet_reader *r);
size_t orc_parquet_reader_row_group_count(const orc_parquet_reader *r);
int64_t orc_parquet_reader_row_group_rows(const orc_parquet_reader *r, size_t rg);
/* codec of column `col` in row group `rg` (ZSTD or UNCOMPRESSED; DEFAULT for anything else,
 * SNAPPY included) */
orc_parquet_codec orc_parquet_reader_codec(const orc_parquet_reader *r, size_t rg, size_t col);
const char *orc_parquet_reader_created_by(const orc_parquet_reader *r); /* "" when absent */

/* Advance to the next row (the first call gives row 0): *has_row = 0 at the end. */
orc_status orc_parquet_reader_next(orc_parquet_reader *r, int *has_row, orc_error *err);
/* The current row's value of column `col`. Pointers (str, floats) stay valid until the reader
 * moves to another row group or is closed. Decodes the column's chunk on first use. */
orc_status orc_parquet_reader_get(orc_parquet_reader *r, size_t col, orc_parquet_value *v,
                                  orc_error *err);
/* Position before the first row of row group rg (next() then gives its first row). */
orc_status orc_parquet_reader_seek_row_group(orc_parquet_reader *r, size_t rg, orc_error *err);

#endif
