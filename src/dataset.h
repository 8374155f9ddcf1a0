/* dataset.h -- Spark-style Parquet datasets: a folder of parts and a _SUCCESS marker.
 *
 * Layout of DIR (e.g. OUTPUT/features):
 *   part-00000-<run id>.zstd.parquet      one part per worker/shard (.uncompressed.parquet
 *   part-00001-<run id>.zstd.parquet      when written without compression)
 *   _SUCCESS                              written last, only once every part is complete
 * Parts are written through the Parquet writer's hidden temp file and renamed when complete,
 * so a part name exists only for a complete file.
 *
 * No mix of old and new parts, ever:
 *  - orc_dataset_open(DIR, RUN_ID) first removes _SUCCESS (the folder is no longer a complete
 *    dataset), then every part whose run id differs from RUN_ID, and leftover temp files. So
 *    from then on the folder only holds parts of RUN_ID; a rerun with the same run id
 *    (resume) keeps its complete parts (orc_dataset_part_complete says which).
 *  - orc_dataset_commit(N) checks parts 0..N-1 of RUN_ID are all there and readable, removes
 *    any other part (e.g. shard numbers past N of an earlier attempt), and writes _SUCCESS
 *    (temp + fsync + rename) with a manifest: "orchard-dataset 1", "run_id ID", "parts N", then
 *    one line "NAME ROWS BYTES" per part.
 *  - Readers (orc_dataset_list) accept a folder only with _SUCCESS; with our manifest they
 *    check that the parts present are exactly those listed, with the listed sizes. An empty
 *    _SUCCESS (Spark's) lists every part-*.parquet.
 * Remote outputs: the folder is the local staging area; an optional sink is told about each
 * finished part, each removed part and, last, _SUCCESS, so the S3 module can upload them.
 *
 * Threads: part_open/part_close/part_complete may run concurrently on distinct parts (the
 * sink's callbacks must then be thread-safe); open, commit and close are single-threaded.
 */
#ifndef ORC_DATASET_H
#define ORC_DATASET_H

#include "orchard.h"
#include "parquet.h"

typedef struct orc_dataset_sink {
    void *ctx;
    /* a file is complete at local_path; name is its name inside the dataset folder */
    orc_status (*publish)(void *ctx, const char *local_path, const char *name, orc_error *err);
    /* a file was removed from the dataset (stale part, old _SUCCESS) */
    orc_status (*remove)(void *ctx, const char *name, orc_error *err);
} orc_dataset_sink;

typedef struct orc_dataset_options {
    const orc_parquet_options *parquet; /* NULL: defaults (zstd 3) */
    const orc_dataset_sink *sink;       /* NULL: local only */
} orc_dataset_options;

typedef struct orc_dataset orc_dataset;

/* run_id: 1..64 characters from [A-Za-z0-9_-]. Creates DIR (and parents) if needed. */
orc_status orc_dataset_open(const char *dir, const char *run_id, const orc_dataset_options *opt,
                            orc_dataset **out, orc_error *err);
void orc_dataset_close(orc_dataset *ds); /* NULL is a no-op; does not commit */

/* The name and full path of part `part` ("part-00003-RUN.zstd.parquet"). */
orc_status orc_dataset_part_name(const orc_dataset *ds, unsigned part, char *buf, size_t n,
                                 orc_error *err);
orc_status orc_dataset_part_path(const orc_dataset *ds, unsigned part, char *buf, size_t n,
                                 orc_error *err);
/* 1 when the part exists and its footer reads back (a resumed run skips it), else 0. */
int orc_dataset_part_complete(const orc_dataset *ds, unsigned part);
/* A writer for the part (written to a temp name until orc_dataset_part_close). */
orc_status orc_dataset_part_open(orc_dataset *ds, unsigned part,
                                 const orc_parquet_column *columns, size_t ncolumns,
                                 orc_parquet_writer **out, orc_error *err);
/* Close the writer (rename into place), then tell the sink. On failure nothing is left. */
orc_status orc_dataset_part_close(orc_dataset *ds, unsigned part, orc_parquet_writer *w,
                                  orc_error *err);
/* Every part 0..nparts-1 complete: remove other parts, write _SUCCESS, tell the sink. */
orc_status orc_dataset_commit(orc_dataset *ds, unsigned nparts, orc_error *err);

/* The run id a folder belongs to, for resuming: the one in _SUCCESS if there is one, else the
 * run id of the parts present (complete or being written). *found = 0 for a folder with no
 * dataset (or no folder); an error when the parts belong to several runs. */
orc_status orc_dataset_find_run(const char *dir, char *run_id, size_t n, int *found,
                                orc_error *err);

/* ---- reading a dataset ----------------------------------------------------------------- */
typedef struct orc_dataset_listing {
    size_t count;
    char **paths;     /* [count] full paths, sorted by name */
    int64_t rows;     /* total rows (from the manifest; -1 for a Spark _SUCCESS) */
} orc_dataset_listing;

/* The complete parts of the dataset in DIR (refused without _SUCCESS, or when the parts present
 * differ from the manifest). */
orc_status orc_dataset_list(const char *dir, orc_dataset_listing *out, orc_error *err);
void orc_dataset_listing_free(orc_dataset_listing *l);

/* Rows of every part in order, for the named columns (each part must have them, same type). */
typedef struct orc_dataset_reader orc_dataset_reader;
orc_status orc_dataset_reader_open(const char *dir, const char *const *columns, size_t ncolumns,
                                   orc_dataset_reader **out, orc_error *err);
orc_status orc_dataset_reader_next(orc_dataset_reader *r, int *has_row, orc_error *err);
/* Value of requested column i (0..ncolumns-1) in the current row; valid until next(). */
orc_status orc_dataset_reader_get(orc_dataset_reader *r, size_t i, orc_parquet_value *v,
                                  orc_error *err);
void orc_dataset_reader_close(orc_dataset_reader *r); /* NULL is a no-op */

#endif
