/* test_s3_credentials.c -- the credentials chain and region/endpoint resolution, with a
 * temporary HOME (~/.aws/credentials, ~/.aws/config) and a fake IMDSv2 server on 127.0.0.1
 * (tests/s3/fake-imds.py): precedence env > shared credentials file > config file > IMDS,
 * AWS_PROFILE / AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, IMDSv2 token flow, refresh
 * before expiry, clear errors without secrets. No S3 server needed. Each test runs in its own
 * process (Check's fork mode), so environment changes do not leak. */
#include "check_main.h"
#include "s3.h"
#include "s3_helpers.h"

static char home[512];

static void make_home(const char *credentials, const char *config)
{
    orc_test_clear_aws_env();
    snprintf(home, sizeof home, "%s", orc_test_tmpdir());
    char path[1024];
    snprintf(path, sizeof path, "%s/.aws", home);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    if (credentials != NULL) {
        snprintf(path, sizeof path, "%s/.aws/credentials", home);
        orc_test_write_file(path, credentials);
    }
    if (config != NULL) {
        snprintf(path, sizeof path, "%s/.aws/config", home);
        orc_test_write_file(path, config);
    }
    setenv("HOME", home, 1);
    /* never reach a real metadata service from a test */
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9", 1);
}

static orc_s3 *open_ok(const orc_s3_options *opt, orc_s3_credentials_info *info)
{
    orc_s3 *s3 = NULL;
    orc_error err = {0};
    ck_assert_msg(orc_s3_open(opt, &s3, &err) == ORC_OK, "%s", err.msg);
    ck_assert_int_eq(orc_s3_credentials(s3, info, &err), ORC_OK);
    return s3;
}

static const char *CREDS =
    "[default]\n"
    "aws_access_key_id = AKIDFILEDEFAULT\n"
    "aws_secret_access_key = fileSecretDefault\n"
    "\n# a comment\n[other]\n"
    "aws_access_key_id=AKIDFILEOTHER\n"
    "aws_secret_access_key=fileSecretOther\n"
    "aws_session_token=fileTokenOther\n";

static const char *CONFIG =
    "[default]\nregion = eu-central-1\n"
    "[profile other]\nregion = eu-north-1\n"
    "[profile cfgonly]\nregion = eu-south-1\n"
    "aws_access_key_id = AKIDCONFIGONLY\naws_secret_access_key = configSecret\n";

START_TEST(test_env_first)
{
    make_home(CREDS, CONFIG);
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envSecret", 1);
    setenv("AWS_SESSION_TOKEN", "envToken", 1);
    orc_s3_credentials_info info;
    orc_s3 *s3 = open_ok(NULL, &info);
    ck_assert_str_eq(info.access_key_id, "AKIDENV");
    ck_assert_str_eq(info.source, "environment (AWS_ACCESS_KEY_ID)");
    ck_assert_int_eq(info.has_session_token, 1);
    ck_assert_int_eq(info.expires, 0);
    /* region from the default profile's config; AWS endpoint, virtual-hosted */
    ck_assert_str_eq(orc_s3_region(s3), "eu-central-1");
    ck_assert_str_eq(orc_s3_region_source(s3), "profile default");
    ck_assert_str_eq(orc_s3_endpoint(s3), "https://s3.eu-central-1.amazonaws.com");
    orc_s3_close(s3);
    /* only half of the pair in the environment: not used */
    unsetenv("AWS_SECRET_ACCESS_KEY");
    s3 = open_ok(NULL, &info);
    ck_assert_str_eq(info.access_key_id, "AKIDFILEDEFAULT");
    orc_s3_close(s3);
}
END_TEST

START_TEST(test_shared_files_and_profiles)
{
    make_home(CREDS, CONFIG);
    orc_s3_credentials_info info;
    orc_s3 *s3 = open_ok(NULL, &info);
    ck_assert_str_eq(info.access_key_id, "AKIDFILEDEFAULT");
    ck_assert_int_eq(info.has_session_token, 0);
    ck_assert_ptr_nonnull(strstr(info.source, "shared credentials file"));
    ck_assert_ptr_nonnull(strstr(info.source, "(profile default)"));
    orc_s3_close(s3);

    setenv("AWS_PROFILE", "other", 1);
    s3 = open_ok(NULL, &info);
    ck_assert_str_eq(info.access_key_id, "AKIDFILEOTHER");
    ck_assert_int_eq(info.has_session_token, 1);
    ck_assert_str_eq(orc_s3_region(s3), "eu-north-1");
    ck_assert_str_eq(orc_s3_region_source(s3), "profile other");
    orc_s3_close(s3);

    /* the option beats AWS_PROFILE; credentials only in the config file */
    orc_s3_options opt = {.profile = "cfgonly"};
    s3 = open_ok(&opt, &info);
    ck_assert_str_eq(info.access_key_id, "AKIDCONFIGONLY");
    ck_assert_ptr_nonnull(strstr(info.source, "config file"));
    ck_assert_str_eq(orc_s3_region(s3), "eu-south-1");
    orc_s3_close(s3);

    /* region precedence: option > AWS_REGION > AWS_DEFAULT_REGION > profile > eu-west-1 */
    setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
    s3 = open_ok(NULL, &info);
    ck_assert_str_eq(orc_s3_region(s3), "ap-south-1");
    orc_s3_close(s3);
    setenv("AWS_REGION", "us-west-2", 1);
    s3 = open_ok(NULL, &info);
    ck_assert_str_eq(orc_s3_region(s3), "us-west-2");
    ck_assert_str_eq(orc_s3_region_source(s3), "AWS_REGION");
    orc_s3_close(s3);
    opt.region = "eu-west-3";
    s3 = open_ok(&opt, &info);
    ck_assert_str_eq(orc_s3_region(s3), "eu-west-3");
    ck_assert_str_eq(orc_s3_region_source(s3), "--region");
    orc_s3_close(s3);

    /* endpoint: AWS_ENDPOINT_URL; the option wins */
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:7480/", 1);
    s3 = open_ok(NULL, &info);
    ck_assert_str_eq(orc_s3_endpoint(s3), "http://127.0.0.1:7480/");
    orc_s3_close(s3);
    orc_s3_options eopt = {.endpoint_url = "https://minio.example:9000"};
    s3 = open_ok(&eopt, &info);
    ck_assert_str_eq(orc_s3_endpoint(s3), "https://minio.example:9000");
    orc_s3_close(s3);
}
END_TEST

START_TEST(test_custom_file_paths_and_default_region)
{
    make_home(NULL, NULL);
    char cred[1024], conf[1024];
    snprintf(cred, sizeof cred, "%s/my-creds", home);
    snprintf(conf, sizeof conf, "%s/my-config", home);
    orc_test_write_file(cred, "[default]\naws_access_key_id = AKIDCUSTOM\naws_secret_access_key = s\n");
    orc_test_write_file(conf, "[default]\noutput = json\n");
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
    setenv("AWS_CONFIG_FILE", conf, 1);
    orc_s3_credentials_info info;
    orc_s3 *s3 = open_ok(NULL, &info);
    ck_assert_str_eq(info.access_key_id, "AKIDCUSTOM");
    ck_assert_ptr_nonnull(strstr(info.source, cred));
    ck_assert_str_eq(orc_s3_region(s3), "eu-west-1");
    ck_assert_str_eq(orc_s3_region_source(s3), "default");
    orc_s3_close(s3);
}
END_TEST

typedef struct imds {
    pid_t pid;
    char log[1024];
} imds;

static imds start_imds(const char *ttl, const char *ak, const char *token)
{
    imds m;
    char port_file[1024], pid[32], url[64];
    snprintf(port_file, sizeof port_file, "%s/imds.port", home);
    snprintf(m.log, sizeof m.log, "%s/imds.log", home);
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    char *argv[20] = {ORC_TEST_PYTHON, "tests/s3/fake-imds.py", "--port-file", port_file,
                      "--log", m.log, "--ttl", (char *)ttl, "--parent-pid", pid};
    int n = 10;
    if (ak != NULL) {
        argv[n++] = "--access-key";
        argv[n++] = (char *)ak;
    }
    if (token != NULL) {
        argv[n++] = "--token";
        argv[n++] = (char *)token;
    }
    argv[n] = NULL;
    m.pid = orc_test_spawn(argv);
    int port = orc_test_wait_port(port_file, m.pid, 20);
    ck_assert_msg(port > 0, "fake IMDS (tests/s3/fake-imds.py) did not start");
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
    return m;
}

START_TEST(test_imds_v2_and_refresh)
{
    make_home(NULL, "[default]\nregion = eu-west-3\n");
    /* credentials that expire in 2 minutes: inside the 5-minute refresh window */
    imds m = start_imds("120", NULL, NULL);
    orc_s3_credentials_info info;
    orc_s3 *s3 = NULL;
    orc_error err = {0};
    ck_assert_msg(orc_s3_open(NULL, &s3, &err) == ORC_OK, "%s", err.msg);
    /* the token flow: PUT token, then role list and role credentials with the token */
    ck_assert_int_eq(orc_test_count_lines(m.log, "PUT /latest/api/token 200"), 1);
    ck_assert_int_eq(orc_test_count_lines(m.log, "GET /latest/meta-data/iam/security-credentials/ 200"), 1);
    ck_assert_int_eq(orc_test_count_lines(m.log, "security-credentials/orchard-test-role 200"), 1);
    ck_assert_int_eq(orc_test_count_lines(m.log, " 401"), 0);
    /* the next use (as every request does) refreshes: a new session token, a new key */
    ck_assert_int_eq(orc_s3_credentials(s3, &info, &err), ORC_OK);
    ck_assert_str_eq(info.access_key_id, "ASIAFAKE0002");
    ck_assert_str_eq(info.source, "instance metadata (IMDSv2, role orchard-test-role)");
    ck_assert_int_eq(info.has_session_token, 1);
    int64_t now = (int64_t)time(NULL);
    ck_assert_int_ge(info.expires, now + 100);
    ck_assert_int_le(info.expires, now + 140);
    ck_assert_int_eq(orc_test_count_lines(m.log, "PUT /latest/api/token 200"), 2);
    ck_assert_int_eq(orc_test_count_lines(m.log, "security-credentials/orchard-test-role 200"), 2);
    orc_s3_close(s3);
    orc_test_stop(m.pid);

    /* long-lived credentials are not fetched again */
    make_home(NULL, NULL);
    m = start_imds("21600", NULL, NULL);
    s3 = open_ok(NULL, &info);
    ck_assert_str_eq(info.access_key_id, "ASIAFAKE0001");
    ck_assert_int_eq(orc_s3_credentials(s3, &info, &err), ORC_OK);
    ck_assert_int_eq(orc_s3_credentials(s3, &info, &err), ORC_OK);
    ck_assert_str_eq(info.access_key_id, "ASIAFAKE0001");
    ck_assert_int_eq(orc_test_count_lines(m.log, "security-credentials/orchard-test-role 200"), 1);
    orc_s3_close(s3);
    orc_test_stop(m.pid);
}
END_TEST

START_TEST(test_files_beat_imds)
{
    make_home(CREDS, NULL);
    imds m = start_imds("21600", NULL, NULL);
    orc_s3_credentials_info info;
    orc_s3 *s3 = open_ok(NULL, &info);
    ck_assert_str_eq(info.access_key_id, "AKIDFILEDEFAULT");
    ck_assert_int_eq(orc_test_count_lines(m.log, "GET"), 0); /* IMDS never asked */
    orc_s3_close(s3);
    orc_test_stop(m.pid);
}
END_TEST

START_TEST(test_no_credentials_errors)
{
    make_home(NULL, NULL);
    /* nothing listens on port 9: a quick, clear failure */
    orc_s3 *s3 = NULL;
    orc_error err = {0};
    time_t t0 = time(NULL);
    ck_assert_int_ne(orc_s3_open(NULL, &s3, &err), ORC_OK);
    ck_assert_ptr_null(s3);
    ck_assert_int_le(time(NULL) - t0, 10);
    ck_assert_msg(strstr(err.msg, "no AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set, "
                                  "profile 'default' has none in the shared files, and instance metadata failed: ") == err.msg,
                  "%s", err.msg);
    ck_assert_ptr_nonnull(strstr(err.msg, "http://127.0.0.1:9/latest/api/token"));
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    ck_assert_int_eq(orc_s3_open(NULL, &s3, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.msg, "instance metadata is disabled (AWS_EC2_METADATA_DISABLED)"));
    /* bad options name the input */
    setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "topSecretValue", 1);
    orc_s3_options opt = {.endpoint_url = "ftp://x"};
    ck_assert_int_eq(orc_s3_open(&opt, &s3, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_str_eq(err.msg, "endpoint URL 'ftp://x' must start with http:// or https://");
    orc_s3_options ropt = {.region = "eu west"};
    ck_assert_int_eq(orc_s3_open(&ropt, &s3, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_str_eq(err.msg, "region 'eu west' (from --region) is not a region name");
    orc_s3_options popt = {.part_size = 1000};
    ck_assert_int_eq(orc_s3_open(&popt, &s3, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_str_eq(err.msg, "part size 1000 is below S3's minimum of 5 MiB");
    orc_s3_options copt = {.ca_bundle = "/nonexistent/ca.pem"};
    ck_assert_int_eq(orc_s3_open(&copt, &s3, &err), ORC_ERR_IO);
    ck_assert_str_eq(err.msg, "CA bundle '/nonexistent/ca.pem': No such file or directory");
    setenv("AWS_CA_BUNDLE", "/nonexistent/env-ca.pem", 1);
    ck_assert_int_eq(orc_s3_open(NULL, &s3, &err), ORC_ERR_IO);
    ck_assert_str_eq(err.msg, "CA bundle '/nonexistent/env-ca.pem': No such file or directory");
    ck_assert_ptr_null(strstr(err.msg, "topSecretValue"));
    orc_s3_close(NULL);
}
END_TEST

START_TEST(test_parse_url)
{
    char *b = NULL, *k = NULL;
    orc_error err;
    ck_assert_int_eq(orc_s3_parse_url("s3://my-bucket/dir/a b.txt", &b, &k, &err), ORC_OK);
    ck_assert_str_eq(b, "my-bucket");
    ck_assert_str_eq(k, "dir/a b.txt");
    free(b);
    free(k);
    ck_assert_int_eq(orc_s3_parse_url("s3://my-bucket", &b, &k, &err), ORC_OK);
    ck_assert_str_eq(k, "");
    free(b);
    free(k);
    ck_assert_int_eq(orc_s3_parse_url("http://x/y", &b, &k, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_str_eq(err.msg, "'http://x/y' is not an s3://bucket/key URL");
    ck_assert_int_eq(orc_s3_parse_url("s3:///key", &b, &k, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_str_eq(err.msg, "'s3:///key' has no bucket name");
    ck_assert_int_eq(orc_s3_parse_url("s3://Bad_Bucket!/k", &b, &k, &err), ORC_ERR_INVALID_ARGUMENT);
    ck_assert_str_eq(err.msg, "s3://Bad_Bucket!/k: bucket name 'Bad_Bucket!' may only hold a-z, 0-9, '.', '-'");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("s3_credentials");
    TCase *tc = tcase_create("chain");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_env_first);
    tcase_add_test(tc, test_shared_files_and_profiles);
    tcase_add_test(tc, test_custom_file_paths_and_default_region);
    tcase_add_test(tc, test_imds_v2_and_refresh);
    tcase_add_test(tc, test_files_beat_imds);
    tcase_add_test(tc, test_no_credentials_errors);
    tcase_add_test(tc, test_parse_url);
    suite_add_tcase(s, tc);
    return s;
}

ORC_TEST_MAIN()
