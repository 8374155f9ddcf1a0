/* featureset.c -- read labelled feature rows from Orchard CSV outputs (see featureset.h). */
#include "featureset.h"

#include "dataset.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* the rows read so far, over every source; fs->dim is 0 until the first source gave a header
 * or a row (every dimension is >= 1; from then on every file and row must match it) */
typedef struct growing {
    orc_featureset *fs;
    size_t cap_rows;
    const char *source;       /* the DATASET being read */
    const char *first_source; /* the first DATASET, which set dim (NULL while reading it) */
    size_t source_first_row;  /* fs->rows when this source began */
} growing;

/* a source (file: the CSV file of it, or NULL) whose dimension differs from the first
 * source's */
static orc_status dim_mismatch(const growing *g, const char *file, size_t dim, orc_error *err)
{
    int own = file != NULL && strcmp(file, g->source) != 0;
    return orc_error_set(err, ORC_ERR_FORMAT, "%s%s%s has %zu feature values per row but %s has "
                         "%zu: all DATASETs must have the same feature dimension",
                         own ? file : "", own ? " in " : "", g->source, dim, g->first_source,
                         g->fs->dim);
}

void orc_featureset_close(orc_featureset *fs)
{
    if (fs == NULL)
        return;
    for (size_t i = 0; i < fs->rows; i++) {
        free(fs->paths[i]);
        free(fs->labels[i]);
    }
    for (size_t i = 0; i < fs->class_count; i++)
        free(fs->classes[i]);
    free(fs->paths);
    free(fs->labels);
    free(fs->classes);
    free(fs->label_index);
    free(fs->x);
    free(fs);
}

/* one CSV text field starting at *p (quoted or not); returns a malloc'd copy, advances *p past
 * the field and its comma. NULL on a malformed quote or no memory. */
static char *take_field(const char **p)
{
    const char *s = *p;
    size_t cap = 64, n = 0;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    if (*s == '"') {
        s++;
        for (;;) {
            if (*s == '\0') {
                free(out);
                return NULL;
            }
            if (*s == '"') {
                if (s[1] == '"') {
                    s++;
                } else {
                    s++;
                    break;
                }
            }
            if (n + 2 > cap) {
                char *t = realloc(out, cap *= 2);
                if (t == NULL) {
                    free(out);
                    return NULL;
                }
                out = t;
            }
            out[n++] = *s++;
        }
        if (*s != ',' && *s != '\0') {
            free(out);
            return NULL;
        }
    } else {
        while (*s != ',' && *s != '\0') {
            if (n + 2 > cap) {
                char *t = realloc(out, cap *= 2);
                if (t == NULL) {
                    free(out);
                    return NULL;
                }
                out = t;
            }
            out[n++] = *s++;
        }
    }
    out[n] = '\0';
    if (*s == ',')
        s++;
    *p = s;
    return out;
}

/* room for twice as many rows (dim known) */
static orc_status grow(growing *g, const char *what, orc_error *err)
{
    orc_featureset *fs = g->fs;
    size_t nc = g->cap_rows ? 2 * g->cap_rows : 1024;
    float *nx = realloc(fs->x, nc * fs->dim * sizeof *nx);
    if (nx != NULL)
        fs->x = nx;
    char **np = realloc(fs->paths, nc * sizeof *np);
    if (np != NULL)
        fs->paths = np;
    char **nl = realloc(fs->labels, nc * sizeof *nl);
    if (nl != NULL)
        fs->labels = nl;
    if (nx == NULL || np == NULL || nl == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: no memory for %zu rows", what, nc);
    g->cap_rows = nc;
    return ORC_OK;
}

static void chomp(char *line, ssize_t *len)
{
    while (*len > 0 && (line[*len - 1] == '\n' || line[*len - 1] == '\r'))
        line[--*len] = '\0';
}

static orc_status read_csv(const char *file, growing *g, char **header, orc_error *err)
{
    orc_featureset *fs = g->fs;
    FILE *f = fopen(file, "r");
    if (f == NULL)
        return orc_error_set(err, ORC_ERR_IO, "cannot open %s: %s", file, strerror(errno));
    char *line = NULL;
    size_t lcap = 0;
    orc_status st = ORC_OK;
    ssize_t len = getline(&line, &lcap, f);
    if (len < 0) {
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: empty file (expected a header line "
                           "path,label,f0,...)", file);
        goto done;
    }
    chomp(line, &len);
    if (strncmp(line, "path,label,", 11) != 0) {
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: line 1 must start with 'path,label,' "
                           "(an orchard extract CSV), got '%.60s'", file, line);
        goto done;
    }
    size_t dim = 1;
    for (const char *c = line + 11; *c; c++)
        dim += *c == ',';
    if (fs->dim != 0 && dim != fs->dim && g->first_source != NULL) {
        st = dim_mismatch(g, file, dim, err);
        goto done;
    }
    if (*header == NULL) {
        fs->dim = dim;
        if ((*header = strdup(line)) == NULL) {
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: no memory", file);
            goto done;
        }
    } else if (strcmp(*header, line) != 0) {
        if (g->first_source != NULL)
            st = orc_error_set(err, ORC_ERR_FORMAT, "%s: header differs from the one of %s "
                               "(different feature columns)", file, g->first_source);
        else
            st = orc_error_set(err, ORC_ERR_FORMAT, "%s: header differs from the first file's "
                               "(different feature columns)", file);
        goto done;
    }
    size_t lineno = 1;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        lineno++;
        chomp(line, &len);
        if (len == 0)
            continue;
        if (fs->rows == g->cap_rows && (st = grow(g, file, err)) != ORC_OK)
            goto done;
        const char *p = line;
        char *path = take_field(&p);
        char *label = path != NULL ? take_field(&p) : NULL;
        if (path == NULL || label == NULL || path[0] == '\0' || label[0] == '\0') {
            free(path);
            free(label);
            st = orc_error_set(err, ORC_ERR_FORMAT, "%s:%zu: bad path or label field", file, lineno);
            goto done;
        }
        float *row = fs->x + fs->rows * fs->dim;
        size_t j = 0;
        for (; j < fs->dim; j++) {
            char *end;
            errno = 0;
            float v = strtof(p, &end);
            if (end == p || (*end != ',' && *end != '\0') || !isfinite(v)) {
                free(path);
                free(label);
                st = orc_error_set(err, ORC_ERR_FORMAT, "%s:%zu: column %zu is not a finite "
                                   "number", file, lineno, j + 3);
                goto done;
            }
            row[j] = v;
            p = end;
            if (*p == ',')
                p++;
            else
                break;
        }
        if (j + 1 != fs->dim || *p != '\0' || (p > line && p[-1] == ',')) {
            free(path);
            free(label);
            st = orc_error_set(err, ORC_ERR_FORMAT, "%s:%zu: expected %zu feature columns",
                               file, lineno, fs->dim);
            goto done;
        }
        fs->paths[fs->rows] = path;
        fs->labels[fs->rows] = label;
        fs->rows++;
    }
    if (ferror(f))
        st = orc_error_set(err, ORC_ERR_IO, "%s: read error", file);
done:
    free(line);
    fclose(f);
    return st;
}

/* one Parquet dataset folder (with _SUCCESS): columns path, label and `column` (FLOAT_LIST) */
static orc_status read_dataset(const char *dir, const char *column, growing *g, orc_error *err)
{
    orc_featureset *fs = g->fs;
    const char *cols[3] = {"path", "label", column};
    orc_dataset_reader *r = NULL;
    orc_status st = orc_dataset_reader_open(dir, cols, 3, &r, err);
    if (st != ORC_OK)
        return st;
    for (;;) {
        int has = 0;
        orc_parquet_value vp, vl, vx;
        if ((st = orc_dataset_reader_next(r, &has, err)) != ORC_OK || !has)
            break;
        if ((st = orc_dataset_reader_get(r, 0, &vp, err)) != ORC_OK ||
            (st = orc_dataset_reader_get(r, 1, &vl, err)) != ORC_OK ||
            (st = orc_dataset_reader_get(r, 2, &vx, err)) != ORC_OK)
            break;
        if (vp.is_null || vl.is_null || vx.is_null || vl.str_len == 0 || vx.n_floats == 0) {
            st = orc_error_set(err, ORC_ERR_FORMAT, "%s: row %zu has a null or empty path, label "
                               "or %s", dir, fs->rows - g->source_first_row + 1, column);
            break;
        }
        size_t row = fs->rows - g->source_first_row + 1; /* 1-based, in this source */
        if (fs->dim == 0)
            fs->dim = vx.n_floats;
        if (vx.n_floats != fs->dim && row == 1 && g->first_source != NULL) {
            st = dim_mismatch(g, NULL, vx.n_floats, err);
            break;
        }
        if (vx.n_floats != fs->dim) {
            st = orc_error_set(err, ORC_ERR_FORMAT, "%s: row %zu has %zu %s values, the first "
                               "row %zu", dir, row, vx.n_floats, column, fs->dim);
            break;
        }
        if (fs->rows == g->cap_rows && (st = grow(g, dir, err)) != ORC_OK)
            break;
        for (size_t j = 0; j < fs->dim; j++)
            if (!isfinite(vx.floats[j])) {
                st = orc_error_set(err, ORC_ERR_FORMAT, "%s: row %zu: %s value %zu is not "
                                   "finite", dir, row, column, j);
                break;
            }
        if (st != ORC_OK)
            break;
        memcpy(fs->x + fs->rows * fs->dim, vx.floats, fs->dim * sizeof *fs->x);
        fs->paths[fs->rows] = strndup(vp.str, vp.str_len);
        fs->labels[fs->rows] = strndup(vl.str, vl.str_len);
        if (fs->paths[fs->rows] == NULL || fs->labels[fs->rows] == NULL) {
            free(fs->paths[fs->rows]);
            free(fs->labels[fs->rows]);
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: no memory", dir);
            break;
        }
        fs->rows++;
    }
    orc_dataset_reader_close(r);
    return st;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* the sorted *.csv files of dir (errors.csv skipped) */
static orc_status list_csv(const char *dir, char ***out, size_t *count, orc_error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return orc_error_set(err, ORC_ERR_IO, "cannot open folder %s: %s", dir, strerror(errno));
    char **v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    orc_status st = ORC_OK;
    while ((e = readdir(d)) != NULL) {
        if (!has_suffix(e->d_name, ".csv") || strcmp(e->d_name, "errors.csv") == 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            char **t = realloc(v, cap * sizeof *t);
            if (t == NULL) {
                st = orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory");
                break;
            }
            v = t;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if ((v[n] = malloc(len)) == NULL) {
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory");
            break;
        }
        snprintf(v[n++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (st == ORC_OK && n == 0)
        st = orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                           "%s: no feature CSV files in this folder (expected the output of "
                           "orchard extract --format csv)", dir);
    if (st != ORC_OK) {
        for (size_t i = 0; i < n; i++)
            free(v[i]);
        free(v);
        return st;
    }
    qsort(v, n, sizeof *v, cmp_str);
    *out = v;
    *count = n;
    return ORC_OK;
}

/* append the rows of one DATASET (a CSV file, a folder of them, or a Parquet dataset) to g;
 * header: the first CSV header of all sources (NULL until one is read), owned by the caller */
static orc_status read_source(const char *path, int want_pca, growing *g, char **header,
                              orc_error *err)
{
    char **files = NULL;
    size_t nfiles = 0;
    orc_status st = ORC_OK;
    char parquet_dir[4200] = "";
    const char *column = want_pca ? "pca" : "features";
    if (is_dir(path)) {
        /* a Parquet dataset: DIR/<pca|features>/_SUCCESS, DIR/features/_SUCCESS (a pca column
         * next to the features) or DIR/_SUCCESS */
        const char *subs[3] = {want_pca ? "/pca" : "/features", "/features", ""};
        for (int i = 0; i < 3 && parquet_dir[0] == '\0'; i++) {
            char probe[4300];
            snprintf(probe, sizeof probe, "%s%s/_SUCCESS", path, subs[i]);
            if (access(probe, F_OK) == 0)
                snprintf(parquet_dir, sizeof parquet_dir, "%s%s", path, subs[i]);
        }
    }
    if (parquet_dir[0] != '\0') {
        st = read_dataset(parquet_dir, column, g, err);
    } else if (is_dir(path)) {
        char sub[4200];
        snprintf(sub, sizeof sub, "%s/%s", path, want_pca ? "pca" : "features");
        st = list_csv(is_dir(sub) ? sub : path, &files, &nfiles, err);
    } else {
        files = malloc(sizeof *files);
        if (files == NULL || (files[0] = strdup(path)) == NULL)
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory");
        else
            nfiles = 1;
    }
    for (size_t i = 0; st == ORC_OK && i < nfiles; i++)
        st = read_csv(files[i], g, header, err);
    if (st == ORC_OK && g->fs->rows == g->source_first_row)
        st = orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "%s: no rows", path);
    for (size_t i = 0; i < nfiles; i++)
        free(files[i]);
    free(files);
    return st;
}

orc_status orc_featureset_load(const char *path, int want_pca, orc_featureset **out,
                               orc_error *err)
{
    return orc_featureset_load_many(&path, 1, want_pca, out, err);
}

orc_status orc_featureset_load_many(const char *const *paths, size_t n, int want_pca,
                                    orc_featureset **out, orc_error *err)
{
    if (paths == NULL || n == 0 || out == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "featureset: missing argument");
    for (size_t i = 0; i < n; i++)
        if (paths[i] == NULL)
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "featureset: missing argument");
    orc_featureset *fs = calloc(1, sizeof *fs);
    if (fs == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory");
    size_t used = 0; /* fs->source = "a + b + ...", cut at its size */
    for (size_t i = 0; i < n && used < sizeof fs->source; i++) {
        int w = snprintf(fs->source + used, sizeof fs->source - used, "%s%s", i ? " + " : "",
                         paths[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    growing g = {fs, 0, NULL, NULL, 0};
    char *header = NULL;
    orc_status st = ORC_OK;
    for (size_t i = 0; st == ORC_OK && i < n; i++) {
        g.source = paths[i];
        g.first_source = i > 0 ? paths[0] : NULL;
        g.source_first_row = fs->rows;
        st = read_source(paths[i], want_pca, &g, &header, err);
    }
    if (st == ORC_OK) { /* classes: sorted unique labels */
        char **sorted = malloc(fs->rows * sizeof *sorted);
        fs->label_index = malloc(fs->rows * sizeof *fs->label_index);
        fs->classes = malloc(fs->rows * sizeof *fs->classes);
        if (sorted == NULL || fs->label_index == NULL || fs->classes == NULL) {
            free(sorted);
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory");
        } else {
            memcpy(sorted, fs->labels, fs->rows * sizeof *sorted);
            qsort(sorted, fs->rows, sizeof *sorted, cmp_str);
            for (size_t i = 0; i < fs->rows && st == ORC_OK; i++)
                if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0) {
                    if ((fs->classes[fs->class_count] = strdup(sorted[i])) == NULL)
                        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory");
                    else
                        fs->class_count++;
                }
            free(sorted);
            for (size_t i = 0; i < fs->rows && st == ORC_OK; i++) {
                char **hit = bsearch(&fs->labels[i], fs->classes, fs->class_count,
                                     sizeof *fs->classes, cmp_str);
                fs->label_index[i] = (uint32_t)(hit - fs->classes);
            }
        }
    }
    free(header);
    if (st != ORC_OK) {
        orc_featureset_close(fs);
        return st;
    }
    *out = fs;
    return ORC_OK;
}
