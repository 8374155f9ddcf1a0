/* test_dataset.c -- Spark-style datasets: parts + _SUCCESS manifest, listing and reading,
 * reruns that never mix runs, resume, refusals, sink callbacks, and a writer killed with
 * SIGKILL mid-file that leaves no complete-looking file and no _SUCCESS. */
#include "check_main.h"
#include "dataset.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const orc_parquet_column cols[] = {
    {"path", ORC_PARQUET_STRING, 0},
    {"label", ORC_PARQUET_STRING_DICT, 0},
    {"features", ORC_PARQUET_FLOAT_LIST, 0},
};

static void rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* part p holds rows [p * 100, p * 100 + rows) */
static void write_part(orc_dataset *ds, unsigned p, int rows)
{
    orc_parquet_writer *w = NULL;
    orc_error e = {0};
    ck_assert_msg(orc_dataset_part_open(ds, p, cols, 3, &w, &e) == ORC_OK, "%s", e.msg);
    for (int r = 0; r < rows; r++) {
        char path[64];
        float f[4];
        int id = (int)p * 100 + r;
        snprintf(path, sizeof path, "img/%05d.jpg", id);
        for (int k = 0; k < 4; k++)
            f[k] = (float)id + 0.25f * (float)k;
        orc_parquet_value v[3] = {{0}};
        v[0].str = path;
        v[0].str_len = strlen(path);
        v[1].str = id % 2 ? "odd" : "even";
        v[1].str_len = strlen(v[1].str);
        v[2].floats = f;
        v[2].n_floats = 4;
        ck_assert_msg(orc_parquet_writer_append_row(w, v, &e) == ORC_OK, "%s", e.msg);
    }
    ck_assert_msg(orc_dataset_part_close(ds, p, w, &e) == ORC_OK, "%s", e.msg);
}

static int count_entries(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d)) != NULL)
        n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static int exists(const char *dir, const char *name)
{
    char p[600];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &sb) == 0;
}

typedef struct sink_log {
    char text[4096];
} sink_log;

static orc_status log_publish(void *ctx, const char *local, const char *name, orc_error *err)
{
    sink_log *l = ctx;
    struct stat sb;
    ck_assert_int_eq(stat(local, &sb), 0); /* complete on disk when published */
    strncat(l->text, "+", sizeof l->text - strlen(l->text) - 1);
    strncat(l->text, name, sizeof l->text - strlen(l->text) - 1);
    strncat(l->text, " ", sizeof l->text - strlen(l->text) - 1);
    return ORC_OK;
}

static orc_status log_remove(void *ctx, const char *name, orc_error *err)
{
    sink_log *l = ctx;
    strncat(l->text, "-", sizeof l->text - strlen(l->text) - 1);
    strncat(l->text, name, sizeof l->text - strlen(l->text) - 1);
    strncat(l->text, " ", sizeof l->text - strlen(l->text) - 1);
    return ORC_OK;
}

START_TEST(test_write_list_read)
{
    char dir[300];
    const char *tmp = orc_test_tmpdir();
    snprintf(dir, sizeof dir, "%s/out/features", tmp);
    sink_log log = {{0}};
    orc_dataset_sink sink = {&log, log_publish, log_remove};
    orc_dataset_options o = {NULL, &sink};
    orc_dataset *ds = NULL;
    orc_error e = {0};
    ck_assert_msg(orc_dataset_open(dir, "run1", &o, &ds, &e) == ORC_OK, "%s", e.msg);
    write_part(ds, 2, 5); /* any order: one part per worker */
    write_part(ds, 0, 7);
    write_part(ds, 1, 0); /* an empty shard still gets its (empty) part */
    ck_assert(exists(dir, "part-00000-run1.zstd.parquet"));
    ck_assert(!exists(dir, "_SUCCESS"));
    orc_dataset_listing l;
    ck_assert_int_eq(orc_dataset_list(dir, &l, &e), ORC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(e.msg, "no _SUCCESS"));
    ck_assert_msg(orc_dataset_commit(ds, 3, &e) == ORC_OK, "%s", e.msg);
    orc_dataset_close(ds);
    ck_assert_str_eq(log.text, "-_SUCCESS +part-00002-run1.zstd.parquet "
                               "+part-00000-run1.zstd.parquet +part-00001-run1.zstd.parquet "
                               "+_SUCCESS ");
    ck_assert_int_eq(orc_dataset_list(dir, &l, &e), ORC_OK);
    ck_assert_uint_eq(l.count, 3);
    ck_assert_int_eq(l.rows, 12);
    ck_assert_ptr_nonnull(strstr(l.paths[0], "/part-00000-run1.zstd.parquet"));
    ck_assert_ptr_nonnull(strstr(l.paths[2], "/part-00002-run1.zstd.parquet"));
    orc_dataset_listing_free(&l);

    /* read every row of every part, in part order */
    const char *want[] = {"features", "path"};
    orc_dataset_reader *r = NULL;
    ck_assert_int_eq(orc_dataset_reader_open(dir, want, 2, &r, &e), ORC_OK);
    int has, n = 0;
    int ids[] = {0, 1, 2, 3, 4, 5, 6, 200, 201, 202, 203, 204};
    while (orc_dataset_reader_next(r, &has, &e) == ORC_OK && has) {
        orc_parquet_value f, p;
        ck_assert_int_eq(orc_dataset_reader_get(r, 0, &f, &e), ORC_OK);
        ck_assert_int_eq(orc_dataset_reader_get(r, 1, &p, &e), ORC_OK);
        char path[64];
        snprintf(path, sizeof path, "img/%05d.jpg", ids[n]);
        ck_assert_uint_eq(p.str_len, strlen(path));
        ck_assert_int_eq(memcmp(p.str, path, p.str_len), 0);
        ck_assert_uint_eq(f.n_floats, 4);
        ck_assert(f.floats[3] == (float)ids[n] + 0.75f);
        n++;
    }
    ck_assert_int_eq(n, 12);
    orc_dataset_reader_close(r);
    const char *nope[] = {"nope"};
    ck_assert_int_eq(orc_dataset_reader_open(dir, nope, 1, &r, &e), ORC_OK);
    ck_assert_int_eq(orc_dataset_reader_next(r, &has, &e), ORC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(e.msg, "no column 'nope'"));
    orc_dataset_reader_close(r);
    rm_rf(tmp);
}
END_TEST

START_TEST(test_rerun_never_mixes)
{
    const char *dir = orc_test_tmpdir();
    orc_dataset *ds = NULL;
    orc_error e = {0};
    ck_assert_int_eq(orc_dataset_open(dir, "old", NULL, &ds, &e), ORC_OK);
    for (unsigned p = 0; p < 4; p++)
        write_part(ds, p, 3);
    ck_assert_int_eq(orc_dataset_commit(ds, 4, &e), ORC_OK);
    orc_dataset_close(ds);
    ck_assert(exists(dir, "_SUCCESS"));

    /* a new run: _SUCCESS and every old part go at once, before any new part exists */
    ck_assert_int_eq(orc_dataset_open(dir, "new", NULL, &ds, &e), ORC_OK);
    ck_assert(!exists(dir, "_SUCCESS"));
    ck_assert_int_eq(count_entries(dir, "part-"), 0);
    write_part(ds, 0, 2);
    write_part(ds, 1, 2);
    /* committing more parts than written is refused and leaves no _SUCCESS */
    ck_assert_int_eq(orc_dataset_commit(ds, 3, &e), ORC_ERR_IO);
    ck_assert_ptr_nonnull(strstr(e.msg, "part 2 is missing"));
    ck_assert(!exists(dir, "_SUCCESS"));
    ck_assert_int_eq(orc_dataset_commit(ds, 2, &e), ORC_OK);
    orc_dataset_close(ds);
    orc_dataset_listing l;
    ck_assert_int_eq(orc_dataset_list(dir, &l, &e), ORC_OK);
    ck_assert_uint_eq(l.count, 2);
    ck_assert_int_eq(l.rows, 4);
    orc_dataset_listing_free(&l);

    /* resume with the same run id keeps complete parts; commit with fewer drops the rest */
    ck_assert_int_eq(orc_dataset_open(dir, "new", NULL, &ds, &e), ORC_OK);
    ck_assert_int_eq(orc_dataset_part_complete(ds, 0), 1);
    ck_assert_int_eq(orc_dataset_part_complete(ds, 1), 1);
    ck_assert_int_eq(orc_dataset_part_complete(ds, 2), 0);
    ck_assert_int_eq(orc_dataset_commit(ds, 1, &e), ORC_OK);
    orc_dataset_close(ds);
    ck_assert_int_eq(count_entries(dir, "part-"), 1);

    /* a stray part (another run's) next to a manifest is refused */
    char stray[1400], src[600];
    snprintf(src, sizeof src, "%s/part-00000-new.zstd.parquet", dir);
    snprintf(stray, sizeof stray, "cp '%s' '%s/part-00007-other.zstd.parquet'", src, dir);
    ck_assert_int_eq(system(stray), 0);
    ck_assert_int_eq(orc_dataset_list(dir, &l, &e), ORC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(e.msg, "part-00007-other.zstd.parquet is not in _SUCCESS"));
    char run[65];
    int found;
    char succ[700];
    snprintf(succ, sizeof succ, "%s/_SUCCESS", dir);
    ck_assert_int_eq(unlink(succ), 0);
    ck_assert_int_eq(orc_dataset_find_run(dir, run, sizeof run, &found, &e), ORC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(e.msg, "two runs"));
    /* Spark's empty _SUCCESS lists whatever parts are there */
    snprintf(stray, sizeof stray, "%s/_SUCCESS", dir);
    FILE *f = fopen(stray, "w");
    fclose(f);
    ck_assert_int_eq(orc_dataset_list(dir, &l, &e), ORC_OK);
    ck_assert_uint_eq(l.count, 2);
    ck_assert_int_eq(l.rows, -1);
    orc_dataset_listing_free(&l);
    /* bad run ids */
    ck_assert_int_eq(orc_dataset_open(dir, "a/b", NULL, &ds, &e), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(orc_dataset_open(dir, "", NULL, &ds, &e), ORC_ERR_INVALID_ARGUMENT);
    rm_rf(dir);
}
END_TEST

START_TEST(test_killed_writer)
{
    const char *dir = orc_test_tmpdir();
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) { /* child: part 0 complete, then part 1 forever, flushing small row groups */
        orc_parquet_options po = {0};
        po.row_group_bytes = 4096;
        orc_dataset_options o = {&po, NULL};
        orc_dataset *ds = NULL;
        if (orc_dataset_open(dir, "killme", &o, &ds, NULL) != ORC_OK)
            _exit(3);
        write_part(ds, 0, 10);
        orc_parquet_writer *w = NULL;
        if (orc_dataset_part_open(ds, 1, cols, 3, &w, NULL) != ORC_OK)
            _exit(4);
        float f[4] = {1, 2, 3, 4};
        orc_parquet_value v[3] = {{0}};
        v[0].str = "img/x.jpg";
        v[0].str_len = 9;
        v[1].str = "odd";
        v[1].str_len = 3;
        v[2].floats = f;
        v[2].n_floats = 4;
        for (;;)
            if (orc_parquet_writer_append_row(w, v, NULL) != ORC_OK)
                _exit(5);
    }
    /* wait until the temp file of part 1 holds data, then kill */
    char tmpname[600] = "";
    for (int tries = 0; tries < 2000 && tmpname[0] == '\0'; tries++) {
        usleep(5000);
        DIR *d = opendir(dir);
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strncmp(de->d_name, ".part-00001-killme", 18) == 0) {
                char p[600];
                struct stat sb;
                snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
                if (stat(p, &sb) == 0 && sb.st_size > 100000)
                    snprintf(tmpname, sizeof tmpname, "%s", p);
            }
        }
        closedir(d);
    }
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ck_assert_msg(tmpname[0] != '\0', "the writer never wrote part 1");
    ck_assert(exists(dir, "part-00000-killme.zstd.parquet"));
    ck_assert(!exists(dir, "part-00001-killme.zstd.parquet"));
    ck_assert(!exists(dir, "_SUCCESS"));
    /* the leftover is hidden, not *.parquet, and not a readable Parquet file */
    ck_assert_int_eq(count_entries(dir, "part-"), 1);
    orc_parquet_reader *r = NULL;
    orc_error e = {0};
    ck_assert_int_eq(orc_parquet_reader_open(tmpname, &r, &e), ORC_ERR_FORMAT);
    orc_dataset_listing l;
    ck_assert_int_eq(orc_dataset_list(dir, &l, &e), ORC_ERR_FORMAT);
    /* the run to resume is found from the parts (and their temp files) */
    char run[65];
    int found;
    ck_assert_int_eq(orc_dataset_find_run(dir, run, sizeof run, &found, &e), ORC_OK);
    ck_assert_int_eq(found, 1);
    ck_assert_str_eq(run, "killme");
    /* resume: part 0 is kept, part 1 redone, the commit sweeps the leftover */
    orc_dataset *ds = NULL;
    ck_assert_int_eq(orc_dataset_open(dir, "killme", NULL, &ds, &e), ORC_OK);
    ck_assert_int_eq(orc_dataset_part_complete(ds, 0), 1);
    ck_assert_int_eq(orc_dataset_part_complete(ds, 1), 0);
    write_part(ds, 1, 3);
    ck_assert_int_eq(orc_dataset_commit(ds, 2, &e), ORC_OK);
    orc_dataset_close(ds);
    ck_assert_int_eq(count_entries(dir, "."), 2); /* "." and ".." only: no temp left */
    ck_assert_int_eq(orc_dataset_list(dir, &l, &e), ORC_OK);
    ck_assert_int_eq(l.rows, 13);
    ck_assert_int_eq(orc_dataset_find_run(dir, run, sizeof run, &found, &e), ORC_OK);
    ck_assert(found && strcmp(run, "killme") == 0); /* from _SUCCESS */
    char nowhere[700];
    snprintf(nowhere, sizeof nowhere, "%s/none", dir);
    ck_assert_int_eq(orc_dataset_find_run(nowhere, run, sizeof run, &found, &e), ORC_OK);
    ck_assert_int_eq(found, 0);
    orc_dataset_listing_free(&l);
    rm_rf(dir);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_write_list_read);
    tcase_add_test(tc, test_rerun_never_mixes);
    tcase_add_test(tc, test_killed_writer);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
