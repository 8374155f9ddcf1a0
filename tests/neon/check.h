/* check.h -- the small part of the Check unit-test API that the kernel and model tests use,
 * for the AArch64 cross build (`make neon-check`), whose sysroot has no libcheck. Found before
 * the real <check.h> because that build puts -Itests/neon first; never used by the native
 * build. Tests run in-process, one after another; a failed assertion prints the place and the
 * message and leaves the test (longjmp). ORC_MINI_TESTS=name,name,... runs only those tests
 * (the others are listed as not run), for the slow emulated runs. The closing line has Check's format, so
 * tools/run-tests.sh style parsing works: "100%: Checks: N, Failures: F, Errors: 0".
 */
#ifndef ORC_MINI_CHECK_H
#define ORC_MINI_CHECK_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct orc_mini_test {
    const char *name;
    void (*fn)(void);
} orc_mini_test;

#define ORC_MINI_MAX 64
typedef struct TCase {
    const orc_mini_test *tests[ORC_MINI_MAX];
    int count;
} TCase;
typedef struct Suite {
    const char *name;
    TCase *cases[8];
    int count;
} Suite;
typedef struct SRunner {
    Suite *suite;
    int run, failed;
} SRunner;
enum print_output { CK_NORMAL };

static jmp_buf orc_mini_jump;

static inline void orc_mini_fail(const char *file, int line, const char *expr, const char *fmt,
                                 ...) __attribute__((format(printf, 4, 5), noreturn));
static inline void orc_mini_fail(const char *file, int line, const char *expr, const char *fmt,
                                 ...)
{
    fprintf(stderr, "%s:%d: assertion failed: %s", file, line, expr);
    if (fmt != NULL && fmt[0] != '\0') {
        va_list ap;
        va_start(ap, fmt);
        fputs(": ", stderr);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
    longjmp(orc_mini_jump, 1);
}

#define START_TEST(name)                                                                        \
    static void name##_fn(void);                                                               \
    static const orc_mini_test name##_record = {#name, name##_fn};                             \
    static const orc_mini_test *const name = &name##_record;                                   \
    static void name##_fn(void)
#define END_TEST

#define ck_assert_msg(expr, ...)                                                                \
    ((expr) ? (void)0 : orc_mini_fail(__FILE__, __LINE__, #expr, __VA_ARGS__))
#define ck_assert(expr) ck_assert_msg(expr, "%s", "")
#define ck_abort_msg(...) orc_mini_fail(__FILE__, __LINE__, "abort", __VA_ARGS__)
#define ck_assert_int_eq(a, b)                                                                  \
    do {                                                                                       \
        intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                       \
        ck_assert_msg(a_ == b_, "%s == %jd, %s == %jd", #a, a_, #b, b_);                       \
    } while (0)
#define ck_assert_uint_eq(a, b)                                                                 \
    do {                                                                                       \
        uintmax_t a_ = (uintmax_t)(a), b_ = (uintmax_t)(b);                                    \
        ck_assert_msg(a_ == b_, "%s == %ju, %s == %ju", #a, a_, #b, b_);                       \
    } while (0)
#define ORC_MINI_INT_CMP(a, op, b)                                                              \
    do {                                                                                       \
        intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                       \
        ck_assert_msg(a_ op b_, "%s == %jd, %s == %jd", #a, a_, #b, b_);                       \
    } while (0)
#define ck_assert_int_ne(a, b) ORC_MINI_INT_CMP(a, !=, b)
#define ck_assert_int_gt(a, b) ORC_MINI_INT_CMP(a, >, b)
#define ck_assert_int_ge(a, b) ORC_MINI_INT_CMP(a, >=, b)
#define ck_assert_int_lt(a, b) ORC_MINI_INT_CMP(a, <, b)
#define ck_assert_int_le(a, b) ORC_MINI_INT_CMP(a, <=, b)
#define ck_assert_ptr_nonnull(p) ck_assert_msg((p) != NULL, "%s is NULL", #p)
#define ck_assert_ptr_null(p) ck_assert_msg((p) == NULL, "%s is not NULL", #p)

static inline Suite *suite_create(const char *name)
{
    Suite *s = calloc(1, sizeof *s);
    if (s != NULL)
        s->name = name;
    return s;
}
static inline TCase *tcase_create(const char *name)
{
    (void)name;
    return calloc(1, sizeof(TCase));
}
static inline void tcase_set_timeout(TCase *tc, double seconds)
{
    (void)tc;
    (void)seconds;
}
static inline void tcase_add_test(TCase *tc, const orc_mini_test *t)
{
    if (tc->count < ORC_MINI_MAX)
        tc->tests[tc->count++] = t;
}
static inline void suite_add_tcase(Suite *s, TCase *tc)
{
    if (s->count < 8)
        s->cases[s->count++] = tc;
}
static inline SRunner *srunner_create(Suite *s)
{
    SRunner *r = calloc(1, sizeof *r);
    if (r != NULL)
        r->suite = s;
    return r;
}
/* 1 if the test passed */
static __attribute__((noinline)) int orc_mini_run_one(const orc_mini_test *t)
{
    if (setjmp(orc_mini_jump) != 0)
        return 0;
    t->fn();
    return 1;
}

static inline void srunner_run_all(SRunner *r, enum print_output mode)
{
    (void)mode;
    printf("Running suite(s): %s\n", r->suite->name);
    for (int c = 0; c < r->suite->count; c++)
        for (int i = 0; i < r->suite->cases[c]->count; i++) {
            const orc_mini_test *t = r->suite->cases[c]->tests[i];
            const char *only = getenv("ORC_MINI_TESTS");
            if (only != NULL && only[0] != '\0') {
                size_t n = strlen(t->name);
                const char *p = strstr(only, t->name);
                while (p != NULL && !((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')))
                    p = strstr(p + 1, t->name);
                if (p == NULL) {
                    fprintf(stderr, "  %s: not run (not in ORC_MINI_TESTS)\n", t->name);
                    continue;
                }
            }
            r->run++;
            if (orc_mini_run_one(t)) {
                fprintf(stderr, "  %s: ok\n", t->name);
            } else {
                r->failed++;
                fprintf(stderr, "  %s: FAILED\n", t->name);
            }
        }
    printf("%d%%: Checks: %d, Failures: %d, Errors: 0\n",
           r->run ? 100 * (r->run - r->failed) / r->run : 100, r->run, r->failed);
}
static inline int srunner_ntests_failed(SRunner *r)
{
    return r->failed;
}
static inline void srunner_free(SRunner *r)
{
    for (int c = 0; c < r->suite->count; c++)
        free(r->suite->cases[c]);
    free(r->suite);
    free(r);
}

#endif
