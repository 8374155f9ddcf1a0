/* cli_pca.c -- `orchard pca fit|apply|show`: fit a PCA model on feature rows, project feature
 * rows with a saved model, print a model.
 *
 * Feature inputs: the CSV of `orchard extract --format csv` (header path,label,f0..f{d-1}; any
 * other columns are ignored; RFC 4180 quoting), a Parquet dataset folder written by orchard
 * (columns path, label and a FLOAT_LIST features column), or, for fit, a statistics file
 * (.orpstat, from orc_pca_stats_save: array-job shards). Several fit inputs are merged.
 * Rows are streamed in blocks: memory does not depend on the number of rows.
 */
#include "cli.h"
#include "dataset.h"
#include "orchard.h"
#include "pca.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define BATCH_ROWS 256

static void usage(FILE *f)
{
    fprintf(f,
        "usage: orchard pca fit INPUT... -o MODEL [--pca-k K | --pca-variance V] [--standardize]\n"
        "       orchard pca apply MODEL INPUT -o OUTPUT\n"
        "       orchard pca show MODEL [--all]\n"
        "\n"
        "fit     accumulate mean and co-moments over every INPUT in one streaming pass, solve the\n"
        "        covariance (or correlation) eigen-problem by Jacobi, keep k components, save MODEL\n"
        "        (.orpca: format in src/pca.h). Prints rows, dimension, k and explained variance.\n"
        "apply   project every row of INPUT with MODEL; OUTPUT ending in .csv gets a CSV\n"
        "        (path,label,pca0..pca{k-1}), any other OUTPUT a Parquet dataset folder (columns\n"
        "        path, label, pca: list<float>, _SUCCESS last).\n"
        "show    print what MODEL was fitted on and its explained variance (--all: every\n"
        "        component, else the kept ones).\n"
        "\n"
        "INPUT   a CSV written by 'orchard extract --format csv' (header path,label,f0..f{d-1}),\n"
        "        a Parquet dataset folder written by orchard (columns path, label, features), or\n"
        "        (fit only) a statistics file (.orpstat) saved by --save-stats or a shard.\n"
        "\n"
        "options:\n"
        "  -o, --output PATH     the model (fit) or the projected rows (apply)\n"
        "  --pca-k K             keep exactly K components (1..dimension)\n"
        "  --pca-variance V      keep the smallest k whose cumulative explained variance ratio is\n"
        "                        above V, 0 < V <= 1 (default 0.95; as scikit-learn PCA(n_components=V))\n"
        "  --standardize         divide each centered feature by its standard deviation (PCA of\n"
        "                        the correlation matrix); constant features keep scale 1\n"
        "  --column NAME         the features column of a Parquet input (default features)\n"
        "  --save-stats FILE     fit: also save the merged statistics (mergeable later)\n"
        "  --threads N           threads for accumulation and the eigen-solver (default: all CPUs)\n"
        "  --all                 show: every component\n"
        "  -h, --help            this help\n");
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- feature sources ---------------------------------------------------------------------- */

typedef struct source {
    const char *name;
    /* CSV */
    FILE *f;
    char *line;
    size_t cap;
    unsigned long lineno;
    char **fields;
    size_t nfields, fields_cap;
    size_t ncols;      /* header columns */
    size_t *feat_col;  /* [dim] column of f<i> */
    long path_col, label_col;
    /* Parquet dataset */
    orc_dataset_reader *ds;
    int ds_has_meta;
    /* both */
    uint32_t dim;
    char *path, *label; /* current row's, owned */
} source;

/* split a CSV line in place into s->fields (quotes removed, "" -> "); 0 on a quote error */
static int csv_split(source *s, char *line)
{
    s->nfields = 0;
    char *p = line;
    for (;;) {
        if (s->nfields == s->fields_cap) {
            size_t nc = s->fields_cap ? s->fields_cap * 2 : 64;
            char **nf = realloc(s->fields, nc * sizeof(char *));
            if (nf == NULL)
                return 0;
            s->fields = nf;
            s->fields_cap = nc;
        }
        char *start = p, *out = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0')
                    return 0; /* unclosed quote */
                if (*p == '"') {
                    if (p[1] == '"') {
                        *out++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *out++ = *p++;
            }
            if (*p != ',' && *p != '\0')
                return 0;
        } else {
            while (*p != ',' && *p != '\0')
                p++;
            out = p;
        }
        s->fields[s->nfields++] = start;
        if (*p == '\0') {
            *out = '\0';
            return 1;
        }
        *out = '\0';
        p++;
    }
}

/* next physical line without the line end; 0 at EOF */
static int csv_read_line(source *s)
{
    ssize_t n = getline(&s->line, &s->cap, s->f);
    if (n < 0)
        return 0;
    s->lineno++;
    while (n > 0 && (s->line[n - 1] == '\n' || s->line[n - 1] == '\r'))
        s->line[--n] = '\0';
    return 1;
}

static void source_close(source *s)
{
    if (s->f != NULL)
        fclose(s->f);
    orc_dataset_reader_close(s->ds);
    free(s->line);
    free(s->fields);
    free(s->feat_col);
    free(s->path);
    free(s->label);
    memset(s, 0, sizeof *s);
}

static int set_str(char **dst, const char *src, size_t len)
{
    char *n = realloc(*dst, len + 1);
    if (n == NULL)
        return 0;
    memcpy(n, src, len);
    n[len] = '\0';
    *dst = n;
    return 1;
}

static orc_status csv_open(source *s, const char *path, orc_error *err)
{
    s->f = fopen(path, "r");
    if (s->f == NULL)
        return orc_error_set(err, ORC_ERR_IO, "%s: %s", path, strerror(errno));
    if (!csv_read_line(s))
        return orc_error_set(err, ORC_ERR_FORMAT, "%s: empty file (expected a CSV header "
                             "path,label,f0,...)", path);
    if (!csv_split(s, s->line))
        return orc_error_set(err, ORC_ERR_FORMAT, "%s:1: malformed CSV header (quotes)", path);
    s->ncols = s->nfields;
    s->path_col = s->label_col = -1;
    s->feat_col = malloc(s->ncols * sizeof(size_t));
    if (s->feat_col == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: out of memory", path);
    size_t dim = 0;
    for (size_t c = 0; c < s->ncols; c++) {
        const char *h = s->fields[c];
        if (strcmp(h, "path") == 0)
            s->path_col = (long)c;
        else if (strcmp(h, "label") == 0)
            s->label_col = (long)c;
        else if (h[0] == 'f' && h[1] >= '0' && h[1] <= '9') {
            char *end;
            unsigned long idx = strtoul(h + 1, &end, 10);
            if (*end != '\0' || idx != dim)
                return orc_error_set(err, ORC_ERR_FORMAT,
                                     "%s:1: column %zu is '%s', expected f%zu (feature columns "
                                     "must be f0, f1, ... in order)", path, c + 1, h, dim);
            s->feat_col[dim++] = c;
        }
    }
    if (dim == 0 || dim > 65536)
        return orc_error_set(err, ORC_ERR_FORMAT, "%s:1: %zu feature columns f0..; expected "
                             "1..65536 (is this the CSV of 'orchard extract --format csv'?)",
                             path, dim);
    s->dim = (uint32_t)dim;
    return ORC_OK;
}

static orc_status parquet_open(source *s, const char *dir, const char *column, orc_error *err)
{
    const char *cols[3] = {column, "path", "label"};
    orc_error e2;
    orc_status st = orc_dataset_reader_open(dir, cols, 3, &s->ds, &e2);
    s->ds_has_meta = st == ORC_OK;
    if (st != ORC_OK && (st = orc_dataset_reader_open(dir, cols, 1, &s->ds, err)) != ORC_OK)
        return orc_error_prefix(err, "%s", dir);
    return ORC_OK;
}

static orc_status source_open(source *s, const char *path, const char *column, orc_error *err)
{
    memset(s, 0, sizeof *s);
    s->name = path;
    struct stat stt;
    if (stat(path, &stt) != 0)
        return orc_error_set(err, ORC_ERR_IO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(stt.st_mode))
        return parquet_open(s, path, column, err);
    return csv_open(s, path, err);
}

/* next row into row[dim] (for Parquet the first row fixes dim when dim is 0) */
static orc_status source_next(source *s, float *row, int *has_row, orc_error *err)
{
    *has_row = 0;
    if (s->ds != NULL) {
        int has;
        orc_parquet_value v;
        orc_status st = orc_dataset_reader_next(s->ds, &has, err);
        if (st != ORC_OK || !has)
            return st;
        if ((st = orc_dataset_reader_get(s->ds, 0, &v, err)) != ORC_OK)
            return st;
        if (v.is_null || v.n_floats != s->dim)
            return orc_error_set(err, ORC_ERR_FORMAT, "%s: a row has %zu features, expected %u",
                                 s->name, v.is_null ? (size_t)0 : v.n_floats, s->dim);
        memcpy(row, v.floats, s->dim * sizeof(float));
        for (size_t i = 1; i < 3 && s->ds_has_meta; i++) {
            if ((st = orc_dataset_reader_get(s->ds, i, &v, err)) != ORC_OK)
                return st;
            if (!set_str(i == 1 ? &s->path : &s->label, v.is_null ? "" : v.str,
                         v.is_null ? 0 : v.str_len))
                return orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: out of memory", s->name);
        }
        *has_row = 1;
        return ORC_OK;
    }
    for (;;) {
        if (!csv_read_line(s))
            return ferror(s->f) ? orc_error_set(err, ORC_ERR_IO, "%s: read error", s->name)
                                : ORC_OK;
        if (s->line[0] != '\0')
            break;
    }
    if (!csv_split(s, s->line))
        return orc_error_set(err, ORC_ERR_FORMAT, "%s:%lu: malformed CSV line (unbalanced "
                             "quotes; multi-line fields are not supported)", s->name, s->lineno);
    if (s->nfields != s->ncols)
        return orc_error_set(err, ORC_ERR_FORMAT, "%s:%lu: %zu fields, the header has %zu",
                             s->name, s->lineno, s->nfields, s->ncols);
    for (size_t i = 0; i < s->dim; i++) {
        const char *txt = s->fields[s->feat_col[i]];
        char *end;
        errno = 0;
        float v = strtof(txt, &end);
        if (end == txt || *end != '\0' || !isfinite(v))
            return orc_error_set(err, ORC_ERR_FORMAT, "%s:%lu: feature f%zu is '%s', not a "
                                 "finite number", s->name, s->lineno, i, txt);
        row[i] = v;
    }
    const char *p = s->path_col >= 0 ? s->fields[s->path_col] : "";
    const char *l = s->label_col >= 0 ? s->fields[s->label_col] : "";
    if (!set_str(&s->path, p, strlen(p)) || !set_str(&s->label, l, strlen(l)))
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: out of memory", s->name);
    *has_row = 1;
    return ORC_OK;
}

/* Parquet sources learn their dimension from the first row: peek it */
static orc_status source_dim(source *s, float **first, int *has_first, orc_error *err)
{
    *first = NULL;
    *has_first = 0;
    if (s->ds == NULL)
        return ORC_OK;
    int has;
    orc_parquet_value v;
    orc_status st = orc_dataset_reader_next(s->ds, &has, err);
    if (st != ORC_OK)
        return st;
    if (!has)
        return orc_error_set(err, ORC_ERR_FORMAT, "%s: the dataset has no rows", s->name);
    if ((st = orc_dataset_reader_get(s->ds, 0, &v, err)) != ORC_OK)
        return st;
    if (v.is_null || v.n_floats == 0 || v.n_floats > 65536)
        return orc_error_set(err, ORC_ERR_FORMAT, "%s: the first row has %zu features",
                             s->name, v.is_null ? (size_t)0 : v.n_floats);
    s->dim = (uint32_t)v.n_floats;
    *first = malloc(s->dim * sizeof(float));
    if (*first == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: out of memory", s->name);
    memcpy(*first, v.floats, s->dim * sizeof(float));
    for (size_t i = 1; i < 3 && s->ds_has_meta; i++) {
        if ((st = orc_dataset_reader_get(s->ds, i, &v, err)) != ORC_OK)
            return st;
        if (!set_str(i == 1 ? &s->path : &s->label, v.is_null ? "" : v.str,
                     v.is_null ? 0 : v.str_len))
            return orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: out of memory", s->name);
    }
    *has_first = 1;
    return ORC_OK;
}

static int is_stats_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char magic[8];
    int yes = f != NULL && fread(magic, 1, 8, f) == 8 && memcmp(magic, "ORCPSTAT", 8) == 0;
    if (f != NULL)
        fclose(f);
    return yes;
}

/* ---- options ------------------------------------------------------------------------------ */

typedef struct pca_opts {
    const char *output, *column, *save_stats;
    long k;
    double variance;
    int have_k, have_variance, standardize, all;
    long threads;
} pca_opts;

/* parses options, leaves positional arguments in argv[optind..] */
static int parse_opts(int argc, char **argv, pca_opts *o)
{
    enum { OPT_K = 256, OPT_VAR, OPT_STD, OPT_COLUMN, OPT_SAVE, OPT_THREADS, OPT_ALL };
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"pca-k", required_argument, NULL, OPT_K},
        {"pca-variance", required_argument, NULL, OPT_VAR},
        {"standardize", no_argument, NULL, OPT_STD},
        {"column", required_argument, NULL, OPT_COLUMN},
        {"save-stats", required_argument, NULL, OPT_SAVE},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"all", no_argument, NULL, OPT_ALL},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->column = "features";
    o->variance = 0.95;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->output = optarg; break;
        case OPT_K:
            if (!orc_cli_parse_long("pca", "--pca-k", optarg, 1, 65536, &o->k))
                return ORC_EXIT_USAGE;
            o->have_k = 1;
            break;
        case OPT_VAR: {
            char *end;
            errno = 0;
            o->variance = strtod(optarg, &end);
            if (errno != 0 || *end != '\0' || end == optarg || !(o->variance > 0.0) ||
                o->variance > 1.0) {
                fprintf(stderr, "orchard pca: --pca-variance '%s' must be a number in (0, 1]\n",
                        optarg);
                return ORC_EXIT_USAGE;
            }
            o->have_variance = 1;
            break;
        }
        case OPT_STD: o->standardize = 1; break;
        case OPT_COLUMN: o->column = optarg; break;
        case OPT_SAVE: o->save_stats = optarg; break;
        case OPT_THREADS:
            if (!orc_cli_parse_long("pca", "--threads", optarg, 1, 64, &o->threads))
                return ORC_EXIT_USAGE;
            break;
        case OPT_ALL: o->all = 1; break;
        case 'h': usage(stdout); return -1;
        default:
            fprintf(stderr, "orchard pca: unknown or incomplete option '%s'\n",
                    argv[optind - 1]);
            usage(stderr);
            return ORC_EXIT_USAGE;
        }
    }
    if (o->have_k && o->have_variance) {
        fprintf(stderr, "orchard pca: give --pca-k or --pca-variance, not both\n");
        return ORC_EXIT_USAGE;
    }
    return 0;
}

static int fail(const orc_error *err)
{
    fprintf(stderr, "orchard pca: %s\n", err->msg);
    return ORC_EXIT_FATAL;
}

/* ---- fit ---------------------------------------------------------------------------------- */

static orc_status fit_add_source(orc_pca_stats **stats, const char *path, const pca_opts *o,
                                 uint64_t *rows, orc_error *err)
{
    if (is_stats_file(path)) {
        orc_pca_stats *part;
        orc_status st = orc_pca_stats_load(path, &part, err);
        if (st != ORC_OK)
            return st;
        if (*stats == NULL) {
            *stats = part;
            *rows += orc_pca_stats_count(part);
            return orc_pca_stats_set_threads(part, (uint32_t)o->threads, err);
        }
        *rows += orc_pca_stats_count(part);
        st = orc_pca_stats_merge(*stats, part, err);
        orc_pca_stats_close(part);
        if (st != ORC_OK)
            orc_error_prefix(err, "%s", path);
        return st;
    }
    source s;
    float *first = NULL, *batch = NULL;
    int has_first;
    orc_status st = source_open(&s, path, o->column, err);
    if (st == ORC_OK)
        st = source_dim(&s, &first, &has_first, err);
    if (st == ORC_OK && *stats != NULL && orc_pca_stats_dim(*stats) != s.dim)
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: %u features per row, the inputs before "
                           "have %u", path, s.dim, orc_pca_stats_dim(*stats));
    if (st == ORC_OK && *stats == NULL) {
        st = orc_pca_stats_open(s.dim, stats, err);
        if (st == ORC_OK)
            st = orc_pca_stats_set_threads(*stats, (uint32_t)o->threads, err);
    }
    if (st == ORC_OK && (batch = malloc((size_t)BATCH_ROWS * s.dim * sizeof(float))) == NULL)
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: out of memory", path);
    size_t nb = 0;
    if (st == ORC_OK && has_first) {
        memcpy(batch, first, s.dim * sizeof(float));
        nb = 1;
    }
    while (st == ORC_OK) {
        int has = 0;
        st = source_next(&s, batch + nb * s.dim, &has, err);
        if (st != ORC_OK)
            break;
        if (has)
            nb++;
        if (nb == BATCH_ROWS || (!has && nb > 0)) {
            st = orc_pca_stats_add(*stats, batch, nb, s.dim, err);
            *rows += nb;
            nb = 0;
        }
        if (!has)
            break;
    }
    free(first);
    free(batch);
    source_close(&s);
    return st;
}

static int pca_fit(int argc, char **argv, const pca_opts *o)
{
    if (optind >= argc || o->output == NULL) {
        fprintf(stderr, "orchard pca fit: needs at least one INPUT and -o MODEL\n");
        usage(stderr);
        return ORC_EXIT_USAGE;
    }
    orc_error err;
    orc_pca_stats *stats = NULL;
    uint64_t rows = 0;
    double t0 = now_s();
    for (int i = optind; i < argc; i++) {
        if (fit_add_source(&stats, argv[i], o, &rows, &err) != ORC_OK) {
            orc_pca_stats_close(stats);
            return fail(&err);
        }
    }
    double t1 = now_s();
    if (o->save_stats != NULL && orc_pca_stats_save(stats, o->save_stats, &err) != ORC_OK) {
        orc_pca_stats_close(stats);
        return fail(&err);
    }
    orc_pca_fit_options fo = {o->have_k ? (uint32_t)o->k : 0, o->variance, o->standardize,
                              (uint32_t)o->threads};
    orc_pca_model *m = NULL;
    orc_status st = orc_pca_fit(stats, &fo, &m, &err);
    double t2 = now_s();
    orc_pca_stats_close(stats);
    if (st != ORC_OK)
        return fail(&err);
    if (orc_pca_model_save(m, o->output, &err) != ORC_OK) {
        orc_pca_model_close(m);
        return fail(&err);
    }
    const orc_pca_model_info *info = orc_pca_model_get_info(m);
    fprintf(stderr,
            "orchard pca fit: %llu rows x %u features%s -> k = %u (%.4f of the variance); "
            "accumulate %.2f s (%.0f rows/s), fit %.2f s; model %s\n",
            (unsigned long long)info->count, info->dim, info->standardized ? " (standardized)" : "",
            info->k, info->cumulative_ratio[info->k - 1], t1 - t0,
            t1 > t0 ? (double)rows / (t1 - t0) : 0.0, t2 - t1, o->output);
    orc_pca_model_close(m);
    return ORC_EXIT_OK;
}

/* ---- apply -------------------------------------------------------------------------------- */

static void csv_write_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

typedef struct sink {
    FILE *csv;
    char *csv_tmp;
    orc_dataset *ds;
    orc_parquet_writer *w;
    uint32_t k;
} sink;

static orc_status sink_open(sink *o, const char *path, uint32_t k, orc_error *err)
{
    memset(o, 0, sizeof *o);
    o->k = k;
    if (ends_with(path, ".csv")) {
        size_t n = strlen(path);
        o->csv_tmp = malloc(n + 5);
        if (o->csv_tmp == NULL)
            return orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: out of memory", path);
        memcpy(o->csv_tmp, path, n);
        memcpy(o->csv_tmp + n, ".tmp", 5);
        o->csv = fopen(o->csv_tmp, "w");
        if (o->csv == NULL)
            return orc_error_set(err, ORC_ERR_IO, "%s: %s", o->csv_tmp, strerror(errno));
        fputs("path,label", o->csv);
        for (uint32_t j = 0; j < k; j++)
            fprintf(o->csv, ",pca%u", j);
        fputc('\n', o->csv);
        return ORC_OK;
    }
    static const orc_parquet_column cols[3] = {{"path", ORC_PARQUET_STRING, 0},
                                               {"label", ORC_PARQUET_STRING_DICT, 0},
                                               {"pca", ORC_PARQUET_FLOAT_LIST, 0}};
    char run_id[32];
    snprintf(run_id, sizeof run_id, "pca-apply-%ld", (long)time(NULL));
    orc_status st = orc_dataset_open(path, run_id, NULL, &o->ds, err);
    if (st == ORC_OK)
        st = orc_dataset_part_open(o->ds, 0, cols, 3, &o->w, err);
    return st;
}

static orc_status sink_row(sink *o, const char *path, const char *label, const float *y,
                           orc_error *err)
{
    if (o->csv != NULL) {
        csv_write_field(o->csv, path);
        fputc(',', o->csv);
        csv_write_field(o->csv, label);
        for (uint32_t j = 0; j < o->k; j++)
            fprintf(o->csv, ",%.9g", y[j]);
        fputc('\n', o->csv);
        return ORC_OK;
    }
    orc_parquet_value v[3];
    memset(v, 0, sizeof v);
    v[0].str = path;
    v[0].str_len = strlen(path);
    v[1].str = label;
    v[1].str_len = strlen(label);
    v[2].floats = y;
    v[2].n_floats = o->k;
    return orc_parquet_writer_append_row(o->w, v, err);
}

static orc_status sink_close(sink *o, const char *path, int ok, orc_error *err)
{
    orc_status st = ORC_OK;
    if (o->csv != NULL) {
        int bad = ferror(o->csv);
        if (fclose(o->csv) != 0)
            bad = 1;
        if (ok && bad)
            st = orc_error_set(err, ORC_ERR_IO, "%s: write error", o->csv_tmp);
        else if (ok && rename(o->csv_tmp, path) != 0)
            st = orc_error_set(err, ORC_ERR_IO, "%s: %s", path, strerror(errno));
        if (!ok || st != ORC_OK)
            remove(o->csv_tmp);
    } else if (o->w != NULL) {
        if (ok) {
            st = orc_dataset_part_close(o->ds, 0, o->w, err);
            if (st == ORC_OK)
                st = orc_dataset_commit(o->ds, 1, err);
        } else {
            orc_parquet_writer_discard(o->w);
        }
    }
    orc_dataset_close(o->ds);
    free(o->csv_tmp);
    memset(o, 0, sizeof *o);
    return st;
}

static int pca_apply(int argc, char **argv, const pca_opts *o)
{
    if (argc - optind != 2 || o->output == NULL) {
        fprintf(stderr, "orchard pca apply: needs MODEL INPUT -o OUTPUT\n");
        usage(stderr);
        return ORC_EXIT_USAGE;
    }
    const char *model_path = argv[optind], *input = argv[optind + 1];
    orc_error err;
    orc_pca_model *m = NULL;
    if (orc_pca_model_load(model_path, &m, &err) != ORC_OK)
        return fail(&err);
    const orc_pca_model_info *info = orc_pca_model_get_info(m);
    source s;
    sink out;
    memset(&out, 0, sizeof out);
    float *first = NULL, *batch = NULL, *y = NULL;
    char **paths = NULL, **labels = NULL;
    int has_first, opened = 0;
    uint64_t rows = 0;
    orc_status st = source_open(&s, input, o->column, &err);
    if (st == ORC_OK)
        st = source_dim(&s, &first, &has_first, &err);
    if (st == ORC_OK && s.dim != info->dim)
        st = orc_error_set(&err, ORC_ERR_FORMAT, "%s has %u features per row, the model %s "
                           "was fitted on %u", input, s.dim, model_path, info->dim);
    if (st == ORC_OK) {
        batch = malloc((size_t)BATCH_ROWS * s.dim * sizeof(float));
        y = malloc((size_t)BATCH_ROWS * info->k * sizeof(float));
        paths = calloc(BATCH_ROWS, sizeof(char *));
        labels = calloc(BATCH_ROWS, sizeof(char *));
        if (batch == NULL || y == NULL || paths == NULL || labels == NULL)
            st = orc_error_set(&err, ORC_ERR_NO_MEMORY, "out of memory");
    }
    if (st == ORC_OK) {
        st = sink_open(&out, o->output, info->k, &err);
        opened = 1;
    }
    size_t nb = 0;
    int pending_first = st == ORC_OK && has_first;
    while (st == ORC_OK) {
        int has = 0;
        if (pending_first) {
            memcpy(batch, first, s.dim * sizeof(float));
            has = 1;
            pending_first = 0;
        } else {
            st = source_next(&s, batch + nb * s.dim, &has, &err);
        }
        if (st == ORC_OK && has) {
            if (!set_str(&paths[nb], s.path ? s.path : "", s.path ? strlen(s.path) : 0) ||
                !set_str(&labels[nb], s.label ? s.label : "", s.label ? strlen(s.label) : 0))
                st = orc_error_set(&err, ORC_ERR_NO_MEMORY, "out of memory");
            nb++;
        }
        if (st == ORC_OK && nb > 0 && (nb == BATCH_ROWS || !has)) {
            st = orc_pca_apply(m, batch, nb, s.dim, y, &err);
            for (size_t r = 0; r < nb && st == ORC_OK; r++)
                st = sink_row(&out, paths[r], labels[r], y + r * info->k, &err);
            rows += nb;
            nb = 0;
        }
        if (!has)
            break;
    }
    if (opened) {
        orc_error err2;
        orc_status st2 = sink_close(&out, o->output, st == ORC_OK, &err2);
        if (st == ORC_OK && st2 != ORC_OK) {
            st = st2;
            err = err2;
        }
    }
    for (size_t r = 0; paths != NULL && r < BATCH_ROWS; r++) {
        free(paths[r]);
        free(labels[r]);
    }
    free(paths);
    free(labels);
    free(first);
    free(batch);
    free(y);
    source_close(&s);
    const uint32_t dim = info->dim, k = info->k;
    orc_pca_model_close(m);
    if (st != ORC_OK)
        return fail(&err);
    fprintf(stderr, "orchard pca apply: %llu rows x %u features -> %u components in %s\n",
            (unsigned long long)rows, dim, k, o->output);
    return ORC_EXIT_OK;
}

/* ---- show --------------------------------------------------------------------------------- */

static int pca_show(int argc, char **argv, const pca_opts *o)
{
    if (argc - optind != 1) {
        fprintf(stderr, "orchard pca show: needs MODEL\n");
        return ORC_EXIT_USAGE;
    }
    orc_error err;
    orc_pca_model *m;
    if (orc_pca_model_load(argv[optind], &m, &err) != ORC_OK)
        return fail(&err);
    const orc_pca_model_info *in = orc_pca_model_get_info(m);
    printf("model %s\ndimension %u\nk %u\nfitted_rows %llu\nstandardized %d\n", argv[optind],
           in->dim, in->k, (unsigned long long)in->count, in->standardized);
    if (in->variance_target > 0.0)
        printf("variance_target %.17g\n", in->variance_target);
    printf("component eigenvalue explained_ratio cumulative_ratio\n");
    const uint32_t n = o->all ? in->dim : in->k;
    for (uint32_t i = 0; i < n; i++)
        printf("%u %.17g %.17g %.17g\n", i, in->eigenvalues[i], in->explained_ratio[i],
               in->cumulative_ratio[i]);
    orc_pca_model_close(m);
    return ORC_EXIT_OK;
}

int orc_cli_pca(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? ORC_EXIT_USAGE : ORC_EXIT_OK;
    }
    const char *verb = argv[1];
    pca_opts o;
    int rc = parse_opts(argc - 1, argv + 1, &o);
    if (rc != 0)
        return rc < 0 ? ORC_EXIT_OK : rc;
    if (strcmp(verb, "fit") == 0)
        return pca_fit(argc - 1, argv + 1, &o);
    if (strcmp(verb, "apply") == 0)
        return pca_apply(argc - 1, argv + 1, &o);
    if (strcmp(verb, "show") == 0)
        return pca_show(argc - 1, argv + 1, &o);
    fprintf(stderr, "orchard pca: unknown action '%s' (fit, apply or show)\n", verb);
    return ORC_EXIT_USAGE;
}
