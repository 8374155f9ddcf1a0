/* check_main.h -- shared helpers for the Check test binaries (tests/test_*.c).
 *
 * Each test file defines `static Suite *make_suite(void)` and ends with ORC_TEST_MAIN().
 * orc_test_shared(rel) gives a path under ORCHARD_SHARED (default ../shared); data that the
 * tests need and cannot find is a FAILURE, never a skip (CI must have ../shared).
 */
#ifndef ORC_CHECK_MAIN_H
#define ORC_CHECK_MAIN_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline const char *orc_test_shared(const char *rel)
{
    static __thread char buf[4096];
    const char *root = getenv("ORCHARD_SHARED");
    if (root == NULL || root[0] == '\0')
        root = "../shared";
    snprintf(buf, sizeof buf, "%s/%s", root, rel);
    return buf;
}

/* the build folder (for build/orchard, build/orchard-convert); ORCHARD_BUILD, default "build" */
static inline const char *orc_test_build(const char *rel)
{
    static __thread char buf[4096];
    const char *root = getenv("ORCHARD_BUILD");
    if (root == NULL || root[0] == '\0')
        root = "build";
    snprintf(buf, sizeof buf, "%s/%s", root, rel);
    return buf;
}

/* a fresh temporary folder for this test binary; removed by the caller if it likes */
static inline const char *orc_test_tmpdir(void)
{
    static __thread char buf[256];
    snprintf(buf, sizeof buf, "/tmp/orchard-test-XXXXXX");
    if (mkdtemp(buf) == NULL)
        return "/tmp";
    return buf;
}

#define ORC_TEST_MAIN()                                                                    \
    int main(void)                                                                         \
    {                                                                                      \
        SRunner *sr = srunner_create(make_suite());                                        \
        srunner_run_all(sr, CK_NORMAL);                                                    \
        int failed = srunner_ntests_failed(sr);                                            \
        srunner_free(sr);                                                                  \
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;                                  \
    }

#endif
