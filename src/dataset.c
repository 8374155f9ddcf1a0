/* dataset.c -- Spark-style Parquet datasets: parts, _SUCCESS manifest, cleanup, listing and a
 * reader over all parts (layout and guarantees in dataset.h). */
#include "dataset.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PARTS 100000u /* part numbers have 5 digits, so names sort in part order */
#define MANIFEST_MAGIC "orchard-dataset 1"

struct orc_dataset {
    char *dir;
    char run_id[65];
    const char *codec_tag;
    orc_parquet_options popt;
    orc_dataset_sink sink;
    int has_sink;
};

static int valid_run_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* "part-NNNNN-RUN.CODEC.parquet": fills run (if not NULL) and returns 1 when name is a part */
static int parse_part_name(const char *name, char *run, size_t run_size, unsigned *part)
{
    size_t n = strlen(name);
    if (strncmp(name, "part-", 5) != 0 || n < 14 || strcmp(name + n - 8, ".parquet") != 0)
        return 0;
    const char *p = name + 5;
    unsigned long v = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 9) {
        v = v * 10 + (unsigned long)(*p++ - '0');
        digits++;
    }
    if (digits < 5 || *p != '-')
        return 0;
    p++;
    const char *dot = strchr(p, '.');
    if (dot == NULL || dot == p)
        return 0;
    if (run != NULL) {
        size_t len = (size_t)(dot - p);
        if (len >= run_size)
            return 0;
        memcpy(run, p, len);
        run[len] = '\0';
    }
    if (part != NULL)
        *part = (unsigned)v;
    return 1;
}

/* hidden temp files of the parquet writer (".part-...tmp-XXXXXX") and of _SUCCESS */
static int is_temp_name(const char *name, char *run, size_t run_size)
{
    if (name[0] != '.' || strstr(name, ".tmp-") == NULL)
        return 0;
    if (strncmp(name, "._SUCCESS.tmp-", 14) == 0) {
        if (run != NULL)
            run[0] = '\0';
        return 1;
    }
    char copy[NAME_MAX + 1];
    snprintf(copy, sizeof copy, "%s", name + 1);
    char *t = strstr(copy, ".tmp-");
    *t = '\0';
    return parse_part_name(copy, run, run_size, NULL);
}

static orc_status fsync_dir(const char *dir, orc_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return orc_error_set(err, ORC_ERR_IO, "cannot open folder %s: %s", dir, strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0 && e != EINVAL)
        return orc_error_set(err, ORC_ERR_IO, "fsync of folder %s: %s", dir, strerror(e));
    return ORC_OK;
}

static orc_status mkdir_p(const char *dir, orc_error *err)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "dataset folder name too long: %s",
                             dir);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return orc_error_set(err, ORC_ERR_IO, "cannot create folder %s: %s", buf,
                                     strerror(errno));
            *p = c;
            if (c == '\0')
                break;
        }
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return orc_error_set(err, ORC_ERR_IO, "dataset output %s is not a folder", dir);
    return ORC_OK;
}

static orc_status remove_file(orc_dataset *ds, const char *name, int tell_sink, orc_error *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", ds->dir, name);
    if (unlink(path) != 0 && errno != ENOENT)
        return orc_error_set(err, ORC_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
    if (tell_sink && ds->has_sink && ds->sink.remove != NULL)
        return ds->sink.remove(ds->sink.ctx, name, err);
    return ORC_OK;
}

/* Remove parts that are not ours. keep_part(part) says which of our run's parts stay;
 * all_temps: remove every temp file (else only those of other runs). */
static orc_status sweep(orc_dataset *ds, unsigned keep_below, int all_temps, orc_error *err)
{
    DIR *d = opendir(ds->dir);
    if (d == NULL)
        return orc_error_set(err, ORC_ERR_IO, "cannot list %s: %s", ds->dir, strerror(errno));
    orc_status st = ORC_OK;
    struct dirent *de;
    char run[128];
    unsigned part;
    while (st == ORC_OK && (de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        if (is_temp_name(name, run, sizeof run)) {
            if (all_temps || strcmp(run, ds->run_id) != 0)
                st = remove_file(ds, name, 0, err);
        } else if (parse_part_name(name, run, sizeof run, &part)) {
            if (strcmp(run, ds->run_id) != 0 || part >= keep_below)
                st = remove_file(ds, name, 1, err);
        }
    }
    closedir(d);
    return st;
}

void orc_dataset_close(orc_dataset *ds)
{
    if (ds == NULL)
        return;
    free(ds->dir);
    free(ds);
}

orc_status orc_dataset_open(const char *dir, const char *run_id, const orc_dataset_options *opt,
                            orc_dataset **out, orc_error *err)
{
    if (dir == NULL || dir[0] == '\0' || run_id == NULL || out == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "dataset: no folder or run id");
    if (!valid_run_id(run_id))
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "dataset %s: run id '%s' must be 1 to 64 characters of "
                             "[A-Za-z0-9_-]", dir, run_id);
    orc_status st = mkdir_p(dir, err);
    if (st != ORC_OK)
        return st;
    orc_dataset *ds = calloc(1, sizeof *ds);
    if (ds == NULL || (ds->dir = strdup(dir)) == NULL) {
        free(ds);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "dataset %s: no memory", dir);
    }
    snprintf(ds->run_id, sizeof ds->run_id, "%s", run_id);
    if (opt != NULL && opt->parquet != NULL)
        ds->popt = *opt->parquet;
    ds->popt.created_by = NULL; /* the pointer might not outlive this call */
    ds->codec_tag = ds->popt.codec == ORC_PARQUET_CODEC_UNCOMPRESSED ? "uncompressed" : "zstd";
    if (opt != NULL && opt->sink != NULL) {
        ds->sink = *opt->sink;
        ds->has_sink = 1;
    }
    /* _SUCCESS first: from now on the folder is not a complete dataset */
    st = remove_file(ds, "_SUCCESS", 1, err);
    if (st == ORC_OK)
        st = fsync_dir(ds->dir, err);
    if (st == ORC_OK)
        st = sweep(ds, MAX_PARTS, 0, err);
    if (st == ORC_OK)
        st = fsync_dir(ds->dir, err);
    if (st != ORC_OK) {
        orc_error_prefix(err, "dataset %s", dir);
        orc_dataset_close(ds);
        return st;
    }
    *out = ds;
    return ORC_OK;
}

orc_status orc_dataset_part_name(const orc_dataset *ds, unsigned part, char *buf, size_t n,
                                 orc_error *err)
{
    if (part >= MAX_PARTS)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "dataset %s: part %u (at most %u)",
                             ds->dir, part, MAX_PARTS);
    if ((size_t)snprintf(buf, n, "part-%05u-%s.%s.parquet", part, ds->run_id, ds->codec_tag) >= n)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "dataset %s: name buffer too small",
                             ds->dir);
    return ORC_OK;
}

orc_status orc_dataset_part_path(const orc_dataset *ds, unsigned part, char *buf, size_t n,
                                 orc_error *err)
{
    char name[128];
    orc_status st = orc_dataset_part_name(ds, part, name, sizeof name, err);
    if (st != ORC_OK)
        return st;
    if ((size_t)snprintf(buf, n, "%s/%s", ds->dir, name) >= n)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "dataset %s: path too long",
                             ds->dir);
    return ORC_OK;
}

int orc_dataset_part_complete(const orc_dataset *ds, unsigned part)
{
    char path[PATH_MAX];
    if (orc_dataset_part_path(ds, part, path, sizeof path, NULL) != ORC_OK)
        return 0;
    orc_parquet_reader *r = NULL;
    if (orc_parquet_reader_open(path, &r, NULL) != ORC_OK)
        return 0;
    orc_parquet_reader_close(r);
    return 1;
}

orc_status orc_dataset_part_open(orc_dataset *ds, unsigned part,
                                 const orc_parquet_column *columns, size_t ncolumns,
                                 orc_parquet_writer **out, orc_error *err)
{
    char path[PATH_MAX];
    orc_status st = orc_dataset_part_path(ds, part, path, sizeof path, err);
    if (st != ORC_OK)
        return st;
    return orc_parquet_writer_open(path, columns, ncolumns, &ds->popt, out, err);
}

orc_status orc_dataset_part_close(orc_dataset *ds, unsigned part, orc_parquet_writer *w,
                                  orc_error *err)
{
    char name[128], path[PATH_MAX];
    orc_status st = orc_dataset_part_name(ds, part, name, sizeof name, err);
    if (st != ORC_OK) {
        orc_parquet_writer_discard(w);
        return st;
    }
    snprintf(path, sizeof path, "%s/%s", ds->dir, name);
    if ((st = orc_parquet_writer_close(w, err)) != ORC_OK)
        return st;
    if (ds->has_sink && ds->sink.publish != NULL)
        return ds->sink.publish(ds->sink.ctx, path, name, err);
    return ORC_OK;
}

orc_status orc_dataset_commit(orc_dataset *ds, unsigned nparts, orc_error *err)
{
    if (ds == NULL || nparts > MAX_PARTS)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "dataset commit: bad arguments");
    size_t cap = 256 + (size_t)nparts * 200;
    char *manifest = malloc(cap);
    if (manifest == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "dataset %s: no memory", ds->dir);
    size_t len = (size_t)snprintf(manifest, cap, "%s\nrun_id %s\nparts %u\n", MANIFEST_MAGIC,
                                  ds->run_id, nparts);
    orc_status st = ORC_OK;
    for (unsigned p = 0; p < nparts && st == ORC_OK; p++) {
        char name[128], path[PATH_MAX];
        orc_dataset_part_name(ds, p, name, sizeof name, NULL);
        snprintf(path, sizeof path, "%s/%s", ds->dir, name);
        orc_parquet_reader *r = NULL;
        orc_error e2;
        struct stat sb;
        if (orc_parquet_reader_open(path, &r, &e2) != ORC_OK || stat(path, &sb) != 0) {
            st = orc_error_set(err, ORC_ERR_IO,
                               "dataset %s: cannot commit, part %u is missing or incomplete (%s)",
                               ds->dir, p, r == NULL ? e2.msg : strerror(errno));
            orc_parquet_reader_close(r);
            break;
        }
        len += (size_t)snprintf(manifest + len, cap - len, "%s %lld %lld\n", name,
                                (long long)orc_parquet_reader_row_count(r),
                                (long long)sb.st_size);
        orc_parquet_reader_close(r);
    }
    if (st == ORC_OK)
        st = sweep(ds, nparts, 1, err);
    /* _SUCCESS: temp + fsync + rename + fsync folder */
    char tmp[PATH_MAX], fin[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/._SUCCESS.tmp-XXXXXX", ds->dir);
    snprintf(fin, sizeof fin, "%s/_SUCCESS", ds->dir);
    if (st == ORC_OK) {
        int fd = mkstemp(tmp);
        if (fd < 0) {
            st = orc_error_set(err, ORC_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
        } else {
            size_t off = 0;
            while (off < len) {
                ssize_t k = write(fd, manifest + off, len - off);
                if (k < 0 && errno == EINTR)
                    continue;
                if (k <= 0)
                    break;
                off += (size_t)k;
            }
            int ok = off == len && fchmod(fd, 0644) == 0 && fsync(fd) == 0;
            int e = errno;
            ok = close(fd) == 0 && ok;
            if (!ok || rename(tmp, fin) != 0) {
                st = orc_error_set(err, ORC_ERR_IO, "writing %s: %s", fin,
                                   strerror(ok ? errno : e));
                unlink(tmp);
            }
        }
    }
    if (st == ORC_OK)
        st = fsync_dir(ds->dir, err);
    if (st == ORC_OK && ds->has_sink && ds->sink.publish != NULL)
        st = ds->sink.publish(ds->sink.ctx, fin, "_SUCCESS", err);
    free(manifest);
    return st;
}

orc_status orc_dataset_find_run(const char *dir, char *run_id, size_t n, int *found,
                                orc_error *err)
{
    if (dir == NULL || run_id == NULL || n == 0 || found == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "dataset find run: bad arguments");
    *found = 0;
    run_id[0] = '\0';
    char path[PATH_MAX], line[512], run[128] = "";
    snprintf(path, sizeof path, "%s/_SUCCESS", dir);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        int ok = fgets(line, sizeof line, f) != NULL && strncmp(line, MANIFEST_MAGIC, 17) == 0 &&
                 fgets(line, sizeof line, f) != NULL && sscanf(line, "run_id %127s", run) == 1 &&
                 valid_run_id(run);
        fclose(f);
        if (ok) {
            if (strlen(run) >= n)
                return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "dataset %s: run id buffer "
                                     "too small", dir);
            snprintf(run_id, n, "%s", run);
            *found = 1;
            return ORC_OK;
        }
    }
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno == ENOENT ? ORC_OK
                               : orc_error_set(err, ORC_ERR_IO, "cannot list %s: %s", dir,
                                               strerror(errno));
    struct dirent *de;
    orc_status st = ORC_OK;
    while (st == ORC_OK && (de = readdir(d)) != NULL) {
        char r2[128];
        if (!parse_part_name(de->d_name, r2, sizeof r2, NULL) &&
            !(is_temp_name(de->d_name, r2, sizeof r2) && r2[0] != '\0'))
            continue;
        if (!*found) {
            snprintf(run, sizeof run, "%s", r2);
            *found = 1;
        } else if (strcmp(run, r2) != 0) {
            st = orc_error_set(err, ORC_ERR_FORMAT, "dataset %s holds parts of two runs (%s and "
                               "%s) and no _SUCCESS", dir, run, r2);
        }
    }
    closedir(d);
    if (st != ORC_OK) {
        *found = 0;
        return st;
    }
    if (*found) {
        if (strlen(run) >= n) {
            *found = 0;
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "dataset %s: run id buffer too "
                                 "small", dir);
        }
        snprintf(run_id, n, "%s", run);
    }
    return ORC_OK;
}

/* ---- listing ---------------------------------------------------------------------------- */
void orc_dataset_listing_free(orc_dataset_listing *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->paths[i]);
    free(l->paths);
    memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static orc_status add_path(orc_dataset_listing *l, size_t *cap, const char *dir,
                           const char *name, orc_error *err)
{
    if (l->count == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        char **p = realloc(l->paths, nc * sizeof *p);
        if (p == NULL)
            return orc_error_set(err, ORC_ERR_NO_MEMORY, "dataset %s: no memory", dir);
        l->paths = p;
        *cap = nc;
    }
    size_t n = strlen(dir) + strlen(name) + 2;
    if ((l->paths[l->count] = malloc(n)) == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "dataset %s: no memory", dir);
    snprintf(l->paths[l->count++], n, "%s/%s", dir, name);
    return ORC_OK;
}

orc_status orc_dataset_list(const char *dir, orc_dataset_listing *out, orc_error *err)
{
    if (dir == NULL || out == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "dataset list: no folder");
    memset(out, 0, sizeof *out);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/_SUCCESS", dir);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return orc_error_set(err, errno == ENOENT ? ORC_ERR_FORMAT : ORC_ERR_IO,
                             "dataset %s is not complete: no _SUCCESS (%s)", dir,
                             strerror(errno));
    orc_dataset_listing l = {0};
    size_t cap = 0;
    orc_status st = ORC_OK;
    char line[512], run[128];
    unsigned nparts = 0;
    int manifest = fgets(line, sizeof line, f) != NULL;
    if (manifest) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, MANIFEST_MAGIC) != 0 || fgets(line, sizeof line, f) == NULL ||
            sscanf(line, "run_id %127s", run) != 1 || fgets(line, sizeof line, f) == NULL ||
            sscanf(line, "parts %u", &nparts) != 1 || nparts > MAX_PARTS) {
            fclose(f);
            return orc_error_set(err, ORC_ERR_FORMAT, "dataset %s: _SUCCESS is not an Orchard "
                                 "manifest (nor empty, as Spark writes it)", dir);
        }
        for (unsigned p = 0; p < nparts && st == ORC_OK; p++) {
            char name[256];
            long long rows, bytes;
            struct stat sb;
            unsigned num;
            if (fgets(line, sizeof line, f) == NULL ||
                sscanf(line, "%255s %lld %lld", name, &rows, &bytes) != 3 ||
                !parse_part_name(name, NULL, 0, &num) || num != p || rows < 0) {
                st = orc_error_set(err, ORC_ERR_FORMAT, "dataset %s: bad manifest line %u", dir,
                                   p + 4);
                break;
            }
            snprintf(path, sizeof path, "%s/%s", dir, name);
            if (stat(path, &sb) != 0 || (long long)sb.st_size != bytes) {
                st = orc_error_set(err, ORC_ERR_FORMAT,
                                   "dataset %s: part %s is missing or not the size recorded in "
                                   "_SUCCESS", dir, name);
                break;
            }
            l.rows += rows;
            st = add_path(&l, &cap, dir, name, err);
        }
    } else {
        l.rows = -1;
    }
    fclose(f);
    /* parts present in the folder: with a manifest they must be exactly the listed ones */
    DIR *d = st == ORC_OK ? opendir(dir) : NULL;
    if (st == ORC_OK && d == NULL)
        st = orc_error_set(err, ORC_ERR_IO, "cannot list %s: %s", dir, strerror(errno));
    struct dirent *de;
    size_t present = 0;
    while (st == ORC_OK && (de = readdir(d)) != NULL) {
        if (!parse_part_name(de->d_name, NULL, 0, NULL))
            continue;
        present++;
        if (!manifest) {
            st = add_path(&l, &cap, dir, de->d_name, err);
            continue;
        }
        int listed = 0;
        for (size_t i = 0; i < l.count && !listed; i++) {
            const char *base = strrchr(l.paths[i], '/') + 1;
            listed = strcmp(base, de->d_name) == 0;
        }
        if (!listed)
            st = orc_error_set(err, ORC_ERR_FORMAT, "dataset %s: part %s is not in _SUCCESS "
                               "(a mix of runs?)", dir, de->d_name);
    }
    if (d != NULL)
        closedir(d);
    if (st == ORC_OK && manifest && present != l.count)
        st = orc_error_set(err, ORC_ERR_FORMAT, "dataset %s: %zu parts present, %zu listed",
                           dir, present, l.count);
    if (st != ORC_OK) {
        orc_dataset_listing_free(&l);
        return st;
    }
    if (l.count > 1)
        qsort(l.paths, l.count, sizeof *l.paths, cmp_str);
    *out = l;
    return ORC_OK;
}

/* ---- reader over all parts -------------------------------------------------------------- */
struct orc_dataset_reader {
    orc_dataset_listing parts;
    size_t next_part;
    orc_parquet_reader *cur;
    char **names;
    size_t n;
    int *index;              /* [n] column index in the current part */
    orc_parquet_type *types; /* [n] from the first part */
};

void orc_dataset_reader_close(orc_dataset_reader *r)
{
    if (r == NULL)
        return;
    orc_parquet_reader_close(r->cur);
    orc_dataset_listing_free(&r->parts);
    for (size_t i = 0; r->names != NULL && i < r->n; i++)
        free(r->names[i]);
    free(r->names);
    free(r->index);
    free(r->types);
    free(r);
}

orc_status orc_dataset_reader_open(const char *dir, const char *const *columns, size_t ncolumns,
                                   orc_dataset_reader **out, orc_error *err)
{
    if (out == NULL || (columns == NULL && ncolumns > 0))
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "dataset reader: bad arguments");
    orc_dataset_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "dataset %s: no memory", dir);
    r->n = ncolumns;
    r->names = calloc(ncolumns + 1, sizeof *r->names);
    r->index = calloc(ncolumns + 1, sizeof *r->index);
    r->types = calloc(ncolumns + 1, sizeof *r->types);
    if (r->names == NULL || r->index == NULL || r->types == NULL) {
        orc_dataset_reader_close(r);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "dataset %s: no memory", dir);
    }
    for (size_t i = 0; i < ncolumns; i++) {
        if ((r->names[i] = strdup(columns[i])) == NULL) {
            orc_dataset_reader_close(r);
            return orc_error_set(err, ORC_ERR_NO_MEMORY, "dataset %s: no memory", dir);
        }
    }
    orc_status st = orc_dataset_list(dir, &r->parts, err);
    if (st != ORC_OK) {
        orc_dataset_reader_close(r);
        return st;
    }
    *out = r;
    return ORC_OK;
}

static orc_parquet_type base_type(orc_parquet_type t)
{
    return t == ORC_PARQUET_STRING_DICT ? ORC_PARQUET_STRING : t;
}

orc_status orc_dataset_reader_next(orc_dataset_reader *r, int *has_row, orc_error *err)
{
    if (r == NULL || has_row == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "dataset reader: no reader");
    *has_row = 0;
    for (;;) {
        if (r->cur != NULL) {
            orc_status st = orc_parquet_reader_next(r->cur, has_row, err);
            if (st != ORC_OK || *has_row)
                return st;
            orc_parquet_reader_close(r->cur);
            r->cur = NULL;
        }
        if (r->next_part >= r->parts.count)
            return ORC_OK;
        const char *path = r->parts.paths[r->next_part];
        orc_status st = orc_parquet_reader_open(path, &r->cur, err);
        if (st != ORC_OK)
            return st;
        for (size_t i = 0; i < r->n; i++) {
            int k = orc_parquet_reader_find_column(r->cur, r->names[i]);
            if (k < 0)
                return orc_error_set(err, ORC_ERR_FORMAT, "reading %s: no column '%s'", path,
                                     r->names[i]);
            orc_parquet_type t = base_type(orc_parquet_reader_column(r->cur, (size_t)k)->type);
            if (r->next_part == 0)
                r->types[i] = t;
            else if (t != r->types[i])
                return orc_error_set(err, ORC_ERR_FORMAT, "reading %s: column '%s' has another "
                                     "type than in %s", path, r->names[i], r->parts.paths[0]);
            r->index[i] = k;
        }
        r->next_part++;
    }
}

orc_status orc_dataset_reader_get(orc_dataset_reader *r, size_t i, orc_parquet_value *v,
                                  orc_error *err)
{
    if (r == NULL || r->cur == NULL || i >= r->n)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "dataset reader: no current row or "
                             "column %zu", i);
    return orc_parquet_reader_get(r->cur, (size_t)r->index[i], v, err);
}
