/* test_augment.c -- the dihedral augmentation: exact pixel maps on a 3x3 image, group laws on
 * a random image (rot90^4 = identity, mirror^2 = identity, 8 distinct variants), parsing;
 * grouping "path#variant" rows into views of one image and averaging their probabilities. */
#include "augment.h"
#include "check_main.h"

START_TEST(test_small_image_maps)
{
    /* one channel, pixel value = 10 * row + column:
     *   0  1  2
     *  10 11 12
     *  20 21 22 */
    uint8_t src[9], dst[9];
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 3; x++)
            src[y * 3 + x] = (uint8_t)(10 * y + x);
    static const uint8_t expect[8][9] = {
        {0, 1, 2, 10, 11, 12, 20, 21, 22},   /* identity */
        {2, 12, 22, 1, 11, 21, 0, 10, 20},   /* rot90 counter-clockwise */
        {22, 21, 20, 12, 11, 10, 2, 1, 0},   /* rot180 */
        {20, 10, 0, 21, 11, 1, 22, 12, 2},   /* rot270 */
        {2, 1, 0, 12, 11, 10, 22, 21, 20},   /* mirror */
        {0, 10, 20, 1, 11, 21, 2, 12, 22},   /* mirror then rot90 = transpose */
        {20, 21, 22, 10, 11, 12, 0, 1, 2},   /* mirror then rot180 = upside down */
        {22, 12, 2, 21, 11, 1, 20, 10, 0}};  /* mirror then rot270 = anti-transpose */
    for (unsigned v = 0; v < 8; v++) {
        ck_assert_int_eq(orc_augment_dihedral(src, 3, 1, v, dst, NULL), ORC_OK);
        ck_assert_msg(memcmp(dst, expect[v], 9) == 0, "variant %u (%s)", v, orc_augment_name(v));
    }
}
END_TEST

START_TEST(test_group_laws)
{
    size_t side = 17, ch = 3, n = side * side * ch;
    uint8_t *a = malloc(n), *b = malloc(n), *c = malloc(n), *all = malloc(8 * n);
    uint32_t s = 12345;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        a[i] = (uint8_t)(s >> 24);
    }
    memcpy(b, a, n);
    for (int r = 0; r < 4; r++) { /* rot90 four times */
        orc_augment_dihedral(b, side, ch, 1, c, NULL);
        memcpy(b, c, n);
    }
    ck_assert_int_eq(memcmp(a, b, n), 0);
    orc_augment_dihedral(a, side, ch, 4, b, NULL);
    orc_augment_dihedral(b, side, ch, 4, c, NULL);
    ck_assert_int_eq(memcmp(a, c, n), 0);
    /* rot90 then rot90 = rot180 */
    orc_augment_dihedral(a, side, ch, 1, b, NULL);
    orc_augment_dihedral(b, side, ch, 1, c, NULL);
    orc_augment_dihedral(a, side, ch, 2, b, NULL);
    ck_assert_int_eq(memcmp(b, c, n), 0);
    for (unsigned v = 0; v < 8; v++)
        orc_augment_dihedral(a, side, ch, v, all + v * n, NULL);
    for (unsigned v = 0; v < 8; v++)
        for (unsigned w = v + 1; w < 8; w++)
            ck_assert_int_ne(memcmp(all + v * n, all + w * n, n), 0);
    /* a permutation: the same multiset of pixels (channel triples kept together) */
    for (unsigned v = 0; v < 8; v++) {
        unsigned long sum_a = 0, sum_v = 0;
        for (size_t i = 0; i < n; i += 3) {
            sum_a += (unsigned long)a[i] * 65536u + a[i + 1] * 256u + a[i + 2];
            sum_v += (unsigned long)all[v * n + i] * 65536u + all[v * n + i + 1] * 256u + all[v * n + i + 2];
        }
        ck_assert_uint_eq(sum_a, sum_v);
    }
    free(a);
    free(b);
    free(c);
    free(all);
}
END_TEST

START_TEST(test_parse)
{
    unsigned v[8], n = 0;
    orc_error err;
    ck_assert_int_eq(orc_augment_parse("none", v, &n, &err), ORC_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(v[0], 0);
    ck_assert_int_eq(orc_augment_parse("flip", v, &n, &err), ORC_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(v[1], 4);
    ck_assert_int_eq(orc_augment_parse("rot", v, &n, &err), ORC_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(orc_augment_parse("dihedral", v, &n, &err), ORC_OK);
    ck_assert_uint_eq(n, 8);
    ck_assert_int_eq(orc_augment_parse("mirror,rot180,mirror", v, &n, &err), ORC_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(v[0], 0);
    ck_assert_uint_eq(v[1], 2);
    ck_assert_uint_eq(v[2], 4);
    ck_assert_int_eq(orc_augment_parse("mirror,spin", v, &n, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown variant 'spin'"));
    uint8_t px[3] = {1, 2, 3};
    ck_assert_int_eq(orc_augment_dihedral(px, 1, 3, 8, px, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(orc_augment_name(8));
}
END_TEST

START_TEST(test_group_views)
{
    const char *names[] = {"s3://b/a.jpg", "s3://b/b.jpg#rot90", "s3://b/a.jpg#mirror",
                           "s3://b/b.jpg", "c", "s3://b/ab.jpg", "s3://b/a.jpg#rot90",
                           "s3://b/a.jpg.png", "c#"};
    const size_t want[] = {0, 1, 0, 1, 2, 3, 0, 4, 2};
    size_t n = sizeof names / sizeof *names, group[9], groups = 99;
    orc_error err;
    ck_assert_uint_eq(orc_augment_source_len("x/y.jpg#rot90"), 7);
    ck_assert_uint_eq(orc_augment_source_len("x/y.jpg"), 7);
    ck_assert_int_eq(orc_augment_group_views(names, n, group, &groups, &err), ORC_OK);
    ck_assert_uint_eq(groups, 5);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(group[i], want[i]);
    ck_assert_int_eq(orc_augment_group_views(names, 0, group, &groups, &err), ORC_OK);
    ck_assert_uint_eq(groups, 0);
    ck_assert_int_eq(orc_augment_group_views(NULL, 2, group, &groups, &err),
                     ORC_ERR_INVALID_ARGUMENT);

    /* 3 rows of image 0, 1 row of image 1; k = 2 */
    const float p[] = {0.9f, 0.1f, 0.2f, 0.8f, 0.4f, 0.6f, 0.7f, 0.3f};
    const size_t g2[] = {0, 0, 1, 0};
    float out[4];
    ck_assert_int_eq(orc_augment_average_views(p, 4, 2, g2, 2, out, &err), ORC_OK);
    ck_assert_float_eq_tol(out[0], (0.9f + 0.2f + 0.7f) / 3, 1e-6);
    ck_assert_float_eq_tol(out[1], (0.1f + 0.8f + 0.3f) / 3, 1e-6);
    ck_assert_float_eq_tol(out[2], 0.4f, 1e-7);
    ck_assert_float_eq_tol(out[3], 0.6f, 1e-7);
    const size_t bad[] = {0, 0, 2, 0};
    ck_assert_int_eq(orc_augment_average_views(p, 4, 2, bad, 2, out, &err),
                     ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "row 2 in group 2 of 2"));
    const size_t empty[] = {0, 0, 0, 0};
    ck_assert_int_eq(orc_augment_average_views(p, 4, 2, empty, 2, out, &err),
                     ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "group 1 has no rows"));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("augment");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_small_image_maps);
    tcase_add_test(tc, test_group_laws);
    tcase_add_test(tc, test_parse);
    tcase_add_test(tc, test_group_views);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
