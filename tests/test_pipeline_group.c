/* test_pipeline_group.c -- the pipeline's group mode (what `mpirun -np N orchard extract` runs)
 * without MPI: N threads of one process, each running orc_pipeline_run as rank r of N over an
 * in-process orc_pipeline_group (a pthread barrier; broadcast and the PCA statistics reduce
 * through shared memory, merged in rank order as mpi_run.c's MPI_Reduce does). Against a
 * single-process run over the same images: every features and errors part byte for byte, the
 * PCA model within 1e-9, _SUCCESS and "ranks" in run.json; options a group refuses. */
#include "check_main.h"

#include "pca.h"
#include "pipeline.h"

#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sys/stat.h>

#define WEIGHTS "weights/mobilenet_v2_1.0_224.orw"
#define MAX_RANKS 4

typedef struct thread_group {
    unsigned size;
    pthread_barrier_t barrier;
    void *data; /* rank 0's broadcast */
    size_t len;
    double *stats[MAX_RANKS];
} thread_group;

typedef struct rank_ctx {
    thread_group *tg;
    orc_pipeline_group group;
    orc_pipeline_options opt;
    orc_pipeline_report rep;
    orc_status st;
    orc_error err;
} rank_ctx;

static orc_status tg_barrier(void *ctx, orc_error *err)
{
    (void)err;
    rank_ctx *c = ctx;
    pthread_barrier_wait(&c->tg->barrier);
    return ORC_OK;
}

static orc_status tg_broadcast(void *ctx, void **data, size_t *len, orc_error *err)
{
    rank_ctx *c = ctx;
    thread_group *tg = c->tg;
    if (c->group.rank == 0) {
        tg->data = *data;
        tg->len = *len;
    }
    pthread_barrier_wait(&tg->barrier);
    orc_status st = ORC_OK;
    if (c->group.rank != 0) {
        void *p = malloc(tg->len > 0 ? tg->len : 1);
        if (p == NULL) {
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory");
        } else {
            memcpy(p, tg->data, tg->len);
            *data = p;
            *len = tg->len;
        }
    }
    pthread_barrier_wait(&tg->barrier); /* rank 0's buffer is free again */
    return st;
}

static orc_status tg_reduce(void *ctx, double *buf, size_t len, orc_error *err)
{
    rank_ctx *c = ctx;
    thread_group *tg = c->tg;
    tg->stats[c->group.rank] = buf;
    pthread_barrier_wait(&tg->barrier);
    orc_status st = ORC_OK;
    for (unsigned r = 1; c->group.rank == 0 && r < tg->size && st == ORC_OK; r++)
        st = orc_pca_stats_buffer_merge(buf, tg->stats[r], len, err);
    pthread_barrier_wait(&tg->barrier);
    return st;
}

static void *rank_main(void *arg)
{
    rank_ctx *c = arg;
    c->st = orc_pipeline_run(&c->opt, &c->rep, &c->err);
    return NULL;
}

/* 2 classes x 6 images (links) and one text file named .jpg */
static void make_input(const char *dir)
{
    static const char *const classes[] = {"Grape White", "Tomato 1"};
    for (int k = 0; k < 2; k++) {
        char rel[PATH_MAX], src[PATH_MAX], dst[PATH_MAX * 2];
        snprintf(rel, sizeof rel, "%s", orc_test_shared("data/fruits-360/Test/"));
        strncat(rel, classes[k], sizeof rel - strlen(rel) - 1);
        ck_assert_msg(realpath(rel, src) != NULL, "missing test data %s", rel); /* links */
        snprintf(dst, sizeof dst, "%s/%s", dir, classes[k]);
        ck_assert_int_eq(mkdir(dst, 0777), 0);
        struct dirent **names = NULL;
        int n = scandir(src, &names, NULL, alphasort);
        ck_assert_msg(n > 8, "missing test data %s", src);
        int linked = 0;
        for (int i = 0; i < n; i++) {
            if (names[i]->d_name[0] != '.' && linked < 6) {
                char from[PATH_MAX * 2], to[PATH_MAX * 3];
                snprintf(from, sizeof from, "%s/%s", src, names[i]->d_name);
                snprintf(to, sizeof to, "%s/%s", dst, names[i]->d_name);
                ck_assert_int_eq(symlink(from, to), 0);
                linked++;
            }
            free(names[i]);
        }
        free(names);
    }
    char bad[PATH_MAX * 2];
    snprintf(bad, sizeof bad, "%s/Tomato 1/bad.jpg", dir);
    FILE *f = fopen(bad, "w");
    ck_assert_ptr_nonnull(f);
    fputs("text\n", f);
    fclose(f);
}

static void options(orc_pipeline_options *o, const char *in, const char *out)
{
    orc_pipeline_options_default(o);
    o->input = in;
    o->output = out;
    o->weights = WEIGHTS;
    o->threads = 1;
    o->batch = 4;
    o->shard_size = 3;
    o->pca_k = 3;
    o->quiet = 1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b != NULL && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b != NULL) {
        b[n] = '\0';
        *len = (size_t)n;
    }
    return b;
}

/* every part-* of a/sub equals b/sub's byte for byte; returns the number of parts */
static int same_parts(const char *a, const char *b, const char *sub)
{
    char da[PATH_MAX], db[PATH_MAX];
    snprintf(da, sizeof da, "%s/%s", a, sub);
    snprintf(db, sizeof db, "%s/%s", b, sub);
    DIR *d = opendir(da);
    ck_assert_ptr_nonnull(d);
    int parts = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "part-", 5) != 0)
            continue;
        char pa[PATH_MAX * 2], pb[PATH_MAX * 2];
        snprintf(pa, sizeof pa, "%s/%s", da, e->d_name);
        snprintf(pb, sizeof pb, "%s/%s", db, e->d_name);
        size_t la = 0, lb = 0;
        char *x = slurp(pa, &la), *y = slurp(pb, &lb);
        ck_assert_msg(x != NULL && y != NULL, "%s or %s missing", pa, pb);
        ck_assert_msg(la == lb && memcmp(x, y, la) == 0, "%s differs from %s", pb, pa);
        free(x);
        free(y);
        parts++;
    }
    closedir(d);
    return parts;
}

START_TEST(test_group_equals_single)
{
    const char *tmp = orc_test_tmpdir();
    char in[PATH_MAX], single[PATH_MAX], grouped[PATH_MAX], path[PATH_MAX * 2];
    snprintf(in, sizeof in, "%s/in", tmp);
    snprintf(single, sizeof single, "%s/single", tmp);
    snprintf(grouped, sizeof grouped, "%s/group", tmp);
    ck_assert_int_eq(mkdir(in, 0777), 0);
    make_input(in);

    orc_pipeline_options o;
    options(&o, in, single);
    orc_error err = {0};
    orc_pipeline_report rep;
    ck_assert_msg(orc_pipeline_run(&o, &rep, &err) == ORC_OK, "single: %s", err.msg);
    ck_assert_uint_eq(rep.processed, 12);
    ck_assert_uint_eq(rep.skipped, 1);

    thread_group tg = {.size = 3};
    ck_assert_int_eq(pthread_barrier_init(&tg.barrier, NULL, tg.size), 0);
    rank_ctx ranks[3];
    pthread_t th[3];
    for (unsigned r = 0; r < tg.size; r++) {
        rank_ctx *c = &ranks[r];
        memset(c, 0, sizeof *c);
        c->tg = &tg;
        c->group = (orc_pipeline_group){r, tg.size, c, tg_broadcast, tg_reduce, tg_barrier};
        options(&c->opt, in, grouped);
        c->opt.group = &c->group;
    }
    for (unsigned r = 0; r < tg.size; r++)
        ck_assert_int_eq(pthread_create(&th[r], NULL, rank_main, &ranks[r]), 0);
    for (unsigned r = 0; r < tg.size; r++)
        pthread_join(th[r], NULL);
    pthread_barrier_destroy(&tg.barrier);
    for (unsigned r = 0; r < tg.size; r++)
        ck_assert_msg(ranks[r].st == ORC_OK, "rank %u: %s", r, ranks[r].err.msg);
    ck_assert_uint_eq(ranks[0].rep.processed, 12);
    ck_assert_uint_eq(ranks[0].rep.skipped, 1);
    ck_assert_uint_eq(ranks[0].rep.shards, 5);
    /* rank r wrote shards r, r+3: 13 files in shards of 3 -> ranks 0/1/2 hold 6/4/3 files */
    ck_assert_uint_eq(ranks[1].rep.processed + ranks[1].rep.skipped, 4);
    ck_assert_uint_eq(ranks[2].rep.processed + ranks[2].rep.skipped, 3);

    ck_assert_int_eq(same_parts(single, grouped, "features"), 5);
    ck_assert_int_eq(same_parts(single, grouped, "errors"), 5);
    snprintf(path, sizeof path, "%s/_SUCCESS", grouped);
    ck_assert_int_eq(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/pca/_SUCCESS", grouped);
    ck_assert_int_eq(access(path, F_OK), 0);
    size_t len = 0;
    snprintf(path, sizeof path, "%s/run.json", grouped);
    char *json = slurp(path, &len);
    ck_assert_ptr_nonnull(json);
    ck_assert_msg(strstr(json, "\"ranks\": 3,") != NULL, "run.json: %s", json);
    ck_assert_msg(strstr(json, "\"processed\": 12, \"skipped\": 1") != NULL, "run.json: %s", json);
    free(json);

    orc_pca_model *ms = NULL, *mg = NULL;
    snprintf(path, sizeof path, "%s/pca.orpca", single);
    ck_assert_int_eq(orc_pca_model_load(path, &ms, &err), ORC_OK);
    snprintf(path, sizeof path, "%s/pca.orpca", grouped);
    ck_assert_int_eq(orc_pca_model_load(path, &mg, &err), ORC_OK);
    const orc_pca_model_info *a = orc_pca_model_get_info(ms), *b = orc_pca_model_get_info(mg);
    ck_assert_uint_eq(a->k, 3);
    ck_assert_uint_eq(b->k, 3);
    ck_assert_uint_eq(a->count, b->count);
    double dm = 0, dc = 0;
    for (size_t i = 0; i < a->dim; i++)
        dm = fmax(dm, fabs(a->mean[i] - b->mean[i]));
    for (size_t i = 0; i < (size_t)a->k * a->dim; i++)
        dc = fmax(dc, fabs(a->components[i] - b->components[i]));
    ck_assert_msg(dm <= 1e-9 && dc <= 1e-9, "mean differs by %g, components by %g", dm, dc);
    orc_pca_model_close(ms);
    orc_pca_model_close(mg);
}
END_TEST

START_TEST(test_group_refuses)
{
    orc_pipeline_group g = {1, 2, NULL, NULL, NULL, NULL};
    orc_pipeline_options o;
    options(&o, "in", "out");
    o.group = &g;
    orc_error err = {0};
    o.shard_count = 2;
    ck_assert_int_eq(orc_pipeline_run(&o, NULL, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(err.msg, "not with --shard") != NULL, "%s", err.msg);
    o.shard_count = 0;
    o.format = ORC_PIPELINE_CSV;
    ck_assert_int_eq(orc_pipeline_run(&o, NULL, &err), ORC_ERR_INVALID_ARGUMENT);
    g.rank = 2;
    o.format = ORC_PIPELINE_PARQUET;
    ck_assert_int_eq(orc_pipeline_run(&o, NULL, &err), ORC_ERR_INVALID_ARGUMENT);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("pipeline_group");
    TCase *tc = tcase_create("group");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_group_equals_single);
    tcase_add_test(tc, test_group_refuses);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
