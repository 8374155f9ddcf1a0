/* test_s3.c -- the S3 client against a real S3 server: Ceph radosgw (Debian), started ONCE by
 * this binary on 127.0.0.1 (tests/s3/rgw-start.sh; it checks SigV4 signatures, payload hashes
 * and clock skew) and stopped at the end whatever happens (teardown, and the server's own
 * watchdog stops it when this process dies).
 *
 * Round trips byte for byte (small, empty, multipart from memory and from a file, ranges),
 * keys with spaces, '+', '=', non-ASCII; > 1000 keys listed across pages from 8 threads;
 * a wrong secret gives a clear 403 at once; 404s and wrong-region answers are not retried;
 * virtual-hosted addressing; fault injection through tests/s3/fault-proxy.py (500/503/429,
 * resets before and after the server did the work, stalls, bodies cut in half): uploads and
 * downloads succeed with no object lost or duplicated, permanent failures end with a clear
 * error and leave no multipart upload behind; credentials from a fake IMDSv2; the CLI.
 */
#include "check_main.h"
#include "s3.h"
#include "s3_helpers.h"

#include <fcntl.h>
#include <pthread.h>

#define AK "AKIAIOSFODNN7EXAMPLE"
#define SK "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define REGION "eu-west-3"
#define BUCKET "orchard-test"

static int server_port;
static char server_dir[256];
static char server_pid[32];
static char endpoint[64];
static char server_error[1024];

static void start_server(void)
{
    snprintf(server_dir, sizeof server_dir, "%s", orc_test_tmpdir());
    setenv("S3_ACCESS_KEY", AK, 1);
    setenv("S3_SECRET_KEY", SK, 1);
    setenv("S3_REGION", REGION, 1);
    setenv("S3_RGW_MEM_BYTES", "805306368", 1);
    setenv("S3_START_TIMEOUT", "90", 1);
    for (int attempt = 0; attempt < 4 && server_port == 0; attempt++) {
        int port = 20000 + (int)((getpid() * 131 + attempt * 977) % 30000);
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "tests/s3/rgw-start.sh %d %s/rgw-%d %d 2>>%s/start.err", port,
                 server_dir, attempt, (int)getpid(), server_dir);
        FILE *p = popen(cmd, "r");
        if (p == NULL)
            break;
        if (fgets(server_pid, sizeof server_pid, p) == NULL)
            server_pid[0] = '\0';
        server_pid[strcspn(server_pid, "\n")] = '\0';
        int rc = pclose(p);
        if (WIFEXITED(rc) && WEXITSTATUS(rc) == 0)
            server_port = port;
        /* else: port in use (3) or a failed start (1): try again on other ports */
    }
    if (server_port == 0) {
        snprintf(server_error, sizeof server_error,
                 "radosgw did not start (apt-get install radosgw ceph-mon ceph-osd ceph-common); see %s/start.err",
                 server_dir);
        return;
    }
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", server_port);
    orc_test_clear_aws_env();
    setenv("AWS_ACCESS_KEY_ID", AK, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SK, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    /* the gateway may answer before it can write: retry bucket creation for a while */
    orc_s3_options opt = {.endpoint_url = endpoint, .region = REGION};
    orc_s3 *s3 = NULL;
    orc_error err = {0};
    if (orc_s3_open(&opt, &s3, &err) != ORC_OK) {
        snprintf(server_error, sizeof server_error, "client: %s", err.msg);
        return;
    }
    orc_status st = ORC_ERR_INTERNAL;
    for (int i = 0; i < 60 && st != ORC_OK; i++) {
        st = orc_s3_create_bucket(s3, BUCKET, &err);
        if (st != ORC_OK)
            sleep(1);
    }
    if (st != ORC_OK)
        snprintf(server_error, sizeof server_error, "create bucket: %s", err.msg);
    orc_s3_close(s3);
}

static void stop_server(void)
{
    char cmd[512];
    if (server_pid[0] != '\0') {
        snprintf(cmd, sizeof cmd, "tests/s3/rgw-stop.sh %s", server_pid);
        if (system(cmd) != 0)
            fprintf(stderr, "test_s3: rgw-stop.sh %s failed\n", server_pid);
    }
    /* the cluster's files (~50 MB); ORCHARD_KEEP_TEST_FILES=1 keeps them for a post-mortem */
    const char *keep = getenv("ORCHARD_KEEP_TEST_FILES");
    if (server_dir[0] != '\0' && (keep == NULL || strcmp(keep, "1") != 0) && server_error[0] == '\0') {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", server_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "test_s3: could not remove %s\n", server_dir);
    }
}

static void need_server(void)
{
    ck_assert_msg(server_port != 0 && server_error[0] == '\0', "S3 server: %s", server_error);
}

static orc_s3 *client_with(orc_s3_options opt)
{
    need_server();
    if (opt.endpoint_url == NULL)
        opt.endpoint_url = endpoint;
    if (opt.region == NULL)
        opt.region = REGION;
    orc_s3 *s3 = NULL;
    orc_error err = {0};
    ck_assert_msg(orc_s3_open(&opt, &s3, &err) == ORC_OK, "%s", err.msg);
    return s3;
}

static orc_s3 *client(void)
{
    orc_s3_options opt = {0};
    return client_with(opt);
}

static unsigned char *random_bytes(size_t n, unsigned seed)
{
    unsigned char *p = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(p);
    uint64_t x = 0x9E3779B97F4A7C15ull * (seed + 1);
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (unsigned char)x;
    }
    return p;
}

static void expect_object(orc_s3 *s3, const char *key, const unsigned char *want, size_t n)
{
    void *got = NULL;
    size_t len = 0;
    orc_error err = {0};
    ck_assert_msg(orc_s3_get_buffer(s3, BUCKET, key, &got, &len, &err) == ORC_OK, "get %s: %s", key, err.msg);
    ck_assert_msg(len == n, "get %s: %zu bytes, expected %zu", key, len, n);
    ck_assert_msg(n == 0 || memcmp(got, want, n) == 0, "get %s: content differs", key);
    free(got);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct membuf {
    unsigned char *p;
    size_t n, cap;
} membuf;

static int sink_mem(void *ctx, const void *data, size_t len)
{
    membuf *m = ctx;
    if (m->n + len > m->cap) {
        m->cap = (m->n + len) * 2;
        m->p = realloc(m->p, m->cap);
        if (m->p == NULL)
            return 1;
    }
    memcpy(m->p + m->n, data, len);
    m->n += len;
    return 0;
}

static void expect_range(orc_s3 *s3, const char *key, const unsigned char *all, uint64_t off, uint64_t len)
{
    membuf m = {0};
    orc_error err = {0};
    ck_assert_msg(orc_s3_get(s3, BUCKET, key, off, len, sink_mem, &m, &err) == ORC_OK, "%s", err.msg);
    ck_assert_uint_eq(m.n, len);
    ck_assert_msg(memcmp(m.p, all + off, len) == 0, "range %llu+%llu of %s differs",
                  (unsigned long long)off, (unsigned long long)len, key);
    free(m.p);
}

typedef struct keylist {
    char **keys;
    uint64_t *sizes;
    size_t n, cap;
} keylist;

static int collect_key(void *ctx, const orc_s3_object *o)
{
    keylist *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->keys = realloc(l->keys, l->cap * sizeof *l->keys);
        l->sizes = realloc(l->sizes, l->cap * sizeof *l->sizes);
    }
    l->keys[l->n] = strdup(o->key);
    l->sizes[l->n] = o->size;
    l->n++;
    return 0;
}

static void keylist_free(keylist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->keys[i]);
    free(l->keys);
    free(l->sizes);
}

static keylist list_all(orc_s3 *s3, const char *prefix)
{
    keylist l = {0};
    orc_error err = {0};
    ck_assert_msg(orc_s3_list(s3, BUCKET, prefix, collect_key, &l, &err) == ORC_OK, "list %s: %s", prefix, err.msg);
    return l;
}

/* ---- a fault-injecting proxy in front of the server ----------------------------------------- */
typedef struct proxy {
    pid_t pid;
    char url[64];
    char log[512];
} proxy;

static proxy start_proxy_tls(const char *plan, const char *only_method, const char *stall,
                             const char *cert, const char *key)
{
    need_server();
    static int count;
    proxy p;
    char port_file[512], upstream[64], pid[32];
    const char *dir = orc_test_tmpdir();
    snprintf(port_file, sizeof port_file, "%s/proxy.port", dir);
    snprintf(p.log, sizeof p.log, "%s/proxy-%d.log", dir, count++);
    snprintf(upstream, sizeof upstream, "127.0.0.1:%d", server_port);
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    char *argv[] = {ORC_TEST_PYTHON, "tests/s3/fault-proxy.py", "--upstream", upstream, "--plan",
                    (char *)plan, "--port-file", port_file, "--log", p.log, "--only-method",
                    (char *)(only_method ? only_method : ""), "--stall", (char *)(stall ? stall : "4"),
                    "--parent-pid", pid, cert ? "--tls" : NULL, (char *)cert, (char *)key, NULL};
    p.pid = orc_test_spawn(argv);
    int port = orc_test_wait_port(port_file, p.pid, 20);
    ck_assert_msg(port > 0, "tests/s3/fault-proxy.py did not start");
    snprintf(p.url, sizeof p.url, "%s://127.0.0.1:%d", cert ? "https" : "http", port);
    return p;
}

static proxy start_proxy(const char *plan, const char *only_method, const char *stall)
{
    return start_proxy_tls(plan, only_method, stall, NULL, NULL);
}

/* how many requests got action (the log's last word) */
static int injected(const proxy *p, const char *action)
{
    char needle[64];
    snprintf(needle, sizeof needle, " %s\n", action);
    return orc_test_count_lines(p->log, needle);
}

static orc_s3 *client_via(const proxy *p, int attempts)
{
    orc_s3_options opt = {.endpoint_url = p->url, .timeout_s = 1, .retry_base_ms = 20,
                          .max_attempts = attempts, .part_size = 5u << 20,
                          .upload_threads = 2};
    return client_with(opt);
}

/* ---- round trips ----------------------------------------------------------------------------- */
START_TEST(test_small_objects_and_errors)
{
    orc_s3 *s3 = client();
    orc_error err = {0};
    size_t sizes[] = {0, 1, 1000, 1 << 20};
    for (size_t i = 0; i < 4; i++) {
        char key[64];
        snprintf(key, sizeof key, "small/obj-%zu", sizes[i]);
        unsigned char *data = random_bytes(sizes[i], (unsigned)i);
        ck_assert_msg(orc_s3_put_buffer(s3, BUCKET, key, data, sizes[i], &err) == ORC_OK, "%s", err.msg);
        expect_object(s3, key, data, sizes[i]);
        orc_s3_object info;
        ck_assert_int_eq(orc_s3_head(s3, BUCKET, key, &info, &err), ORC_OK);
        ck_assert_uint_eq(info.size, sizes[i]);
        ck_assert_int_eq(info.etag[0], '"');
        if (sizes[i] == 1 << 20) {
            expect_range(s3, key, data, 0, 10);
            expect_range(s3, key, data, 12345, 54321);
            expect_range(s3, key, data, sizes[i] - 7, 7);
        }
        free(data);
    }
    ck_assert_int_eq(orc_s3_delete(s3, BUCKET, "small/obj-1", &err), ORC_OK);
    void *got = NULL;
    size_t len = 0;
    double t0 = now_s();
    ck_assert_int_eq(orc_s3_get_buffer(s3, BUCKET, "small/obj-1", &got, &len, &err), ORC_ERR_REMOTE);
    ck_assert_double_lt(now_s() - t0, 1.5); /* a 404 is not retried (6 attempts: >= 1.5 s) */
    ck_assert_str_eq(err.msg, "S3 GET s3://" BUCKET "/small/obj-1: HTTP 404 NoSuchKey: no such key");
    ck_assert_int_eq(orc_s3_head(s3, BUCKET, "small/obj-1", NULL, &err), ORC_ERR_REMOTE);
    ck_assert_str_eq(err.msg, "S3 HEAD s3://" BUCKET "/small/obj-1: HTTP 404 NoSuchKey: no such key");
    ck_assert_int_eq(orc_s3_list(s3, "no-such-bucket", "", NULL, NULL, &err), ORC_ERR_REMOTE);
    ck_assert_str_eq(err.msg, "S3 GET s3://no-such-bucket/: HTTP 404 NoSuchBucket: no such bucket");
    ck_assert_int_eq(orc_s3_put_buffer(s3, BUCKET, "", "x", 1, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_str_eq(err.msg, "empty object key");
    orc_s3_close(s3);
    /* CreateBucket in a region the server does not serve: reported at once */
    orc_s3_options opt = {.region = "us-west-2"};
    s3 = client_with(opt);
    t0 = now_s();
    ck_assert_int_eq(orc_s3_create_bucket(s3, "orchard-other", &err), ORC_ERR_REMOTE);
    ck_assert_double_lt(now_s() - t0, 1.5);
    ck_assert_ptr_nonnull(strstr(err.msg, "HTTP 400 InvalidLocationConstraint"));
    orc_s3_close(s3);
}
END_TEST

START_TEST(test_special_keys)
{
    static const char *keys[] = {
        "special/with space/a b.txt",
        "special/plus+equals=and&amp.bin",
        "special/caf\xc3\xa9/\xe2\x98\xba \xd0\xba\xd0\xbb\xd1\x8e\xd1\x87.txt",
        "special/double//slash/./dot/../x",
        "special/q?mark#hash%25pct",
        "special/tilde~(paren)*star!,;:@$'",
    };
    const size_t n = sizeof keys / sizeof keys[0];
    orc_s3 *s3 = client();
    orc_error err = {0};
    for (size_t i = 0; i < n; i++) {
        unsigned char *data = random_bytes(100 + i, (unsigned)(50 + i));
        ck_assert_msg(orc_s3_put_buffer(s3, BUCKET, keys[i], data, 100 + i, &err) == ORC_OK, "%s", err.msg);
        expect_object(s3, keys[i], data, 100 + i);
        free(data);
    }
    keylist l = list_all(s3, "special/");
    ck_assert_uint_eq(l.n, n);
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (size_t j = 0; j < l.n; j++)
            if (strcmp(l.keys[j], keys[i]) == 0) {
                found = 1;
                ck_assert_uint_eq(l.sizes[j], 100 + i);
            }
        ck_assert_msg(found, "key '%s' not listed", keys[i]);
    }
    keylist_free(&l);
    l = list_all(s3, "special/caf\xc3\xa9/");
    ck_assert_uint_eq(l.n, 1);
    keylist_free(&l);
    orc_s3_close(s3);
}
END_TEST

START_TEST(test_multipart)
{
    orc_s3_options opt = {.part_size = 5u << 20, .upload_threads = 4};
    orc_s3 *s3 = client_with(opt);
    orc_error err = {0};
    size_t n = 23u << 20; /* 5 parts: 4 x 5 MiB + 3 MiB */
    unsigned char *data = random_bytes(n, 7);
    ck_assert_msg(orc_s3_put_buffer(s3, BUCKET, "big/from-memory", data, n, &err) == ORC_OK, "%s", err.msg);
    expect_object(s3, "big/from-memory", data, n);
    orc_s3_object info;
    ck_assert_int_eq(orc_s3_head(s3, BUCKET, "big/from-memory", &info, &err), ORC_OK);
    ck_assert_uint_eq(info.size, n);
    ck_assert_msg(strstr(info.etag, "-5\"") != NULL, "ETag %s is not a 5-part ETag", info.etag);
    expect_range(s3, "big/from-memory", data, (5u << 20) - 100, 200); /* across parts */
    /* from a file, back to a file */
    char path[512], back[512];
    const char *dir = orc_test_tmpdir();
    snprintf(path, sizeof path, "%s/up.bin", dir);
    snprintf(back, sizeof back, "%s/down.bin", dir);
    FILE *f = fopen(path, "wb");
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    fclose(f);
    ck_assert_msg(orc_s3_put_file(s3, BUCKET, "big/from-file", path, &err) == ORC_OK, "%s", err.msg);
    ck_assert_msg(orc_s3_get_file(s3, BUCKET, "big/from-file", back, &err) == ORC_OK, "%s", err.msg);
    f = fopen(back, "rb");
    unsigned char *got = malloc(n + 1);
    ck_assert_uint_eq(fread(got, 1, n + 1, f), n);
    fclose(f);
    ck_assert(memcmp(got, data, n) == 0);
    free(got);
    size_t uploads = 99;
    ck_assert_int_eq(orc_s3_count_uploads(s3, BUCKET, "big/", &uploads, &err), ORC_OK);
    ck_assert_uint_eq(uploads, 0);
    unlink(path);
    unlink(back);
    rmdir(dir);
    ck_assert_int_eq(orc_s3_put_file(s3, BUCKET, "big/x", "/nonexistent/file", &err), ORC_ERR_IO);
    ck_assert_str_eq(err.msg, "cannot open '/nonexistent/file': No such file or directory");
    free(data);
    orc_s3_close(s3);

    /* throughput with the defaults (16 MiB parts, 4 threads): printed, not asserted */
    s3 = client();
    n = 64u << 20;
    data = random_bytes(n, 8);
    double t0 = now_s();
    ck_assert_msg(orc_s3_put_buffer(s3, BUCKET, "big/throughput", data, n, &err) == ORC_OK, "%s", err.msg);
    double up = now_s() - t0;
    membuf m = {0};
    t0 = now_s();
    ck_assert_int_eq(orc_s3_get(s3, BUCKET, "big/throughput", 0, 0, sink_mem, &m, &err), ORC_OK);
    double down = now_s() - t0;
    ck_assert(m.n == n && memcmp(m.p, data, n) == 0);
    printf("test_s3: 64 MiB to local radosgw: upload %.1f MB/s (multipart, 4 threads), download %.1f MB/s\n",
           (double)n / 1e6 / up, (double)n / 1e6 / down);
    ck_assert_int_eq(orc_s3_delete(s3, BUCKET, "big/throughput", &err), ORC_OK);
    free(m.p);
    free(data);
    orc_s3_close(s3);
}
END_TEST

/* ---- more than 1000 keys, put from 8 threads on one client ----------------------------------- */
#define MANY 1100
typedef struct putter {
    orc_s3 *s3;
    int first, step;
    int failed;
    orc_error err;
} putter;

static void *put_many(void *arg)
{
    putter *p = arg;
    for (int i = p->first; i < MANY && !p->failed; i += p->step) {
        char key[64], body[16];
        snprintf(key, sizeof key, "many/k-%05d", i);
        snprintf(body, sizeof body, "%d", i);
        if (orc_s3_put_buffer(p->s3, BUCKET, key, body, strlen(body), &p->err) != ORC_OK)
            p->failed = 1;
    }
    return NULL;
}

START_TEST(test_list_pagination)
{
    orc_s3 *s3 = client();
    putter p[8];
    pthread_t th[8];
    for (int t = 0; t < 8; t++) {
        p[t] = (putter){s3, t, 8, 0, {0}};
        ck_assert_int_eq(pthread_create(&th[t], NULL, put_many, &p[t]), 0);
    }
    for (int t = 0; t < 8; t++) {
        pthread_join(th[t], NULL);
        ck_assert_msg(!p[t].failed, "%s", p[t].err.msg);
    }
    orc_s3_close(s3);
    /* list through a pass-through proxy to count the pages */
    proxy px = start_proxy("pass", NULL, NULL);
    s3 = client_via(&px, 3);
    keylist l = list_all(s3, "many/");
    ck_assert_uint_eq(l.n, MANY);
    for (size_t i = 0; i < l.n; i++) {
        char want[64];
        snprintf(want, sizeof want, "many/k-%05zu", i);
        ck_assert_str_eq(l.keys[i], want); /* sorted, none lost, none twice */
        char body[16];
        ck_assert_uint_eq(l.sizes[i], (uint64_t)snprintf(body, sizeof body, "%zu", i));
    }
    keylist_free(&l);
    ck_assert_int_eq(orc_test_count_lines(px.log, "list-type=2"), 2);
    ck_assert_int_eq(orc_test_count_lines(px.log, "continuation-token="), 1);
    l = list_all(s3, "many/k-0109");
    ck_assert_uint_eq(l.n, 10);
    keylist_free(&l);
    orc_s3_close(s3);
    orc_test_stop(px.pid);
}
END_TEST

/* ---- errors that must not be retried ---------------------------------------------------------- */
START_TEST(test_wrong_secret_is_403_at_once)
{
    setenv("AWS_SECRET_ACCESS_KEY", "wrongSecretValue0123", 1);
    proxy px = start_proxy("pass", NULL, NULL); /* to count the requests */
    orc_s3 *s3 = client_via(&px, 6);
    orc_error err = {0};
    double t0 = now_s();
    ck_assert_int_eq(orc_s3_list(s3, BUCKET, "", NULL, NULL, &err), ORC_ERR_REMOTE);
    ck_assert_double_lt(now_s() - t0, 3.0);
    ck_assert_int_eq(orc_test_count_lines(px.log, "GET"), 1); /* one request, no retry loop */
    ck_assert_str_eq(err.msg, "S3 GET s3://" BUCKET "/: HTTP 403 SignatureDoesNotMatch: the signature does "
                              "not match: check the secret access key for this access key id");
    ck_assert_int_eq(orc_s3_put_buffer(s3, BUCKET, "x", "x", 1, &err), ORC_ERR_REMOTE);
    ck_assert_ptr_nonnull(strstr(err.msg, "HTTP 403 SignatureDoesNotMatch"));
    ck_assert_ptr_null(strstr(err.msg, "wrongSecret"));
    ck_assert_int_eq(orc_test_count_lines(px.log, "PUT"), 1);
    orc_s3_close(s3);
    orc_test_stop(px.pid);
    setenv("AWS_ACCESS_KEY_ID", "AKIDUNKNOWN", 1);
    s3 = client();
    ck_assert_int_eq(orc_s3_list(s3, BUCKET, "", NULL, NULL, &err), ORC_ERR_REMOTE);
    ck_assert_ptr_nonnull(strstr(err.msg, "HTTP 403 InvalidAccessKeyId"));
    orc_s3_close(s3);
}
END_TEST

START_TEST(test_wrong_region_named)
{
    proxy px = start_proxy("region", NULL, NULL);
    orc_s3 *s3 = client_via(&px, 6);
    orc_error err = {0};
    ck_assert_int_eq(orc_s3_list(s3, BUCKET, "", NULL, NULL, &err), ORC_ERR_REMOTE);
    ck_assert_ptr_nonnull(strstr(err.msg, "HTTP 400 AuthorizationHeaderMalformed"));
    ck_assert_ptr_nonnull(strstr(err.msg, "(the bucket is in region eu-central-1, not " REGION
                                          ": use --region eu-central-1)"));
    ck_assert_int_eq(orc_test_count_lines(px.log, "GET"), 1); /* not retried */
    orc_s3_close(s3);
    orc_test_stop(px.pid);
}
END_TEST

START_TEST(test_virtual_hosted)
{
    char ep[64];
    snprintf(ep, sizeof ep, "http://s3.localhost:%d", server_port); /* curl: *.localhost is loopback */
    orc_s3_options opt = {.endpoint_url = ep, .addressing = ORC_S3_ADDRESSING_VIRTUAL};
    orc_s3 *s3 = client_with(opt);
    orc_error err = {0};
    ck_assert_msg(orc_s3_put_buffer(s3, BUCKET, "vhost/a b.txt", "hello", 5, &err) == ORC_OK, "%s", err.msg);
    expect_object(s3, "vhost/a b.txt", (const unsigned char *)"hello", 5);
    keylist l = list_all(s3, "vhost/");
    ck_assert_uint_eq(l.n, 1);
    keylist_free(&l);
    orc_s3_close(s3);
}
END_TEST

/* ---- TLS: always verified; --ca-bundle ------------------------------------------------------- */
START_TEST(test_tls_verified)
{
    need_server();
    const char *dir = orc_test_tmpdir();
    char cert[512], key[512], cmd[2048];
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s >/dev/null 2>&1", key, cert);
    ck_assert_msg(system(cmd) == 0, "openssl could not make a test certificate");
    proxy px = start_proxy_tls("pass", NULL, NULL, cert, key);
    /* an unknown CA: refused at once, not retried, and not silently accepted */
    orc_s3_options opt = {.endpoint_url = px.url, .max_attempts = 5, .retry_base_ms = 2000};
    orc_s3 *s3 = client_with(opt);
    orc_error err = {0};
    double t0 = now_s();
    ck_assert_int_eq(orc_s3_list(s3, BUCKET, "small/", NULL, NULL, &err), ORC_ERR_NETWORK);
    ck_assert_double_lt(now_s() - t0, 3.0); /* a retry would wait >= 0.5 s, all of them >= 7 s */
    ck_assert_msg(strstr(err.msg, "certificate") != NULL && strstr(err.msg, "gave up") == NULL, "%s", err.msg);
    orc_s3_close(s3);
    /* with the CA: the request goes through TLS to the server and is answered */
    opt.ca_bundle = cert;
    s3 = client_with(opt);
    keylist l = {0};
    ck_assert_msg(orc_s3_list(s3, BUCKET, "small/", collect_key, &l, &err) == ORC_OK, "%s", err.msg);
    ck_assert_uint_ge(l.n, 1);
    keylist_free(&l);
    orc_s3_close(s3);
    ck_assert_int_ge(orc_test_count_lines(px.log, "GET"), 1);
    orc_test_stop(px.pid);
    unlink(cert);
    unlink(key);
    rmdir(dir);
}
END_TEST

/* ---- fault injection ------------------------------------------------------------------------- */
START_TEST(test_faults_uploads)
{
    proxy px = start_proxy("503,pass,reset,500,pass,stall,after,pass,429,502,pass,504,pass,after", NULL, "3");
    orc_s3 *s3 = client_via(&px, 10);
    orc_error err = {0};
    unsigned char *blobs[12];
    for (int i = 0; i < 12; i++) {
        char key[64];
        snprintf(key, sizeof key, "faulty/small-%02d", i);
        blobs[i] = random_bytes(1000 + (size_t)i, (unsigned)(100 + i));
        ck_assert_msg(orc_s3_put_buffer(s3, BUCKET, key, blobs[i], 1000 + (size_t)i, &err) == ORC_OK, "%s", err.msg);
    }
    size_t n = 17u << 20;
    unsigned char *big = random_bytes(n, 200);
    ck_assert_msg(orc_s3_put_buffer(s3, BUCKET, "faulty/big", big, n, &err) == ORC_OK, "%s", err.msg);
    orc_s3_close(s3);
    /* what the server has, asked directly: every object once, byte for byte, no upload left */
    s3 = client();
    keylist l = list_all(s3, "faulty/");
    ck_assert_uint_eq(l.n, 13);
    ck_assert_str_eq(l.keys[0], "faulty/big");
    for (int i = 0; i < 12; i++) {
        char key[64];
        snprintf(key, sizeof key, "faulty/small-%02d", i);
        ck_assert_str_eq(l.keys[i + 1], key);
        expect_object(s3, key, blobs[i], 1000 + (size_t)i);
        free(blobs[i]);
    }
    expect_object(s3, "faulty/big", big, n);
    size_t uploads = 99;
    ck_assert_int_eq(orc_s3_count_uploads(s3, BUCKET, "faulty/", &uploads, &err), ORC_OK);
    ck_assert_uint_eq(uploads, 0);
    keylist_free(&l);
    free(big);
    orc_s3_close(s3);
    static const char *actions[] = {"503", "500", "502", "504", "429", "reset", "stall", "after", "pass"};
    printf("test_s3: upload faults injected:");
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        printf(" %s=%d", actions[i], injected(&px, actions[i]));
        ck_assert_msg(injected(&px, actions[i]) > 0, "no '%s' was injected", actions[i]);
    }
    printf("\n");
    orc_test_stop(px.pid);
}
END_TEST

START_TEST(test_faults_downloads)
{
    size_t n = 17u << 20;
    unsigned char *big = random_bytes(n, 300);
    orc_s3 *s3 = client();
    orc_error err = {0};
    ck_assert_msg(orc_s3_put_buffer(s3, BUCKET, "faulty-dl/big", big, n, &err) == ORC_OK, "%s", err.msg);
    orc_s3_close(s3);
    proxy px = start_proxy("cut,pass,503,cut,reset,cut,stall,after,pass,cut,500", "GET", "3");
    s3 = client_via(&px, 10);
    for (int i = 0; i < 3; i++)
        expect_object(s3, "faulty-dl/big", big, n);
    expect_range(s3, "faulty-dl/big", big, 1u << 20, 10u << 20);
    orc_s3_object info;
    ck_assert_int_eq(orc_s3_head(s3, BUCKET, "faulty-dl/big", &info, &err), ORC_OK);
    ck_assert_uint_eq(info.size, n);
    static const char *actions[] = {"cut", "503", "500", "reset", "stall", "after", "pass"};
    printf("test_s3: download faults injected:");
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        printf(" %s=%d", actions[i], injected(&px, actions[i]));
        ck_assert_msg(injected(&px, actions[i]) > 0, "no '%s' was injected", actions[i]);
    }
    printf("\n");
    free(big);
    orc_s3_close(s3);
    orc_test_stop(px.pid);
}
END_TEST

START_TEST(test_faults_permanent)
{
    orc_error err = {0};
    proxy px = start_proxy("503", NULL, NULL);
    orc_s3 *s3 = client_via(&px, 3);
    ck_assert_int_eq(orc_s3_put_buffer(s3, BUCKET, "perm/a", "abc", 3, &err), ORC_ERR_REMOTE);
    ck_assert_str_eq(err.msg, "S3 PUT s3://" BUCKET "/perm/a: HTTP 503 SlowDown: injected by fault-proxy "
                              "(gave up after 3 attempts)");
    ck_assert_int_eq(injected(&px, "503"), 3);
    orc_s3_close(s3);
    orc_test_stop(px.pid);

    px = start_proxy("reset", NULL, NULL);
    s3 = client_via(&px, 3);
    void *got;
    size_t len;
    ck_assert_int_eq(orc_s3_get_buffer(s3, BUCKET, "small/obj-1000", &got, &len, &err), ORC_ERR_NETWORK);
    ck_assert_msg(strncmp(err.msg, "S3 GET s3://" BUCKET "/small/obj-1000: ", 36) == 0 &&
                      strstr(err.msg, "(gave up after 3 attempts)") != NULL, "%s", err.msg);
    orc_s3_close(s3);
    orc_test_stop(px.pid);

    px = start_proxy("stall", NULL, "3");
    s3 = client_via(&px, 2);
    double t0 = now_s();
    ck_assert_int_eq(orc_s3_get_buffer(s3, BUCKET, "small/obj-1000", &got, &len, &err), ORC_ERR_NETWORK);
    ck_assert_double_lt(now_s() - t0, 10.0);
    ck_assert_msg(strstr(err.msg, "Timeout was reached (gave up after 2 attempts)") != NULL, "%s", err.msg);
    orc_s3_close(s3);
    orc_test_stop(px.pid);

    /* every part upload fails: the upload is aborted, nothing is left behind */
    px = start_proxy("503", "PUT", NULL);
    s3 = client_via(&px, 2);
    size_t n = 11u << 20;
    unsigned char *data = random_bytes(n, 400);
    ck_assert_int_eq(orc_s3_put_buffer(s3, BUCKET, "perm/big", data, n, &err), ORC_ERR_REMOTE);
    ck_assert_msg(strncmp(err.msg, "multipart upload aborted: part ", 31) == 0, "%s", err.msg);
    ck_assert_ptr_nonnull(strstr(err.msg, "HTTP 503 SlowDown"));
    ck_assert_int_eq(orc_test_count_lines(px.log, "DELETE"), 1);
    orc_s3_close(s3);
    orc_test_stop(px.pid);
    s3 = client();
    size_t uploads = 99;
    ck_assert_int_eq(orc_s3_count_uploads(s3, BUCKET, "perm/", &uploads, &err), ORC_OK);
    ck_assert_uint_eq(uploads, 0);
    ck_assert_int_eq(orc_s3_head(s3, BUCKET, "perm/big", NULL, &err), ORC_ERR_REMOTE);
    free(data);
    orc_s3_close(s3);
}
END_TEST

/* ---- credentials from a fake IMDSv2, end to end ----------------------------------------------- */
START_TEST(test_imds_credentials_end_to_end)
{
    need_server();
    const char *home = orc_test_tmpdir();
    char port_file[512], log[512], pid[32], url[64];
    snprintf(port_file, sizeof port_file, "%s/imds.port", home);
    snprintf(log, sizeof log, "%s/imds.log", home);
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    char *argv[] = {ORC_TEST_PYTHON, "tests/s3/fake-imds.py", "--port-file", port_file, "--log", log,
                    "--access-key", AK, "--secret", SK, "--token", "", "--parent-pid", pid, NULL};
    pid_t ipid = orc_test_spawn(argv);
    int port = orc_test_wait_port(port_file, ipid, 20);
    ck_assert_int_gt(port, 0);
    orc_test_clear_aws_env();
    setenv("HOME", home, 1);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
    orc_s3 *s3 = client();
    orc_s3_credentials_info info;
    orc_error err = {0};
    ck_assert_int_eq(orc_s3_credentials(s3, &info, &err), ORC_OK);
    ck_assert_str_eq(info.source, "instance metadata (IMDSv2, role orchard-test-role)");
    ck_assert_msg(orc_s3_put_buffer(s3, BUCKET, "imds/x", "imds", 4, &err) == ORC_OK, "%s", err.msg);
    expect_object(s3, "imds/x", (const unsigned char *)"imds", 4);
    orc_s3_close(s3);
    orc_test_stop(ipid);
}
END_TEST

/* ---- the CLI ------------------------------------------------------------------------------------ */
static int run(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

START_TEST(test_cli)
{
    need_server();
    const char *dir = orc_test_tmpdir();
    const char *orchard = orc_test_build("orchard");
    char cmd[16384], src[512], out[512], errf[512], back[512];
    snprintf(src, sizeof src, "%s/cli file.bin", dir);
    snprintf(out, sizeof out, "%s/out.txt", dir);
    snprintf(errf, sizeof errf, "%s/err.txt", dir);
    snprintf(back, sizeof back, "%s/back.bin", dir);
    size_t n = 6u << 20;
    unsigned char *data = random_bytes(n, 500);
    FILE *f = fopen(src, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
    const char *o = "--endpoint-url";
    snprintf(cmd, sizeof cmd, "%s s3 cp %s %s --region %s --part-size 5 '%s' s3://%s/cli/dir/ 2>%s",
             orchard, o, endpoint, REGION, src, BUCKET, errf);
    ck_assert_msg(run(cmd) == 0, "%s: %s", cmd, slurp(errf));
    ck_assert_ptr_nonnull(strstr(slurp(errf), "uploaded 6291456 bytes to s3://" BUCKET "/cli/dir/cli file.bin"));
    snprintf(cmd, sizeof cmd, "%s -v s3 ls %s %s --region %s s3://%s/cli/ >%s 2>%s", orchard, o,
             endpoint, REGION, BUCKET, out, errf);
    ck_assert_int_eq(run(cmd), 0);
    ck_assert_str_eq(slurp(out), "     6291456  cli/dir/cli file.bin\n");
    char *e = slurp(errf);
    ck_assert_ptr_nonnull(strstr(e, "s3: region " REGION " (from --region)"));
    ck_assert_ptr_nonnull(strstr(e, "credentials from environment"));
    ck_assert_ptr_null(strstr(e, SK)); /* never a secret in -v output */
    snprintf(cmd, sizeof cmd, "%s s3 cp %s %s --region %s 's3://%s/cli/dir/cli file.bin' %s 2>%s",
             orchard, o, endpoint, REGION, BUCKET, back, errf);
    ck_assert_msg(run(cmd) == 0, "%s", slurp(errf));
    snprintf(cmd, sizeof cmd, "cmp -s '%s' %s", src, back);
    ck_assert_int_eq(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s s3 cp %s %s --region %s 's3://%s/cli/dir/cli file.bin' - 2>%s | cmp -s - '%s'",
             orchard, o, endpoint, REGION, BUCKET, errf, src);
    ck_assert_int_eq(run(cmd), 0);
    /* wrong secret: exit 1, the S3 error, no secret */
    snprintf(cmd, sizeof cmd, "AWS_SECRET_ACCESS_KEY=cliWrongSecret %s s3 ls %s %s s3://%s/ >/dev/null 2>%s",
             orchard, o, endpoint, BUCKET, errf);
    ck_assert_int_eq(run(cmd), 1);
    e = slurp(errf);
    ck_assert_ptr_nonnull(strstr(e, "HTTP 403 SignatureDoesNotMatch"));
    ck_assert_ptr_null(strstr(e, "cliWrongSecret"));
    /* usage errors and help */
    snprintf(cmd, sizeof cmd, "%s s3 cp only-one 2>%s", orchard, errf);
    ck_assert_int_eq(run(cmd), 2);
    ck_assert_ptr_nonnull(strstr(slurp(errf), "expected 2 arguments, got 1"));
    snprintf(cmd, sizeof cmd, "%s s3 ls --threads 0 s3://x 2>%s", orchard, errf);
    ck_assert_int_eq(run(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s s3 --help >%s", orchard, out);
    ck_assert_int_eq(run(cmd), 0);
    e = slurp(out);
    static const char *opts[] = {"--endpoint-url", "--region", "--profile", "--ca-bundle", "--path-style",
                                 "--virtual-hosted", "--part-size", "--threads", "--max-attempts", "--timeout"};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        ck_assert_msg(strstr(e, opts[i]) != NULL, "--help does not explain %s", opts[i]);
    snprintf(cmd, sizeof cmd, "%s s3 rm %s %s 's3://%s/cli/dir/cli file.bin' 2>%s", orchard, o, endpoint, BUCKET, errf);
    ck_assert_int_eq(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s s3 ls %s %s s3://%s/cli/ >%s 2>%s", orchard, o, endpoint, BUCKET, out, errf);
    ck_assert_int_eq(run(cmd), 0);
    ck_assert_str_eq(slurp(out), "");
    free(data);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(run(cmd), 0);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("s3");
    TCase *tc = tcase_create("radosgw");
    tcase_add_unchecked_fixture(tc, start_server, stop_server);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_small_objects_and_errors);
    tcase_add_test(tc, test_special_keys);
    tcase_add_test(tc, test_multipart);
    tcase_add_test(tc, test_list_pagination);
    tcase_add_test(tc, test_wrong_secret_is_403_at_once);
    tcase_add_test(tc, test_wrong_region_named);
    tcase_add_test(tc, test_virtual_hosted);
    tcase_add_test(tc, test_tls_verified);
    tcase_add_test(tc, test_faults_uploads);
    tcase_add_test(tc, test_faults_downloads);
    tcase_add_test(tc, test_faults_permanent);
    tcase_add_test(tc, test_imds_credentials_end_to_end);
    tcase_add_test(tc, test_cli);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
