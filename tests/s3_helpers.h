/* s3_helpers.h -- helpers shared by the S3 test binaries (test_s3.c, test_s3_credentials.c):
 * start a helper process (fake IMDS, fault proxy: python3 stdlib scripts in tests/s3/) and read
 * the port it chose, clear the AWS environment, write small files. Header-only, static inline. */
#ifndef ORC_S3_HELPERS_H
#define ORC_S3_HELPERS_H

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ORC_TEST_PYTHON "/usr/bin/python3"

/* fork/exec argv (NULL-terminated); returns the child's pid */
static inline pid_t orc_test_spawn(char *const argv[])
{
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork failed");
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* wait until path holds a port number (the helper writes it once listening); 0 on timeout */
static inline int orc_test_wait_port(const char *path, pid_t pid, double timeout_s)
{
    struct timespec t = {0, 20 * 1000 * 1000};
    for (double waited = 0; waited < timeout_s; waited += 0.02) {
        FILE *f = fopen(path, "r");
        if (f != NULL) {
            int port = 0;
            int ok = fscanf(f, "%d", &port);
            fclose(f);
            if (ok == 1 && port > 0)
                return port;
        }
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return 0;
        nanosleep(&t, NULL);
    }
    return 0;
}

static inline void orc_test_stop(pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
}

static inline void orc_test_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* count lines of a log file that contain needle */
static inline int orc_test_count_lines(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, f) != NULL)
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

static inline void orc_test_clear_aws_env(void)
{
    static const char *const vars[] = {
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "AWS_EC2_METADATA_DISABLED", "AWS_CA_BUNDLE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
}

#endif
