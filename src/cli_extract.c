/* cli_extract.c -- `orchard extract INPUT_DIR OUTPUT_DIR`: images under a folder to one feature
 * row each (CSV), skipped files with reasons in OUTPUT_DIR/errors.csv. */
#include "cli.h"
#include "feature_writer.h"
#include "image.h"
#include "model.h"
#include "threadpool.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_WEIGHTS "weights/mobilenet_v2_1.0_224.orw"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: orchard extract INPUT_DIR OUTPUT_DIR [options]\n\n"
        "Walks INPUT_DIR recursively (sorted by path; names starting with '.' are ignored),\n"
        "decodes every file as an image (JPEG, PNG, BMP, GIF first frame, ...), resizes it to\n"
        "224x224 (bilinear, half-pixel centres) and writes one row of MobileNetV2 features per\n"
        "image: OUTPUT_DIR/features.csv with the header path,label,f0,...,f1279, where path is\n"
        "the file's file:// URI and label the name of its parent folder. Files that cannot be\n"
        "used are listed with the reason in OUTPUT_DIR/errors.csv (path,reason) and skipped.\n"
        "OUTPUT_DIR is created if needed; files are written under a .tmp name and renamed when\n"
        "complete.\n\n"
        "options:\n"
        "  --format csv      output format (only csv so far)\n"
        "  --threads N       threads for decoding and inference (default: all online CPUs)\n"
        "  --batch N         images decoded and run per batch (default 32, 1..1024)\n"
        "  --weights F       weight file (.orw); default $ORCHARD_WEIGHTS, else\n"
        "                    " DEFAULT_WEIGHTS " next to the binary's build folder,\n"
        "                    else relative to the current folder ('make weights' builds it)\n"
        "  --isa NAME        widest kernel ISA to use: auto (default: the widest this CPU has,\n"
        "                    or $ORCHARD_ISA when set), scalar, avx2, avx512, neon; an ISA the\n"
        "                    CPU lacks is an error\n"
        "  --limit N         process only the first N files (in sorted order)\n"
        "  --max-errors N    exit with status 3 when more than N files are skipped\n"
        "                    (default: no limit; skipped files never stop the run)\n"
        "  --quiet           no progress lines (the summary and errors are still printed)\n"
        "  -h, --help        this help\n\n"
        "exit status: 0 done (some files may have been skipped: the summary says so),\n"
        "1 fatal error, 2 bad command line, 3 more skipped files than --max-errors.\n");
}

/* ---- the file list ---------------------------------------------------------------------- */

typedef struct file_list {
    char **paths; /* relative to the input folder */
    size_t count, cap;
} file_list;

static int list_add(file_list *l, const char *rel)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        char **p = realloc(l->paths, cap * sizeof *p);
        if (p == NULL)
            return -1;
        l->paths = p;
        l->cap = cap;
    }
    l->paths[l->count] = strdup(rel);
    return l->paths[l->count++] == NULL ? -1 : 0;
}

static void list_free(file_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->paths[i]);
    free(l->paths);
}

static orc_status walk(const char *root, const char *rel, file_list *l, orc_error *err)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s%s%s", root, rel[0] ? "/" : "", rel);
    DIR *d = opendir(dir);
    if (d == NULL)
        return orc_error_set(err, ORC_ERR_IO, "cannot open folder %s: %s", dir, strerror(errno));
    orc_status st = ORC_OK;
    struct dirent *e;
    while (st == ORC_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char child[PATH_MAX], full[PATH_MAX];
        int n1 = snprintf(child, sizeof child, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        int n2 = snprintf(full, sizeof full, "%s/%s", root, child);
        if (n1 >= (int)sizeof child || n2 >= (int)sizeof full) {
            st = orc_error_set(err, ORC_ERR_IO, "path too long under %s", dir);
            break;
        }
        struct stat sb;
        if (stat(full, &sb) != 0) { /* e.g. a dangling link: reported as a skipped file */
            if (list_add(l, child) != 0)
                st = orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory listing files");
            continue;
        }
        if (S_ISDIR(sb.st_mode)) {
            struct stat lb;
            if (lstat(full, &lb) == 0 && S_ISLNK(lb.st_mode))
                continue; /* never follow folder links: no loops */
            st = walk(root, child, l, err);
        } else if (list_add(l, child) != 0) {
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory listing files");
        }
    }
    closedir(d);
    return st;
}

static int cmp_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* file:// URI of an absolute path: every byte except unreserved characters and '/' is
 * percent-encoded (RFC 3986) */
static void file_uri(const char *abs_path, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = (size_t)snprintf(out, cap, "file://");
    for (const unsigned char *p = (const unsigned char *)abs_path; *p && o + 4 < cap; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
}

static void copy_str(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* label = name of the folder that holds the file */
static void parent_name(const char *root_abs, const char *rel, char *out, size_t cap)
{
    const char *slash = strrchr(rel, '/');
    if (slash == NULL) {
        const char *r = strrchr(root_abs, '/');
        r = r != NULL && r[1] ? r + 1 : root_abs;
        copy_str(out, cap, r, strlen(r));
        return;
    }
    const char *start = slash;
    while (start > rel && start[-1] != '/')
        start--;
    copy_str(out, cap, start, (size_t)(slash - start));
}

/* ---- batches ------------------------------------------------------------------------------ */

typedef struct batch_ctx {
    const char *root;
    file_list *files;
    size_t first, count, side;
    uint8_t *pixels;      /* [batch][side][side][3] */
    orc_status *status;   /* per slot */
    orc_error *errors;    /* per slot */
} batch_ctx;

static void decode_task(void *ctx, size_t t, size_t nt)
{
    batch_ctx *b = ctx;
    size_t begin, end;
    orc_split_range(b->count, t, nt, &begin, &end);
    for (size_t i = begin; i < end; i++) {
        char full[PATH_MAX];
        snprintf(full, sizeof full, "%s/%s", b->root, b->files->paths[b->first + i]);
        b->status[i] = orc_image_load(full, b->side, b->pixels + i * b->side * b->side * 3, NULL,
                                      &b->errors[i]);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
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
                    copy_str(out, cap, cand, strlen(cand));
                    return;
                }
            }
        }
    }
    snprintf(out, cap, "%s", DEFAULT_WEIGHTS);
}

static int mkdir_p(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(tmp, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

int orc_cli_extract(int argc, char **argv)
{
    const char *input = NULL, *output = NULL, *format = "csv", *weights_opt = NULL;
    size_t threads = 0, batch = 32, limit = SIZE_MAX, max_errors = SIZE_MAX;
    int quiet = 0;
    const char *isa_opt = NULL;
    orc_isa isa = ORC_ISA_SCALAR;
    orc_error err = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return ORC_EXIT_OK;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (a[0] == '-' && a[1] == '-' && v == NULL) {
            fprintf(stderr, "orchard extract: %s needs a value (or is unknown; see --help)\n", a);
            return ORC_EXIT_USAGE;
        } else if (strcmp(a, "--format") == 0) {
            format = argv[++i];
        } else if (strcmp(a, "--weights") == 0) {
            weights_opt = argv[++i];
        } else if (strcmp(a, "--threads") == 0) {
            if (parse_size(a, argv[++i], 1, ORC_THREADS_MAX, &threads) != 0)
                return ORC_EXIT_USAGE;
        } else if (strcmp(a, "--batch") == 0) {
            if (parse_size(a, argv[++i], 1, 1024, &batch) != 0)
                return ORC_EXIT_USAGE;
        } else if (strcmp(a, "--limit") == 0) {
            if (parse_size(a, argv[++i], 1, SIZE_MAX / 2, &limit) != 0)
                return ORC_EXIT_USAGE;
        } else if (strcmp(a, "--max-errors") == 0) {
            if (parse_size(a, argv[++i], 0, SIZE_MAX / 2, &max_errors) != 0)
                return ORC_EXIT_USAGE;
        } else if (strcmp(a, "--isa") == 0) {
            isa_opt = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "orchard extract: unknown option '%s' (see --help)\n", a);
            return ORC_EXIT_USAGE;
        } else if (input == NULL) {
            input = a;
        } else if (output == NULL) {
            output = a;
        } else {
            fprintf(stderr, "orchard extract: unexpected argument '%s' (see --help)\n", a);
            return ORC_EXIT_USAGE;
        }
    }
    if (input == NULL || output == NULL) {
        fprintf(stderr, "orchard extract: INPUT_DIR and OUTPUT_DIR are required (see --help)\n");
        return ORC_EXIT_USAGE;
    }
    if (strcmp(format, "csv") != 0) {
        fprintf(stderr, "orchard extract: --format '%s' is not supported (only csv)\n", format);
        return ORC_EXIT_USAGE;
    }
    orc_status ist = orc_isa_choose(isa_opt, "--isa", &isa, &err);
    if (ist != ORC_OK) {
        fprintf(stderr, "orchard extract: %s\n", err.msg);
        return ist == ORC_ERR_INVALID_ARGUMENT ? ORC_EXIT_USAGE : ORC_EXIT_FATAL;
    }
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n < 1 ? 1 : (n > ORC_THREADS_MAX ? ORC_THREADS_MAX : (size_t)n);
    }
    char weights[PATH_MAX];
    if (weights_opt != NULL)
        snprintf(weights, sizeof weights, "%s", weights_opt);
    else
        default_weights(weights, sizeof weights);

    char root[PATH_MAX];
    if (realpath(input, root) == NULL) {
        fprintf(stderr, "orchard extract: input folder %s: %s\n", input, strerror(errno));
        return ORC_EXIT_FATAL;
    }
    double t0 = now_s();
    int rc = ORC_EXIT_FATAL;
    file_list files = {0};
    orc_model *model = NULL;
    orc_threadpool *pool = NULL;
    orc_feature_writer *writer = NULL;
    FILE *errors = NULL;
    uint8_t *pixels = NULL;
    float *features = NULL;
    orc_status *status = NULL;
    orc_error *errs = NULL;
    char errors_path[PATH_MAX + 16], errors_tmp[PATH_MAX + 32], features_path[PATH_MAX + 16];
    snprintf(errors_path, sizeof errors_path, "%s/errors.csv", output);
    snprintf(errors_tmp, sizeof errors_tmp, "%s.tmp", errors_path);
    snprintf(features_path, sizeof features_path, "%s/features.csv", output);

    if (walk(root, "", &files, &err) != ORC_OK) {
        fprintf(stderr, "orchard extract: %s\n", err.msg);
        goto done;
    }
    if (files.count == 0) {
        fprintf(stderr, "orchard extract: no files found under %s\n", root);
        goto done;
    }
    qsort(files.paths, files.count, sizeof *files.paths, cmp_paths);
    while (files.count > limit)
        free(files.paths[--files.count]);

    orc_model_options mo;
    orc_model_options_default(&mo);
    mo.threads = threads;
    mo.isa = isa;
    mo.batch_capacity = batch;
    if (orc_model_open(weights, &mo, &model, &err) != ORC_OK) {
        fprintf(stderr, "orchard extract: %s\n", err.msg);
        goto done;
    }
    if (orc_cli_verbose)
        fprintf(stderr, "orchard extract: %zu threads, batch %zu, kernels: %s\n", threads, batch,
                orc_model_kernels_description(model));
    if (orc_threadpool_open(threads, &pool, &err) != ORC_OK) {
        fprintf(stderr, "orchard extract: %s\n", err.msg);
        goto done;
    }
    size_t side = orc_model_input_size(model), dim = orc_model_feature_dim(model);
    if (orc_model_input_channels(model) != 3) {
        fprintf(stderr, "orchard extract: %s expects %zu input channels; images are RGB\n",
                weights, orc_model_input_channels(model));
        goto done;
    }
    pixels = malloc(batch * side * side * 3);
    features = malloc(batch * dim * sizeof *features);
    status = calloc(batch, sizeof *status);
    errs = calloc(batch, sizeof *errs);
    if (pixels == NULL || features == NULL || status == NULL || errs == NULL) {
        fprintf(stderr, "orchard extract: out of memory for a batch of %zu images\n", batch);
        goto done;
    }
    if (mkdir_p(output) != 0) {
        fprintf(stderr, "orchard extract: cannot create output folder %s: %s\n", output,
                strerror(errno));
        goto done;
    }
    if (orc_csv_writer_open(features_path, dim, &writer, &err) != ORC_OK) {
        fprintf(stderr, "orchard extract: %s\n", err.msg);
        goto done;
    }
    errors = fopen(errors_tmp, "w");
    if (errors == NULL || fputs("path,reason\n", errors) < 0) {
        fprintf(stderr, "orchard extract: cannot create %s: %s\n", errors_tmp, strerror(errno));
        goto done;
    }

    int tty = isatty(STDERR_FILENO);
    double last_progress = now_s(), t_model = 0, t_decode = 0;
    size_t done_count = 0, skipped = 0;
    for (size_t first = 0; first < files.count; first += batch) {
        size_t n = files.count - first < batch ? files.count - first : batch;
        batch_ctx bc = {.root = root, .files = &files, .first = first, .count = n, .side = side,
                        .pixels = pixels, .status = status, .errors = errs};
        double ta = now_s();
        orc_threadpool_run(pool, decode_task, &bc);
        double tb = now_s();
        t_decode += tb - ta;
        /* compact the good images to the front, in order */
        size_t good = 0;
        for (size_t i = 0; i < n; i++) {
            if (status[i] != ORC_OK)
                continue;
            if (good != i)
                memcpy(pixels + good * side * side * 3, pixels + i * side * side * 3,
                       side * side * 3);
            good++;
        }
        if (good > 0 && orc_model_run(model, pixels, good, features, &err) != ORC_OK) {
            fprintf(stderr, "orchard extract: %s\n", err.msg);
            goto done;
        }
        t_model += now_s() - tb;
        size_t g = 0;
        for (size_t i = 0; i < n; i++) {
            char full[PATH_MAX + 8], uri[3 * PATH_MAX + 16], label[NAME_MAX + 1];
            snprintf(full, sizeof full, "%s/%s", root, files.paths[first + i]);
            file_uri(full, uri, sizeof uri);
            if (status[i] != ORC_OK) {
                skipped++;
                if (orc_csv_write_field(errors, uri) || fputc(',', errors) == EOF ||
                    orc_csv_write_field(errors, errs[i].msg) || fputc('\n', errors) == EOF) {
                    fprintf(stderr, "orchard extract: write failed on %s\n", errors_tmp);
                    goto done;
                }
                if (!quiet)
                    fprintf(stderr, "%sorchard extract: skipped: %s\n", tty ? "\r\033[K" : "",
                            errs[i].msg);
                continue;
            }
            parent_name(root, files.paths[first + i], label, sizeof label);
            if (orc_feature_writer_write(writer, uri, label, features + g * dim, &err) != ORC_OK) {
                fprintf(stderr, "orchard extract: %s\n", err.msg);
                goto done;
            }
            g++;
        }
        done_count += n;
        double t = now_s();
        if (!quiet && (t - last_progress >= (tty ? 0.5 : 5.0) || done_count == files.count)) {
            double rate = (double)(done_count - skipped) / (t - t0);
            fprintf(stderr, "%sorchard extract: %zu/%zu files, %.1f img/s, %zu skipped%s",
                    tty ? "\r\033[K" : "", done_count, files.count, rate, skipped,
                    tty ? "" : "\n");
            last_progress = t;
        }
    }
    if (!quiet && tty)
        fputc('\n', stderr);
    if (orc_feature_writer_finish(writer, &err) != ORC_OK) {
        fprintf(stderr, "orchard extract: %s\n", err.msg);
        goto done;
    }
    int eb = fflush(errors) != 0 || fsync(fileno(errors)) != 0;
    eb = fclose(errors) != 0 || eb;
    errors = NULL;
    if (eb || rename(errors_tmp, errors_path) != 0) {
        fprintf(stderr, "orchard extract: cannot write %s: %s\n", errors_path, strerror(errno));
        goto done;
    }
    double total = now_s() - t0;
    fprintf(stderr,
            "orchard extract: %zu images -> %s (%zu skipped -> %s) in %.2f s: %.1f img/s "
            "overall; inference %.2f s (%.1f img/s, %zu threads, %s), decode %.2f s\n",
            done_count - skipped, features_path, skipped, errors_path, total,
            (double)(done_count - skipped) / total, t_model,
            t_model > 0 ? (double)(done_count - skipped) / t_model : 0.0, threads,
            orc_isa_name(isa), t_decode);
    rc = skipped > max_errors ? ORC_EXIT_PARTIAL : ORC_EXIT_OK;
    if (rc == ORC_EXIT_PARTIAL)
        fprintf(stderr, "orchard extract: %zu files skipped, more than --max-errors %zu\n",
                skipped, max_errors);
done:
    if (errors != NULL) {
        fclose(errors);
        remove(errors_tmp);
    }
    orc_feature_writer_close(writer);
    orc_threadpool_close(pool);
    orc_model_close(model);
    free(pixels);
    free(features);
    free(status);
    free(errs);
    list_free(&files);
    return rc;
}
