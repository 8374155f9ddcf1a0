/* cli_classify.c -- `orchard train`, `orchard evaluate`, `orchard predict`: the classifier of
 * src/classify.h on feature datasets (src/featureset.h) and on images (src/model.h). */
#include "augment.h"
#include "classify.h"
#include "cli.h"
#include "featureset.h"
#include "image.h"
#include "json.h"
#include "model.h"
#include "orchard.h"
#include "pca.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int parse_uint(const char *opt, const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi || s[0] == '-') {
        fprintf(stderr, "orchard: %s must be an integer in [%u, %u] (got '%s')\n", opt, lo, hi, s);
        return 0;
    }
    *out = (unsigned)v;
    return 1;
}

static int parse_pos_double(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v > 0.0) || !isfinite(v)) {
        fprintf(stderr, "orchard: %s must be a number > 0 (got '%s')\n", opt, s);
        return 0;
    }
    *out = v;
    return 1;
}

#define SIZES_MAX ORC_CLASSIFIER_INPUT_SIZES_MAX

/* --input-size 224,288 (train and predict): up to SIZES_MAX sizes in ORC_MODEL_INPUT_MIN..MAX,
 * no repeats; cmd names the subcommand in the messages */
static int parse_sizes(const char *cmd, const char *list, uint32_t *sizes, unsigned *n)
{
    *n = 0;
    const char *p = list;
    for (;;) {
        char *end = NULL;
        errno = 0;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p || errno != 0 || v < ORC_MODEL_INPUT_MIN || v > ORC_MODEL_INPUT_MAX ||
            (*end != ',' && *end != '\0') || *n == SIZES_MAX || p[0] == '-' || p[0] == '+') {
            fprintf(stderr, "orchard %s: --input-size: '%s' is not a list of at most %d "
                            "sizes in %d..%d\n", cmd, list, SIZES_MAX, ORC_MODEL_INPUT_MIN,
                    ORC_MODEL_INPUT_MAX);
            return 0;
        }
        for (unsigned i = 0; i < *n; i++)
            if (sizes[i] == v) {
                fprintf(stderr, "orchard %s: --input-size: %lu is listed twice\n", cmd, v);
                return 0;
            }
        sizes[(*n)++] = (uint32_t)v;
        if (*end == '\0')
            return 1;
        p = end + 1;
    }
}

/* "224,288" into buf, or "none" */
static const char *sizes_text(const uint32_t *sizes, unsigned n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? "," : "", sizes[i]);
    return n ? buf : "none";
}

/* hex SHA-256 of a file's bytes */
static orc_status file_sha256(const char *path, char hex[65], orc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return orc_error_set(err, ORC_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char buf[65536], md[32];
    unsigned int mdlen = 0;
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
        ok = EVP_DigestUpdate(ctx, buf, n) == 1;
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
    EVP_MD_CTX_free(ctx);
    fclose(f);
    if (!ok)
        return orc_error_set(err, ORC_ERR_IO, "cannot read %s to checksum it", path);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return ORC_OK;
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static const char *kind_name(orc_classifier_kind k)
{
    return k == ORC_CLASSIFIER_MLP ? "mlp" : "linear";
}

/* ---- selection by validation ------------------------------------------------------------ */

typedef struct candidate {
    orc_classifier_kind kind;
    double C;
    int power_normalize, l2_normalize;
    unsigned hidden;
} candidate;

/* the configurations `--select` compares (see README: Classification) */
static const candidate select_grid[] = {
    {ORC_CLASSIFIER_LINEAR, 1.0, 0, 0, 0},
    {ORC_CLASSIFIER_LINEAR, 10.0, 0, 0, 0},
    {ORC_CLASSIFIER_LINEAR, 1.0, 1, 0, 0},
    {ORC_CLASSIFIER_LINEAR, 10.0, 1, 0, 0},
    {ORC_CLASSIFIER_LINEAR, 10.0, 1, 1, 0},
    {ORC_CLASSIFIER_MLP, 1.0, 1, 0, 256},
};

static void describe(const candidate *c, char *buf, size_t n)
{
    const char *pw = c->power_normalize ? " sqrt" : "", *l2 = c->l2_normalize ? " l2norm" : "";
    if (c->kind == ORC_CLASSIFIER_MLP)
        snprintf(buf, n, "mlp hidden=%u C=%g%s%s", c->hidden, c->C, pw, l2);
    else
        snprintf(buf, n, "linear C=%g%s%s", c->C, pw, l2);
}

/* augmented copies written by extraction carry "#<variant>" after the image path */
static size_t base_len(const char *path)
{
    return strcspn(path, "#");
}

typedef struct keyed_row {
    const orc_featureset *fs;
    size_t row;
} keyed_row;

static int cmp_keyed(const void *pa, const void *pb)
{
    const keyed_row *a = pa, *b = pb;
    uint32_t la = a->fs->label_index[a->row], lb = b->fs->label_index[b->row];
    if (la != lb)
        return la < lb ? -1 : 1;
    const char *x = a->fs->paths[a->row], *y = b->fs->paths[b->row];
    size_t nx = base_len(x), ny = base_len(y);
    int c = strncmp(x, y, nx < ny ? nx : ny);
    if (c != 0)
        return c;
    if (nx != ny)
        return nx < ny ? -1 : 1;
    return a->row < b->row ? -1 : (a->row > b->row);
}

/* deterministic validation images: per class, the distinct source images (path without any
 * "#variant" suffix) in sorted order, cut into runs of 6, every 5th run (about 20 %; whole runs
 * so that neighbouring frames of a rotation stay on one side). val[i]: 0 train, 1 validation
 * (an original image), 2 another view of a validation image: an augmented copy, or a row of
 * the same name (from another DATASET), used by neither side. */
static unsigned char *validation_mask(const orc_featureset *fs)
{
    unsigned char *val = calloc(fs->rows, 1);
    keyed_row *order = malloc(fs->rows * sizeof *order);
    if (val == NULL || order == NULL) {
        free(val);
        free(order);
        return NULL;
    }
    for (size_t i = 0; i < fs->rows; i++)
        order[i] = (keyed_row){fs, i};
    qsort(order, fs->rows, sizeof *order, cmp_keyed);
    size_t pos = 0;
    for (size_t i = 0; i < fs->rows; i++) {
        size_t r = order[i].row;
        int repeat = 0; /* the image's first row comes before this one */
        if (i > 0) {
            size_t q = order[i - 1].row;
            const char *x = fs->paths[r], *y = fs->paths[q];
            if (fs->label_index[r] != fs->label_index[q])
                pos = 0;
            else if (base_len(x) != base_len(y) || strncmp(x, y, base_len(x)) != 0)
                pos++;
            else
                repeat = 1;
        }
        if ((pos / 6) % 5 == 4)
            val[r] = fs->paths[r][base_len(fs->paths[r])] == '#' || repeat ? 2 : 1;
    }
    free(order);
    return val;
}

typedef struct scored {
    double accuracy, log_loss;
    double seconds;
} scored;

/* top-1 and log-loss of c on x [n][d]; with group (views of one image, n rows in groups
 * groups, y per group) the views' probabilities are averaged first, as orchard evaluate does */
static orc_status score(const orc_classifier *c, const float *x, const uint32_t *y, size_t n,
                        const size_t *group, size_t groups, unsigned threads, scored *s,
                        orc_error *err)
{
    size_t k = orc_classifier_get_info(c)->class_count;
    float *p = malloc(n * k * sizeof *p);
    float *pg = group != NULL ? malloc(groups * k * sizeof *pg) : NULL;
    if (p == NULL || (group != NULL && pg == NULL)) {
        free(p);
        free(pg);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory");
    }
    orc_status st = orc_classifier_predict(c, x, n, threads, p, err);
    if (st == ORC_OK && group != NULL &&
        (st = orc_augment_average_views(p, n, k, group, groups, pg, err)) == ORC_OK) {
        free(p);
        p = pg;
        pg = NULL;
        n = groups;
    }
    free(pg);
    if (st == ORC_OK) {
        size_t ok = 0;
        double ll = 0.0;
        for (size_t i = 0; i < n; i++) {
            size_t b = 0;
            for (size_t q = 1; q < k; q++)
                if (p[i * k + q] > p[i * k + b])
                    b = q;
            ok += b == y[i];
            ll -= log(fmax(p[i * k + y[i]], 1e-30));
        }
        s->accuracy = (double)ok / (double)n;
        s->log_loss = ll / (double)n;
    }
    free(p);
    return st;
}

/* ---- train ------------------------------------------------------------------------------ */

/* The network input sizes to record for train's DATASETs. Each DATASET folder holding a
 * run.json (an orchard extract Parquet output; or its features/ or pca/ subfolder) gives its
 * "input_size". Without --input-size
 * (given = 0): those sizes, in argument order without repeats, if every DATASET has one, else
 * none (a note names the DATASET). With it: each run.json size must be in the list. *from
 * names where the sizes came from. Returns 0, 1 (an unreadable run.json) or 2 (a conflict).
 * evaluate passes model (its path; sizes = the sizes it records, given = 1): a DATASET
 * extracted at a size the model was not trained at is then the conflict. cmd: "train" or
 * "evaluate", for the messages. */
static int dataset_sizes(const char *cmd, const char *model, const char *const *datasets,
                         size_t n, unsigned given, uint32_t *sizes, unsigned *nsizes,
                         const char **from)
{
    const char *unknown = NULL;
    unsigned found = 0;
    uint32_t seen[SIZES_MAX];
    for (size_t i = 0; i < n; i++) {
        char path[4300];
        struct stat sb;
        snprintf(path, sizeof path, "%s/run.json", datasets[i]);
        if (stat(datasets[i], &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            unknown = unknown ? unknown : datasets[i];
            continue;
        }
        if (access(path, F_OK) != 0) { /* RUN/features or RUN/pca given: RUN/run.json */
            size_t len = strlen(datasets[i]);
            while (len > 1 && datasets[i][len - 1] == '/')
                len--;
            size_t base = len;
            while (base > 0 && datasets[i][base - 1] != '/')
                base--;
            int sub = (len - base == 8 && strncmp(datasets[i] + base, "features", 8) == 0) ||
                      (len - base == 3 && strncmp(datasets[i] + base, "pca", 3) == 0);
            snprintf(path, sizeof path, "%.*srun.json", (int)base, datasets[i]);
            if (!sub || access(path, F_OK) != 0) {
                unknown = unknown ? unknown : datasets[i];
                continue;
            }
        }
        orc_json *j = NULL;
        orc_error err = {0};
        if (orc_json_load(path, &j, &err) != ORC_OK) {
            fprintf(stderr, "orchard %s: %s\n", cmd, err.msg);
            return 1;
        }
        double v = orc_json_number(j, "input_size", -1.0);
        orc_json_free(j);
        if (v == -1.0) { /* a run.json of an orchard before --input-size: not recorded */
            unknown = unknown ? unknown : datasets[i];
            continue;
        }
        if (!(v >= ORC_MODEL_INPUT_MIN && v <= ORC_MODEL_INPUT_MAX) || v != floor(v)) {
            fprintf(stderr, "orchard %s: %s: \"input_size\" %g is not a network input "
                            "size\n", cmd, path, v);
            return 1;
        }
        uint32_t s = (uint32_t)v;
        if (given) {
            int listed = 0;
            for (unsigned q = 0; q < *nsizes; q++)
                listed |= sizes[q] == s;
            if (!listed) {
                char buf[64];
                if (model != NULL)
                    fprintf(stderr, "orchard %s: %s was trained on rows of network input size "
                                    "%s, but DATASET %s was extracted at input size %u (its "
                                    "run.json)\n", cmd, model,
                            sizes_text(sizes, *nsizes, buf, sizeof buf), datasets[i], s);
                else
                    fprintf(stderr, "orchard %s: --input-size %s, but DATASET %s was extracted "
                                    "at input size %u (its run.json): give the sizes the rows "
                                    "were extracted at\n", cmd,
                            sizes_text(sizes, *nsizes, buf, sizeof buf), datasets[i], s);
                return 2;
            }
            continue;
        }
        int dup = 0;
        for (unsigned q = 0; q < found; q++)
            dup |= seen[q] == s;
        if (!dup && found == SIZES_MAX) {
            fprintf(stderr, "orchard train: the DATASETs were extracted at more than %d input "
                            "sizes; give --input-size\n", SIZES_MAX);
            return 2;
        }
        if (!dup)
            seen[found++] = s;
    }
    if (given)
        return 0;
    *from = "from the DATASETs' run.json";
    if (found > 0 && unknown != NULL) {
        fprintf(stderr, "orchard train: note: %s has no run.json input size, so no network "
                        "input size is recorded; give --input-size LIST\n", unknown);
        found = 0;
    }
    for (unsigned q = 0; q < found; q++)
        sizes[q] = seen[q];
    *nsizes = found;
    return 0;
}

static void train_usage(FILE *f)
{
    fprintf(f,
        "usage: orchard train DATASET [DATASET...] -o MODEL [options]\n\n"
        "Train the fruit classifier on labelled features and write MODEL (.orcls).\n"
        "DATASET: a features CSV of `orchard extract --format csv` (or `orchard pca apply`), or\n"
        "a folder of them (its features/ or pca/ subfolder when present), or a Parquet dataset.\n"
        "Several DATASETs (e.g. the same images extracted at two --input-size) are one set of\n"
        "rows, in argument order; they must have the same feature dimension. Rows of the same\n"
        "image name in two DATASETs are views of that image (as 'path#variant' rows are).\n\n"
        "  -o, --output MODEL      the model file to write (required)\n"
        "  --input features|pca    what DATASET holds (default features); pca needs --pca\n"
        "  --pca FILE              the .orpca model that produced DATASET (its SHA-256 is\n"
        "                          recorded; predict and evaluate refuse another PCA)\n"
        "  --model linear|mlp      softmax regression or one hidden ReLU layer (default linear)\n"
        "  --hidden N              MLP hidden units (default 256)\n"
        "  -C, --C VALUE           inverse L2 strength as in scikit-learn (default 10)\n"
        "  --l2-normalize          scale each row to unit L2 norm before standardizing\n"
        "  --no-l2-normalize       do not (default)\n"
        "  --power-normalize       signed square root of each feature first (default for\n"
        "                          --input features)\n"
        "  --no-power-normalize    use the features as they are\n"
        "  --max-iter N            L-BFGS iterations (default 300)\n"
        "  --threads N             threads (default 2)\n"
        "  --seed N                MLP initialisation seed (default 1)\n"
        "  --select                compare the built-in configurations on a validation split\n"
        "                          carved from the rows (per class, every 5th run of 6 images),\n"
        "                          keep the best (accuracy, then log-loss), refit it on all rows;\n"
        "                          views of validation images ('path#variant' rows of orchard\n"
        "                          extract --augment, rows of the same name in another DATASET)\n"
        "                          stay out of training and are averaged with their\n"
        "                          image, as orchard evaluate does;\n"
        "                          the options above then only set --threads/--max-iter\n"
        "  --selection-json FILE   write the validation table of --select as JSON\n"
        "  --input-size LIST       the network input sizes the rows were extracted at\n"
        "                          (orchard extract --input-size), comma-separated, e.g. 288\n"
        "                          or 224,288; recorded in MODEL: orchard predict runs the\n"
        "                          network at these sizes unless given its own --input-size.\n"
        "                          Default: the \"input_size\" of each DATASET that is an\n"
        "                          orchard extract Parquet output (its run.json), in argument\n"
        "                          order without repeats; nothing when a DATASET has no\n"
        "                          run.json (CSV), i.e. the weight file's default (224). A LIST\n"
        "                          without a DATASET's run.json size is refused\n"
        "  -h, --help              this help\n");
}

int orc_cli_train(int argc, char **argv)
{
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'}, {"input", required_argument, NULL, 1},
        {"pca", required_argument, NULL, 2},      {"model", required_argument, NULL, 3},
        {"hidden", required_argument, NULL, 4},   {"C", required_argument, NULL, 'C'},
        {"l2-normalize", no_argument, NULL, 5},   {"no-l2-normalize", no_argument, NULL, 6},
        {"max-iter", required_argument, NULL, 7}, {"threads", required_argument, NULL, 8},
        {"seed", required_argument, NULL, 9},     {"select", no_argument, NULL, 10},
        {"selection-json", required_argument, NULL, 11}, {"power-normalize", no_argument, NULL, 12},
        {"no-power-normalize", no_argument, NULL, 13}, {"input-size", required_argument, NULL, 14},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output = NULL, *pca = NULL, *selection_json = NULL;
    int want_pca = 0, select = 0;
    orc_classifier_options opt;
    orc_classifier_options_default(&opt);
    opt.C = 10.0; /* the CLI default: linear C=10 sqrt (README: Classification) */
    opt.power_normalize = 1;
    int power_set = 0;
    uint32_t sizes[SIZES_MAX] = {0};
    unsigned nsizes = 0, sizes_given = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "o:C:h", longs, NULL)) != -1) {
        unsigned u;
        switch (c) {
        case 'o': output = optarg; break;
        case 1:
            if (strcmp(optarg, "features") == 0)
                want_pca = 0;
            else if (strcmp(optarg, "pca") == 0)
                want_pca = 1;
            else {
                fprintf(stderr, "orchard train: --input must be features or pca (got '%s')\n", optarg);
                return ORC_EXIT_USAGE;
            }
            break;
        case 2: pca = optarg; break;
        case 3:
            if (strcmp(optarg, "linear") == 0)
                opt.kind = ORC_CLASSIFIER_LINEAR;
            else if (strcmp(optarg, "mlp") == 0)
                opt.kind = ORC_CLASSIFIER_MLP;
            else {
                fprintf(stderr, "orchard train: --model must be linear or mlp (got '%s')\n", optarg);
                return ORC_EXIT_USAGE;
            }
            break;
        case 4:
            if (!parse_uint("--hidden", optarg, 1, 65536, &opt.hidden))
                return ORC_EXIT_USAGE;
            break;
        case 'C':
            if (!parse_pos_double("-C", optarg, &opt.C))
                return ORC_EXIT_USAGE;
            break;
        case 5: opt.l2_normalize = 1; break;
        case 6: opt.l2_normalize = 0; break;
        case 7:
            if (!parse_uint("--max-iter", optarg, 1, 100000, &opt.max_iter))
                return ORC_EXIT_USAGE;
            break;
        case 8:
            if (!parse_uint("--threads", optarg, 1, 64, &opt.threads))
                return ORC_EXIT_USAGE;
            break;
        case 9:
            if (!parse_uint("--seed", optarg, 0, 0xFFFFFFFFu, &u))
                return ORC_EXIT_USAGE;
            opt.seed = u;
            break;
        case 10: select = 1; break;
        case 11: selection_json = optarg; break;
        case 12: opt.power_normalize = 1; power_set = 1; break;
        case 13: opt.power_normalize = 0; power_set = 1; break;
        case 14:
            if (!parse_sizes("train", optarg, sizes, &nsizes))
                return ORC_EXIT_USAGE;
            sizes_given = 1;
            break;
        case 'h': train_usage(stdout); return ORC_EXIT_OK;
        default: train_usage(stderr); return ORC_EXIT_USAGE;
        }
    }
    if (optind >= argc || output == NULL) {
        fprintf(stderr, "orchard train: need at least one DATASET and -o MODEL\n");
        train_usage(stderr);
        return ORC_EXIT_USAGE;
    }
    if (want_pca && !power_set)
        opt.power_normalize = 0; /* PCA coordinates are signed projections, not pooled ReLUs */
    if (want_pca && pca == NULL) {
        fprintf(stderr, "orchard train: --input pca needs --pca FILE (the .orpca model that "
                        "produced the dataset)\n");
        return ORC_EXIT_USAGE;
    }
    const char *const *datasets = (const char *const *)argv + optind;
    size_t ndatasets = (size_t)(argc - optind);
    orc_error err = {0};
    const char *sizes_from = "--input-size";
    switch (dataset_sizes("train", NULL, datasets, ndatasets, sizes_given, sizes, &nsizes,
                          &sizes_from)) {
    case 0: break;
    case 1: return ORC_EXIT_FATAL;
    default: return ORC_EXIT_USAGE;
    }
    char pca_sha[65] = "";
    if (pca != NULL && file_sha256(pca, pca_sha, &err) != ORC_OK) {
        fprintf(stderr, "orchard train: %s\n", err.msg);
        return ORC_EXIT_FATAL;
    }
    double t0 = now_seconds();
    orc_featureset *fs = NULL;
    if (orc_featureset_load_many(datasets, ndatasets, want_pca, &fs, &err) != ORC_OK) {
        fprintf(stderr, "orchard train: %s\n", err.msg);
        return ORC_EXIT_FATAL;
    }
    const char *dataset = fs->source;
    double t_read = now_seconds() - t0;
    fprintf(stderr, "orchard train: %zu rows, %zu features, %zu classes from %s (read in %.1f s)\n",
            fs->rows, fs->dim, fs->class_count, dataset, t_read);
    int rc = ORC_EXIT_FATAL;
    orc_classifier *model = NULL;
    unsigned char *val = NULL;
    float *xa = NULL, *xb = NULL;
    uint32_t *ya = NULL, *yb = NULL, *yg = NULL;
    const char **pb = NULL;
    size_t *gb = NULL, ngroups = 0;
    FILE *js = NULL;
    if (fs->class_count < 2) {
        fprintf(stderr, "orchard train: %s has %zu class; need at least 2\n", dataset, fs->class_count);
        goto done;
    }
    if (select) {
        size_t n = fs->rows, d = fs->dim, na = 0, nb = 0;
        val = validation_mask(fs);
        xa = malloc(n * d * sizeof *xa);
        xb = malloc(n * d * sizeof *xb);
        ya = malloc(n * sizeof *ya);
        yb = malloc(n * sizeof *yb);
        yg = malloc(n * sizeof *yg);
        pb = malloc(n * sizeof *pb);
        gb = malloc(n * sizeof *gb);
        if (val == NULL || xa == NULL || xb == NULL || ya == NULL || yb == NULL || yg == NULL ||
            pb == NULL || gb == NULL) {
            fprintf(stderr, "orchard train: no memory for the validation split\n");
            goto done;
        }
        size_t nviews = 0; /* validation rows that are views ("#variant") of an image */
        for (size_t i = 0; i < n; i++) {
            if (val[i] != 0) { /* validation images and their views */
                memcpy(xb + nb * d, fs->x + i * d, d * sizeof *xb);
                pb[nb] = fs->paths[i];
                nviews += val[i] == 2;
                yb[nb++] = fs->label_index[i];
            } else {
                memcpy(xa + na * d, fs->x + i * d, d * sizeof *xa);
                ya[na++] = fs->label_index[i];
            }
        }
        if (nb == 0 || na == 0) {
            fprintf(stderr, "orchard train: --select needs at least 25 rows per class for a "
                            "validation split\n");
            goto done;
        }
        if (selection_json != NULL && (js = fopen(selection_json, "w")) == NULL) {
            fprintf(stderr, "orchard train: cannot write %s: %s\n", selection_json, strerror(errno));
            goto done;
        }
        if (nviews > 0) { /* score images, their views averaged, as orchard evaluate does */
            if (orc_augment_group_views(pb, nb, gb, &ngroups, &err) != ORC_OK) {
                fprintf(stderr, "orchard train: %s\n", err.msg);
                goto done;
            }
            for (size_t i = 0; i < nb; i++)
                yg[gb[i]] = yb[i];
            fprintf(stderr, "orchard train: validation split %zu train rows / %zu validation "
                            "images (%zu rows with their views, probabilities averaged)\n",
                    na, ngroups, nb);
        } else {
            fprintf(stderr, "orchard train: validation split %zu train / %zu validation rows\n",
                    na, nb);
        }
        printf("%-32s %10s %10s %8s %6s\n", "configuration", "val_top1", "val_logloss",
               "train_s", "iters");
        if (js != NULL)
            fprintf(js, "{\"train_rows\": %zu, \"validation_rows\": %zu, \"validation_images\": "
                        "%zu, \"candidates\": [", na, nb, nviews > 0 ? ngroups : nb);
        size_t best = 0;
        scored best_s = {-1.0, INFINITY, 0.0};
        for (size_t q = 0; q < sizeof select_grid / sizeof select_grid[0]; q++) {
            orc_classifier_options o = opt;
            o.kind = select_grid[q].kind;
            o.C = select_grid[q].C;
            o.l2_normalize = select_grid[q].l2_normalize;
            o.power_normalize = select_grid[q].power_normalize;
            o.hidden = select_grid[q].hidden ? select_grid[q].hidden : opt.hidden;
            orc_classifier *cand = NULL;
            if (orc_classifier_train(xa, ya, na, d, (const char *const *)fs->classes,
                                     fs->class_count, &o, &cand, &err) != ORC_OK) {
                fprintf(stderr, "orchard train: %s\n", err.msg);
                goto done;
            }
            scored s;
            if (score(cand, xb, nviews > 0 ? yg : yb, nb, nviews > 0 ? gb : NULL, ngroups,
                      opt.threads, &s, &err) != ORC_OK) {
                orc_classifier_close(cand);
                fprintf(stderr, "orchard train: %s\n", err.msg);
                goto done;
            }
            const orc_classifier_info *ci = orc_classifier_get_info(cand);
            char name[96];
            describe(&select_grid[q], name, sizeof name);
            printf("%-32s %9.2f%% %10.4f %8.1f %6u\n", name, 100.0 * s.accuracy, s.log_loss,
                   ci->train_seconds, ci->iterations);
            fflush(stdout);
            if (js != NULL) {
                fprintf(js, "%s\n  {\"configuration\": ", q ? "," : "");
                json_string(js, name);
                fprintf(js, ", \"model\": \"%s\", \"C\": %g, \"power_normalize\": %s, "
                            "\"l2_normalize\": %s, \"hidden\": %u, "
                            "\"val_top1\": %.6f, \"val_log_loss\": %.6f, \"train_seconds\": %.3f, "
                            "\"iterations\": %u}", kind_name(o.kind), o.C,
                        o.power_normalize ? "true" : "false", o.l2_normalize ? "true" : "false", o.kind == ORC_CLASSIFIER_MLP ? o.hidden : 0,
                        s.accuracy, s.log_loss, ci->train_seconds, ci->iterations);
            }
            orc_classifier_close(cand);
            if (s.accuracy > best_s.accuracy ||
                (s.accuracy == best_s.accuracy && s.log_loss < best_s.log_loss)) {
                best = q;
                best_s = s;
            }
        }
        char name[96];
        describe(&select_grid[best], name, sizeof name);
        printf("selected: %s (validation top-1 %.2f%%)\n", name, 100.0 * best_s.accuracy);
        if (js != NULL) {
            fprintf(js, "\n], \"selected\": ");
            json_string(js, name);
            fprintf(js, "}\n");
            if (fclose(js) != 0) {
                js = NULL;
                fprintf(stderr, "orchard train: cannot write %s\n", selection_json);
                goto done;
            }
            js = NULL;
        }
        opt.kind = select_grid[best].kind;
        opt.C = select_grid[best].C;
        opt.l2_normalize = select_grid[best].l2_normalize;
        opt.power_normalize = select_grid[best].power_normalize;
        if (select_grid[best].hidden)
            opt.hidden = select_grid[best].hidden;
    }
    if (orc_classifier_train(fs->x, fs->label_index, fs->rows, fs->dim,
                             (const char *const *)fs->classes, fs->class_count, &opt, &model,
                             &err) != ORC_OK) {
        fprintf(stderr, "orchard train: %s\n", err.msg);
        goto done;
    }
    if (pca != NULL &&
        orc_classifier_set_source(model, want_pca ? ORC_FEATURE_SOURCE_PCA : ORC_FEATURE_SOURCE_FEATURES,
                                  want_pca ? pca_sha : NULL, &err) != ORC_OK) {
        fprintf(stderr, "orchard train: %s\n", err.msg);
        goto done;
    }
    if (orc_classifier_set_input_sizes(model, sizes, nsizes, &err) != ORC_OK) {
        fprintf(stderr, "orchard train: %s\n", err.msg);
        goto done;
    }
    scored tr;
    if (score(model, fs->x, fs->label_index, fs->rows, NULL, 0, opt.threads, &tr, &err) !=
            ORC_OK ||
        orc_classifier_save(model, output, &err) != ORC_OK) {
        fprintf(stderr, "orchard train: %s\n", err.msg);
        goto done;
    }
    const orc_classifier_info *in = orc_classifier_get_info(model);
    char name[96];
    candidate chosen = {opt.kind, opt.C, opt.power_normalize, opt.l2_normalize, opt.hidden};
    describe(&chosen, name, sizeof name);
    char sizes_buf[64];
    printf("trained %s on %zu rows x %zu features, %zu classes: %u iterations, %u evaluations, "
           "objective %.6g, %.1f s on %u threads; training top-1 %.2f%%\n"
           "network input sizes: %s (%s)\nwrote %s\n",
           name, fs->rows, fs->dim, fs->class_count, in->iterations, in->evaluations,
           in->final_loss, in->train_seconds, opt.threads, 100.0 * tr.accuracy,
           sizes_text(in->input_sizes, in->input_size_count, sizes_buf, sizeof sizes_buf),
           in->input_size_count ? sizes_from
                                : "not recorded: orchard predict uses the weight file's 224",
           output);
    rc = ORC_EXIT_OK;
done:
    if (js != NULL)
        fclose(js);
    free(val);
    free(xa);
    free(xb);
    free(ya);
    free(yb);
    free(yg);
    free(pb);
    free(gb);
    orc_classifier_close(model);
    orc_featureset_close(fs);
    return rc;
}

/* ---- evaluate --------------------------------------------------------------------------- */

static void evaluate_usage(FILE *f)
{
    fprintf(f,
        "usage: orchard evaluate MODEL DATASET [DATASET...] [-o evaluation.json] [options]\n\n"
        "Score MODEL (.orcls) on a labelled DATASET (as for orchard train): top-1 and top-5\n"
        "accuracy, per-class precision and recall, the confusion matrix. Several DATASETs are\n"
        "one set of rows, in argument order (same feature dimension).\n"
        "Test-time augmentation: rows named 'path#variant' (orchard extract --augment) are\n"
        "views of one image, and so are rows of the same name in several DATASETs (e.g. the\n"
        "same images extracted at two --input-size): their class probabilities are averaged\n"
        "and each image is scored once (evaluation.json: test_time_augmentation; rows = images\n"
        "scored).\n\n"
        "  -o, --output FILE   write the evaluation as JSON (default: only the summary)\n"
        "  --per-row           score every row on its own (no averaging of views)\n"
        "  --pca FILE          the .orpca model that produced DATASET (for a pca model: must be\n"
        "                      the one the model was trained with)\n"
        "  --threads N         threads (default 2)\n"
        "  -h, --help          this help\n");
}

/* map dataset classes onto model classes; every dataset class must exist in the model */
static int map_classes(const orc_classifier *m, const orc_featureset *fs, uint32_t *y)
{
    for (size_t i = 0; i < fs->class_count; i++)
        if (orc_classifier_class_index(m, fs->classes[i]) < 0) {
            fprintf(stderr, "orchard: the dataset's class '%s' is not one of the model's %u "
                            "classes: this model was trained on another class list\n",
                    fs->classes[i], orc_classifier_get_info(m)->class_count);
            return 0;
        }
    for (size_t i = 0; i < fs->rows; i++)
        y[i] = (uint32_t)orc_classifier_class_index(m, fs->labels[i]);
    return 1;
}

/* the model's source must match what is given (pca file checksum) */
static int check_source(const orc_classifier *m, const char *pca, const char *what)
{
    const orc_classifier_info *in = orc_classifier_get_info(m);
    if (in->source == ORC_FEATURE_SOURCE_FEATURES)
        return 1;
    if (pca == NULL) {
        fprintf(stderr, "orchard %s: the model was trained on PCA features: give the same PCA "
                        "model with --pca FILE\n", what);
        return 0;
    }
    char sha[65];
    orc_error err;
    if (file_sha256(pca, sha, &err) != ORC_OK) {
        fprintf(stderr, "orchard %s: %s\n", what, err.msg);
        return 0;
    }
    if (strcmp(sha, in->pca_sha256) != 0) {
        fprintf(stderr, "orchard %s: %s is not the PCA model this classifier was trained with "
                        "(SHA-256 %.12s..., expected %.12s...)\n", what, pca, sha, in->pca_sha256);
        return 0;
    }
    return 1;
}

int orc_cli_evaluate(int argc, char **argv)
{
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'}, {"pca", required_argument, NULL, 1},
        {"threads", required_argument, NULL, 2},  {"help", no_argument, NULL, 'h'},
        {"per-row", no_argument, NULL, 3},        {NULL, 0, NULL, 0}};
    const char *output = NULL, *pca = NULL;
    unsigned threads = 2;
    int per_row = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", longs, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case 1: pca = optarg; break;
        case 2:
            if (!parse_uint("--threads", optarg, 1, 64, &threads))
                return ORC_EXIT_USAGE;
            break;
        case 3: per_row = 1; break;
        case 'h': evaluate_usage(stdout); return ORC_EXIT_OK;
        default: evaluate_usage(stderr); return ORC_EXIT_USAGE;
        }
    }
    if (optind > argc - 2) {
        fprintf(stderr, "orchard evaluate: need MODEL and at least one DATASET\n");
        evaluate_usage(stderr);
        return ORC_EXIT_USAGE;
    }
    const char *mpath = argv[optind];
    const char *const *datasets = (const char *const *)argv + optind + 1;
    size_t ndatasets = (size_t)(argc - optind - 1);
    orc_error err = {0};
    orc_classifier *m = NULL;
    orc_featureset *fs = NULL;
    int rc = ORC_EXIT_FATAL;
    float *p = NULL, *pv = NULL;
    uint32_t *y = NULL;
    size_t *conf = NULL, *group = NULL;
    if (orc_classifier_load(mpath, &m, &err) != ORC_OK) {
        fprintf(stderr, "orchard evaluate: %s\n", err.msg);
        goto done;
    }
    const orc_classifier_info *in = orc_classifier_get_info(m);
    if (!check_source(m, pca, "evaluate"))
        goto done;
    if (in->input_size_count > 0) { /* rows of another network input size: refused */
        uint32_t rec[SIZES_MAX];
        unsigned nrec = in->input_size_count;
        const char *unused = NULL;
        memcpy(rec, in->input_sizes, nrec * sizeof *rec);
        if (dataset_sizes("evaluate", mpath, datasets, ndatasets, 1, rec, &nrec, &unused) != 0)
            goto done;
    }
    if (orc_featureset_load_many(datasets, ndatasets, in->source == ORC_FEATURE_SOURCE_PCA, &fs,
                                 &err) != ORC_OK) {
        fprintf(stderr, "orchard evaluate: %s\n", err.msg);
        goto done;
    }
    const char *dataset = fs->source;
    if (fs->dim != in->input_dim) {
        fprintf(stderr, "orchard evaluate: %s has %zu feature columns but the model expects %u "
                        "(%s input)\n", dataset, fs->dim, in->input_dim,
                in->source == ORC_FEATURE_SOURCE_PCA ? "pca" : "features");
        goto done;
    }
    size_t n = fs->rows, k = in->class_count;
    p = malloc(n * k * sizeof *p);
    y = malloc(n * sizeof *y);
    conf = calloc(k * k, sizeof *conf);
    if (p == NULL || y == NULL || conf == NULL) {
        fprintf(stderr, "orchard evaluate: no memory\n");
        goto done;
    }
    if (!map_classes(m, fs, y))
        goto done;
    double t0 = now_seconds();
    if (orc_classifier_predict(m, fs->x, n, threads, p, &err) != ORC_OK) {
        fprintf(stderr, "orchard evaluate: %s\n", err.msg);
        goto done;
    }
    double t_pred = now_seconds() - t0;
    /* test-time augmentation: average the views of each image (rows "path#variant", and
     * with several DATASETs rows of the same name in them) */
    size_t rows = n, max_views = 1, groups = 0;
    int averaged = 0;
    for (size_t i = 0; i < n && !per_row && !averaged; i++)
        averaged = fs->paths[i][orc_augment_source_len(fs->paths[i])] == '#';
    if (averaged || (ndatasets > 1 && !per_row)) {
        group = malloc(n * sizeof *group);
        if (group == NULL ||
            orc_augment_group_views((const char *const *)fs->paths, n, group, &groups, &err) !=
                ORC_OK) {
            fprintf(stderr, "orchard evaluate: %s\n", group == NULL ? "no memory" : err.msg);
            goto done;
        }
        averaged = averaged || groups < n;
    }
    if (averaged) {
        size_t *views = calloc(groups, sizeof *views);
        uint32_t *yg = malloc(groups * sizeof *yg);
        pv = malloc(groups * k * sizeof *pv);
        if (views == NULL || yg == NULL || pv == NULL) {
            free(views);
            free(yg);
            fprintf(stderr, "orchard evaluate: no memory\n");
            goto done;
        }
        int mixed = 0;
        for (size_t i = 0; i < n && !mixed; i++) {
            size_t g = group[i];
            if (views[g]++ == 0) {
                yg[g] = y[i];
            } else if (yg[g] != y[i]) {
                fprintf(stderr, "orchard evaluate: the views of %.*s have different labels "
                                "(%s, %s)\n", (int)orc_augment_source_len(fs->paths[i]),
                        fs->paths[i], orc_classifier_class_name(m, yg[g]), fs->labels[i]);
                mixed = 1;
            }
            if (views[g] > max_views)
                max_views = views[g];
        }
        free(views);
        if (mixed || orc_augment_average_views(p, n, k, group, groups, pv, &err) != ORC_OK) {
            if (!mixed)
                fprintf(stderr, "orchard evaluate: %s\n", err.msg);
            free(yg);
            goto done;
        }
        free(y);
        y = yg;
        free(p);
        p = pv;
        pv = NULL;
        n = groups;
    }
    size_t top1 = 0, top5 = 0;
    double ll = 0.0;
    for (size_t i = 0; i < n; i++) {
        const float *pi = p + i * k;
        size_t best = 0, rank = 0;
        for (size_t q = 0; q < k; q++) {
            if (pi[q] > pi[best])
                best = q;
            if (q != y[i] && (pi[q] > pi[y[i]] || (pi[q] == pi[y[i]] && q < y[i])))
                rank++;
        }
        top1 += best == y[i];
        top5 += rank < 5;
        ll -= log(fmax(pi[y[i]], 1e-30));
        conf[y[i] * k + best]++;
    }
    if (averaged)
        printf("test-time augmentation: %zu rows are %zu images (up to %zu views each, "
               "probabilities averaged)\n", rows, n, max_views);
    printf("evaluated %s on %zu %s of %s: top-1 %.2f%% (%zu), top-5 %.2f%%, log-loss %.4f, "
           "%.0f rows/s\n", mpath, n, averaged ? "images" : "rows", dataset,
           100.0 * (double)top1 / (double)n, top1, 100.0 * (double)top5 / (double)n,
           ll / (double)n, (double)rows / fmax(t_pred, 1e-9));
    if (output != NULL) {
        FILE *f = fopen(output, "w");
        if (f == NULL) {
            fprintf(stderr, "orchard evaluate: cannot write %s: %s\n", output, strerror(errno));
            goto done;
        }
        fprintf(f, "{\n\"model\": ");
        json_string(f, mpath);
        fprintf(f, ",\n\"dataset\": ");
        json_string(f, dataset);
        fprintf(f, ",\n\"datasets\": [");
        for (size_t q = 0; q < ndatasets; q++) {
            fprintf(f, "%s", q ? ", " : "");
            json_string(f, datasets[q]);
        }
        fprintf(f, "]");
        fprintf(f, ",\n\"classifier\": {\"kind\": \"%s\", \"source\": \"%s\", \"input_dim\": %u, "
                   "\"hidden\": %u, \"C\": %g, \"l2_normalize\": %s, \"input_sizes\": [",
                kind_name(in->kind), in->source == ORC_FEATURE_SOURCE_PCA ? "pca" : "features",
                in->input_dim, in->hidden, in->C, in->l2_normalize ? "true" : "false");
        for (uint32_t q = 0; q < in->input_size_count; q++)
            fprintf(f, "%s%u", q ? ", " : "", in->input_sizes[q]);
        fprintf(f, "]},\n");
        fprintf(f, "\"test_time_augmentation\": {\"averaged\": %s, \"dataset_rows\": %zu, "
                   "\"images\": %zu, \"max_views\": %zu},\n",
                averaged ? "true" : "false", rows, n, max_views);
        fprintf(f, "\"rows\": %zu,\n\"top1\": %.6f,\n\"top5\": %.6f,\n\"log_loss\": %.6f,\n"
                   "\"top1_correct\": %zu,\n\"top5_correct\": %zu,\n\"classes\": [",
                n, (double)top1 / (double)n, (double)top5 / (double)n, ll / (double)n, top1, top5);
        for (size_t q = 0; q < k; q++) {
            fprintf(f, "%s", q ? ", " : "");
            json_string(f, orc_classifier_class_name(m, q));
        }
        fprintf(f, "],\n\"per_class\": [");
        for (size_t q = 0; q < k; q++) {
            size_t tp = conf[q * k + q], support = 0, predicted = 0;
            for (size_t r = 0; r < k; r++) {
                support += conf[q * k + r];
                predicted += conf[r * k + q];
            }
            fprintf(f, "%s\n  {\"class\": ", q ? "," : "");
            json_string(f, orc_classifier_class_name(m, q));
            fprintf(f, ", \"support\": %zu, \"predicted\": %zu, \"correct\": %zu, ", support,
                    predicted, tp);
            if (predicted > 0)
                fprintf(f, "\"precision\": %.6f, ", (double)tp / (double)predicted);
            else
                fprintf(f, "\"precision\": null, ");
            if (support > 0)
                fprintf(f, "\"recall\": %.6f}", (double)tp / (double)support);
            else
                fprintf(f, "\"recall\": null}");
        }
        fprintf(f, "\n],\n\"confusion\": [");
        for (size_t q = 0; q < k; q++) {
            fprintf(f, "%s\n  [", q ? "," : "");
            for (size_t r = 0; r < k; r++)
                fprintf(f, "%s%zu", r ? "," : "", conf[q * k + r]);
            fprintf(f, "]");
        }
        fprintf(f, "\n]\n}\n");
        if (fclose(f) != 0) {
            fprintf(stderr, "orchard evaluate: cannot write %s\n", output);
            goto done;
        }
        printf("wrote %s\n", output);
    }
    rc = ORC_EXIT_OK;
done:
    free(p);
    free(pv);
    free(y);
    free(conf);
    free(group);
    orc_featureset_close(fs);
    orc_classifier_close(m);
    return rc;
}

/* ---- predict ---------------------------------------------------------------------------- */

static void predict_usage(FILE *f)
{
    fprintf(f,
        "usage: orchard predict MODEL INPUT... [options]\n\n"
        "Classify images: decode, resize, MobileNetV2 features, (PCA,) classifier. INPUT is an\n"
        "image file or a folder (walked recursively, sorted; .jpg .jpeg .png .bmp .gif files).\n"
        "Prints per image: label, probability, the top 5 and the latency.\n\n"
        "  --json              one JSON object per line instead of text\n"
        "  --weights FILE      MobileNetV2 weights (default $ORCHARD_WEIGHTS, else\n"
        "                      weights/mobilenet_v2_1.0_224.orw next to the binary's build/\n"
        "                      folder, else in the current folder)\n"
        "  --pca FILE          the .orpca model (required for a model trained on PCA)\n"
        "  --threads N         threads for the network (default 2)\n"
        "  --top N             how many classes to list (default 5)\n"
        "  --tta LIST          test-time augmentation: also run these symmetries of each image\n"
        "                      through the network (as orchard extract --augment: flip, rot,\n"
        "                      dihedral, or rot90,rot270,mirror,...) and average the class\n"
        "                      probabilities of all views (default none; latency grows with\n"
        "                      the number of views)\n"
        "  --input-size LIST   network input sizes, comma-separated, e.g. 224,288 (default:\n"
        "                      the sizes MODEL records, those its training rows were\n"
        "                      extracted at (orchard train --input-size); for a model that\n"
        "                      records none, the weight file's, 224): every view runs at every\n"
        "                      size and all their probabilities are averaged\n"
        "  -h, --help          this help\n");
}

static int is_image_name(const char *name)
{
    static const char *const ext[] = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".JPG", ".JPEG", ".PNG"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t m = strlen(ext[i]);
        if (n > m && strcmp(name + n - m, ext[i]) == 0)
            return 1;
    }
    return 0;
}

typedef struct pathlist {
    char **v;
    size_t n, cap;
} pathlist;

static int pathlist_add(pathlist *l, const char *p)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 64;
        char **t = realloc(l->v, nc * sizeof *t);
        if (t == NULL)
            return 0;
        l->v = t;
        l->cap = nc;
    }
    return (l->v[l->n++] = strdup(p)) != NULL;
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *dir, pathlist *l)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "orchard predict: cannot open folder %s: %s\n", dir, strerror(errno));
        return 0;
    }
    size_t first = l->n;
    struct dirent *e;
    int ok = 1;
    pathlist sub = {0};
    while (ok && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[4096];
        if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= sizeof p)
            continue;
        struct stat sb;
        if (stat(p, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode))
            ok = pathlist_add(&sub, p);
        else if (S_ISREG(sb.st_mode) && is_image_name(e->d_name))
            ok = pathlist_add(l, p);
    }
    closedir(d);
    qsort(l->v + first, l->n - first, sizeof *l->v, cmp_path);
    qsort(sub.v, sub.n, sizeof *sub.v, cmp_path);
    for (size_t i = 0; i < sub.n; i++) {
        if (ok)
            ok = walk(sub.v[i], l);
        free(sub.v[i]);
    }
    free(sub.v);
    return ok;
}

static const char *default_weights(char *buf, size_t n)
{
    const char *env = getenv("ORCHARD_WEIGHTS");
    if (env != NULL && env[0] != '\0')
        return env;
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            snprintf(buf, n, "%s/../weights/mobilenet_v2_1.0_224.orw", exe);
            if (access(buf, R_OK) == 0)
                return buf;
        }
    }
    return "weights/mobilenet_v2_1.0_224.orw";
}

int orc_cli_predict(int argc, char **argv)
{
    static const struct option longs[] = {
        {"json", no_argument, NULL, 1},         {"weights", required_argument, NULL, 2},
        {"pca", required_argument, NULL, 3},    {"threads", required_argument, NULL, 4},
        {"top", required_argument, NULL, 5},    {"help", no_argument, NULL, 'h'},
        {"tta", required_argument, NULL, 6},    {"input-size", required_argument, NULL, 7},
        {NULL, 0, NULL, 0}};
    unsigned variants[ORC_AUGMENT_VARIANTS] = {0}, nviews = 1;
    uint32_t sizes[SIZES_MAX] = {0}; /* 0: the weight file's */
    unsigned nsizes = 1, sizes_given = 0;
    int json = 0;
    const char *weights = NULL, *pca = NULL;
    unsigned threads = 2, top = 5;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        switch (c) {
        case 1: json = 1; break;
        case 2: weights = optarg; break;
        case 3: pca = optarg; break;
        case 4:
            if (!parse_uint("--threads", optarg, 1, 64, &threads))
                return ORC_EXIT_USAGE;
            break;
        case 5:
            if (!parse_uint("--top", optarg, 1, 1000, &top))
                return ORC_EXIT_USAGE;
            break;
        case 6: {
            orc_error perr;
            if (orc_augment_parse(optarg, variants, &nviews, &perr) != ORC_OK) {
                fprintf(stderr, "orchard predict: --tta: %s\n", perr.msg);
                return ORC_EXIT_USAGE;
            }
            break;
        }
        case 7:
            if (!parse_sizes("predict", optarg, sizes, &nsizes))
                return ORC_EXIT_USAGE;
            sizes_given = 1;
            break;
        case 'h': predict_usage(stdout); return ORC_EXIT_OK;
        default: predict_usage(stderr); return ORC_EXIT_USAGE;
        }
    }
    if (argc - optind < 2) {
        fprintf(stderr, "orchard predict: need MODEL and at least one INPUT\n");
        predict_usage(stderr);
        return ORC_EXIT_USAGE;
    }
    char wbuf[4200];
    if (weights == NULL)
        weights = default_weights(wbuf, sizeof wbuf);
    orc_error err = {0};
    orc_classifier *cls = NULL;
    orc_model *nets[SIZES_MAX] = {NULL};
    orc_pca_model *pm = NULL;
    float *proj = NULL;
    pathlist inputs = {0};
    uint8_t *img = NULL;
    float *feat = NULL, *prob = NULL, *vprob = NULL;
    size_t *order = NULL, *one_group = NULL;
    int rc = ORC_EXIT_FATAL, failures = 0;
    if (orc_classifier_load(argv[optind], &cls, &err) != ORC_OK) {
        fprintf(stderr, "orchard predict: %s\n", err.msg);
        goto done;
    }
    const orc_classifier_info *in = orc_classifier_get_info(cls);
    if (!check_source(cls, pca, "predict"))
        goto done;
    if (!sizes_given && in->input_size_count > 0) { /* the sizes the model was trained at */
        nsizes = in->input_size_count;
        memcpy(sizes, in->input_sizes, nsizes * sizeof *sizes);
    }
    if (in->source == ORC_FEATURE_SOURCE_PCA) {
        if (orc_pca_model_load(pca, &pm, &err) != ORC_OK) {
            fprintf(stderr, "orchard predict: %s\n", err.msg);
            goto done;
        }
        if (orc_pca_model_get_info(pm)->k != in->input_dim) {
            fprintf(stderr, "orchard predict: %s keeps %u components but the classifier expects "
                            "%u\n", pca, orc_pca_model_get_info(pm)->k, in->input_dim);
            goto done;
        }
    }
    for (int i = optind + 1; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) != 0) {
            fprintf(stderr, "orchard predict: %s: %s\n", argv[i], strerror(errno));
            goto done;
        }
        if (S_ISDIR(sb.st_mode) ? !walk(argv[i], &inputs) : !pathlist_add(&inputs, argv[i])) {
            fprintf(stderr, "orchard predict: cannot list %s\n", argv[i]);
            goto done;
        }
    }
    if (inputs.n == 0) {
        fprintf(stderr, "orchard predict: no images in the inputs given\n");
        goto done;
    }
    orc_model_options mo;
    orc_model_options_default(&mo);
    mo.threads = threads;
    mo.batch_capacity = nviews;
    mo.parallelism = ORC_MODEL_SPLIT;
    double t_open = now_seconds();
    size_t max_side = 0, sides[SIZES_MAX];
    for (unsigned z = 0; z < nsizes; z++) {
        mo.input_size = sizes[z];
        if (orc_model_open(weights, &mo, &nets[z], &err) != ORC_OK) {
            fprintf(stderr, "orchard predict: %s\n", err.msg);
            goto done;
        }
        sides[z] = orc_model_input_size(nets[z]);
        max_side = sides[z] > max_side ? sides[z] : max_side;
    }
    t_open = now_seconds() - t_open;
    orc_model *net = nets[0];
    size_t dim = orc_model_feature_dim(net), nrows = (size_t)nsizes * nviews;
    size_t k = in->class_count;
    size_t want = pm != NULL ? orc_pca_model_get_info(pm)->dim : in->input_dim;
    if (dim != want) {
        fprintf(stderr, "orchard predict: the network gives %zu features but the %s expects "
                        "%zu\n", dim, pm != NULL ? "PCA model" : "classifier", want);
        goto done;
    }
    if (top > k)
        top = (unsigned)k;
    const size_t channels = orc_model_input_channels(net);
    size_t img_cap = max_side * max_side * channels; /* one image at the largest size */
    img = malloc(img_cap * (nviews + nsizes)); /* [views][side][side][3], then the decoded
                                                  image at each size */
    feat = malloc(nviews * dim * sizeof *feat);
    prob = malloc(k * sizeof *prob);
    vprob = malloc(nrows * k * sizeof *vprob); /* [sizes][views][k] */
    order = malloc(k * sizeof *order);
    proj = malloc(nviews * in->input_dim * sizeof *proj);
    one_group = calloc(nrows, sizeof *one_group); /* every row a view of the one image */
    if (img == NULL || feat == NULL || prob == NULL || vprob == NULL || order == NULL ||
        proj == NULL || one_group == NULL) {
        fprintf(stderr, "orchard predict: no memory\n");
        goto done;
    }
    uint8_t *decoded[SIZES_MAX];
    uint32_t sides32[SIZES_MAX];
    for (unsigned z = 0; z < nsizes; z++) {
        decoded[z] = img + (nviews + z) * img_cap;
        sides32[z] = (uint32_t)sides[z];
    }
    if (orc_cli_verbose) {
        char sizes_buf[64];
        fprintf(stderr, "orchard predict: network opened in %.1f ms (%s); input sizes %s (%s)\n",
                1e3 * t_open, orc_model_kernels_description(net),
                sizes_text(sides32, nsizes, sizes_buf, sizeof sizes_buf),
                sizes_given ? "--input-size" : in->input_size_count ? "recorded in the model"
                                                                    : "the weight file's");
    }
    double total = 0.0;
    for (size_t i = 0; i < inputs.n; i++) {
        const char *path = inputs.v[i];
        double t0 = now_seconds();
        /* one read and one decode, resized to every size */
        if (orc_image_load_sizes(path, nsizes, sides, decoded, NULL, &err) != ORC_OK) {
            failures++;
            if (json) {
                printf("{\"path\": ");
                json_string(stdout, path);
                printf(", \"error\": ");
                json_string(stdout, err.msg);
                printf("}\n");
            } else {
                fprintf(stderr, "orchard predict: skipped: %s\n", err.msg);
            }
            continue;
        }
        double t1 = now_seconds();
        for (unsigned z = 0; z < nsizes; z++) {
            const size_t img_bytes = sides[z] * sides[z] * channels;
            for (unsigned v = 0; v < nviews; v++)
                if (orc_augment_dihedral(decoded[z], sides[z], channels, variants[v],
                                         img + v * img_bytes, &err) != ORC_OK) {
                    fprintf(stderr, "orchard predict: %s: %s\n", path, err.msg);
                    goto done;
                }
            if (orc_model_run(nets[z], img, nviews, feat, &err) != ORC_OK ||
                (pm != NULL && orc_pca_apply(pm, feat, nviews, dim, proj, &err) != ORC_OK) ||
                orc_classifier_predict(cls, pm != NULL ? proj : feat, nviews, 1,
                                       vprob + (size_t)z * nviews * k, &err) != ORC_OK) {
                fprintf(stderr, "orchard predict: %s: %s\n", path, err.msg);
                goto done;
            }
        }
        if (orc_augment_average_views(vprob, nrows, k, one_group, 1, prob, &err) != ORC_OK) {
            fprintf(stderr, "orchard predict: %s: %s\n", path, err.msg);
            goto done;
        }
        double t2 = now_seconds();
        for (size_t q = 0; q < k; q++)
            order[q] = q;
        for (size_t a = 0; a < top; a++) { /* partial selection sort: top classes first */
            size_t b = a;
            for (size_t q = a + 1; q < k; q++)
                if (prob[order[q]] > prob[order[b]])
                    b = q;
            size_t t = order[a];
            order[a] = order[b];
            order[b] = t;
        }
        double ms = 1e3 * (t2 - t0);
        total += ms;
        if (json) {
            printf("{\"path\": ");
            json_string(stdout, path);
            printf(", \"label\": ");
            json_string(stdout, orc_classifier_class_name(cls, order[0]));
            printf(", \"probability\": %.6f, \"top\": [", prob[order[0]]);
            for (size_t a = 0; a < top; a++) {
                printf("%s{\"label\": ", a ? ", " : "");
                json_string(stdout, orc_classifier_class_name(cls, order[a]));
                printf(", \"probability\": %.6f}", prob[order[a]]);
            }
            printf("], \"views\": %zu, \"latency_ms\": %.3f, \"decode_ms\": %.3f, "
                   "\"network_and_classifier_ms\": %.3f}\n", nrows, ms, 1e3 * (t1 - t0),
                   1e3 * (t2 - t1));
        } else {
            printf("%s\t%s\t%.4f\t%.1f ms\ttop:", path, orc_classifier_class_name(cls, order[0]),
                   prob[order[0]], ms);
            for (size_t a = 0; a < top; a++)
                printf(" %s (%.4f)%s", orc_classifier_class_name(cls, order[a]), prob[order[a]],
                       a + 1 < top ? "," : "");
            printf("\n");
        }
    }
    if (!json && inputs.n > 1)
        fprintf(stderr, "orchard predict: %zu images, %d skipped, mean latency %.1f ms\n",
                inputs.n, failures, total / (double)(inputs.n - (size_t)failures > 0 ? inputs.n - (size_t)failures : 1));
    rc = failures > 0 && (size_t)failures == inputs.n ? ORC_EXIT_FATAL : ORC_EXIT_OK;
done:
    for (size_t i = 0; i < inputs.n; i++)
        free(inputs.v[i]);
    free(inputs.v);
    free(img);
    free(feat);
    free(prob);
    free(vprob);
    free(order);
    free(proj);
    free(one_group);
    orc_pca_model_close(pm);
    for (unsigned z = 0; z < nsizes; z++)
        orc_model_close(nets[z]);
    orc_classifier_close(cls);
    return rc;
}
