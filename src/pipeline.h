/* pipeline.h -- the main job: images (local folder or S3 prefix) -> MobileNetV2 features, PCA,
 * Parquet datasets (local folder or S3 prefix), resumable. Used by `orchard extract`.
 *
 * Stages (pass 1), all overlapping, joined by a ring of `queue_batches` batch slots:
 *   list      folder walk (sorted, recursive) or ListObjectsV2; once, before the rest
 *   fetch     fetch_threads threads: file read or S3 GET, decode, resize into a slot
 *   infer     the calling thread: orc_model_run on each full slot, in batch order
 *   write     one thread: rows to the shard's Parquet parts, PCA statistics, part upload
 * Memory bound of pass 1: queue_batches * batch * (224*224*3 bytes + 1280 floats + one error
 * message) plus one Parquet part writer (its row group: one shard of rows at most) plus two
 * PCA statistics (d*d doubles each) -- independent of the number of images, except for the
 * listing itself (one path string per input file).
 *
 * Shards: the sorted listing is cut into shards of shard_size files; shard i -> part i of
 * features/ and errors/ (one part each, even when empty). A shard whose parts are complete is
 * skipped on a rerun with the same run id. The run id is a hash of the listing (paths, sizes,
 * modification times or ETags), the shard size, the weight file's SHA-256 and the ISA; it is
 * recorded with per-shard hashes in OUTPUT/_manifest, so a changed input is detected and named.
 *
 * Pass 2 (PCA): the statistics of all shards are merged in shard order (bitwise the same on a
 * resumed run), the PCA is fitted (or loaded: pca_fit_on), saved to OUTPUT/pca.orpca, then each
 * features part is read back and projected into part i of pca/ (path, label, pca). The network
 * never runs twice.
 *
 * Array mode (shard_count > 0): task I of N processes shards I, I+N, ... and writes their parts
 * (tasks may run at once on the same OUTPUT: they share the run id and the manifest). Then
 * finalize (orchard finalize OUTPUT) checks every shard is complete, reads the features back for
 * the PCA statistics (in shard order: the same model as a single run), fits, runs pass 2 and
 * writes run.json and _SUCCESS.
 *
 * Group mode (group != NULL, size N > 1: `mpirun -np N orchard extract`, src/mpi_run.h): rank r
 * processes shards r, r+N, ... (the array-mode split) with its own threads. Rank 0 lists the
 * input and broadcasts the listing, checks the manifest and decides resume or overwrite; every
 * rank writes its own parts and folds the statistics of its own shards (processed or resumed)
 * in shard order; the statistics meet on rank 0 through reduce_stats (fixed rank order: the
 * same bits for a given N); rank 0 commits, fits the PCA (or loads pca_fit_on) and broadcasts
 * the model file; every rank writes the pca parts of its shards; after a last barrier rank 0
 * commits pca/ and writes run.json and _SUCCESS. A rank that fails returns its error; the
 * caller must then end the whole group (orc_mpi_abort) so no rank waits in a collective.
 * S3 output: each rank stages in its own folder (STAGING.rankR) and uploads its parts; rank 0
 * fetches the others' parts before it commits.
 */
#ifndef ORC_PIPELINE_H
#define ORC_PIPELINE_H

#include <stdio.h>

#include "isa.h"
#include "orchard.h"

typedef enum orc_pipeline_format {
    ORC_PIPELINE_PARQUET = 0,
    ORC_PIPELINE_CSV /* OUTPUT/features.csv + OUTPUT/errors.csv, no shards, no PCA */
} orc_pipeline_format;

/* Ranks of one job. Every operation is collective: all ranks call it in the same order. */
typedef struct orc_pipeline_group {
    unsigned rank, size;
    void *ctx;
    /* rank 0's bytes to every rank: on rank 0 *data and *len are read; elsewhere *data is set
     * to a malloc'ed copy (the caller frees it) and *len to its size */
    orc_status (*broadcast)(void *ctx, void **data, size_t *len, orc_error *err);
    /* serialized PCA statistics (len doubles, orc_pca_stats_serialize) of every rank merged
     * into rank 0's buf, in rank order; buf is unspecified on the other ranks afterwards */
    orc_status (*reduce_stats)(void *ctx, double *buf, size_t len, orc_error *err);
    /* returns once every rank called it */
    orc_status (*barrier)(void *ctx, orc_error *err);
} orc_pipeline_group;

typedef struct orc_pipeline_options {
    const char *input;       /* folder or s3://bucket/prefix */
    const char *output;      /* folder or s3://bucket/prefix */
    const char *weights;     /* .orw path */
    orc_pipeline_format format;
    size_t threads;          /* inference threads (>= 1) */
    size_t fetch_threads;    /* 0: 1 for a folder, 16 for S3 */
    size_t batch;            /* images per model call (default 32) */
    size_t queue_batches;    /* slots in the ring (0: 2 * fetch + 2, at least 4) */
    size_t shard_size;       /* files per shard (0: 1024) */
    size_t limit;            /* first N files only (0: all) */
    orc_isa isa;
    /* PCA: no_pca, or pca_fit_on (model file or an extract OUTPUT holding pca.orpca), else fit
     * on this input with pca_k (> 0) or pca_variance */
    int no_pca;
    unsigned pca_k;
    double pca_variance;
    int pca_standardize;
    const char *pca_fit_on;
    int overwrite;           /* start over even when OUTPUT holds another run */
    int zstd_level;          /* 0: 3 */
    size_t max_errors;       /* SIZE_MAX: no limit */
    int quiet;
    int progress_tty;        /* -1: isatty(stderr) */
    double progress_interval;/* seconds between plain progress lines (0: 10) */
    /* S3 */
    const char *region, *endpoint_url, *profile, *ca_bundle;
    const char *staging;     /* local staging folder for an S3 output (NULL: automatic) */
    /* array mode: process only the shards s with s % shard_count == shard_index, write their
     * parts, no commit, no PCA, no _SUCCESS (shard_count 0: all shards, the whole job) */
    unsigned shard_index, shard_count;
    /* finalize: input, shard size and ISA from OUTPUT/_manifest (input may be NULL); every
     * shard must be complete already; then commit, PCA, run.json, _SUCCESS */
    int finalize;
    /* group mode (see above): NULL or size 1 is a single process; excludes shard_count,
     * finalize and CSV */
    const orc_pipeline_group *group;
    FILE *log;               /* messages (NULL: stderr) */
    int verbose;             /* log threads, batch and the chosen kernels (even when quiet) */
    /* extra training rows: an orc_augment_parse list ("rot90,rot270", "dihedral"; NULL or
     * "none": none). Each file gives one row per variant, in variant order after its own row,
     * path "URI#variant" (augment.h names), same label; they count as files for the shards.
     * finalize takes it from the manifest. */
    const char *augment;
    /* network input side (0: the weight file's, 224): the images are resized to it and the
     * network runs at it (model.h); the feature stays 1280-d. A size other than the weight
     * file's is part of the run id and the manifest (resume refuses a change; the weight
     * file's size spelled out is the default run); finalize takes it from there. */
    size_t input_size;
} orc_pipeline_options;

void orc_pipeline_options_default(orc_pipeline_options *opt);

typedef struct orc_pipeline_report {
    size_t seen, processed, skipped, resumed_shards, shards;
    int too_many_errors; /* skipped > max_errors: outputs written but no _SUCCESS */
    double seconds;
} orc_pipeline_report;

/* The row name (the path column) of one input: "file://" + root/key percent-encoded except
 * A-Z a-z 0-9 - . _ ~ / (root: the absolute input folder), or, s3 != 0, "s3://" + root (the
 * bucket) + "/" + key with only '%' and '#' percent-encoded (keys stay readable); then
 * "#" + orc_augment_name(variant) for a variant != 0. No '#' precedes the view suffix, so
 * orc_augment_source_len gives the source part. out[cap] always gets a NUL-terminated name;
 * ORC_ERR_INVALID_ARGUMENT when the name does not fit (out then holds a prefix of it). */
orc_status orc_pipeline_row_uri(int s3, const char *root, const char *key, unsigned variant,
                                char *out, size_t cap, orc_error *err);

/* Run the job. ORC_OK also when some inputs were skipped (report says how many). */
orc_status orc_pipeline_run(const orc_pipeline_options *opt, orc_pipeline_report *report,
                            orc_error *err);

#endif
