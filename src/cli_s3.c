/* cli_s3.c -- `orchard s3 ls|cp|mb|rm`: the S3 client by hand (checks, tests, throughput). */
#include "cli.h"
#include "orchard.h"
#include "s3.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void usage(FILE *f)
{
    fprintf(f,
        "usage: orchard s3 ls [OPTIONS] s3://BUCKET[/PREFIX]   list keys (size, key), all pages\n"
        "       orchard s3 cp [OPTIONS] SRC DST                copy a file: local -> s3:// or s3:// -> local\n"
        "                                                      (DST '-' writes the object to stdout;\n"
        "                                                      a DST ending in '/' gets SRC's file name)\n"
        "       orchard s3 mb [OPTIONS] s3://BUCKET            create a bucket in the region (tests)\n"
        "       orchard s3 rm [OPTIONS] s3://BUCKET/KEY        delete one object\n"
        "\n"
        "options:\n"
        "  --endpoint-url URL   S3-compatible server, e.g. http://127.0.0.1:7480 (path-style\n"
        "                       addressing); default AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else\n"
        "                       https://s3.REGION.amazonaws.com (virtual-hosted addressing)\n"
        "  --region NAME        region to sign for; default AWS_REGION, AWS_DEFAULT_REGION, the\n"
        "                       profile's region in ~/.aws/config, else " ORC_S3_DEFAULT_REGION "\n"
        "  --profile NAME       profile in ~/.aws/credentials and ~/.aws/config (default\n"
        "                       AWS_PROFILE, else 'default')\n"
        "  --ca-bundle FILE     CA certificates (PEM) to verify the server with (default\n"
        "                       AWS_CA_BUNDLE, else the system's); TLS is always verified\n"
        "  --path-style         force path-style addressing (http://host/bucket/key)\n"
        "  --virtual-hosted     force virtual-hosted addressing (http://bucket.host/key)\n"
        "  --part-size MIB      multipart part size in MiB (default 16; minimum 5)\n"
        "  --threads N          parallel part uploads (default 4)\n"
        "  --max-attempts N     attempts per request before giving up (default 6)\n"
        "  --timeout S          fail a transfer that makes no progress for S seconds (default 30)\n"
        "  -h, --help           this help\n"
        "\n"
        "Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN], then the shared\n"
        "files (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, ~/.aws), then EC2 instance metadata\n"
        "(IMDSv2; AWS_EC2_METADATA_SERVICE_ENDPOINT). 'orchard -v s3 ...' logs region, endpoint,\n"
        "credential source and every request (never a secret).\n");
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct list_ctx {
    uint64_t n, bytes;
} list_ctx;

static int print_object(void *ctx, const orc_s3_object *o)
{
    list_ctx *l = ctx;
    l->n++;
    l->bytes += o->size;
    printf("%12" PRIu64 "  %s\n", o->size, o->key);
    return 0;
}

static int write_stdout(void *ctx, const void *data, size_t len)
{
    uint64_t *n = ctx;
    *n += len;
    return fwrite(data, 1, len, stdout) != len;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int cmd_cp(orc_s3 *s3, const char *src, const char *dst)
{
    orc_error err = {0};
    orc_status st;
    char *bucket = NULL, *key = NULL, *local = NULL;
    int up = strncmp(dst, "s3://", 5) == 0;
    int down = strncmp(src, "s3://", 5) == 0;
    if (up == down) {
        fprintf(stderr, "orchard s3 cp: exactly one of SRC and DST must be an s3:// URL\n");
        return ORC_EXIT_USAGE;
    }
    double t0 = now_s();
    uint64_t bytes = 0;
    if (up) {
        st = orc_s3_parse_url(dst, &bucket, &key, &err);
        if (st == ORC_OK && (key[0] == '\0' || key[strlen(key) - 1] == '/')) {
            char *k = NULL;
            if (asprintf(&k, "%s%s", key, base_name(src)) < 0)
                k = NULL;
            free(key);
            key = k;
            if (key == NULL)
                st = orc_error_set(&err, ORC_ERR_NO_MEMORY, "out of memory");
        }
        struct stat sb;
        if (st == ORC_OK && stat(src, &sb) != 0)
            st = orc_error_set(&err, ORC_ERR_IO, "cannot read '%s': %s", src, strerror(errno));
        if (st == ORC_OK) {
            bytes = (uint64_t)sb.st_size;
            st = orc_s3_put_file(s3, bucket, key, src, &err);
        }
    } else {
        st = orc_s3_parse_url(src, &bucket, &key, &err);
        if (st == ORC_OK && key[0] == '\0')
            st = orc_error_set(&err, ORC_ERR_INVALID_ARGUMENT, "'%s' names no object", src);
        if (st == ORC_OK && strcmp(dst, "-") == 0) {
            st = orc_s3_get(s3, bucket, key, 0, 0, write_stdout, &bytes, &err);
            if (fflush(stdout) != 0 && st == ORC_OK)
                st = orc_error_set(&err, ORC_ERR_IO, "writing stdout: %s", strerror(errno));
        } else if (st == ORC_OK) {
            size_t dl = strlen(dst);
            struct stat sb;
            int dir = (dl > 0 && dst[dl - 1] == '/') || (stat(dst, &sb) == 0 && S_ISDIR(sb.st_mode));
            if (dir && asprintf(&local, "%s%s%s", dst, dst[dl - 1] == '/' ? "" : "/", base_name(key)) < 0)
                local = NULL;
            else if (!dir)
                local = strdup(dst);
            if (local == NULL)
                st = orc_error_set(&err, ORC_ERR_NO_MEMORY, "out of memory");
            else
                st = orc_s3_get_file(s3, bucket, key, local, &err);
            if (st == ORC_OK && stat(local, &sb) == 0)
                bytes = (uint64_t)sb.st_size;
        }
    }
    double dt = now_s() - t0;
    if (st == ORC_OK)
        fprintf(stderr, "orchard s3 cp: %s %" PRIu64 " bytes %s s3://%s/%s in %.3f s (%.1f MB/s), region %s\n",
                up ? "uploaded" : "downloaded", bytes, up ? "to" : "from", bucket, key, dt,
                dt > 0 ? (double)bytes / 1e6 / dt : 0.0, orc_s3_region(s3));
    else
        fprintf(stderr, "orchard s3 cp: %s\n", err.msg);
    free(bucket);
    free(key);
    free(local);
    return st == ORC_OK ? ORC_EXIT_OK : ORC_EXIT_FATAL;
}

int orc_cli_s3(int argc, char **argv)
{
    enum { O_ENDPOINT = 1000, O_REGION, O_PROFILE, O_CA, O_PATH, O_VIRTUAL, O_PART, O_THREADS,
           O_ATTEMPTS, O_TIMEOUT };
    static const struct option longopts[] = {
        {"endpoint-url", required_argument, NULL, O_ENDPOINT},
        {"region", required_argument, NULL, O_REGION},
        {"profile", required_argument, NULL, O_PROFILE},
        {"ca-bundle", required_argument, NULL, O_CA},
        {"path-style", no_argument, NULL, O_PATH},
        {"virtual-hosted", no_argument, NULL, O_VIRTUAL},
        {"part-size", required_argument, NULL, O_PART},
        {"threads", required_argument, NULL, O_THREADS},
        {"max-attempts", required_argument, NULL, O_ATTEMPTS},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (argc < 2) {
        usage(stderr);
        return ORC_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return ORC_EXIT_OK;
    }
    const char *action = argv[1];
    orc_s3_options opt = {0};
    opt.verbose = orc_cli_verbose;
    long v;
    optind = 2;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1 || optind < argc) {
        if (c == -1) { /* a positional argument: move on; options may follow it */
            optind++;
            continue;
        }
        switch (c) {
        case O_ENDPOINT: opt.endpoint_url = optarg; break;
        case O_REGION: opt.region = optarg; break;
        case O_PROFILE: opt.profile = optarg; break;
        case O_CA: opt.ca_bundle = optarg; break;
        case O_PATH: opt.addressing = ORC_S3_ADDRESSING_PATH; break;
        case O_VIRTUAL: opt.addressing = ORC_S3_ADDRESSING_VIRTUAL; break;
        case O_PART:
            if (!orc_cli_parse_long("s3", "--part-size", optarg, 5, 5120, &v))
                return ORC_EXIT_USAGE;
            opt.part_size = (size_t)v << 20;
            break;
        case O_THREADS:
            if (!orc_cli_parse_long("s3", "--threads", optarg, 1, 64, &v))
                return ORC_EXIT_USAGE;
            opt.upload_threads = (int)v;
            break;
        case O_ATTEMPTS:
            if (!orc_cli_parse_long("s3", "--max-attempts", optarg, 1, 100, &v))
                return ORC_EXIT_USAGE;
            opt.max_attempts = (int)v;
            break;
        case O_TIMEOUT:
            if (!orc_cli_parse_long("s3", "--timeout", optarg, 1, 86400, &v))
                return ORC_EXIT_USAGE;
            opt.timeout_s = (int)v;
            break;
        case 'h': usage(stdout); return ORC_EXIT_OK;
        default:
            fprintf(stderr, "orchard s3: unknown or incomplete option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return ORC_EXIT_USAGE;
        }
    }
    /* positionals: everything in argv[2..] that is not an option or an option's value */
    const char *pos[3];
    int npos = 0;
    for (int i = 2; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] == '-') {
            const struct option *o = longopts;
            for (; o->name != NULL; o++)
                if (strcmp(argv[i] + 2, o->name) == 0)
                    break;
            if (o->name != NULL && o->has_arg == required_argument)
                i++;
            continue;
        }
        if (npos == 3) {
            fprintf(stderr, "orchard s3 %s: too many arguments\n", action);
            return ORC_EXIT_USAGE;
        }
        pos[npos++] = argv[i];
    }
    int want = strcmp(action, "cp") == 0 ? 2 : 1;
    if (strcmp(action, "ls") != 0 && strcmp(action, "cp") != 0 && strcmp(action, "mb") != 0 &&
        strcmp(action, "rm") != 0) {
        fprintf(stderr, "orchard s3: unknown action '%s' (ls, cp, mb, rm)\n", action);
        return ORC_EXIT_USAGE;
    }
    if (npos != want) {
        fprintf(stderr, "orchard s3 %s: expected %d argument%s, got %d (see orchard s3 --help)\n",
                action, want, want > 1 ? "s" : "", npos);
        return ORC_EXIT_USAGE;
    }
    orc_error err = {0};
    orc_s3 *s3 = NULL;
    if (orc_s3_open(&opt, &s3, &err) != ORC_OK) {
        fprintf(stderr, "orchard s3: %s\n", err.msg);
        return ORC_EXIT_FATAL;
    }
    int rc = ORC_EXIT_OK;
    if (strcmp(action, "cp") == 0) {
        rc = cmd_cp(s3, pos[0], pos[1]);
    } else {
        char *bucket = NULL, *key = NULL;
        orc_status st = orc_s3_parse_url(pos[0], &bucket, &key, &err);
        list_ctx l = {0, 0};
        if (st == ORC_OK && strcmp(action, "ls") == 0) {
            st = orc_s3_list(s3, bucket, key, print_object, &l, &err);
            if (st == ORC_OK)
                fprintf(stderr, "orchard s3 ls: %" PRIu64 " objects, %" PRIu64 " bytes\n", l.n, l.bytes);
        } else if (st == ORC_OK && strcmp(action, "mb") == 0) {
            if (key[0] != '\0')
                st = orc_error_set(&err, ORC_ERR_INVALID_ARGUMENT, "'%s': mb takes a bucket, not a key", pos[0]);
            else
                st = orc_s3_create_bucket(s3, bucket, &err);
            if (st == ORC_OK)
                fprintf(stderr, "orchard s3 mb: s3://%s in region %s\n", bucket, orc_s3_region(s3));
        } else if (st == ORC_OK) {
            st = orc_s3_delete(s3, bucket, key, &err);
        }
        if (st != ORC_OK) {
            fprintf(stderr, "orchard s3 %s: %s\n", action, err.msg);
            rc = ORC_EXIT_FATAL;
        }
        free(bucket);
        free(key);
    }
    orc_s3_close(s3);
    return rc;
}
