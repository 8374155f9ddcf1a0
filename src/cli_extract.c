/* cli_extract.c -- `orchard extract INPUT OUTPUT`: the main job (src/pipeline.h) from the
 * command line: images in a folder or under an S3 prefix -> features, PCA and errors Parquet
 * datasets (or CSV), resumable. */
#include "augment.h"
#include "cli.h"
#include "model.h"
#include "mpi_run.h"
#include "pipeline.h"
#include "threadpool.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_WEIGHTS "weights/mobilenet_v2_1.0_224.orw"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: orchard extract INPUT OUTPUT [options]\n\n"
        "INPUT is a folder or s3://bucket/prefix/; OUTPUT a folder or s3://bucket/prefix/.\n"
        "Every file under INPUT (sorted by path; names starting with '.' ignored) is decoded\n"
        "(JPEG, PNG, BMP, GIF first frame, ...), resized to 224x224 (bilinear, half-pixel\n"
        "centres) and run through MobileNetV2; label = the name of the file's parent folder.\n"
        "Parquet output (default), in OUTPUT:\n"
        "  features/  path, label, features (1280 floats)   one part per shard, + _SUCCESS\n"
        "  pca/       path, label, pca (k floats)           same shards, same row order\n"
        "  errors/    path, reason                          every skipped input\n"
        "  pca.orpca  the PCA model      run.json  counts, timings, PCA, ISA, region, checksums\n"
        "  _manifest  the run id and shard hashes (resume)  _SUCCESS  written last\n"
        "CSV output (--format csv, local OUTPUT only): OUTPUT/features.csv\n"
        "(path,label,f0..f1279) and OUTPUT/errors.csv (path,reason); no PCA, no resume.\n\n"
        "Resume: the input is cut into shards of --shard-size files in sorted order. Rerunning\n"
        "the same command (same input listing, weights, shard size, ISA) skips the shards whose\n"
        "parts are complete and gives exactly the rows of an uninterrupted run. When OUTPUT holds\n"
        "a run over other input, the command stops and says what changed (--overwrite replaces\n"
        "it).\n\n");
    fprintf(f,
        "options:\n"
        "  --format parquet|csv   output format (default parquet)\n"
        "  --threads N       inference threads (default: all online CPUs)\n"
        "  --fetch-threads N threads reading and decoding (default 1 for a folder, 16 for S3)\n"
        "  --batch N         images per inference call (default 32, 1..1024)\n"
        "  --queue N         batches in flight between the stages (default 4 + 2*fetch/batch)\n"
        "  --shard-size N    files per shard and part (default 1024)\n"
        "  --weights F       weight file (.orw); default $ORCHARD_WEIGHTS, else\n"
        "                    " DEFAULT_WEIGHTS " next to the binary's build folder,\n"
        "                    else relative to the current folder ('make weights' builds it)\n"
        "  --isa NAME        widest kernel ISA to use: auto (default: the widest this CPU has,\n"
        "                    or $ORCHARD_ISA when set), scalar, avx2, avx512, neon; an ISA the\n"
        "                    CPU lacks is an error\n"
        "  --limit N         process only the first N files (in sorted order)\n"
        "  --augment LIST    extra rows for training: each file also gives one row per listed\n"
        "                    symmetry of the square, right after its own row, path\n"
        "                    'URI#variant', same label: rot90, rot180, rot270, mirror,\n"
        "                    mirror-rot90, mirror-rot180, mirror-rot270 (comma-separated), or\n"
        "                    flip (= mirror), rot (the 3 rotations), dihedral (all 7), none\n"
        "                    (default). Rows count as files for --shard-size and --limit is\n"
        "                    applied first. `orchard train --select` keeps the copies of\n"
        "                    validation images out of training; `orchard evaluate`/`predict`\n"
        "                    average the class probabilities of the rows of one file.\n"
        "  --input-size N    run the network on N x N images (32..1024; default: the weight\n"
        "                    file's, 224): each image is resized to N x N; features stay\n"
        "                    1280-d. Fruits-360's 100 x 100 photos give better classifier\n"
        "                    features at 288 (see README: accuracy); 1.65x the compute\n"
        "  --pca-variance V  keep the fewest components explaining more than V (default 0.95)\n"
        "  --pca-k K         keep K components instead\n"
        "  --pca-standardize divide features by their standard deviation before the PCA\n"
        "  --pca-fit-on M    do not fit: project with model M (a .orpca file, or the OUTPUT of\n"
        "                    an earlier extract, e.g. of the Training split; local or s3://)\n"
        "  --no-pca          features and errors only\n"
        "  --zstd-level N    Parquet zstd level (default 3)\n"
        "  --overwrite       replace what OUTPUT holds instead of resuming / refusing\n"
        "  --shard I/N       array mode: process only shards I, I+N, I+2N, ... (0 <= I < N) and\n"
        "                    write their parts; `orchard finalize OUTPUT` does the rest\n"
        "  --shard-count N   the same with I from AWS_BATCH_JOB_ARRAY_INDEX or\n"
        "                    SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN)\n"
        "  --max-errors N    exit with status 3 (and no _SUCCESS) when more than N files are\n"
        "                    skipped (default: no limit; skipped files never stop the run)\n"
        "  --region R, --endpoint-url URL, --profile P, --ca-bundle F   S3 settings (see\n"
        "                    `orchard s3 --help`; region default eu-west-1)\n"
        "  --staging DIR     local staging folder for an S3 OUTPUT (default\n"
        "                    $TMPDIR/orchard-staging-<hash of OUTPUT>)\n"
        "  --progress-interval S  seconds between progress lines when stderr is not a terminal\n"
        "                    (default 10; on a terminal a single updating line)\n"
        "  --quiet           no progress and no per-file lines (the summary is still printed)\n"
        "  -h, --help        this help\n\n"
        "exit status: 0 done (skipped files are counted in the summary and errors/),\n"
        "1 fatal error, 2 bad command line, 3 more skipped files than --max-errors.\n");
    fprintf(f, "\nMPI (a build with MPI: `make MPI=1`): `mpirun -np N orchard extract INPUT OUTPUT ...`\n"
               "Rank r processes shards r, r+N, r+2N, ... with its own --threads; rank 0 lists the\n"
               "input, merges the PCA statistics, fits and shares the model, and writes run.json and\n"
               "_SUCCESS once every rank is done. A failing rank ends the job (no _SUCCESS); rerun\n"
               "with any N to resume from the complete shards.\n");
}

static int parse_size(const char *opt, const char *v, size_t lo, size_t hi, size_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long x = v != NULL ? strtoull(v, &end, 10) : 0;
    if (v == NULL || *v == '\0' || *v == '-' || *end != '\0' || errno != 0 || x < lo || x > hi) {
        fprintf(stderr, "orchard extract: %s needs an integer in %zu..%zu, got '%s'\n", opt, lo,
                hi, v != NULL ? v : "");
        return -1;
    }
    *out = (size_t)x;
    return 0;
}

static void default_weights(char *out, size_t cap)
{
    const char *env = getenv("ORCHARD_WEIGHTS");
    if (env != NULL && env[0] != '\0') {
        snprintf(out, cap, "%s", env);
        return;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0'; /* REPO/build */
            slash = strrchr(exe, '/');
            if (slash != NULL) {
                *slash = '\0';
                char cand[PATH_MAX + 64];
                snprintf(cand, sizeof cand, "%s/%s", exe, DEFAULT_WEIGHTS);
                if (access(cand, R_OK) == 0) {
                    snprintf(out, cap, "%s", cand);
                    return;
                }
            }
        }
    }
    snprintf(out, cap, "%s", DEFAULT_WEIGHTS);
}

static void finalize_usage(FILE *f)
{
    fprintf(f,
        "usage: orchard finalize OUTPUT [options]\n\n"
        "After the array tasks of `orchard extract INPUT OUTPUT --shard I/N` (I = 0..N-1) have\n"
        "all finished: checks that every shard's parts are complete (input, shard size and ISA\n"
        "are read from OUTPUT/_manifest; the input is listed again and must be unchanged), commits\n"
        "features/ and errors/, fits the PCA on the features read back (in shard order: the\n"
        "same model as a single run), writes pca/, pca.orpca, run.json and _SUCCESS.\n\n"
        "options: --pca-variance V | --pca-k K | --pca-fit-on M | --no-pca, --pca-standardize,\n"
        "  --threads N, --weights F, --zstd-level N, --max-errors N, --quiet, --region R,\n"
        "  --endpoint-url URL, --profile P, --ca-bundle F, --staging DIR (as for extract; the\n"
        "  PCA options must be those the single run would have used)\n"
        "exit status: 0 done, 1 fatal (e.g. a shard missing: the message names it), 2 usage,\n"
        "3 more skipped files than --max-errors.\n");
}

/* --shard I/N, or --shard-count N with I from AWS_BATCH_JOB_ARRAY_INDEX / SLURM_ARRAY_TASK_ID */
static int parse_shard(const char *v, unsigned *index, unsigned *count)
{
    unsigned long i = 0, n = 0;
    char *end = NULL;
    errno = 0;
    i = strtoul(v, &end, 10);
    if (end == v || *end != '/' || errno != 0)
        return -1;
    const char *p = end + 1;
    n = strtoul(p, &end, 10);
    if (end == p || *end != '\0' || errno != 0 || n < 1 || n > 99999 || i >= n)
        return -1;
    *index = (unsigned)i;
    *count = (unsigned)n;
    return 0;
}

static int shard_from_env(unsigned count, unsigned *index)
{
    const char *names[] = {"AWS_BATCH_JOB_ARRAY_INDEX", "SLURM_ARRAY_TASK_ID"};
    for (size_t k = 0; k < 2; k++) {
        const char *v = getenv(names[k]);
        if (v == NULL || v[0] == '\0')
            continue;
        char *end = NULL;
        errno = 0;
        long i = strtol(v, &end, 10);
        const char *mn = k == 1 ? getenv("SLURM_ARRAY_TASK_MIN") : NULL;
        long base = mn != NULL && mn[0] ? strtol(mn, NULL, 10) : 0;
        if (*end != '\0' || errno != 0 || i - base < 0 || i - base >= (long)count) {
            fprintf(stderr, "orchard extract: %s=%s is not an index in 0..%u\n", names[k], v,
                    count - 1);
            return -1;
        }
        *index = (unsigned)(i - base);
        return 0;
    }
    fprintf(stderr, "orchard extract: --shard-count needs AWS_BATCH_JOB_ARRAY_INDEX or "
                    "SLURM_ARRAY_TASK_ID (or use --shard I/N)\n");
    return -1;
}

static int run_cli(int argc, char **argv, int finalize, const orc_mpi *mpi)
{
    const char *cmd = finalize ? "finalize" : "extract";
    size_t shard_count_env = 0;
    orc_pipeline_options o;
    orc_pipeline_options_default(&o);
    o.threads = 0;
    const char *format = "parquet", *weights_opt = NULL;
    orc_error err = {0};
    int have_k = 0, have_var = 0;
    const char *isa_opt = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        size_t x = 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            if (finalize)
                finalize_usage(stdout);
            else
                usage(stdout);
            return ORC_EXIT_OK;
        } else if (strcmp(a, "--quiet") == 0) {
            o.quiet = 1;
        } else if (strcmp(a, "--no-pca") == 0) {
            o.no_pca = 1;
        } else if (strcmp(a, "--overwrite") == 0) {
            o.overwrite = 1;
        } else if (strcmp(a, "--pca-standardize") == 0) {
            o.pca_standardize = 1;
        } else if (a[0] == '-' && a[1] == '-' && v == NULL) {
            fprintf(stderr, "orchard extract: %s needs a value (or is unknown; see --help)\n", a);
            return ORC_EXIT_USAGE;
        } else if (!finalize && strcmp(a, "--shard") == 0) {
            if (parse_shard(argv[++i], &o.shard_index, &o.shard_count) != 0) {
                fprintf(stderr, "orchard extract: --shard needs I/N with 0 <= I < N, got '%s'\n",
                        argv[i]);
                return ORC_EXIT_USAGE;
            }
        } else if (!finalize && strcmp(a, "--shard-count") == 0) {
            if (parse_size(a, argv[++i], 1, 99999, &shard_count_env) != 0)
                return ORC_EXIT_USAGE;
        } else if (!finalize && strcmp(a, "--augment") == 0) {
            unsigned variants[8], count = 0;
            if (orc_augment_parse(argv[++i], variants, &count, &err) != ORC_OK) {
                fprintf(stderr, "orchard extract: --augment: %s\n", err.msg);
                return ORC_EXIT_USAGE;
            }
            o.augment = argv[i];
        } else if (!finalize && strcmp(a, "--input-size") == 0) {
            if (parse_size(a, argv[++i], ORC_MODEL_INPUT_MIN, ORC_MODEL_INPUT_MAX,
                           &o.input_size) != 0)
                return ORC_EXIT_USAGE;
        } else if (strcmp(a, "--format") == 0) {
            format = argv[++i];
        } else if (strcmp(a, "--weights") == 0) {
            weights_opt = argv[++i];
        } else if (strcmp(a, "--threads") == 0) {
            if (parse_size(a, argv[++i], 1, ORC_THREADS_MAX, &o.threads) != 0)
                return ORC_EXIT_USAGE;
        } else if (strcmp(a, "--fetch-threads") == 0) {
            if (parse_size(a, argv[++i], 1, 256, &o.fetch_threads) != 0)
                return ORC_EXIT_USAGE;
        } else if (strcmp(a, "--batch") == 0) {
            if (parse_size(a, argv[++i], 1, 1024, &o.batch) != 0)
                return ORC_EXIT_USAGE;
        } else if (strcmp(a, "--queue") == 0) {
            if (parse_size(a, argv[++i], 2, 1024, &o.queue_batches) != 0)
                return ORC_EXIT_USAGE;
        } else if (strcmp(a, "--shard-size") == 0) {
            if (parse_size(a, argv[++i], 1, 100000000, &o.shard_size) != 0)
                return ORC_EXIT_USAGE;
        } else if (strcmp(a, "--limit") == 0) {
            if (parse_size(a, argv[++i], 1, SIZE_MAX / 2, &o.limit) != 0)
                return ORC_EXIT_USAGE;
        } else if (strcmp(a, "--max-errors") == 0) {
            if (parse_size(a, argv[++i], 0, SIZE_MAX / 2, &o.max_errors) != 0)
                return ORC_EXIT_USAGE;
        } else if (strcmp(a, "--zstd-level") == 0) {
            if (parse_size(a, argv[++i], 1, 22, &x) != 0)
                return ORC_EXIT_USAGE;
            o.zstd_level = (int)x;
        } else if (strcmp(a, "--pca-k") == 0) {
            if (parse_size(a, argv[++i], 1, 65536, &x) != 0)
                return ORC_EXIT_USAGE;
            o.pca_k = (unsigned)x;
            have_k = 1;
        } else if (strcmp(a, "--pca-variance") == 0) {
            char *end = NULL;
            errno = 0;
            double d = strtod(argv[++i], &end);
            if (*argv[i] == '\0' || *end != '\0' || errno != 0 || !(d > 0.0 && d <= 1.0)) {
                fprintf(stderr, "orchard extract: --pca-variance needs a number in (0, 1], "
                                "got '%s'\n", argv[i]);
                return ORC_EXIT_USAGE;
            }
            o.pca_variance = d;
            have_var = 1;
        } else if (strcmp(a, "--pca-fit-on") == 0) {
            o.pca_fit_on = argv[++i];
        } else if (strcmp(a, "--progress-interval") == 0) {
            char *end = NULL;
            double d = strtod(argv[++i], &end);
            if (*argv[i] == '\0' || *end != '\0' || !(d > 0.0 && d < 1e6)) {
                fprintf(stderr, "orchard extract: --progress-interval needs seconds > 0, got "
                                "'%s'\n", argv[i]);
                return ORC_EXIT_USAGE;
            }
            o.progress_interval = d;
        } else if (strcmp(a, "--region") == 0) {
            o.region = argv[++i];
        } else if (strcmp(a, "--endpoint-url") == 0) {
            o.endpoint_url = argv[++i];
        } else if (strcmp(a, "--profile") == 0) {
            o.profile = argv[++i];
        } else if (strcmp(a, "--ca-bundle") == 0) {
            o.ca_bundle = argv[++i];
        } else if (strcmp(a, "--staging") == 0) {
            o.staging = argv[++i];
        } else if (strcmp(a, "--isa") == 0) {
            isa_opt = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "orchard extract: unknown option '%s' (see --help)\n", a);
            return ORC_EXIT_USAGE;
        } else if (o.input == NULL && !finalize) {
            o.input = a;
        } else if (o.output == NULL) {
            o.output = a;
        } else {
            fprintf(stderr, "orchard extract: unexpected argument '%s' (see --help)\n", a);
            return ORC_EXIT_USAGE;
        }
    }
    if ((o.input == NULL && !finalize) || o.output == NULL) {
        fprintf(stderr, "orchard %s: %s required (see --help)\n", cmd,
                finalize ? "OUTPUT is" : "INPUT and OUTPUT are");
        return ORC_EXIT_USAGE;
    }
    o.finalize = finalize;
    if (shard_count_env > 0) {
        if (o.shard_count > 0) {
            fprintf(stderr, "orchard extract: --shard and --shard-count exclude each other\n");
            return ORC_EXIT_USAGE;
        }
        o.shard_count = (unsigned)shard_count_env;
        if (shard_from_env(o.shard_count, &o.shard_index) != 0)
            return ORC_EXIT_USAGE;
    }
    if (o.shard_count > 0 && (o.overwrite || strcmp(format, "csv") == 0)) {
        fprintf(stderr, "orchard extract: --shard runs one task of many on the same OUTPUT: "
                        "not with --overwrite or --format csv\n");
        return ORC_EXIT_USAGE;
    }
    if (strcmp(format, "csv") == 0) {
        o.format = ORC_PIPELINE_CSV;
    } else if (strcmp(format, "parquet") != 0) {
        fprintf(stderr, "orchard extract: --format '%s' is not supported (parquet or csv)\n",
                format);
        return ORC_EXIT_USAGE;
    }
    if (have_k + have_var + o.no_pca + (o.pca_fit_on != NULL) > 1) {
        fprintf(stderr, "orchard extract: choose one of --pca-k, --pca-variance, --pca-fit-on, "
                        "--no-pca\n");
        return ORC_EXIT_USAGE;
    }
    if (o.format == ORC_PIPELINE_CSV && (have_k || have_var || o.pca_fit_on != NULL)) {
        fprintf(stderr, "orchard extract: --format csv writes features only (no PCA options)\n");
        return ORC_EXIT_USAGE;
    }
    /* finalize takes the ISA from the manifest; --isa/ORCHARD_ISA otherwise (orc_isa_choose) */
    orc_status ist = orc_isa_choose(isa_opt, "--isa", &o.isa, &err);
    if (ist != ORC_OK) {
        fprintf(stderr, "orchard %s: %s\n", cmd, err.msg);
        return ist == ORC_ERR_INVALID_ARGUMENT ? ORC_EXIT_USAGE : ORC_EXIT_FATAL;
    }
    if (o.threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o.threads = n < 1 ? 1 : (n > ORC_THREADS_MAX ? ORC_THREADS_MAX : (size_t)n);
    }
    char weights[PATH_MAX + 64];
    if (weights_opt != NULL)
        snprintf(weights, sizeof weights, "%s", weights_opt);
    else
        default_weights(weights, sizeof weights);
    o.weights = weights;

    o.verbose = orc_cli_verbose;
    o.group = orc_mpi_group(mpi);
    orc_pipeline_report rep;
    if (orc_pipeline_run(&o, &rep, &err) != ORC_OK) {
        if (o.group != NULL)
            fprintf(stderr, "orchard %s: rank %u of %u (%s) failed: %s\n", cmd,
                    orc_mpi_rank(mpi), orc_mpi_size(mpi), orc_mpi_host(mpi), err.msg);
        else
            fprintf(stderr, "orchard %s: %s\n", cmd, err.msg);
        return ORC_EXIT_FATAL;
    }
    if (o.group != NULL && orc_mpi_rank(mpi) != 0) {
        if (!o.quiet)
            fprintf(stderr, "orchard extract: rank %u of %u (%s): %zu images, %zu skipped, "
                            "%.2f s\n", orc_mpi_rank(mpi), orc_mpi_size(mpi),
                    orc_mpi_host(mpi), rep.processed, rep.skipped, rep.seconds);
        return ORC_EXIT_OK;
    }
    if (o.shard_count > 0) {
        fprintf(stderr, "orchard extract: shard set %u/%u: %zu images, %zu skipped, %zu of its "
                        "shards resumed, %.2f s; run `orchard finalize %s` after every task\n",
                o.shard_index, o.shard_count, rep.processed, rep.skipped, rep.resumed_shards,
                rep.seconds, o.output);
        return ORC_EXIT_OK;
    }
    if (o.format == ORC_PIPELINE_PARQUET)
        fprintf(stderr,
                "orchard extract: %zu images -> %s (features/%s, errors/), %zu skipped, "
                "%zu of %zu shards resumed, %.2f s\n",
                rep.processed, o.output, o.no_pca ? "" : ", pca/", rep.skipped,
                rep.resumed_shards, rep.shards, rep.seconds);
    else
        fprintf(stderr, "orchard extract: %zu images -> %s/features.csv, %zu skipped -> "
                        "%s/errors.csv, %.2f s\n",
                rep.processed, o.output, rep.skipped, o.output, rep.seconds);
    if (rep.skipped > o.max_errors) {
        fprintf(stderr, "orchard extract: %zu files skipped, more than --max-errors %zu%s\n",
                rep.skipped, o.max_errors,
                o.format == ORC_PIPELINE_PARQUET ? " (no _SUCCESS written)" : "");
        return ORC_EXIT_PARTIAL;
    }
    return ORC_EXIT_OK;
}

/* Under mpirun every rank runs this; a rank that fails ends the whole job (orc_mpi_abort),
 * so the others never wait for it and rank 0 writes no _SUCCESS. */
int orc_cli_extract(int argc, char **argv)
{
    orc_mpi *mpi = NULL;
    orc_error err = {0};
    if (orc_mpi_open(&argc, &argv, &mpi, &err) != ORC_OK) {
        fprintf(stderr, "orchard extract: %s\n", err.msg);
        return ORC_EXIT_FATAL;
    }
    int rc = run_cli(argc, argv, 0, mpi);
    if (rc != ORC_EXIT_OK && orc_mpi_size(mpi) > 1)
        orc_mpi_abort(mpi, rc);
    orc_mpi_close(mpi);
    return rc;
}

int orc_cli_finalize(int argc, char **argv)
{
    return run_cli(argc, argv, 1, NULL);
}
