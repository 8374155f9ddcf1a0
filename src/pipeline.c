/* pipeline.c -- the main job (see pipeline.h): list -> fetch/decode -> infer -> write parts,
 * PCA statistics per shard, then PCA fit and pass 2, run.json and _SUCCESS; local or S3. */
#include "pipeline.h"

#include "augment.h"
#include "dataset.h"
#include "feature_writer.h"
#include "image.h"
#include "model.h"
#include "parquet.h"
#include "pca.h"
#include "s3.h"
#include "threadpool.h"
#include "weights.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_SHARD_SIZE 1024
#define S3_FETCH_THREADS 16
#define STATS_READ_ROWS 256

/* ---- small helpers ------------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double process_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int is_s3_url(const char *s)
{
    return strncmp(s, "s3://", 5) == 0;
}

static orc_status mkdir_p(const char *path, orc_error *err)
{
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s", path) >= sizeof tmp)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "path too long: %s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
                return orc_error_set(err, ORC_ERR_IO, "cannot create folder %s: %s", tmp,
                                     strerror(errno));
            *p = '/';
        }
    }
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
        return orc_error_set(err, ORC_ERR_IO, "cannot create folder %s: %s", tmp,
                             strerror(errno));
    return ORC_OK;
}

/* write a whole small file: temp + fsync + rename */
static orc_status write_file_atomic(const char *path, const char *data, size_t len,
                                    orc_error *err)
{
    char tmp[PATH_MAX * 2 + 32];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()); /* array tasks may race */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return orc_error_set(err, ORC_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return orc_error_set(err, ORC_ERR_IO, "cannot write %s: %s", tmp, strerror(e));
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return orc_error_set(err, ORC_ERR_IO, "cannot write %s: %s", path, strerror(e));
    }
    return ORC_OK;
}

static char *read_small_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + len, 1, cap - len - 1, f);
        len += r;
        if (r == 0)
            break;
    }
    fclose(f);
    if (buf != NULL) {
        buf[len] = '\0';
        if (len_out != NULL)
            *len_out = len;
    }
    return buf;
}

/* growable text buffer for the manifest and run.json */
typedef struct text {
    char *s;
    size_t len, cap;
    int failed;
} text;

static void text_printf(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_printf(text *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->s != NULL ? t->s + t->len : NULL, t->s != NULL ? t->cap - t->len : 0,
                          fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = 1;
            return;
        }
        if (t->s != NULL && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap <= t->len + (size_t)n)
            cap *= 2;
        char *p = realloc(t->s, cap);
        if (p == NULL) {
            t->failed = 1;
            return;
        }
        t->s = p;
        t->cap = cap;
    }
}

/* JSON string (escaped) */
static void text_json_str(text *t, const char *s)
{
    text_printf(t, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            text_printf(t, "\\%c", *p);
        else if (*p < 0x20)
            text_printf(t, "\\u%04x", *p);
        else
            text_printf(t, "%c", *p);
    }
    text_printf(t, "\"");
}

/* ---- hashing (SHA-256 through OpenSSL EVP) -------------------------------------------------- */

typedef struct hasher {
    EVP_MD_CTX *ctx;
    int failed;
} hasher;

static int hasher_init(hasher *h)
{
    h->ctx = EVP_MD_CTX_new();
    h->failed = h->ctx == NULL || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1;
    return h->failed ? -1 : 0;
}

static void hasher_add(hasher *h, const void *p, size_t n)
{
    if (!h->failed && EVP_DigestUpdate(h->ctx, p, n) != 1)
        h->failed = 1;
}

static void hasher_add_str(hasher *h, const char *s)
{
    hasher_add(h, s, strlen(s) + 1); /* with the NUL: unambiguous concatenation */
}

/* hex digest into out[65]; frees the context; -1 on failure */
static int hasher_final(hasher *h, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    int ok = !h->failed && EVP_DigestFinal_ex(h->ctx, md, &n) == 1 && n == 32;
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
    if (!ok)
        return -1;
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* ---- the listing ---------------------------------------------------------------------------- */

typedef struct item {
    char *key;       /* relative path (folder) or full key (S3) */
    uint64_t size;
    char stamp[48];  /* modification time (ns) or ETag: part of the run id */
    unsigned variant;/* augment.h dihedral variant (0: the image as it is) */
} item;

typedef struct listing {
    item *v;
    size_t n, cap;
} listing;

static int listing_add(listing *l, const char *key, uint64_t size, const char *stamp)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        item *p = realloc(l->v, cap * sizeof *p);
        if (p == NULL)
            return -1;
        l->v = p;
        l->cap = cap;
    }
    item *it = &l->v[l->n];
    if ((it->key = strdup(key)) == NULL)
        return -1;
    it->size = size;
    it->variant = 0;
    snprintf(it->stamp, sizeof it->stamp, "%s", stamp);
    l->n++;
    return 0;
}

static void listing_free(listing *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].key);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int cmp_items(const void *a, const void *b)
{
    return strcmp(((const item *)a)->key, ((const item *)b)->key);
}

static orc_status walk(const char *root, const char *rel, listing *l, orc_error *err)
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
            if (listing_add(l, child, 0, "missing") != 0)
                st = orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory listing files");
            continue;
        }
        if (S_ISDIR(sb.st_mode)) {
            struct stat lb;
            if (lstat(full, &lb) == 0 && S_ISLNK(lb.st_mode))
                continue; /* never follow folder links: no loops */
            st = walk(root, child, l, err);
        } else {
            char stamp[48];
            snprintf(stamp, sizeof stamp, "%lld.%09ld", (long long)sb.st_mtim.tv_sec,
                     sb.st_mtim.tv_nsec);
            if (listing_add(l, child, (uint64_t)sb.st_size, stamp) != 0)
                st = orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory listing files");
        }
    }
    closedir(d);
    return st;
}

typedef struct s3_list_ctx {
    listing *l;
    size_t prefix_len;
    int failed;
} s3_list_ctx;

static int s3_list_cb(void *ctx, const orc_s3_object *obj)
{
    s3_list_ctx *c = ctx;
    size_t n = strlen(obj->key);
    if (n == 0 || obj->key[n - 1] == '/') /* "folder" markers */
        return 0;
    const char *base = strrchr(obj->key, '/');
    base = base != NULL ? base + 1 : obj->key;
    if (base[0] == '.' || strstr(obj->key + c->prefix_len, "/.") != NULL)
        return 0; /* hidden files, as in a folder walk */
    if (listing_add(c->l, obj->key, obj->size, obj->etag != NULL ? obj->etag : "") != 0) {
        c->failed = 1;
        return 1;
    }
    return 0;
}

/* ---- locations ------------------------------------------------------------------------------ */

typedef struct location {
    int s3;
    char *bucket;
    char *prefix;          /* S3 key prefix, "" or ending with '/' */
    char dir[PATH_MAX];    /* local folder: the output itself, or the staging folder for S3 */
} location;

static void location_free(location *l)
{
    free(l->bucket);
    free(l->prefix);
    l->bucket = l->prefix = NULL;
}

static orc_status location_parse_s3(const char *url, location *l, orc_error *err)
{
    char *key = NULL;
    orc_status st = orc_s3_parse_url(url, &l->bucket, &key, err);
    if (st != ORC_OK)
        return st;
    size_t n = strlen(key);
    l->prefix = malloc(n + 2);
    if (l->prefix == NULL) {
        free(key);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory");
    }
    memcpy(l->prefix, key, n + 1);
    if (n > 0 && key[n - 1] != '/') {
        l->prefix[n] = '/';
        l->prefix[n + 1] = '\0';
    }
    free(key);
    l->s3 = 1;
    return ORC_OK;
}

/* ---- the job --------------------------------------------------------------------------------- */

typedef struct batch_desc {
    size_t first, count; /* items [first, first + count) */
    unsigned shard;
    unsigned char shard_first, shard_last;
} batch_desc;

typedef struct slot {
    size_t seq;     /* the batch it holds */
    size_t ndone;   /* items decoded (or failed) */
    int inferred;
    uint8_t *pixels;
    orc_status *status;
    orc_error *errs;
    float *features;
} slot;

typedef struct stage_times {
    double list, fetch, infer, write, stats, fit, pass2, upload, commit, total;
} stage_times;

typedef struct sink_ctx {
    struct job *j;
    const char *sub; /* "features", "errors", "pca" */
} sink_ctx;

typedef struct job {
    sink_ctx sinks[3];
    orc_pipeline_options opt;     /* a copy: finalize fills input, shard size, ISA */
    char *input_copy;
    const orc_pipeline_options *o;
    const orc_pipeline_group *g;  /* group mode (size > 1), else NULL */
    unsigned part_index, part_count; /* this process's shards: s % count == index (count 0: all) */
    FILE *log;
    location in, out;
    orc_s3 *s3;
    listing files;
    size_t shard_size, nshards;
    unsigned char *shard_resumed; /* [nshards] */
    char run_id[17];
    char listing_sha[65];
    char augment[128];            /* variants besides the identity, "rot90,rot270"; "": none */
    char **shard_sha;             /* [nshards] */
    char weights_sha[65];
    batch_desc *batches;
    size_t nbatches, batch;
    size_t side, dim;
    size_t native_side;           /* the weight file's input size (224): --input-size default */
    orc_model *model;
    /* ring */
    slot *slots;
    size_t nslots;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t fetch_batch, fetch_pos; /* next item to fetch */
    size_t written_batches;
    int failed;
    orc_error fail_err;
    /* outputs */
    orc_dataset *ds_feat, *ds_err, *ds_pca;
    orc_pca_stats *total;         /* pass-1 statistics (NULL: no fit) */
    unsigned stats_next;          /* next shard to fold into total */
    orc_feature_writer *csv;
    FILE *csv_errors;
    char csv_errors_tmp[PATH_MAX * 2 + 32];
    /* counters (under mu where shared) */
    size_t items_done, items_failed, work_items, resumed;
    size_t work_items_all;        /* of every rank (group mode), else work_items */
    double t0;
    stage_times t;
    double fetch_busy;            /* summed over fetch threads */
    double fetch_cpu, write_cpu;  /* CPU seconds of the fetch threads, of the writer thread */
    double cpu_pass1;             /* process CPU seconds during pass 1 */
    double last_progress;
    int tty;
} job;

static void job_fail(job *j, const orc_error *e)
{
    pthread_mutex_lock(&j->mu);
    if (!j->failed) {
        j->failed = 1;
        j->fail_err = *e;
    }
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
}

/* 1 when shard s is this process's to write (array task or rank), else another's */
static int owns(const job *j, size_t s)
{
    return j->part_count == 0 || s % j->part_count == j->part_index;
}

static void logf_(job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(job *j, const char *fmt, ...)
{
    if (j->o->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (j->tty)
        fputs("\r\033[K", j->log);
    fputs("orchard extract: ", j->log);
    if (j->g != NULL)
        fprintf(j->log, "rank %u/%u: ", j->g->rank, j->g->size);
    vfprintf(j->log, fmt, ap);
    fputc('\n', j->log);
    va_end(ap);
}

/* out[o..] = s, percent-encoded: every byte but A-Z a-z 0-9 - . _ ~ / (all != 0), or only
 * '%' and '#' (all == 0). The new length, or cap when it does not fit (out[o] is then NUL). */
static size_t uri_encode(char *out, size_t cap, size_t o, const char *s, int all)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        int keep = all ? (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                             (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                             c == '~' || c == '/'
                       : c != '%' && c != '#';
        size_t need = keep ? 1 : 3;
        if (cap - o <= need) {
            out[o] = '\0';
            return cap;
        }
        if (keep) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return o;
}

orc_status orc_pipeline_row_uri(int s3, const char *root, const char *key, unsigned variant,
                                char *out, size_t cap, orc_error *err)
{
    if (root == NULL || key == NULL || out == NULL || cap == 0 ||
        (variant != 0 && orc_augment_name(variant) == NULL)) {
        if (out != NULL && cap > 0)
            out[0] = '\0';
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "row name: bad arguments");
    }
    size_t o = (size_t)snprintf(out, cap, "%s", s3 ? "s3://" : "file://");
    if (o < cap)
        o = uri_encode(out, cap, o, root, !s3);
    if (o < cap - 1) {
        out[o++] = '/';
        out[o] = '\0';
        o = uri_encode(out, cap, o, key, !s3);
    } else {
        o = cap;
    }
    if (o < cap && variant != 0) {
        int n = snprintf(out + o, cap - o, "#%s", orc_augment_name(variant));
        o = (size_t)n < cap - o ? o + (size_t)n : cap;
    }
    if (o >= cap)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "row name of %s: longer than %zu bytes", key, cap - 1);
    return ORC_OK;
}

/* the URI of item i, for the path column and errors (a listing's names always fit out) */
static void item_uri(const job *j, size_t i, char *out, size_t cap)
{
    const item *it = &j->files.v[i];
    (void)orc_pipeline_row_uri(j->in.s3, j->in.s3 ? j->in.bucket : j->in.dir, it->key,
                               it->variant, out, cap, NULL);
}

/* label = the name of the folder holding the file (the prefix's last part at the top) */
static void item_label(const job *j, size_t i, char *out, size_t cap)
{
    const char *key = j->files.v[i].key;
    const char *slash = strrchr(key, '/');
    const char *top = j->in.s3 ? j->in.prefix : j->in.dir;
    if (slash == NULL || (j->in.s3 && (size_t)(slash - key) + 1 <= strlen(j->in.prefix))) {
        /* directly at the top: the top folder's own name */
        size_t n = strlen(top);
        while (n > 0 && top[n - 1] == '/')
            n--;
        size_t s = n;
        while (s > 0 && top[s - 1] != '/')
            s--;
        if (n == s && j->in.s3) {
            snprintf(out, cap, "%s", j->in.bucket);
            return;
        }
        snprintf(out, cap, "%.*s", (int)(n - s), top + s);
        return;
    }
    const char *start = slash;
    while (start > key && start[-1] != '/')
        start--;
    snprintf(out, cap, "%.*s", (int)(slash - start), start);
}

/* ---- S3 output: uploads ------------------------------------------------------------------- */

static orc_status out_put(job *j, const char *rel, const char *local_path, orc_error *err)
{
    if (!j->out.s3)
        return ORC_OK;
    char key[PATH_MAX * 2];
    snprintf(key, sizeof key, "%s%s", j->out.prefix, rel);
    double t = now_s();
    orc_status st = orc_s3_put_file(j->s3, j->out.bucket, key, local_path, err);
    pthread_mutex_lock(&j->mu);
    j->t.upload += now_s() - t;
    pthread_mutex_unlock(&j->mu);
    if (st != ORC_OK)
        orc_error_prefix(err, "uploading s3://%s/%s", j->out.bucket, key);
    return st;
}

static orc_status out_delete(job *j, const char *rel, orc_error *err)
{
    if (!j->out.s3)
        return ORC_OK;
    char key[PATH_MAX * 2];
    snprintf(key, sizeof key, "%s%s", j->out.prefix, rel);
    orc_status st = orc_s3_delete(j->s3, j->out.bucket, key, err);
    if (st != ORC_OK && err != NULL && err->code == ORC_ERR_REMOTE && strstr(err->msg, "404"))
        st = ORC_OK;
    return st;
}

/* write a small top-level file locally (OUTPUT or staging) and upload it */
static orc_status out_write_small(job *j, const char *rel, const char *data, size_t len,
                                  orc_error *err)
{
    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/%s", j->out.dir, rel);
    orc_status st = write_file_atomic(path, data, len, err);
    if (st == ORC_OK)
        st = out_put(j, rel, path, err);
    return st;
}

static orc_status sink_publish(void *ctx, const char *local_path, const char *name,
                               orc_error *err)
{
    sink_ctx *c = ctx;
    char rel[512];
    snprintf(rel, sizeof rel, "%s/%s", c->sub, name);
    return out_put(c->j, rel, local_path, err);
}

static orc_status sink_remove(void *ctx, const char *name, orc_error *err)
{
    sink_ctx *c = ctx;
    char rel[512];
    snprintf(rel, sizeof rel, "%s/%s", c->sub, name);
    return out_delete(c->j, rel, err);
}

/* An S3 output resumed on a fresh staging folder: fetch the parts of this run that S3 already
 * holds (complete by construction: parts are uploaded after they are complete). */
typedef struct remote_part_ctx {
    job *j;
    const char *sub, *id;
    size_t sub_prefix_len;
    orc_error err;
    int failed;
} remote_part_ctx;

static int remote_part_cb(void *ctx, const orc_s3_object *obj)
{
    remote_part_ctx *c = ctx;
    const char *name = obj->key + c->sub_prefix_len;
    if (strncmp(name, "part-", 5) != 0 || strstr(name, c->id) == NULL ||
        strchr(name, '/') != NULL)
        return 0;
    char local[PATH_MAX * 2];
    snprintf(local, sizeof local, "%s/%s/%s", c->j->out.dir, c->sub, name);
    struct stat sb;
    if (stat(local, &sb) == 0 && (uint64_t)sb.st_size == obj->size)
        return 0;
    if (orc_s3_get_file(c->j->s3, c->j->out.bucket, obj->key, local, &c->err) != ORC_OK) {
        c->failed = 1;
        return 1;
    }
    return 0;
}

static orc_status fetch_remote_parts(job *j, const char *sub, const char *id, orc_error *err)
{
    char prefix[PATH_MAX];
    snprintf(prefix, sizeof prefix, "%s%s/", j->out.prefix, sub);
    char dir[PATH_MAX * 2];
    snprintf(dir, sizeof dir, "%s/%s", j->out.dir, sub);
    orc_status st = mkdir_p(dir, err);
    if (st != ORC_OK)
        return st;
    remote_part_ctx c = {.j = j, .sub = sub, .id = id, .sub_prefix_len = strlen(prefix)};
    st = orc_s3_list(j->s3, j->out.bucket, prefix, remote_part_cb, &c, err);
    if (st == ORC_OK && c.failed) {
        if (err != NULL)
            *err = c.err;
        st = c.err.code != ORC_OK ? c.err.code : ORC_ERR_IO;
    }
    return st;
}

/* Parts of other runs left in S3 (the staging folder only knows its own). */
typedef struct stale_ctx {
    job *j;
    size_t prefix_len;
    char **keys;
    size_t n, cap;
} stale_ctx;

static int stale_cb(void *ctx, const orc_s3_object *obj)
{
    stale_ctx *c = ctx;
    const char *rest = obj->key + c->prefix_len;
    const char *name = strrchr(rest, '/');
    name = name != NULL ? name + 1 : rest;
    if (strncmp(name, "part-", 5) != 0)
        return 0;
    if (strncmp(rest, "features/", 9) != 0 && strncmp(rest, "errors/", 7) != 0 &&
        strncmp(rest, "pca/", 4) != 0)
        return 0;
    char local[PATH_MAX * 2];
    snprintf(local, sizeof local, "%s/%s", c->j->out.dir, rest);
    if (access(local, F_OK) == 0)
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        char **p = realloc(c->keys, cap * sizeof *p);
        if (p == NULL)
            return 1;
        c->keys = p;
        c->cap = cap;
    }
    if ((c->keys[c->n] = strdup(obj->key)) != NULL)
        c->n++;
    return 0;
}

static orc_status remove_stale_remote(job *j, orc_error *err)
{
    stale_ctx c = {.j = j, .prefix_len = strlen(j->out.prefix)};
    orc_status st = orc_s3_list(j->s3, j->out.bucket, j->out.prefix, stale_cb, &c, err);
    for (size_t i = 0; i < c.n; i++) {
        if (st == ORC_OK)
            st = orc_s3_delete(j->s3, j->out.bucket, c.keys[i], err);
        free(c.keys[i]);
    }
    free(c.keys);
    return st;
}

/* ---- manifest ---------------------------------------------------------------------------- */

static orc_status compute_ids(job *j, orc_error *err)
{
    hasher all;
    if (hasher_init(&all) != 0)
        return orc_error_set(err, ORC_ERR_INTERNAL, "SHA-256 unavailable");
    j->shard_sha = calloc(j->nshards ? j->nshards : 1, sizeof *j->shard_sha);
    if (j->shard_sha == NULL) {
        hasher_final(&all, j->listing_sha);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory");
    }
    for (size_t s = 0; s < j->nshards; s++) {
        hasher h;
        char hex[65];
        if (hasher_init(&h) != 0)
            break;
        size_t a = s * j->shard_size, b = a + j->shard_size < j->files.n ? a + j->shard_size
                                                                            : j->files.n;
        for (size_t i = a; i < b; i++) {
            char sz[32];
            snprintf(sz, sizeof sz, "%llu", (unsigned long long)j->files.v[i].size);
            hasher_add_str(&h, j->files.v[i].key);
            hasher_add_str(&h, sz);
            hasher_add_str(&h, j->files.v[i].stamp);
            if (j->files.v[i].variant != 0) /* runs without --augment keep their ids */
                hasher_add_str(&h, orc_augment_name(j->files.v[i].variant));
        }
        if (hasher_final(&h, hex) != 0 || (j->shard_sha[s] = strdup(hex)) == NULL)
            break;
        hasher_add_str(&all, hex);
    }
    char cfg[160];
    int n_cfg = snprintf(cfg, sizeof cfg, "shard_size=%zu isa=%s", j->shard_size,
                         orc_isa_name(j->o->isa));
    if (j->o->input_size != 0 && n_cfg > 0 && (size_t)n_cfg < sizeof cfg) /* else ids as before */
        snprintf(cfg + n_cfg, sizeof cfg - (size_t)n_cfg, " input_size=%zu", j->o->input_size);
    hasher_add_str(&all, cfg);
    if (j->augment[0] != '\0')
        hasher_add_str(&all, j->augment);
    hasher_add_str(&all, j->weights_sha);
    hasher_add_str(&all, j->o->input);
    if (hasher_final(&all, j->listing_sha) != 0)
        return orc_error_set(err, ORC_ERR_INTERNAL, "SHA-256 failed");
    for (size_t s = 0; s < j->nshards; s++)
        if (j->shard_sha[s] == NULL)
            return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory hashing the listing");
    memcpy(j->run_id, j->listing_sha, 16);
    j->run_id[16] = '\0';
    return ORC_OK;
}

static orc_status manifest_text(job *j, text *t)
{
    text_printf(t, "orchard-extract-manifest 1\nrun_id %s\ninput %s\nfiles %zu\nshard_size %zu\n"
                   "shards %zu\nweights_sha256 %s\nisa %s\n",
                j->run_id, j->o->input, j->files.n, j->shard_size, j->nshards, j->weights_sha,
                orc_isa_name(j->o->isa));
    if (j->augment[0] != '\0')
        text_printf(t, "augment %s\n", j->augment);
    if (j->o->input_size != 0)
        text_printf(t, "input_size %zu\n", j->o->input_size);
    for (size_t s = 0; s < j->nshards; s++)
        text_printf(t, "shard %zu %s\n", s, j->shard_sha[s]);
    return t->failed ? ORC_ERR_NO_MEMORY : ORC_OK;
}

/* The previous run's manifest (local, or from S3 into staging). NULL when there is none. */
static char *previous_manifest(job *j)
{
    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/_manifest", j->out.dir);
    if (j->out.s3) {
        char key[PATH_MAX * 2];
        snprintf(key, sizeof key, "%s_manifest", j->out.prefix);
        orc_error e = {0};
        if (orc_s3_get_file(j->s3, j->out.bucket, key, path, &e) != ORC_OK)
            unlink(path);
    }
    return read_small_file(path, NULL);
}

/* Say what changed between the previous manifest and this listing. */
/* o + n, at most cap - 1 (snprintf's would-be length may pass the buffer) */
static size_t clamp_add(size_t o, size_t cap, int n)
{
    size_t r = n > 0 ? o + (size_t)n : o;
    return r < cap ? r : cap - 1;
}

static void describe_change(job *j, const char *prev, char *out, size_t cap)
{
    size_t files = 0, shards = 0, shard_size = 0;
    const char *p;
    char prev_input[PATH_MAX] = "";
    if ((p = strstr(prev, "\nfiles ")) != NULL)
        files = strtoull(p + 7, NULL, 10);
    if ((p = strstr(prev, "\nshards ")) != NULL)
        shards = strtoull(p + 8, NULL, 10);
    if ((p = strstr(prev, "\nshard_size ")) != NULL)
        shard_size = strtoull(p + 12, NULL, 10);
    if ((p = strstr(prev, "\ninput ")) != NULL)
        sscanf(p + 7, "%4095[^\n]", prev_input);
    size_t o = 0;
    if (strcmp(prev_input, j->o->input) != 0)
        o = clamp_add(o, cap, snprintf(out + o, cap - o, "input was %s; ", prev_input));
    if (files != j->files.n)
        o = clamp_add(o, cap, snprintf(out + o, cap - o, "%zu files then, %zu now; ", files, j->files.n));
    if (shard_size != j->shard_size)
        o = clamp_add(o, cap, snprintf(out + o, cap - o, "shard size %zu then, %zu now; ", shard_size,
                              j->shard_size));
    char prev_augment[128] = "";
    if ((p = strstr(prev, "\naugment ")) != NULL)
        sscanf(p + 9, "%127s", prev_augment);
    if (strcmp(prev_augment, j->augment) != 0)
        o = clamp_add(o, cap, snprintf(out + o, cap - o, "--augment %s then, %s now; ",
                              prev_augment[0] ? prev_augment : "none",
                              j->augment[0] ? j->augment : "none"));
    size_t prev_size = 0;
    if ((p = strstr(prev, "\ninput_size ")) != NULL)
        prev_size = strtoull(p + 12, NULL, 10);
    if (prev_size != j->o->input_size)
        o = clamp_add(o, cap, snprintf(out + o, cap - o, "--input-size %zu then, %zu now; ",
                              prev_size ? prev_size : j->native_side, j->side));
    if (strstr(prev, j->weights_sha) == NULL && o < cap)
        o = clamp_add(o, cap, snprintf(out + o, cap - o, "other weights or ISA; "));
    size_t changed = 0, first_changed = SIZE_MAX;
    for (size_t s = 0; s < j->nshards && o < cap; s++) {
        char line[128];
        snprintf(line, sizeof line, "\nshard %zu %s\n", s, j->shard_sha[s]);
        if (strstr(prev, line) == NULL) {
            if (first_changed == SIZE_MAX)
                first_changed = s;
            changed++;
        }
    }
    if (changed > 0 && o < cap) {
        size_t a = first_changed * j->shard_size;
        o = clamp_add(o, cap, snprintf(out + o, cap - o,
                              "%zu of %zu shards have other files, sizes or modification times "
                              "(first: shard %zu, from %s); ",
                              changed, j->nshards, first_changed, j->files.v[a].key));
    }
    if (o == 0 && o < cap)
        snprintf(out, cap, "options differ (%zu shards then)", shards);
    else if (o >= 2 && o < cap)
        out[o - 2] = '\0';
}

/* ---- fetch threads ------------------------------------------------------------------------ */

static void fetch_image(job *j, size_t i, uint8_t *pixels, orc_status *st, orc_error *e)
{
    const item *it = &j->files.v[i];
    if (!j->in.s3) {
        char full[PATH_MAX * 2];
        snprintf(full, sizeof full, "%s/%s", j->in.dir, it->key);
        *st = orc_image_load(full, j->side, pixels, NULL, e);
        return;
    }
    char uri[PATH_MAX * 2];
    snprintf(uri, sizeof uri, "s3://%s/%s", j->in.bucket, it->key);
    if (it->size > ORC_IMAGE_MAX_FILE_BYTES) {
        *st = orc_error_set(e, ORC_ERR_FORMAT, "%s: %llu bytes, more than the %u-byte limit",
                            uri, (unsigned long long)it->size, ORC_IMAGE_MAX_FILE_BYTES);
        return;
    }
    void *data = NULL;
    size_t len = 0;
    *st = orc_s3_get_buffer(j->s3, j->in.bucket, it->key, &data, &len, e);
    if (*st != ORC_OK) {
        orc_error_prefix(e, "%s", uri);
        return;
    }
    *st = orc_image_decode(data, len, uri, j->side, pixels, NULL, e);
    free(data);
}

/* item i into pixels: the image, then its augmentation variant (--augment) */
static void fetch_one(job *j, size_t i, uint8_t *pixels, orc_status *st, orc_error *e)
{
    unsigned v = j->files.v[i].variant;
    if (v == 0) {
        fetch_image(j, i, pixels, st, e);
        return;
    }
    size_t bytes = j->side * j->side * 3;
    uint8_t *tmp = malloc(bytes);
    if (tmp == NULL) {
        *st = orc_error_set(e, ORC_ERR_NO_MEMORY, "no memory for the %s copy of %s",
                            orc_augment_name(v), j->files.v[i].key);
        return;
    }
    fetch_image(j, i, tmp, st, e);
    if (*st == ORC_OK)
        *st = orc_augment_dihedral(tmp, j->side, 3, v, pixels, e);
    free(tmp);
}

static void *fetch_thread(void *arg)
{
    job *j = arg;
    const size_t img = j->side * j->side * 3;
    double busy = 0;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        if (j->failed || j->fetch_batch >= j->nbatches)
            break;
        size_t b = j->fetch_batch, pos = j->fetch_pos;
        if (++j->fetch_pos == j->batches[b].count) {
            j->fetch_batch++;
            j->fetch_pos = 0;
        }
        slot *s = &j->slots[b % j->nslots];
        while (!j->failed && s->seq != b)
            pthread_cond_wait(&j->cv, &j->mu);
        if (j->failed)
            break;
        pthread_mutex_unlock(&j->mu);
        double t = now_s();
        fetch_one(j, j->batches[b].first + pos, s->pixels + pos * img, &s->status[pos],
                  &s->errs[pos]);
        busy += now_s() - t;
        pthread_mutex_lock(&j->mu);
        if (++s->ndone == j->batches[b].count)
            pthread_cond_broadcast(&j->cv);
    }
    j->fetch_busy += busy;
    j->fetch_cpu += thread_cpu_s();
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

/* ---- writer thread -------------------------------------------------------------------------- */

static const orc_parquet_column FEATURE_COLUMNS[] = {
    {"path", ORC_PARQUET_STRING, 0},
    {"label", ORC_PARQUET_STRING_DICT, 0},
    {"features", ORC_PARQUET_FLOAT_LIST, 0},
};
static const orc_parquet_column ERROR_COLUMNS[] = {
    {"path", ORC_PARQUET_STRING, 0},
    {"reason", ORC_PARQUET_STRING, 0},
};
static const orc_parquet_column PCA_COLUMNS[] = {
    {"path", ORC_PARQUET_STRING, 0},
    {"label", ORC_PARQUET_STRING_DICT, 0},
    {"pca", ORC_PARQUET_FLOAT_LIST, 0},
};

/* ---- reading a feature part back ------------------------------------------------------------ */

/* One batch of rows read back from a feature part: n rows (1..STATS_READ_ROWS) of dim (j->dim)
 * features; paths and labels hold n strings when the reader was asked for them, else NULL.
 * Everything belongs to the reader and is valid only until the callback returns. */
typedef struct part_batch {
    const char *part; /* the part's file, for messages */
    size_t n, dim;
    const float *rows;         /* [n][dim] */
    const char *const *paths;  /* [n] or NULL */
    const char *const *labels; /* [n] or NULL */
} part_batch;

typedef orc_status (*part_batch_fn)(void *ctx, const part_batch *b, orc_error *err);

static void free_row_strings(char **paths, char **labels, size_t n)
{
    for (size_t q = 0; q < n; q++) {
        if (paths != NULL) {
            free(paths[q]);
            paths[q] = NULL;
        }
        if (labels != NULL) {
            free(labels[q]);
            labels[q] = NULL;
        }
    }
}

/* Read part `shard` of `ds` (columns path, label, features) back STATS_READ_ROWS rows at a time
 * and hand each batch to fn: full batches, then the rest (no call for an empty part). Every row
 * must have j->dim features. with_strings: also copy the path and label of each row. The first
 * error, the reader's or fn's, stops the read and is returned. */
static orc_status read_part_batches(job *j, orc_dataset *ds, unsigned shard, int with_strings,
                                    part_batch_fn fn, void *ctx, orc_error *err)
{
    char path[PATH_MAX];
    orc_status st = orc_dataset_part_path(ds, shard, path, sizeof path, err);
    if (st != ORC_OK)
        return st;
    orc_parquet_reader *r = NULL;
    if ((st = orc_parquet_reader_open(path, &r, err)) != ORC_OK)
        return st;
    float *rows = NULL;
    char **paths = NULL, **labels = NULL;
    size_t n = 0;
    int cf = orc_parquet_reader_find_column(r, "features");
    int cp = orc_parquet_reader_find_column(r, "path"), cl = orc_parquet_reader_find_column(r,
                                                                                           "label");
    if (with_strings && (cp < 0 || cl < 0 || cf < 0)) {
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: path, label or features column missing",
                           path);
        goto out;
    }
    if (cf < 0) {
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: no column features", path);
        goto out;
    }
    rows = malloc((size_t)STATS_READ_ROWS * j->dim * sizeof *rows);
    if (with_strings) {
        paths = calloc(STATS_READ_ROWS, sizeof *paths);
        labels = calloc(STATS_READ_ROWS, sizeof *labels);
    }
    if (rows == NULL || (with_strings && (paths == NULL || labels == NULL))) {
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory to read %s back", path);
        goto out;
    }
    for (;;) {
        int has = 0;
        if ((st = orc_parquet_reader_next(r, &has, err)) != ORC_OK)
            goto out;
        if (has) {
            orc_parquet_value vp, vl, vf;
            if (with_strings && ((st = orc_parquet_reader_get(r, (size_t)cp, &vp, err)) != ORC_OK ||
                                 (st = orc_parquet_reader_get(r, (size_t)cl, &vl, err)) != ORC_OK))
                goto out;
            if ((st = orc_parquet_reader_get(r, (size_t)cf, &vf, err)) != ORC_OK)
                goto out;
            if (vf.n_floats != j->dim) {
                st = orc_error_set(err, ORC_ERR_FORMAT, "%s: a row has %zu features, not %zu",
                                   path, vf.n_floats, j->dim);
                goto out;
            }
            if (with_strings) {
                paths[n] = strndup(vp.str, vp.str_len);
                labels[n] = strndup(vl.str, vl.str_len);
                if (paths[n] == NULL || labels[n] == NULL) {
                    n++; /* so that the cleanup frees the one that was copied */
                    st = orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory");
                    goto out;
                }
            }
            memcpy(rows + n * j->dim, vf.floats, j->dim * sizeof *rows);
            n++;
        }
        if (n == STATS_READ_ROWS || (!has && n > 0)) {
            part_batch b = {
                .part = path,
                .n = n,
                .dim = j->dim,
                .rows = rows,
                .paths = (const char *const *)paths,
                .labels = (const char *const *)labels,
            };
            st = fn(ctx, &b, err);
            free_row_strings(paths, labels, n);
            n = 0;
            if (st != ORC_OK)
                goto out;
        }
        if (!has)
            break;
    }
out:
    free_row_strings(paths, labels, n);
    free(paths);
    free(labels);
    free(rows);
    orc_parquet_reader_close(r);
    return st;
}

static orc_status fold_batch(void *ctx, const part_batch *b, orc_error *err)
{
    return orc_pca_stats_add(ctx, b->rows, b->n, b->dim, err);
}

/* Fold the features of a complete (resumed) shard into the statistics, read back. */
static orc_status fold_part(job *j, orc_dataset *ds, unsigned shard, orc_pca_stats *st_out,
                            orc_error *err)
{
    return read_part_batches(j, ds, shard, 0, fold_batch, st_out, err);
}

/* Fold resumed shards below `upto` into the total statistics, in shard order. */
static orc_status fold_resumed(job *j, unsigned upto, orc_error *err)
{
    while (j->total != NULL && j->stats_next < upto) {
        unsigned s = j->stats_next;
        if (!owns(j, s)) { /* another rank's: it folds them */
            j->stats_next++;
            continue;
        }
        if (!j->shard_resumed[s])
            return orc_error_set(err, ORC_ERR_INTERNAL, "statistics of shard %u missing", s);
        double t = now_s();
        orc_pca_stats *ps = NULL;
        orc_status st = orc_pca_stats_open((uint32_t)j->dim, &ps, err);
        if (st == ORC_OK)
            st = fold_part(j, j->ds_feat, s, ps, err);
        if (st == ORC_OK)
            st = orc_pca_stats_merge(j->total, ps, err);
        orc_pca_stats_close(ps);
        j->t.stats += now_s() - t;
        if (st != ORC_OK)
            return st;
        j->stats_next++;
    }
    return ORC_OK;
}

typedef struct writer_state {
    orc_parquet_writer *fw, *ew;
    orc_pca_stats *shard_stats;
} writer_state;

static orc_status write_batch(job *j, writer_state *ws, size_t b, slot *s, orc_error *err)
{
    const batch_desc *bd = &j->batches[b];
    orc_status st = ORC_OK;
    if (bd->shard_first && j->csv == NULL) {
        if ((st = fold_resumed(j, bd->shard, err)) != ORC_OK)
            return st;
        if ((st = orc_dataset_part_open(j->ds_feat, bd->shard, FEATURE_COLUMNS, 3, &ws->fw,
                                        err)) != ORC_OK ||
            (st = orc_dataset_part_open(j->ds_err, bd->shard, ERROR_COLUMNS, 2, &ws->ew, err)) !=
                ORC_OK)
            return st;
        if (j->total != NULL &&
            (st = orc_pca_stats_open((uint32_t)j->dim, &ws->shard_stats, err)) != ORC_OK)
            return st;
    }
    size_t g = 0;
    for (size_t k = 0; k < bd->count; k++) {
        size_t i = bd->first + k;
        char uri[PATH_MAX * 3 + 16], label[NAME_MAX + 1];
        item_uri(j, i, uri, sizeof uri);
        if (s->status[k] != ORC_OK) {
            if (j->csv != NULL) {
                if (orc_csv_write_field(j->csv_errors, uri) || fputc(',', j->csv_errors) == EOF ||
                    orc_csv_write_field(j->csv_errors, s->errs[k].msg) ||
                    fputc('\n', j->csv_errors) == EOF)
                    return orc_error_set(err, ORC_ERR_IO, "write failed on %s",
                                         j->csv_errors_tmp);
            } else {
                orc_parquet_value v[2] = {{.str = uri, .str_len = strlen(uri)},
                                          {.str = s->errs[k].msg,
                                           .str_len = strlen(s->errs[k].msg)}};
                if ((st = orc_parquet_writer_append_row(ws->ew, v, err)) != ORC_OK)
                    return st;
            }
            if (!j->o->quiet) {
                pthread_mutex_lock(&j->mu);
                logf_(j, "skipped: %s", s->errs[k].msg);
                pthread_mutex_unlock(&j->mu);
            }
            continue;
        }
        item_label(j, i, label, sizeof label);
        const float *f = s->features + g * j->dim;
        if (j->csv != NULL) {
            st = orc_feature_writer_write(j->csv, uri, label, f, err);
        } else {
            orc_parquet_value v[3] = {{.str = uri, .str_len = strlen(uri)},
                                      {.str = label, .str_len = strlen(label)},
                                      {.floats = f, .n_floats = j->dim}};
            st = orc_parquet_writer_append_row(ws->fw, v, err);
        }
        if (st != ORC_OK)
            return st;
        g++;
    }
    if (ws->shard_stats != NULL && g > 0) {
        double t = now_s();
        st = orc_pca_stats_add(ws->shard_stats, s->features, g, j->dim, err);
        j->t.stats += now_s() - t;
        if (st != ORC_OK)
            return st;
    }
    if (bd->shard_last && j->csv == NULL) {
        orc_parquet_writer *fw = ws->fw, *ew = ws->ew;
        ws->fw = ws->ew = NULL;
        st = orc_dataset_part_close(j->ds_err, bd->shard, ew, err);
        if (st != ORC_OK) {
            orc_parquet_writer_discard(fw);
            return st;
        }
        /* features last: a complete features part means a complete shard */
        if ((st = orc_dataset_part_close(j->ds_feat, bd->shard, fw, err)) != ORC_OK)
            return st;
        if (ws->shard_stats != NULL) {
            double t = now_s();
            st = orc_pca_stats_merge(j->total, ws->shard_stats, err);
            orc_pca_stats_close(ws->shard_stats);
            ws->shard_stats = NULL;
            j->t.stats += now_s() - t;
            if (st != ORC_OK)
                return st;
            j->stats_next = bd->shard + 1;
        }
    }
    return ORC_OK;
}

static void *writer_thread(void *arg)
{
    job *j = arg;
    writer_state ws = {0};
    orc_error e = {0};
    double busy = 0;
    for (size_t b = 0; b < j->nbatches; b++) {
        slot *s = &j->slots[b % j->nslots];
        pthread_mutex_lock(&j->mu);
        while (!j->failed && !(s->seq == b && s->inferred))
            pthread_cond_wait(&j->cv, &j->mu);
        int failed = j->failed;
        pthread_mutex_unlock(&j->mu);
        if (failed)
            break;
        double t = now_s();
        orc_status st = write_batch(j, &ws, b, s, &e);
        busy += now_s() - t;
        if (st != ORC_OK) {
            job_fail(j, &e);
            break;
        }
        size_t nf = 0;
        for (size_t k = 0; k < j->batches[b].count; k++)
            nf += s->status[k] != ORC_OK;
        pthread_mutex_lock(&j->mu);
        j->items_done += j->batches[b].count;
        j->items_failed += nf;
        j->written_batches = b + 1;
        s->seq = b + j->nslots;
        s->ndone = 0;
        s->inferred = 0;
        pthread_cond_broadcast(&j->cv);
        pthread_mutex_unlock(&j->mu);
    }
    orc_parquet_writer_discard(ws.fw);
    orc_parquet_writer_discard(ws.ew);
    orc_pca_stats_close(ws.shard_stats);
    pthread_mutex_lock(&j->mu);
    j->t.write += busy;
    j->write_cpu = thread_cpu_s();
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

/* ---- progress ---------------------------------------------------------------------------- */

static void progress(job *j, int final)
{
    if (j->o->quiet)
        return;
    double t = now_s();
    double every = j->tty ? 0.25 : (j->o->progress_interval > 0 ? j->o->progress_interval : 10);
    if (!final && t - j->last_progress < every)
        return;
    j->last_progress = t;
    pthread_mutex_lock(&j->mu);
    size_t done = j->items_done, failed = j->items_failed;
    pthread_mutex_unlock(&j->mu);
    double el = t - j->t0 - j->t.list;
    double rate = el > 0 ? (double)done / el : 0;
    double eta = rate > 0 ? (double)(j->work_items - done) / rate : 0;
    if (j->tty) {
        int width = 30, fill = j->work_items ? (int)((double)width * done / j->work_items) : width;
        char bar[64];
        for (int k = 0; k < width; k++)
            bar[k] = k < fill ? '#' : '.';
        bar[width] = '\0';
        fprintf(j->log, "\r\033[K[%s] %zu/%zu images  %.1f img/s  ETA %.0f s  %zu errors", bar,
                done, j->work_items, rate, eta, failed);
        if (final)
            fputc('\n', j->log);
    } else {
        char who[32] = "";
        if (j->g != NULL)
            snprintf(who, sizeof who, "rank %u/%u: ", j->g->rank, j->g->size);
        fprintf(j->log, "orchard extract: %s%zu/%zu images, %.1f img/s, ETA %.0f s, %zu errors\n",
                who, done, j->work_items, rate, eta, failed);
    }
    fflush(j->log);
}

/* ---- pass 1 ------------------------------------------------------------------------------- */

static orc_status plan_batches(job *j, orc_error *err)
{
    size_t cap = 0;
    for (size_t s = 0; s < j->nshards; s++) {
        size_t a = s * j->shard_size;
        size_t n = a + j->shard_size < j->files.n ? j->shard_size : j->files.n - a;
        cap += (n + j->batch - 1) / j->batch;
    }
    j->batches = calloc(cap ? cap : 1, sizeof *j->batches);
    if (j->batches == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory for %zu batches", cap);
    j->nbatches = 0;
    j->work_items = j->work_items_all = 0;
    for (size_t s = 0; s < j->nshards; s++) {
        if (j->shard_resumed[s])
            continue;
        size_t a = s * j->shard_size;
        size_t n = a + j->shard_size < j->files.n ? j->shard_size : j->files.n - a;
        if (j->g != NULL)
            j->work_items_all += n;
        if (!owns(j, s))
            continue;
        for (size_t k = 0; k < n; k += j->batch) {
            batch_desc *bd = &j->batches[j->nbatches++];
            bd->first = a + k;
            bd->count = n - k < j->batch ? n - k : j->batch;
            bd->shard = (unsigned)s;
            bd->shard_first = k == 0;
            bd->shard_last = k + j->batch >= n;
        }
        j->work_items += n;
    }
    return ORC_OK;
}

static orc_status run_pass1(job *j, orc_error *err)
{
    const size_t img = j->side * j->side * 3;
    size_t nfetch = j->o->fetch_threads ? j->o->fetch_threads : (j->in.s3 ? S3_FETCH_THREADS : 1);
    j->nslots = j->o->queue_batches ? j->o->queue_batches : 2 * nfetch / j->batch + 4;
    if (j->nslots < 2)
        j->nslots = 2;
    j->slots = calloc(j->nslots, sizeof *j->slots);
    if (j->slots == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory for the batch ring");
    for (size_t k = 0; k < j->nslots; k++) {
        slot *s = &j->slots[k];
        s->seq = k;
        s->pixels = malloc(j->batch * img);
        s->status = calloc(j->batch, sizeof *s->status);
        s->errs = calloc(j->batch, sizeof *s->errs);
        s->features = malloc(j->batch * j->dim * sizeof *s->features);
        if (!s->pixels || !s->status || !s->errs || !s->features)
            return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory for %zu batches of %zu",
                                 j->nslots, j->batch);
    }
    pthread_t *fth = calloc(nfetch, sizeof *fth);
    if (fth == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory");
    pthread_t wth;
    size_t started = 0;
    double cpu0 = process_cpu_s();
    int writer_started = pthread_create(&wth, NULL, writer_thread, j) == 0;
    if (writer_started)
        for (; started < nfetch; started++)
            if (pthread_create(&fth[started], NULL, fetch_thread, j) != 0)
                break;
    orc_status st = ORC_OK;
    if (!writer_started || started == 0) {
        orc_error e;
        orc_error_set(&e, ORC_ERR_INTERNAL, "cannot start threads");
        job_fail(j, &e);
    }
    double t_inf = 0;
    for (size_t b = 0; b < j->nbatches; b++) {
        slot *s = &j->slots[b % j->nslots];
        pthread_mutex_lock(&j->mu);
        while (!j->failed && !(s->seq == b && s->ndone == j->batches[b].count))
            pthread_cond_wait(&j->cv, &j->mu);
        int failed = j->failed;
        pthread_mutex_unlock(&j->mu);
        if (failed)
            break;
        double t = now_s();
        size_t good = 0;
        for (size_t k = 0; k < j->batches[b].count; k++) {
            if (s->status[k] != ORC_OK)
                continue;
            if (good != k)
                memcpy(s->pixels + good * img, s->pixels + k * img, img);
            good++;
        }
        orc_error e = {0};
        if (good > 0 && orc_model_run(j->model, s->pixels, good, s->features, &e) != ORC_OK) {
            job_fail(j, &e);
            break;
        }
        t_inf += now_s() - t;
        pthread_mutex_lock(&j->mu);
        s->inferred = 1;
        pthread_cond_broadcast(&j->cv);
        pthread_mutex_unlock(&j->mu);
        progress(j, 0);
    }
    for (size_t k = 0; k < started; k++)
        pthread_join(fth[k], NULL);
    if (writer_started)
        pthread_join(wth, NULL);
    free(fth);
    j->cpu_pass1 = process_cpu_s() - cpu0;
    j->t.infer = t_inf;
    j->t.fetch = j->fetch_busy;
    progress(j, 1);
    if (j->failed) {
        if (err != NULL)
            *err = j->fail_err;
        st = j->fail_err.code != ORC_OK ? j->fail_err.code : ORC_ERR_INTERNAL;
    }
    return st;
}

/* ---- pass 2: PCA ------------------------------------------------------------------------- */

static orc_status load_fit_on(job *j, orc_pca_model **m, char *from, size_t cap, orc_error *err)
{
    const char *src = j->o->pca_fit_on;
    char path[PATH_MAX * 2];
    struct stat sb;
    if (is_s3_url(src)) {
        location l = {0};
        orc_status st = location_parse_s3(src, &l, err);
        if (st != ORC_OK)
            return st;
        char key[PATH_MAX];
        size_t n = strlen(l.prefix);
        if (n > 6 && strcmp(l.prefix + n - 7, ".orpca/") == 0)
            snprintf(key, sizeof key, "%.*s", (int)(n - 1), l.prefix);
        else
            snprintf(key, sizeof key, "%spca.orpca", l.prefix);
        snprintf(path, sizeof path, "%s/.fit-on.orpca", j->out.dir);
        st = orc_s3_get_file(j->s3, l.bucket, key, path, err);
        snprintf(from, cap, "s3://%s/%s", l.bucket, key);
        location_free(&l);
        if (st != ORC_OK)
            return orc_error_prefix(err, "--pca-fit-on %s", src);
        st = orc_pca_model_load(path, m, err);
        unlink(path);
        return st;
    }
    if (stat(src, &sb) == 0 && S_ISDIR(sb.st_mode))
        snprintf(path, sizeof path, "%s/pca.orpca", src);
    else
        snprintf(path, sizeof path, "%s", src);
    snprintf(from, cap, "%s", path);
    orc_status st = orc_pca_model_load(path, m, err);
    if (st != ORC_OK)
        orc_error_prefix(err, "--pca-fit-on %s", src);
    return st;
}

/* The PCA pass over one part: project each batch read back and append it to the PCA part. */
typedef struct pca_pass {
    const orc_pca_model *m;
    size_t k;
    float *proj; /* [STATS_READ_ROWS][k] */
    orc_parquet_writer *w;
} pca_pass;

static orc_status pca_batch(void *ctx, const part_batch *b, orc_error *err)
{
    pca_pass *p = ctx;
    orc_status st = orc_pca_apply(p->m, b->rows, b->n, b->dim, p->proj, err);
    if (st != ORC_OK)
        return st;
    orc_parquet_batch_column cols[3] = {
        {.str = b->paths},
        {.str = b->labels},
        {.floats = p->proj, .list_len = p->k},
    };
    return orc_parquet_writer_append_batch(p->w, b->n, cols, err);
}

static orc_status pca_part(job *j, const orc_pca_model *m, unsigned shard, orc_error *err)
{
    pca_pass p = {.m = m, .k = orc_pca_model_get_info(m)->k};
    p.proj = malloc((size_t)STATS_READ_ROWS * p.k * sizeof *p.proj);
    if (p.proj == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory for the PCA pass");
    orc_status st = orc_dataset_part_open(j->ds_pca, shard, PCA_COLUMNS, 3, &p.w, err);
    if (st == ORC_OK)
        st = read_part_batches(j, j->ds_feat, shard, 1, pca_batch, &p, err);
    if (st == ORC_OK) {
        st = orc_dataset_part_close(j->ds_pca, shard, p.w, err);
        p.w = NULL;
    }
    orc_parquet_writer_discard(p.w);
    free(p.proj);
    return st;
}

/* ---- run.json ------------------------------------------------------------------------------- */

static long peak_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void json_classes(job *j, text *t, size_t *nclasses)
{
    char **labels = malloc((j->files.n ? j->files.n : 1) * sizeof *labels);
    size_t n = 0;
    *nclasses = 0;
    if (labels == NULL) {
        text_printf(t, "[]");
        return;
    }
    for (size_t i = 0; i < j->files.n; i++) {
        char label[NAME_MAX + 1];
        item_label(j, i, label, sizeof label);
        if (n > 0 && strcmp(labels[n - 1], label) == 0)
            continue;
        if ((labels[n] = strdup(label)) != NULL)
            n++;
    }
    qsort(labels, n, sizeof *labels, cmp_str);
    text_printf(t, "[");
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(labels[i], labels[i - 1]) == 0)
            continue;
        text_printf(t, "%s", u ? ", " : "");
        text_json_str(t, labels[i]);
        u++;
    }
    text_printf(t, "]");
    *nclasses = u;
    for (size_t i = 0; i < n; i++)
        free(labels[i]);
    free(labels);
}

static int64_t dataset_rows(const char *dir)
{
    orc_dataset_listing l = {0};
    if (orc_dataset_list(dir, &l, NULL) != ORC_OK)
        return -1;
    int64_t r = l.rows;
    orc_dataset_listing_free(&l);
    return r;
}

static orc_status write_run_json(job *j, const orc_pca_model *m, const char *pca_from,
                                 int64_t rows, int64_t errors, int ok, orc_error *err)
{
    text t = {0};
    double total = now_s() - j->t0;
    text_printf(&t, "{\n  \"orchard_version\": \"%s\",\n  \"status\": \"%s\",\n  \"input\": ",
                ORC_VERSION, ok ? "complete" : "too many errors");
    text_json_str(&t, j->o->input);
    text_printf(&t, ",\n  \"output\": ");
    text_json_str(&t, j->o->output);
    text_printf(&t, ",\n  \"run_id\": \"%s\",\n  \"layout\": {\"features\": \"features/\", "
                    "\"pca\": %s, \"errors\": \"errors/\", \"pca_model\": %s},\n",
                j->run_id, m != NULL ? "\"pca/\"" : "null", m != NULL ? "\"pca.orpca\"" : "null");
    text_printf(&t, "  \"counts\": {\"seen\": %zu, \"processed\": %lld, \"skipped\": %lld, "
                    "\"shards\": %zu, \"shards_resumed\": %zu, \"images_this_run\": %zu},\n",
                j->files.n, (long long)rows, (long long)errors, j->nshards, j->resumed,
                j->g != NULL ? j->work_items_all : j->work_items);
    size_t nclasses = 0;
    text_printf(&t, "  \"classes\": ");
    json_classes(j, &t, &nclasses);
    text_printf(&t, ",\n  \"class_count\": %zu,\n", nclasses);
    if (m != NULL) {
        const orc_pca_model_info *pi = orc_pca_model_get_info(m);
        text_printf(&t, "  \"pca\": {\"k\": %u, \"explained_variance_ratio\": %.9g, "
                        "\"variance_target\": %.9g, \"standardized\": %s, \"fitted_rows\": %llu, "
                        "\"fitted_on\": ",
                    pi->k, pi->cumulative_ratio[pi->k - 1], pi->variance_target,
                    pi->standardized ? "true" : "false", (unsigned long long)pi->count);
        text_json_str(&t, pca_from);
        text_printf(&t, "},\n");
    } else {
        text_printf(&t, "  \"pca\": null,\n");
    }
    text_printf(&t,
                "  \"timings_s\": {\"list\": %.3f, \"fetch_decode_busy\": %.3f, "
                "\"inference\": %.3f, \"write_busy\": %.3f, \"pca_stats\": %.3f, "
                "\"pca_fit\": %.3f, \"pca_pass2\": %.3f, \"upload\": %.3f, \"total\": %.3f},\n",
                j->t.list, j->t.fetch, j->t.infer, j->t.write, j->t.stats, j->t.fit, j->t.pass2,
                j->t.upload, total);
    /* CPU seconds: meaningful on a shared machine where wall times are not. Inference = the
     * process's pass-1 CPU minus the fetch and writer threads. */
    double cpu_total = process_cpu_s();
    text_printf(&t,
                "  \"cpu_s\": {\"fetch_decode\": %.3f, \"inference\": %.3f, \"write_and_stats\": "
                "%.3f, \"pass1\": %.3f, \"total\": %.3f},\n",
                j->fetch_cpu, j->cpu_pass1 - j->fetch_cpu - j->write_cpu, j->write_cpu,
                j->cpu_pass1, cpu_total);
    text_printf(&t, "  \"images_per_s\": %.2f,\n  \"peak_rss_mb\": %.1f,\n",
                total > 0 ? (double)(j->g != NULL ? j->work_items_all : j->work_items) / total : 0.0,
                (double)peak_rss_kb() / 1024.0);
    text_printf(&t, "  \"isa\": \"%s\",\n  \"kernels\": ", orc_isa_name(j->o->isa));
    text_json_str(&t, j->model != NULL ? orc_model_kernels_description(j->model) : "");
    text_printf(&t, ",\n  \"threads\": %zu,\n  \"ranks\": %u,\n  \"batch\": %zu,\n"
                    "  \"shard_size\": %zu,\n",
                j->o->threads, j->g != NULL ? j->g->size : 1u, j->batch, j->shard_size);
    text_printf(&t, "  \"augment\": \"%s\",\n", j->augment[0] ? j->augment : "none");
    text_printf(&t, "  \"input_size\": %zu,\n", j->side);
    text_printf(&t, "  \"region\": ");
    if (j->s3 != NULL)
        text_json_str(&t, orc_s3_region(j->s3));
    else
        text_printf(&t, "null");
    text_printf(&t, ",\n  \"weights\": ");
    text_json_str(&t, j->o->weights);
    text_printf(&t, ",\n  \"weights_sha256\": \"%s\"\n}\n", j->weights_sha);
    if (t.failed) {
        free(t.s);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory for run.json");
    }
    orc_status st = out_write_small(j, "run.json", t.s, t.len, err);
    free(t.s);
    return st;
}

/* ---- the run -------------------------------------------------------------------------------- */

void orc_pipeline_options_default(orc_pipeline_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->threads = 1;
    opt->batch = 32;
    opt->shard_size = DEFAULT_SHARD_SIZE;
    opt->isa = orc_isa_best();
    opt->pca_variance = 0.95;
    opt->max_errors = SIZE_MAX;
    opt->progress_tty = -1;
}

static orc_status open_s3(job *j, orc_error *err)
{
    if (j->s3 != NULL)
        return ORC_OK;
    orc_s3_options so = {0};
    so.region = j->o->region;
    so.endpoint_url = j->o->endpoint_url;
    so.profile = j->o->profile;
    so.ca_bundle = j->o->ca_bundle;
    return orc_s3_open(&so, &j->s3, err);
}

static char *previous_manifest(job *j);

/* finalize: input, shard size and ISA of the run in OUTPUT, from its manifest */
static orc_status read_manifest_settings(job *j, orc_error *err)
{
    char *man = previous_manifest(j);
    if (man == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "%s has no _manifest: nothing to finalize (run the extract array "
                             "tasks first)", j->o->output);
    char input[PATH_MAX] = "", isa[64] = "";
    const char *p;
    size_t shard = 0;
    if ((p = strstr(man, "\ninput ")) != NULL)
        sscanf(p + 7, "%4095[^\n]", input);
    if ((p = strstr(man, "\nshard_size ")) != NULL)
        shard = strtoull(p + 12, NULL, 10);
    if ((p = strstr(man, "\nisa ")) != NULL)
        sscanf(p + 5, "%63s", isa);
    if ((p = strstr(man, "\naugment ")) != NULL)
        sscanf(p + 9, "%127s", j->augment);
    if ((p = strstr(man, "\ninput_size ")) != NULL)
        j->opt.input_size = strtoull(p + 12, NULL, 10);
    free(man);
    if (input[0] == '\0' || shard == 0 || isa[0] == '\0')
        return orc_error_set(err, ORC_ERR_FORMAT, "%s/_manifest is incomplete", j->o->output);
    orc_status st = orc_isa_parse(isa, &j->opt.isa, err);
    if (st != ORC_OK)
        return orc_error_prefix(err, "%s/_manifest", j->o->output);
    if ((j->input_copy = strdup(input)) == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory");
    j->opt.input = j->input_copy;
    j->opt.shard_size = j->shard_size = shard;
    return ORC_OK;
}

static orc_status setup_locations(job *j, orc_error *err)
{
    const orc_pipeline_options *o = j->o;
    orc_status st;
    if (is_s3_url(o->output)) {
        if ((st = location_parse_s3(o->output, &j->out, err)) != ORC_OK ||
            (st = open_s3(j, err)) != ORC_OK)
            return orc_error_prefix(err, "output %s", o->output);
        if (o->staging != NULL) {
            snprintf(j->out.dir, sizeof j->out.dir, "%s", o->staging);
        } else {
            hasher h;
            char hex[65];
            if (hasher_init(&h) != 0)
                return orc_error_set(err, ORC_ERR_INTERNAL, "SHA-256 unavailable");
            hasher_add_str(&h, o->output);
            if (hasher_final(&h, hex) != 0)
                return orc_error_set(err, ORC_ERR_INTERNAL, "SHA-256 failed");
            const char *tmp = getenv("TMPDIR");
            snprintf(j->out.dir, sizeof j->out.dir, "%s/orchard-staging-%.16s",
                     tmp != NULL && tmp[0] ? tmp : "/tmp", hex);
        }
        if (j->g != NULL) { /* ranks on one host must not share a staging folder */
            size_t n = strlen(j->out.dir);
            if ((size_t)snprintf(j->out.dir + n, sizeof j->out.dir - n, ".rank%u", j->g->rank) >=
                sizeof j->out.dir - n)
                return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "staging path too long");
        }
    } else {
        snprintf(j->out.dir, sizeof j->out.dir, "%s", o->output);
    }
    if (o->format == ORC_PIPELINE_CSV && j->out.s3)
        return orc_error_set(err, ORC_ERR_UNSUPPORTED,
                             "--format csv writes to a local folder only (output %s)",
                             o->output);
    if ((st = mkdir_p(j->out.dir, err)) != ORC_OK)
        return st;
    if (o->finalize && (st = read_manifest_settings(j, err)) != ORC_OK)
        return st;
    if (is_s3_url(o->input)) {
        if ((st = location_parse_s3(o->input, &j->in, err)) != ORC_OK ||
            (st = open_s3(j, err)) != ORC_OK)
            return orc_error_prefix(err, "input %s", o->input);
    } else if (realpath(o->input, j->in.dir) == NULL) {
        return orc_error_set(err, ORC_ERR_IO, "input folder %s: %s", o->input, strerror(errno));
    } else {
        struct stat sb;
        if (stat(j->in.dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return orc_error_set(err, ORC_ERR_IO, "input %s is not a folder", o->input);
    }
    return ORC_OK;
}

/* --augment: the canonical variant list into j->augment (finalize: from the manifest), then
 * each file of the listing becomes one item per variant, in variant order right after it */
static orc_status expand_variants(job *j, orc_error *err)
{
    const char *spec = j->o->finalize ? j->augment : j->o->augment;
    unsigned variants[ORC_AUGMENT_VARIANTS], count = 0;
    orc_status st = orc_augment_parse(spec != NULL && spec[0] ? spec : "none", variants, &count,
                                      err);
    if (st != ORC_OK) {
        orc_error_prefix(err, "--augment");
        return st;
    }
    size_t o = 0;
    j->augment[0] = '\0';
    for (unsigned k = 1; k < count; k++)
        o += (size_t)snprintf(j->augment + o, sizeof j->augment - o, "%s%s", k > 1 ? "," : "",
                              orc_augment_name(variants[k]));
    if (count == 1)
        return ORC_OK;
    if (j->files.n > SIZE_MAX / sizeof(item) / count)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "too many files to augment");
    item *v = malloc(j->files.n * count * sizeof *v);
    if (v == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory for the augmented listing");
    size_t n = 0;
    for (size_t i = 0; i < j->files.n; i++)
        for (unsigned k = 0; k < count; k++) {
            v[n] = j->files.v[i];
            v[n].variant = variants[k];
            if (k > 0 && (v[n].key = strdup(j->files.v[i].key)) == NULL) {
                for (size_t m = 0; m < n; m++)
                    if (v[m].variant != 0)
                        free(v[m].key);
                free(v);
                return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory for the augmented "
                                     "listing");
            }
            n++;
        }
    free(j->files.v);
    j->files.v = v;
    j->files.n = j->files.cap = n;
    return ORC_OK;
}

static orc_status do_list(job *j, orc_error *err)
{
    double t = now_s();
    orc_status st;
    if (j->in.s3) {
        s3_list_ctx c = {.l = &j->files, .prefix_len = strlen(j->in.prefix)};
        st = orc_s3_list(j->s3, j->in.bucket, j->in.prefix, s3_list_cb, &c, err);
        if (st == ORC_OK && c.failed)
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory listing %s", j->o->input);
    } else {
        st = walk(j->in.dir, "", &j->files, err);
    }
    if (st != ORC_OK)
        return st;
    if (j->files.n == 0)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "no files found under %s",
                             j->o->input);
    qsort(j->files.v, j->files.n, sizeof *j->files.v, cmp_items);
    if (j->o->limit > 0)
        while (j->files.n > j->o->limit) {
            j->files.n--;
            free(j->files.v[j->files.n].key);
        }
    st = expand_variants(j, err);
    j->t.list = now_s() - t;
    return st;
}

/* Remove the previous run's top-level results before anything else changes. */
/* temp files NAME.tmp.PID of top-level files left by a killed process */
static void sweep_stale_temps(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *t = strstr(e->d_name, ".tmp.");
        if (t == NULL)
            continue;
        char *end = NULL;
        long pid = strtol(t + 5, &end, 10);
        if (*end != '\0' || pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH)) {
            char path[PATH_MAX * 2];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

static orc_status invalidate_outputs(job *j, orc_error *err)
{
    sweep_stale_temps(j->out.dir);
    static const char *const names[] = {"_SUCCESS", "run.json", "pca.orpca"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        char path[PATH_MAX * 2];
        snprintf(path, sizeof path, "%s/%s", j->out.dir, names[k]);
        if (unlink(path) != 0 && errno != ENOENT)
            return orc_error_set(err, ORC_ERR_IO, "cannot remove %s: %s", path,
                                 strerror(errno));
        orc_status st = out_delete(j, names[k], err);
        if (st != ORC_OK)
            return st;
    }
    return ORC_OK;
}

static orc_status run_csv(job *j, orc_error *err)
{
    char path[PATH_MAX * 2], errors_path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/features.csv", j->out.dir);
    snprintf(errors_path, sizeof errors_path, "%s/errors.csv", j->out.dir);
    snprintf(j->csv_errors_tmp, sizeof j->csv_errors_tmp, "%s.tmp", errors_path);
    orc_status st = orc_csv_writer_open(path, j->dim, &j->csv, err);
    if (st != ORC_OK)
        return st;
    j->csv_errors = fopen(j->csv_errors_tmp, "w");
    if (j->csv_errors == NULL || fputs("path,reason\n", j->csv_errors) < 0)
        return orc_error_set(err, ORC_ERR_IO, "cannot create %s: %s", j->csv_errors_tmp,
                             strerror(errno));
    j->shard_size = j->files.n;
    j->nshards = 1;
    if ((st = plan_batches(j, err)) != ORC_OK || (st = run_pass1(j, err)) != ORC_OK)
        return st;
    if ((st = orc_feature_writer_finish(j->csv, err)) != ORC_OK)
        return st;
    int bad = fflush(j->csv_errors) != 0 || fsync(fileno(j->csv_errors)) != 0;
    bad = fclose(j->csv_errors) != 0 || bad;
    j->csv_errors = NULL;
    if (bad || rename(j->csv_errors_tmp, errors_path) != 0)
        return orc_error_set(err, ORC_ERR_IO, "cannot write %s: %s", errors_path,
                             strerror(errno));
    return ORC_OK;
}

/* ---- group mode (MPI ranks): what rank 0 shares with the others ------------------------ */

/* rank 0 lists and broadcasts (key NUL stamp NUL size NUL, per file); the others unpack */
static orc_status share_listing(job *j, orc_error *err)
{
    if (j->g == NULL)
        return do_list(j, err);
    orc_status st;
    text t = {0};
    void *data = NULL;
    size_t len = 0;
    if (j->g->rank == 0) {
        if ((st = do_list(j, err)) != ORC_OK)
            return st;
        for (size_t i = 0; i < j->files.n; i++) /* the files; each rank adds the views */
            if (j->files.v[i].variant == 0)
                text_printf(&t, "%s%c%s%c%llu%c", j->files.v[i].key, 0, j->files.v[i].stamp, 0,
                            (unsigned long long)j->files.v[i].size, 0);
        if (t.failed) {
            free(t.s);
            return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory for the listing");
        }
        data = t.s;
        len = t.len;
    }
    st = j->g->broadcast(j->g->ctx, &data, &len, err);
    if (j->g->rank == 0) {
        free(t.s);
        return st == ORC_OK ? st : orc_error_prefix(err, "sending the listing");
    }
    if (st != ORC_OK)
        return orc_error_prefix(err, "receiving the listing from rank 0");
    const char *p = data, *end = p + len;
    while (st == ORC_OK && p < end) {
        const char *f[3];
        for (int k = 0; k < 3; k++) {
            const char *z = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
            if (z == NULL) {
                st = orc_error_set(err, ORC_ERR_INTERNAL, "listing from rank 0 is truncated");
                break;
            }
            f[k] = p;
            p = z + 1;
        }
        if (st == ORC_OK && listing_add(&j->files, f[0], strtoull(f[2], NULL, 10), f[1]) != 0)
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory listing files");
    }
    free(data);
    if (st == ORC_OK && j->files.n == 0)
        st = orc_error_set(err, ORC_ERR_INTERNAL, "empty listing from rank 0");
    if (st == ORC_OK)
        st = expand_variants(j, err); /* --augment: the same list on every rank */
    return st;
}

/* rank 0's decision (resume or not) to every rank */
static orc_status share_flag(job *j, int *flag, orc_error *err)
{
    unsigned char b = (unsigned char)(*flag != 0);
    void *data = &b;
    size_t len = 1;
    orc_status st = j->g->broadcast(j->g->ctx, &data, &len, err);
    if (st != ORC_OK)
        return st;
    if (j->g->rank != 0) {
        unsigned char *p = data;
        int ok = len == 1;
        *flag = ok && p[0] != 0;
        free(data);
        if (!ok)
            return orc_error_set(err, ORC_ERR_INTERNAL, "bad decision message from rank 0");
    }
    return ORC_OK;
}

/* After pass 1 on every rank: the PCA statistics merged on rank 0 (or a barrier when no fit).
 * Returning on rank 0 means every rank has its parts complete. */
static orc_status group_stats(job *j, orc_error *err)
{
    if (j->total == NULL)
        return j->g->barrier(j->g->ctx, err);
    double t = now_s();
    size_t n = orc_pca_stats_doubles((uint32_t)j->dim);
    double *buf = malloc(n * sizeof *buf);
    if (buf == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory for the PCA statistics");
    orc_status st = orc_pca_stats_serialize(j->total, buf, err);
    if (st == ORC_OK)
        st = j->g->reduce_stats(j->g->ctx, buf, n, err);
    if (st == ORC_OK && j->g->rank == 0) {
        orc_pca_stats *merged = NULL;
        st = orc_pca_stats_deserialize(buf, n, &merged, err);
        if (st == ORC_OK) {
            orc_pca_stats_close(j->total);
            j->total = merged;
        } else {
            orc_error_prefix(err, "merging the PCA statistics of %u ranks", j->g->size);
        }
    }
    free(buf);
    j->t.stats += now_s() - t;
    return st;
}

/* The model file (written by rank 0 at mpath) to every rank; the pca dataset's run id (this
 * run and the model's bytes). Other ranks get the model in *follow. */
static orc_status share_model(job *j, const char *mpath, orc_pca_model **follow,
                              char pca_id[17], orc_error *err)
{
    size_t len = 0;
    void *bytes = NULL;
    orc_status st = ORC_OK;
    if (j->g == NULL || j->g->rank == 0) {
        if ((bytes = read_small_file(mpath, &len)) == NULL)
            return orc_error_set(err, ORC_ERR_IO, "cannot read back %s", mpath);
    }
    if (j->g != NULL) {
        st = j->g->broadcast(j->g->ctx, &bytes, &len, err);
        if (st != ORC_OK) {
            if (j->g->rank == 0)
                free(bytes);
            return orc_error_prefix(err, "broadcasting the PCA model");
        }
    }
    if (j->g != NULL && j->g->rank != 0) {
        char path[PATH_MAX * 2];
        snprintf(path, sizeof path, "%s/.pca-rank%u.orpca", j->out.dir, j->g->rank);
        st = write_file_atomic(path, bytes, len, err);
        if (st == ORC_OK)
            st = orc_pca_model_load(path, follow, err);
        unlink(path);
        if (st != ORC_OK) {
            free(bytes);
            return orc_error_prefix(err, "the PCA model from rank 0");
        }
    }
    hasher h;
    char hex[65];
    if (hasher_init(&h) != 0) {
        free(bytes);
        return orc_error_set(err, ORC_ERR_INTERNAL, "SHA-256 unavailable");
    }
    hasher_add_str(&h, j->run_id);
    hasher_add(&h, bytes, len);
    free(bytes);
    if (hasher_final(&h, hex) != 0)
        return orc_error_set(err, ORC_ERR_INTERNAL, "SHA-256 failed");
    memcpy(pca_id, hex, 16);
    pca_id[16] = '\0';
    return st;
}

/* The previous run's manifest against this listing: resume, refuse or start over (then the
 * new manifest is written and the previous top-level results removed). */
static orc_status check_manifest(job *j, int *resume_out, orc_error *err)
{
    const orc_pipeline_options *o = j->o;
    orc_status st;
    int resume = 0;
    text man = {0};
    if ((st = manifest_text(j, &man)) != ORC_OK) {
        free(man.s);
        return orc_error_set(err, st, "no memory for the manifest");
    }
    char *prev = previous_manifest(j);
    if (prev != NULL && strcmp(prev, man.s) == 0) {
        resume = !o->overwrite;
    } else if (o->finalize) {
        char what[1024] = "no manifest";
        if (prev != NULL)
            describe_change(j, prev, what, sizeof what);
        free(prev);
        free(man.s);
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "cannot finalize %s: the input changed since the array tasks ran (%s)",
                             o->output, what);
    } else if (prev != NULL && !o->overwrite) {
        char what[1024];
        describe_change(j, prev, what, sizeof what);
        free(prev);
        free(man.s);
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "%s holds the results of another run (the input changed: %s); "
                             "rerun with --overwrite to replace them, or choose another output",
                             o->output, what);
    }
    free(prev);
    if ((st = invalidate_outputs(j, err)) != ORC_OK ||
        (st = out_write_small(j, "_manifest", man.s, man.len, err)) != ORC_OK) {
        free(man.s);
        return st;
    }
    free(man.s);
    *resume_out = resume;
    return ORC_OK;
}

static orc_status run_job(job *j, orc_pipeline_report *rep, orc_error *err)
{
    const orc_pipeline_options *o = j->o;
    orc_status st;
    if ((st = setup_locations(j, err)) != ORC_OK)
        return st;
    /* weights: checksum for the run id and run.json, then the model */
    orc_weights *w = NULL;
    if ((st = orc_weights_open(o->weights, &w, err)) != ORC_OK)
        return st;
    snprintf(j->weights_sha, sizeof j->weights_sha, "%s", orc_weights_get_info(w)->sha256);
    j->native_side = orc_weights_get_info(w)->input_size;
    if (j->opt.input_size == j->native_side) /* the default spelled out: the same run */
        j->opt.input_size = 0;
    orc_model_options mo;
    orc_model_options_default(&mo);
    mo.threads = o->threads;
    mo.isa = o->isa;
    mo.batch_capacity = j->batch;
    mo.input_size = o->input_size;
    st = orc_model_open_weights(w, &mo, &j->model, err);
    orc_weights_close(w);
    if (st != ORC_OK)
        return st;
    if (o->verbose)
        fprintf(j->log, "orchard extract: %zu threads, batch %zu, kernels: %s\n", o->threads,
                j->batch, orc_model_kernels_description(j->model));
    j->side = orc_model_input_size(j->model);
    j->dim = orc_model_feature_dim(j->model);
    if (orc_model_input_channels(j->model) != 3)
        return orc_error_set(err, ORC_ERR_UNSUPPORTED, "%s expects %zu input channels; images "
                             "are RGB", o->weights, orc_model_input_channels(j->model));
    if ((st = share_listing(j, err)) != ORC_OK)
        return st;
    rep->seen = j->files.n;
    if (o->format == ORC_PIPELINE_CSV) {
        j->shard_resumed = calloc(1, 1);
        if (j->shard_resumed == NULL)
            return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory");
        if ((st = run_csv(j, err)) != ORC_OK)
            return st;
        rep->processed = j->items_done - j->items_failed;
        rep->skipped = j->items_failed;
        rep->shards = 1;
        return ORC_OK;
    }

    /* shards, run id, manifest */
    j->nshards = (j->files.n + j->shard_size - 1) / j->shard_size;
    if (j->nshards > 99999)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "%zu shards of %zu files: at most 99999 (raise --shard-size)",
                             j->nshards, j->shard_size);
    j->shard_resumed = calloc(j->nshards, 1);
    if (j->shard_resumed == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory");
    if ((st = compute_ids(j, err)) != ORC_OK)
        return st;
    int lead = j->g == NULL || j->g->rank == 0; /* lists, checks, commits, fits */
    int resume = 0;
    if (lead && (st = check_manifest(j, &resume, err)) != ORC_OK)
        return st;

    sink_ctx *sinks = j->sinks;
    sinks[0] = (sink_ctx){j, "features"};
    sinks[1] = (sink_ctx){j, "errors"};
    sinks[2] = (sink_ctx){j, "pca"};
    orc_dataset_sink ds_sinks[3];
    for (int k = 0; k < 3; k++)
        ds_sinks[k] = (orc_dataset_sink){&sinks[k], sink_publish, sink_remove};
    orc_parquet_options po = {0};
    po.zstd_level = o->zstd_level;
    orc_dataset_options dopt[3];
    for (int k = 0; k < 3; k++)
        dopt[k] = (orc_dataset_options){&po, j->out.s3 ? &ds_sinks[k] : NULL};
    char dir[PATH_MAX * 2];
    /* a fresh run id for --overwrite sweeps every part of the previous one */
    const char *subs[3] = {"features", "errors", "pca"};
    orc_dataset **dss[3] = {&j->ds_feat, &j->ds_err, &j->ds_pca};
    if (o->overwrite && lead) {
        for (int k = 0; k < 3; k++) {
            snprintf(dir, sizeof dir, "%s/%s", j->out.dir, subs[k]);
            orc_dataset *tmp = NULL;
            if ((st = orc_dataset_open(dir, "overwrite", &dopt[k], &tmp, err)) != ORC_OK)
                return st;
            orc_dataset_close(tmp);
        }
    }
    if (j->g != NULL && (st = share_flag(j, &resume, err)) != ORC_OK)
        return st;
    if (j->out.s3 && resume)
        for (int k = 0; k < 2; k++)
            if ((st = fetch_remote_parts(j, subs[k], j->run_id, err)) != ORC_OK)
                return orc_error_prefix(err, "resuming from %s", o->output);
    for (int k = 0; k < 2; k++) {
        snprintf(dir, sizeof dir, "%s/%s", j->out.dir, subs[k]);
        if ((st = orc_dataset_open(dir, j->run_id, &dopt[k], dss[k], err)) != ORC_OK)
            return st;
    }
    size_t resumed = 0;
    for (size_t s = 0; s < j->nshards; s++) {
        j->shard_resumed[s] = resume && orc_dataset_part_complete(j->ds_feat, (unsigned)s) &&
                              orc_dataset_part_complete(j->ds_err, (unsigned)s);
        resumed += j->shard_resumed[s];
    }
    /* every rank sees the same complete shards: none writes a part before all have looked */
    if (j->g != NULL && (st = j->g->barrier(j->g->ctx, err)) != ORC_OK)
        return st;
    if (o->finalize && resumed < j->nshards) {
        size_t first = 0;
        while (j->shard_resumed[first])
            first++;
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "%s: %zu of %zu shards are not complete (first: shard %zu, from %s):"
                             " run the array tasks that hold them, then finalize again",
                             o->output, j->nshards - resumed, j->nshards, first,
                             j->files.v[first * j->shard_size].key);
    }
    if (resumed > 0 && !o->finalize)
        logf_(j, "resuming run %s: %zu of %zu shards already complete", j->run_id, resumed,
              j->nshards);
    if (lead && j->g != NULL && j->nshards < 2 * (size_t)j->g->size)
        logf_(j, "only %zu shards of %zu files for %u ranks: some ranks have little or nothing "
              "to do (lower --shard-size to about files / (4 x ranks))", j->nshards,
              j->shard_size, j->g->size);
    rep->resumed_shards = resumed;
    j->resumed = resumed;
    rep->shards = j->nshards;
    int fit = !o->no_pca && o->pca_fit_on == NULL && o->shard_count == 0;
    if (fit && (st = orc_pca_stats_open((uint32_t)j->dim, &j->total, err)) != ORC_OK)
        return st;
    if ((st = plan_batches(j, err)) != ORC_OK)
        return st;
    logf_(j, "%zu files in %zu shards of %zu, %zu to process; %zu threads, %s, batch %zu", j->files.n,
          j->nshards, j->shard_size, j->work_items, o->threads, orc_isa_name(o->isa), j->batch);
    if ((st = run_pass1(j, err)) != ORC_OK)
        return st;
    if (o->shard_count > 0) { /* array task: its parts are written; finalize does the rest */
        rep->processed = j->items_done - j->items_failed;
        rep->skipped = j->items_failed;
        logf_(j, "shard set %u of %u complete; after every task: orchard finalize %s",
              o->shard_index, o->shard_count, o->output);
        return ORC_OK;
    }
    if ((st = fold_resumed(j, (unsigned)j->nshards, err)) != ORC_OK)
        return st;
    if (j->g != NULL && (st = group_stats(j, err)) != ORC_OK)
        return st;
    double t = now_s();
    int64_t rows = 0, errors = 0;
    if (lead) {
        /* S3 output of several ranks: the others' parts into this staging folder first */
        for (int k = 0; j->g != NULL && j->out.s3 && k < 2; k++)
            if ((st = fetch_remote_parts(j, subs[k], j->run_id, err)) != ORC_OK)
                return orc_error_prefix(err, "collecting the parts of every rank");
        if ((st = orc_dataset_commit(j->ds_err, (unsigned)j->nshards, err)) != ORC_OK ||
            (st = orc_dataset_commit(j->ds_feat, (unsigned)j->nshards, err)) != ORC_OK)
            return st;
        j->t.commit += now_s() - t;
        snprintf(dir, sizeof dir, "%s/features", j->out.dir);
        rows = dataset_rows(dir);
        snprintf(dir, sizeof dir, "%s/errors", j->out.dir);
        errors = dataset_rows(dir);
        rep->processed = rows < 0 ? 0 : (size_t)rows;
        rep->skipped = errors < 0 ? 0 : (size_t)errors;
    } else {
        rep->processed = j->items_done - j->items_failed;
        rep->skipped = j->items_failed;
    }

    /* PCA */
    orc_pca_model *m = NULL;
    char pca_from[PATH_MAX * 2] = "";
    if (!o->no_pca) {
        char mpath[PATH_MAX * 2];
        snprintf(mpath, sizeof mpath, "%s/pca.orpca", j->out.dir);
        if (lead) {
            t = now_s();
            if (o->pca_fit_on != NULL) {
                st = load_fit_on(j, &m, pca_from, sizeof pca_from, err);
                if (st == ORC_OK && orc_pca_model_get_info(m)->dim != j->dim)
                    st = orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                       "--pca-fit-on %s: model of dimension %u, features have %zu",
                                       o->pca_fit_on, orc_pca_model_get_info(m)->dim, j->dim);
            } else if (orc_pca_stats_count(j->total) < 2) {
                st = orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                   "PCA needs at least 2 images, %llu were processed (use --no-pca)",
                                   (unsigned long long)orc_pca_stats_count(j->total));
            } else {
                orc_pca_fit_options fo = {0};
                fo.k = o->pca_k;
                fo.variance = o->pca_variance;
                fo.standardize = o->pca_standardize;
                fo.threads = (uint32_t)o->threads;
                if (fo.k > j->dim)
                    st = orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "--pca-k %u is above the "
                                       "feature dimension %zu", fo.k, j->dim);
                else
                    st = orc_pca_fit(j->total, &fo, &m, err);
                snprintf(pca_from, sizeof pca_from, "%s", o->input);
            }
            j->t.fit = now_s() - t;
            if (st == ORC_OK && (st = orc_pca_model_save(m, mpath, err)) == ORC_OK)
                st = out_put(j, "pca.orpca", mpath, err);
        }
        char pca_id[17];
        if (st == ORC_OK)
            st = share_model(j, mpath, &m, pca_id, err);
        t = now_s();
        if (st == ORC_OK && j->out.s3 && resume)
            st = fetch_remote_parts(j, "pca", pca_id, err);
        snprintf(dir, sizeof dir, "%s/pca", j->out.dir);
        if (st == ORC_OK)
            st = orc_dataset_open(dir, pca_id, &dopt[2], &j->ds_pca, err);
        for (size_t s = 0; st == ORC_OK && s < j->nshards; s++)
            if (owns(j, s) && !orc_dataset_part_complete(j->ds_pca, (unsigned)s))
                st = pca_part(j, m, (unsigned)s, err);
        if (st == ORC_OK && j->g != NULL)
            st = j->g->barrier(j->g->ctx, err); /* every rank's pca parts are complete */
        if (st == ORC_OK && lead && j->g != NULL && j->out.s3)
            st = fetch_remote_parts(j, "pca", pca_id, err);
        if (st == ORC_OK && lead)
            st = orc_dataset_commit(j->ds_pca, (unsigned)j->nshards, err);
        j->t.pass2 = now_s() - t;
        if (st != ORC_OK) {
            orc_pca_model_close(m);
            return st;
        }
    }
    if (!lead) { /* rank 0 commits and writes run.json and _SUCCESS */
        orc_pca_model_close(m);
        return ORC_OK;
    }
    if (j->out.s3 && (st = remove_stale_remote(j, err)) != ORC_OK) {
        orc_pca_model_close(m);
        return orc_error_prefix(err, "removing parts of earlier runs from %s", o->output);
    }
    rep->too_many_errors = rep->skipped > o->max_errors;
    st = write_run_json(j, m, pca_from, rows, errors, !rep->too_many_errors, err);
    if (st == ORC_OK && !rep->too_many_errors) {
        char line[128];
        int n = snprintf(line, sizeof line, "orchard extract run %s\n", j->run_id);
        st = out_write_small(j, "_SUCCESS", line, (size_t)n, err);
    }
    if (st == ORC_OK && m != NULL) {
        const orc_pca_model_info *pi = orc_pca_model_get_info(m);
        logf_(j, "PCA: k = %u components, %.2f %% of the variance", pi->k,
              100.0 * pi->cumulative_ratio[pi->k - 1]);
    }
    orc_pca_model_close(m);
    return st;
}

orc_status orc_pipeline_run(const orc_pipeline_options *opt, orc_pipeline_report *report,
                            orc_error *err)
{
    orc_pipeline_report rep_local;
    orc_pipeline_report *rep = report != NULL ? report : &rep_local;
    memset(rep, 0, sizeof *rep);
    if (opt == NULL || (opt->input == NULL && !opt->finalize) || opt->output == NULL ||
        opt->weights == NULL ||
        opt->threads < 1 || opt->batch < 1)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "extract: input, output, weights, threads and batch are required");
    if (opt->group != NULL && opt->group->size > 1 &&
        (opt->shard_count > 0 || opt->finalize || opt->format == ORC_PIPELINE_CSV ||
         opt->group->rank >= opt->group->size))
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "a run of %u MPI ranks writes Parquet and does its own split: not "
                             "with --shard, finalize or --format csv", opt->group->size);
    job *j = calloc(1, sizeof *j);
    if (j == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory");
    j->opt = *opt;
    j->o = &j->opt;
    if (opt->group != NULL && opt->group->size > 1) {
        j->g = opt->group;
        j->part_index = j->g->rank;
        j->part_count = j->g->size;
    } else if (opt->shard_count > 0) {
        j->part_index = opt->shard_index;
        j->part_count = opt->shard_count;
    }
    j->log = opt->log != NULL ? opt->log : stderr;
    j->tty = opt->progress_tty >= 0 ? opt->progress_tty : isatty(fileno(j->log));
    j->batch = opt->batch;
    j->shard_size = opt->shard_size ? opt->shard_size : DEFAULT_SHARD_SIZE;
    j->t0 = now_s();
    j->last_progress = j->t0;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    orc_status st = run_job(j, rep, err);
    rep->seconds = now_s() - j->t0;
    if (j->csv_errors != NULL) {
        fclose(j->csv_errors);
        remove(j->csv_errors_tmp);
    }
    orc_feature_writer_close(j->csv);
    orc_dataset_close(j->ds_feat);
    orc_dataset_close(j->ds_err);
    orc_dataset_close(j->ds_pca);
    orc_pca_stats_close(j->total);
    for (size_t k = 0; j->slots != NULL && k < j->nslots; k++) {
        free(j->slots[k].pixels);
        free(j->slots[k].status);
        free(j->slots[k].errs);
        free(j->slots[k].features);
    }
    free(j->slots);
    free(j->batches);
    for (size_t s = 0; j->shard_sha != NULL && s < j->nshards; s++)
        free(j->shard_sha[s]);
    free(j->shard_sha);
    free(j->shard_resumed);
    orc_model_close(j->model);
    orc_s3_close(j->s3);
    location_free(&j->in);
    location_free(&j->out);
    listing_free(&j->files);
    free(j->input_copy);
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    free(j);
    return st;
}
