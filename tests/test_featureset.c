/* test_featureset.c -- labelled feature rows read back for train/evaluate: one CSV file, a
 * folder of CSV files, and several DATASETs in one set (orc_featureset_load_many): rows in
 * argument order, one class list over all, rows of the same name kept apart; a different
 * feature dimension or header refused with an error naming both DATASETs; a DATASET without
 * rows named. */
#include "check_main.h"
#include "featureset.h"

#include <sys/stat.h>

static char dir[256];

static const char *tmp_path(const char *name)
{
    static __thread char buf[16][512];
    static __thread unsigned next;
    char *b = buf[next++ % 16];
    snprintf(b, sizeof buf[0], "%s/%s", dir, name);
    return b;
}

static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(tmp_path(name), "w");
    ck_assert_msg(f != NULL, "cannot write %s", tmp_path(name));
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s", orc_test_tmpdir());
    /* a: one CSV file, 3 features; b/: a folder of two CSV files (read sorted by name) */
    write_file("a.csv", "path,label,f0,f1,f2\n"
                        "file:///x/1.jpg,Cherry,1,2,3\n"
                        "\"file:///x/2.jpg\",\"Banana, ripe\",4,5,6\n");
    ck_assert_int_eq(mkdir(tmp_path("b"), 0755), 0);
    write_file("b/part-1.csv", "path,label,f0,f1,f2\n"
                               "file:///x/1.jpg,Cherry,7,8,9\n");
    write_file("b/part-0.csv", "path,label,f0,f1,f2\n"
                               "file:///x/3.jpg,Apple,10,11,12\n");
    write_file("two.csv", "path,label,f0,f1\nfile:///x/1.jpg,Cherry,1,2\n");
    write_file("renamed.csv", "path,label,pc0,pc1,pc2\nfile:///x/1.jpg,Cherry,1,2,3\n");
    write_file("empty.csv", "path,label,f0,f1,f2\n");
}

static void teardown(void)
{
    const char *files[] = {"a.csv", "b/part-0.csv", "b/part-1.csv", "two.csv", "renamed.csv",
                           "empty.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(tmp_path(files[i]));
    rmdir(tmp_path("b"));
    rmdir(dir);
}

START_TEST(test_one_source)
{
    orc_featureset *fs = NULL;
    orc_error err = {0};
    ck_assert_msg(orc_featureset_load(tmp_path("a.csv"), 0, &fs, &err) == ORC_OK, "%s", err.msg);
    ck_assert_uint_eq(fs->rows, 2);
    ck_assert_uint_eq(fs->dim, 3);
    ck_assert_str_eq(fs->paths[1], "file:///x/2.jpg");
    ck_assert_str_eq(fs->labels[1], "Banana, ripe");
    ck_assert_uint_eq(fs->class_count, 2);
    ck_assert_str_eq(fs->classes[0], "Banana, ripe");
    ck_assert_str_eq(fs->classes[1], "Cherry");
    ck_assert_uint_eq(fs->label_index[0], 1);
    ck_assert_str_eq(fs->source, tmp_path("a.csv"));
    orc_featureset_close(fs);
    orc_featureset_close(NULL);
}
END_TEST

START_TEST(test_two_sources_in_order)
{
    const char *paths[2] = {tmp_path("a.csv"), tmp_path("b")};
    orc_featureset *fs = NULL;
    orc_error err = {0};
    ck_assert_msg(orc_featureset_load_many(paths, 2, 0, &fs, &err) == ORC_OK, "%s", err.msg);
    ck_assert_uint_eq(fs->rows, 4);
    ck_assert_uint_eq(fs->dim, 3);
    /* a's rows, then b's files in name order; the two rows of 1.jpg stay two rows */
    static const char *const want_paths[4] = {"file:///x/1.jpg", "file:///x/2.jpg",
                                              "file:///x/3.jpg", "file:///x/1.jpg"};
    static const char *const want_labels[4] = {"Cherry", "Banana, ripe", "Apple", "Cherry"};
    static const uint32_t want_index[4] = {2, 1, 0, 2};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_str_eq(fs->paths[i], want_paths[i]);
        ck_assert_str_eq(fs->labels[i], want_labels[i]);
        ck_assert_uint_eq(fs->label_index[i], want_index[i]);
        for (size_t j = 0; j < 3; j++) /* row values 1..12 in that order: a, part-0, part-1 */
            ck_assert_float_eq(fs->x[i * 3 + j],
                               (float)((i < 2 ? i : i == 2 ? 3 : 2) * 3 + j + 1));
    }
    /* one class list over both sources: Apple only in b, Banana only in a */
    ck_assert_uint_eq(fs->class_count, 3);
    ck_assert_str_eq(fs->classes[0], "Apple");
    ck_assert_str_eq(fs->classes[1], "Banana, ripe");
    ck_assert_str_eq(fs->classes[2], "Cherry");
    char want_source[1100];
    snprintf(want_source, sizeof want_source, "%s + %s", paths[0], paths[1]);
    ck_assert_str_eq(fs->source, want_source);
    orc_featureset_close(fs);

    /* the other order gives the other row order */
    const char *swapped[2] = {paths[1], paths[0]};
    ck_assert_msg(orc_featureset_load_many(swapped, 2, 0, &fs, &err) == ORC_OK, "%s", err.msg);
    ck_assert_uint_eq(fs->rows, 4);
    ck_assert_str_eq(fs->paths[0], "file:///x/3.jpg");
    ck_assert_str_eq(fs->paths[2], "file:///x/1.jpg");
    ck_assert_float_eq(fs->x[2 * 3], 1.0f);
    ck_assert_uint_eq(fs->class_count, 3);
    orc_featureset_close(fs);

    /* the same source twice: every row twice */
    const char *twice[2] = {paths[0], paths[0]};
    ck_assert_msg(orc_featureset_load_many(twice, 2, 0, &fs, &err) == ORC_OK, "%s", err.msg);
    ck_assert_uint_eq(fs->rows, 4);
    ck_assert_str_eq(fs->paths[2], fs->paths[0]);
    ck_assert_uint_eq(fs->class_count, 2);
    orc_featureset_close(fs);
}
END_TEST

START_TEST(test_dimension_mismatch)
{
    const char *a = tmp_path("a.csv"), *two = tmp_path("two.csv");
    const char *paths[2] = {a, two};
    orc_featureset *fs = (orc_featureset *)&fs; /* must stay untouched on failure */
    orc_featureset *const sentinel = fs;
    orc_error err = {0};
    ck_assert_int_eq(orc_featureset_load_many(paths, 2, 0, &fs, &err), ORC_ERR_FORMAT);
    ck_assert_ptr_eq(fs, sentinel);
    char want[1200];
    snprintf(want, sizeof want, "%s has 2 feature values per row but %s has 3: all DATASETs "
             "must have the same feature dimension", two, a);
    ck_assert_msg(strcmp(err.msg, want) == 0, "got '%s'", err.msg);

    /* the other way round, and with a folder second */
    const char *back[3] = {two, a, tmp_path("b")};
    ck_assert_int_eq(orc_featureset_load_many(back, 3, 0, &fs, &err), ORC_ERR_FORMAT);
    snprintf(want, sizeof want, "%s has 3 feature values per row but %s has 2", a, two);
    ck_assert_msg(strstr(err.msg, want) != NULL, "got '%s'", err.msg);
    const char *folder[2] = {two, tmp_path("b")};
    ck_assert_int_eq(orc_featureset_load_many(folder, 2, 0, &fs, &err), ORC_ERR_FORMAT);
    snprintf(want, sizeof want, "%s/part-0.csv in %s has 3 feature values per row but %s has 2",
             tmp_path("b"), tmp_path("b"), two);
    ck_assert_msg(strstr(err.msg, want) != NULL, "got '%s'", err.msg);
}
END_TEST

START_TEST(test_other_refusals)
{
    orc_featureset *fs = NULL;
    orc_error err = {0};
    char want[1200];
    /* same dimension, other column names */
    const char *renamed[2] = {tmp_path("a.csv"), tmp_path("renamed.csv")};
    ck_assert_int_eq(orc_featureset_load_many(renamed, 2, 0, &fs, &err), ORC_ERR_FORMAT);
    snprintf(want, sizeof want, "%s: header differs from the one of %s", renamed[1], renamed[0]);
    ck_assert_msg(strstr(err.msg, want) == err.msg, "got '%s'", err.msg);
    /* a second DATASET without rows is named */
    const char *empty[2] = {tmp_path("a.csv"), tmp_path("empty.csv")};
    ck_assert_int_eq(orc_featureset_load_many(empty, 2, 0, &fs, &err), ORC_ERR_INVALID_ARGUMENT);
    snprintf(want, sizeof want, "%s: no rows", empty[1]);
    ck_assert_str_eq(err.msg, want);
    /* a missing one too */
    const char *missing[2] = {tmp_path("a.csv"), tmp_path("none.csv")};
    ck_assert_int_eq(orc_featureset_load_many(missing, 2, 0, &fs, &err), ORC_ERR_IO);
    ck_assert_msg(strstr(err.msg, missing[1]) != NULL, "got '%s'", err.msg);
    ck_assert_int_eq(orc_featureset_load_many(missing, 0, 0, &fs, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(fs);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("featureset");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_one_source);
    tcase_add_test(tc, test_two_sources_in_order);
    tcase_add_test(tc, test_dimension_mismatch);
    tcase_add_test(tc, test_other_refusals);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
