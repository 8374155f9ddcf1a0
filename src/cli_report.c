/* cli_report.c -- `orchard report RUN_DIR -o report.html`: gather what a run left (run.json,
 * the PCA model, the pca/features dataset, evaluation.json, the skipped inputs) and write the
 * HTML page of src/report.h. */
#include "cli.h"
#include "dataset.h"
#include "featureset.h"
#include "json.h"
#include "orchard.h"
#include "pca.h"
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void report_usage(FILE *f)
{
    fprintf(f,
        "usage: orchard report RUN_DIR -o report.html [options]\n\n"
        "Write one self-contained HTML page (inline SVG, no script) about a run: run.json\n"
        "summary and per-stage timings, PCA explained variance with k marked, a 2-D PCA scatter\n"
        "coloured by class, the confusion matrix heat map and per-class accuracy, skipped inputs.\n"
        "Whatever RUN_DIR lacks is said on the page.\n\n"
        "  -o, --output FILE     the HTML file to write (required)\n"
        "  --pca FILE            the PCA model (default: the first *.orpca in RUN_DIR)\n"
        "  --evaluation FILE     evaluation.json of orchard evaluate (default RUN_DIR/evaluation.json)\n"
        "  --dataset PATH        rows for the scatter (default RUN_DIR: its pca/ or features/)\n"
        "  --title TEXT          page title\n"
        "  -h, --help            this help\n");
}

static int exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

/* first *.orpca in dir (sorted), into buf */
static int find_orpca(const char *dir, char *buf, size_t n)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    struct dirent *e;
    char best[1024] = "";
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 6 && strcmp(e->d_name + len - 6, ".orpca") == 0 && len < sizeof best &&
            (best[0] == '\0' || strcmp(e->d_name, best) < 0))
            snprintf(best, sizeof best, "%s", e->d_name);
    }
    closedir(d);
    if (best[0] == '\0')
        return 0;
    snprintf(buf, n, "%s/%s", dir, best);
    return 1;
}

typedef struct skipped_list {
    char **path, **reason;
    size_t n, cap;
} skipped_list;

static int skipped_add(skipped_list *s, const char *p, size_t plen, const char *r, size_t rlen)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 64;
        char **a = realloc(s->path, nc * sizeof *a);
        if (a == NULL)
            return 0;
        s->path = a;
        char **b = realloc(s->reason, nc * sizeof *b);
        if (b == NULL)
            return 0;
        s->reason = b;
        s->cap = nc;
    }
    s->path[s->n] = strndup(p, plen);
    s->reason[s->n] = strndup(r, rlen);
    if (s->path[s->n] == NULL || s->reason[s->n] == NULL) {
        free(s->path[s->n]);
        free(s->reason[s->n]);
        return 0;
    }
    s->n++;
    return 1;
}

/* RUN_DIR/errors (Parquet dataset: path, reason) or RUN_DIR/errors.csv (path,reason...) */
static void load_skipped(const char *dir, skipped_list *s)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/errors/_SUCCESS", dir);
    if (exists(p)) {
        snprintf(p, sizeof p, "%s/errors", dir);
        const char *cols[2] = {"path", "reason"};
        orc_dataset_reader *r = NULL;
        orc_error err;
        if (orc_dataset_reader_open(p, cols, 2, &r, &err) != ORC_OK) {
            fprintf(stderr, "orchard report: %s (skipped inputs not shown)\n", err.msg);
            return;
        }
        int has = 0;
        orc_parquet_value a, b;
        while (orc_dataset_reader_next(r, &has, &err) == ORC_OK && has &&
               orc_dataset_reader_get(r, 0, &a, &err) == ORC_OK &&
               orc_dataset_reader_get(r, 1, &b, &err) == ORC_OK)
            if (!skipped_add(s, a.is_null ? "" : a.str, a.is_null ? 0 : a.str_len,
                             b.is_null ? "" : b.str, b.is_null ? 0 : b.str_len))
                break;
        orc_dataset_reader_close(r);
        return;
    }
    snprintf(p, sizeof p, "%s/errors.csv", dir);
    FILE *f = fopen(p, "r");
    if (f == NULL)
        return;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int first = 1;
    while ((len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (first || len == 0) {
            first = 0;
            continue;
        }
        /* first field (maybe quoted), then the rest as the reason */
        const char *q = line, *pstart = line;
        size_t plen;
        if (*q == '"') {
            pstart = ++q;
            while (*q && !(*q == '"' && q[1] != '"'))
                q += *q == '"' ? 2 : 1;
            plen = (size_t)(q - pstart);
            if (*q)
                q++;
        } else {
            q += strcspn(q, ",");
            plen = (size_t)(q - pstart);
        }
        if (*q == ',')
            q++;
        size_t rlen = strlen(q);
        if (rlen >= 2 && q[0] == '"' && q[rlen - 1] == '"') {
            q++;
            rlen -= 2;
        }
        if (!skipped_add(s, pstart, plen, q, rlen))
            break;
    }
    free(line);
    fclose(f);
}

int orc_cli_report(int argc, char **argv)
{
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'}, {"pca", required_argument, NULL, 1},
        {"evaluation", required_argument, NULL, 2}, {"dataset", required_argument, NULL, 3},
        {"title", required_argument, NULL, 4},    {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output = NULL, *pca = NULL, *evaluation = NULL, *dataset = NULL;
    const char *title = "Orchard run report";
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", longs, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case 1: pca = optarg; break;
        case 2: evaluation = optarg; break;
        case 3: dataset = optarg; break;
        case 4: title = optarg; break;
        case 'h': report_usage(stdout); return ORC_EXIT_OK;
        default: report_usage(stderr); return ORC_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || output == NULL) {
        fprintf(stderr, "orchard report: need one RUN_DIR and -o FILE\n");
        report_usage(stderr);
        return ORC_EXIT_USAGE;
    }
    const char *dir = argv[optind];
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "orchard report: %s is not a folder\n", dir);
        return ORC_EXIT_USAGE;
    }
    orc_report_input in = {0};
    in.title = title;
    orc_error err = {0};
    orc_json *run = NULL, *ev = NULL;
    orc_pca_model *pm = NULL;
    orc_featureset *fs = NULL;
    float *proj = NULL;
    skipped_list sk = {0};
    int rc = ORC_EXIT_FATAL;
    char path[4200], pbuf[4200], sources[1024];
    size_t used = 0;
    sources[0] = '\0';
#define SOURCE(...)                                                                            \
    do {                                                                                       \
        if (used < sizeof sources)                                                             \
            used += (size_t)snprintf(sources + used, sizeof sources - used, __VA_ARGS__);      \
    } while (0)
    snprintf(path, sizeof path, "%s/run.json", dir);
    if (exists(path)) {
        if (orc_json_load(path, &run, &err) != ORC_OK) {
            fprintf(stderr, "orchard report: %s\n", err.msg);
            goto done;
        }
        SOURCE("run.json; ");
    }
    in.run = run;
    if (pca == NULL && (find_orpca(dir, pbuf, sizeof pbuf) ||
                        (snprintf(path, sizeof path, "%s/pca", dir) > 0 &&
                         find_orpca(path, pbuf, sizeof pbuf))))
        pca = pbuf;
    if (pca != NULL) {
        if (orc_pca_model_load(pca, &pm, &err) != ORC_OK) {
            fprintf(stderr, "orchard report: %s\n", err.msg);
            goto done;
        }
        const orc_pca_model_info *pi = orc_pca_model_get_info(pm);
        in.explained_ratio = pi->explained_ratio;
        in.components = pi->dim;
        in.k = pi->k;
        SOURCE("PCA model %.300s; ", pca);
    }
    if (evaluation == NULL) {
        snprintf(path, sizeof path, "%s/evaluation.json", dir);
        if (exists(path))
            evaluation = path;
    }
    if (evaluation != NULL) {
        if (orc_json_load(evaluation, &ev, &err) != ORC_OK) {
            fprintf(stderr, "orchard report: %s\n", err.msg);
            goto done;
        }
        SOURCE("evaluation %.300s; ", evaluation);
    }
    in.evaluation = ev;
    /* scatter: pca coordinates, or features projected with the PCA model */
    if (orc_featureset_load(dataset != NULL ? dataset : dir, 1, &fs, &err) == ORC_OK) {
        const orc_pca_model_info *pi = pm != NULL ? orc_pca_model_get_info(pm) : NULL;
        if (pi != NULL && fs->dim == pi->dim && pi->k >= 2) {
            proj = malloc(fs->rows * pi->k * sizeof *proj);
            if (proj == NULL || orc_pca_apply(pm, fs->x, fs->rows, fs->dim, proj, &err) != ORC_OK) {
                fprintf(stderr, "orchard report: projecting %s: %s\n", fs->source,
                        proj == NULL ? "no memory" : err.msg);
                goto done;
            }
            in.scatter_xy = proj;
            in.scatter_stride = pi->k;
        } else if (fs->dim >= 2 && (pi == NULL || fs->dim == pi->k)) {
            in.scatter_xy = fs->x;
            in.scatter_stride = fs->dim;
        }
        if (in.scatter_xy != NULL) {
            in.scatter_rows = fs->rows;
            in.scatter_class = fs->label_index;
            in.class_names = (const char *const *)fs->classes;
            in.class_count = fs->class_count;
            SOURCE("%zu rows from %.300s; ", fs->rows, fs->source);
        }
    } else if (dataset != NULL) {
        fprintf(stderr, "orchard report: %s\n", err.msg);
        goto done;
    }
    load_skipped(dir, &sk);
    in.skipped_path = (const char *const *)sk.path;
    in.skipped_reason = (const char *const *)sk.reason;
    in.skipped = sk.n;
    in.sources = sources[0] ? sources : "nothing found in the run folder";
#undef SOURCE
    if (orc_report_write(&in, output, &err) != ORC_OK) {
        fprintf(stderr, "orchard report: %s\n", err.msg);
        goto done;
    }
    printf("wrote %s (%s)\n", output, in.sources);
    rc = ORC_EXIT_OK;
done:
    for (size_t i = 0; i < sk.n; i++) {
        free(sk.path[i]);
        free(sk.reason[i]);
    }
    free(sk.path);
    free(sk.reason);
    free(proj);
    orc_featureset_close(fs);
    orc_pca_model_close(pm);
    orc_json_free(run);
    orc_json_free(ev);
    return rc;
}
