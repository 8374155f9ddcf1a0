/* test_error.c -- orc_error helpers: messages are formatted, prefixed and NULL-safe. */
#include "check_main.h"
#include "orchard.h"

START_TEST(test_set_and_prefix)
{
    orc_error err;
    ck_assert_int_eq(orc_error_set(&err, ORC_ERR_FORMAT, "bad %s at %d", "header", 12),
                     ORC_ERR_FORMAT);
    ck_assert_str_eq(err.msg, "bad header at 12");
    ck_assert_int_eq(orc_error_prefix(&err, "reading %s", "w.orw"), ORC_ERR_FORMAT);
    ck_assert_str_eq(err.msg, "reading w.orw: bad header at 12");
    ck_assert_int_eq(orc_error_set(NULL, ORC_ERR_IO, "ignored"), ORC_ERR_IO);
    ck_assert_str_eq(orc_status_name(ORC_ERR_CHECKSUM), "checksum mismatch");
}
END_TEST

START_TEST(test_long_message_truncated)
{
    orc_error err;
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    orc_error_set(&err, ORC_ERR_IO, "%s", big);
    ck_assert_uint_eq(strlen(err.msg), sizeof err.msg - 1);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("error");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_set_and_prefix);
    tcase_add_test(tc, test_long_message_truncated);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
