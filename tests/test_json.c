/* test_json.c -- the JSON reader: values, escapes and surrogate pairs, lookups, and the exact
 * refusal of malformed documents. */
#include "check_main.h"
#include "json.h"

START_TEST(test_document)
{
    const char *doc = " {\"a\": [1, -2.5e3, 0, true, false, null], \"s\": \"x\\\"\\\\\\/\\n\\u00e9\\ud83c\\udf4e\","
                      " \"o\": {\"k\": {}}, \"e\": [], \"a\": 7} ";
    orc_json *j = NULL;
    orc_error err;
    ck_assert_int_eq(orc_json_parse(doc, strlen(doc), &j, &err), ORC_OK);
    ck_assert_int_eq(j->type, ORC_JSON_OBJECT);
    ck_assert_uint_eq(j->count, 5);
    ck_assert_double_eq(orc_json_number(j, "a", 0), 7.0); /* the last duplicate wins */
    const orc_json *a = j->items[0];
    ck_assert_int_eq(a->type, ORC_JSON_ARRAY);
    ck_assert_uint_eq(a->count, 6);
    ck_assert_double_eq(a->items[1]->number, -2500.0);
    ck_assert_int_eq(a->items[3]->type, ORC_JSON_BOOL);
    ck_assert_int_eq(a->items[3]->boolean, 1);
    ck_assert_int_eq(a->items[5]->type, ORC_JSON_NULL);
    ck_assert_str_eq(orc_json_string(j, "s"), "x\"\\/\n\xc3\xa9\xf0\x9f\x8d\x8e");
    ck_assert_int_eq(orc_json_get(orc_json_get(j, "o"), "k")->type, ORC_JSON_OBJECT);
    ck_assert_uint_eq(orc_json_get(j, "e")->count, 0);
    ck_assert_ptr_null(orc_json_get(j, "missing"));
    ck_assert_double_eq(orc_json_number(j, "s", -1.0), -1.0);
    orc_json_free(j);
    orc_json_free(NULL);
}
END_TEST

START_TEST(test_refused)
{
    static const struct {
        const char *doc, *msg;
    } bad[] = {
        {"", "unexpected end at byte 0"},
        {"{\"a\" 1}", "expected ':' at byte 5"},
        {"[1,]", "bad value at byte 3"},
        {"[1 2]", "expected ',' or ']' at byte 3"},
        {"01", "bad value at byte 0"},
        {"1.", "bad value at byte 0"},
        {"\"abc", "unterminated string"},
        {"\"a\x01\"", "control character"},
        {"\"\\ud800\"", "lone surrogate"},
        {"\"\\q\"", "unknown escape"},
        {"\"\\u0000\"", "\\u0000"},
        {"{} x", "trailing characters at byte 3"},
        {"tru", "bad value"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orc_json *j = NULL;
        orc_error err = {0};
        ck_assert_int_eq(orc_json_parse(bad[i].doc, strlen(bad[i].doc), &j, &err), ORC_ERR_FORMAT);
        ck_assert_msg(strstr(err.msg, bad[i].msg) != NULL, "'%s': got '%s'", bad[i].doc, err.msg);
        ck_assert_ptr_null(j);
    }
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    orc_json *j = NULL;
    orc_error err;
    ck_assert_int_eq(orc_json_parse(deep, 200, &j, &err), ORC_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "nesting too deep"));
    ck_assert_int_eq(orc_json_load("/nonexistent.json", &j, &err), ORC_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent.json"));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_document);
    tcase_add_test(tc, test_refused);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
