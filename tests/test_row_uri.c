/* test_row_uri.c -- orc_pipeline_row_uri, the row names orchard extract writes: file:// URIs
 * percent-encoded except unreserved bytes and '/', s3:// URLs with only '%' and '#' encoded, the
 * "#view" suffix of an augmentation variant, and that orc_augment_source_len always finds the
 * source part (a '#' in a file name or an S3 key is never taken for a view); every buffer size
 * from 1 to the name's length + 1 gives a NUL-terminated prefix and an error, never an overrun. */
#include "augment.h"
#include "check_main.h"
#include "pipeline.h"

typedef struct row_case {
    int s3;
    const char *root, *key;
    unsigned variant;
    const char *want;
    size_t source_len; /* of want: up to the view suffix */
} row_case;

static const row_case CASES[] = {
    {1, "bucket", "images/Plum/zz bad.jpg", 0, "s3://bucket/images/Plum/zz bad.jpg", 34},
    {1, "bucket", "a#b.jpg", 0, "s3://bucket/a%23b.jpg", 21},
    {1, "bucket", "a#b.jpg", 1, "s3://bucket/a%23b.jpg#rot90", 21},
    {1, "bucket", "dir#1/x#rot90", 0, "s3://bucket/dir%231/x%23rot90", 29},
    {1, "bucket", "100%.jpg", 0, "s3://bucket/100%25.jpg", 22},
    {1, "bucket", "%23.jpg", 4, "s3://bucket/%2523.jpg#mirror", 21},
    {1, "bucket", "caf\xc3\xa9 (1).jpg", 0, "s3://bucket/caf\xc3\xa9 (1).jpg", 25},
    {0, "/data/in", "Apple/r_1.jpg", 0, "file:///data/in/Apple/r_1.jpg", 29},
    {0, "/data/in", "A b/c#d%.jpg", 0, "file:///data/in/A%20b/c%23d%25.jpg", 34},
    {0, "/data/in", "A b/c#d%.jpg", 7, "file:///data/in/A%20b/c%23d%25.jpg#mirror-rot270", 34},
    {0, "/da#ta", "caf\xc3\xa9.jpg", 0, "file:///da%23ta/caf%C3%A9.jpg", 29},
};

START_TEST(test_names)
{
    const row_case *c = &CASES[_i];
    char out[256];
    orc_error err = {0};
    ck_assert_int_eq(orc_pipeline_row_uri(c->s3, c->root, c->key, c->variant, out, sizeof out,
                                          &err),
                     ORC_OK);
    ck_assert_str_eq(out, c->want);
    ck_assert_uint_eq(strlen(c->want) >= c->source_len, 1);
    ck_assert_uint_eq(orc_augment_source_len(out), c->source_len);
    if (c->variant != 0)
        ck_assert_str_eq(out + c->source_len + 1, orc_augment_name(c->variant));
}
END_TEST

/* two rows of the same S3 object, the image and a view, group together; a key that only looks
 * like a view of another key does not */
START_TEST(test_views_group)
{
    char a[128], b[128], c[128];
    ck_assert_int_eq(orc_pipeline_row_uri(1, "b", "x#y.jpg", 0, a, sizeof a, NULL), ORC_OK);
    ck_assert_int_eq(orc_pipeline_row_uri(1, "b", "x#y.jpg", 2, b, sizeof b, NULL), ORC_OK);
    ck_assert_int_eq(orc_pipeline_row_uri(1, "b", "x", 0, c, sizeof c, NULL), ORC_OK);
    const char *names[3] = {a, b, c};
    size_t group[3], groups = 0;
    ck_assert_int_eq(orc_augment_group_views(names, 3, group, &groups, NULL), ORC_OK);
    ck_assert_uint_eq(groups, 2);
    ck_assert_uint_eq(group[0], 0);
    ck_assert_uint_eq(group[1], 0);
    ck_assert_uint_eq(group[2], 1);
}
END_TEST

/* every cap from 1 to the length: an error and a NUL-terminated prefix in exactly cap bytes
 * (malloc'd, so that ASan sees any byte written past them); length + 1 fits */
START_TEST(test_small_buffers)
{
    for (size_t t = 0; t < sizeof CASES / sizeof CASES[0]; t++) {
        const row_case *c = &CASES[t];
        size_t len = strlen(c->want);
        for (size_t cap = 1; cap <= len + 1; cap++) {
            char *out = malloc(cap);
            ck_assert_ptr_nonnull(out);
            orc_error err = {0};
            orc_status st = orc_pipeline_row_uri(c->s3, c->root, c->key, c->variant, out, cap,
                                                 &err);
            size_t got = strnlen(out, cap);
            ck_assert_uint_lt(got, cap);
            ck_assert_msg(strncmp(out, c->want, got) == 0, "%s, cap %zu: %s", c->want, cap, out);
            if (cap == len + 1) {
                ck_assert_int_eq(st, ORC_OK);
            } else {
                ck_assert_int_eq(st, ORC_ERR_INVALID_ARGUMENT);
                ck_assert_ptr_nonnull(strstr(err.msg, "longer than"));
            }
            free(out);
        }
    }
}
END_TEST

START_TEST(test_bad_arguments)
{
    char out[64] = "x";
    orc_error err = {0};
    ck_assert_int_eq(orc_pipeline_row_uri(1, "b", "k", 8, out, sizeof out, &err),
                     ORC_ERR_INVALID_ARGUMENT);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(orc_pipeline_row_uri(1, NULL, "k", 0, out, sizeof out, &err),
                     ORC_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(orc_pipeline_row_uri(0, "/d", NULL, 0, out, sizeof out, &err),
                     ORC_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(orc_pipeline_row_uri(0, "/d", "k", 0, out, 0, &err),
                     ORC_ERR_INVALID_ARGUMENT);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("row_uri");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_names, 0, (int)(sizeof CASES / sizeof CASES[0]));
    tcase_add_test(tc, test_views_group);
    tcase_add_test(tc, test_small_buffers);
    tcase_add_test(tc, test_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
