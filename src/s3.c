/* s3.c -- the S3 client (see s3.h): addressing, signed requests over a pool of curl handles,
 * retries with backoff and jitter, error bodies, and the object/bucket operations including
 * parallel multipart upload with abort on failure. */
#include "s3.h"

#include "s3_auth.h"
#include "sigv4.h"
#include "strbuf.h"
#include "xml.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define POOL_MAX 64
#define MAX_PARTS 10000
#define MAX_RESPONSE (64u << 20) /* in-memory responses (lists, errors) */
#define BACKOFF_CAP_MS 10000

struct orc_s3 {
    orc_s3_options opt;
    char *region;
    char region_source[64];
    char *endpoint;  /* as shown to users */
    char scheme[8];  /* http / https */
    char *authority; /* host[:port] */
    char *base_path; /* "" or "/prefix" of a custom endpoint */
    int custom_endpoint;
    char *ca_bundle;
    orc_s3_auth *auth;
    pthread_mutex_t pool_mu;
    CURL *pool[POOL_MAX];
    int npool;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;
static void curl_init(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

/* ---- small helpers ------------------------------------------------------------------------- */
static int env_set(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0';
}

static orc_status check_bucket(const char *bucket, orc_error *err)
{
    size_t n = bucket ? strlen(bucket) : 0;
    if (n < 3 || n > 63)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "bucket name '%s' must have 3 to 63 characters",
                             bucket ? bucket : "");
    for (size_t i = 0; i < n; i++) {
        char c = bucket[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                 "bucket name '%s' may only hold a-z, 0-9, '.', '-'", bucket);
    }
    return ORC_OK;
}

static orc_status check_key(const char *key, orc_error *err)
{
    if (key == NULL || key[0] == '\0')
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "empty object key");
    if (strlen(key) > 1024)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "object key '%.60s...' is longer than 1024 bytes", key);
    return ORC_OK;
}

orc_status orc_s3_parse_url(const char *url, char **bucket, char **key, orc_error *err)
{
    if (url == NULL || strncmp(url, "s3://", 5) != 0)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "'%s' is not an s3://bucket/key URL", url ? url : "");
    const char *b = url + 5;
    const char *slash = strchr(b, '/');
    size_t bl = slash ? (size_t)(slash - b) : strlen(b);
    if (bl == 0)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "'%s' has no bucket name", url);
    char *bk = strndup(b, bl);
    char *k = strdup(slash ? slash + 1 : "");
    if (bk == NULL || k == NULL) {
        free(bk);
        free(k);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory");
    }
    orc_status st = check_bucket(bk, err);
    if (st != ORC_OK) {
        free(bk);
        free(k);
        return orc_error_prefix(err, "%s", url);
    }
    *bucket = bk;
    *key = k;
    return ORC_OK;
}

/* ---- open / close -------------------------------------------------------------------------- */
static orc_status parse_endpoint(orc_s3 *s3, const char *url, orc_error *err)
{
    const char *rest;
    if (strncmp(url, "https://", 8) == 0) {
        strcpy(s3->scheme, "https");
        rest = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        strcpy(s3->scheme, "http");
        rest = url + 7;
    } else {
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "endpoint URL '%s' must start with http:// or https://", url);
    }
    size_t al = strcspn(rest, "/?#");
    if (al == 0 || rest[al] == '?' || rest[al] == '#' || memchr(rest, '@', al) != NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "endpoint URL '%s' needs a host and no user, query or fragment", url);
    s3->authority = strndup(rest, al);
    s3->base_path = strdup(rest + al);
    if (s3->authority == NULL || s3->base_path == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory");
    size_t bl = strlen(s3->base_path);
    while (bl > 0 && s3->base_path[bl - 1] == '/')
        s3->base_path[--bl] = '\0';
    return ORC_OK;
}

orc_status orc_s3_open(const orc_s3_options *opt, orc_s3 **out, orc_error *err)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return orc_error_set(err, ORC_ERR_INTERNAL, "curl_global_init failed: %s", curl_easy_strerror(curl_init_rc));
    orc_s3 *s3 = calloc(1, sizeof *s3);
    if (s3 == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory");
    pthread_mutex_init(&s3->pool_mu, NULL);
    if (opt != NULL)
        s3->opt = *opt;
    orc_s3_options *o = &s3->opt;
    o->region = o->endpoint_url = o->profile = o->ca_bundle = NULL; /* not owned: use copies */
    orc_status st = ORC_OK;
    if (o->part_size == 0)
        o->part_size = ORC_S3_DEFAULT_PART_SIZE;
    if (o->part_size < ORC_S3_MIN_PART_SIZE && !o->allow_small_parts)
        st = orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "part size %zu is below S3's minimum of 5 MiB", o->part_size);
    if (o->part_size > ((size_t)5 << 30))
        st = orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "part size %zu is above S3's maximum of 5 GiB", o->part_size);
    if (o->multipart_threshold == 0)
        o->multipart_threshold = o->part_size;
    if (o->upload_threads <= 0)
        o->upload_threads = 4;
    if (o->upload_threads > 64)
        o->upload_threads = 64;
    if (o->max_attempts <= 0)
        o->max_attempts = 6;
    if (o->retry_base_ms <= 0)
        o->retry_base_ms = 200;
    if (o->timeout_s <= 0)
        o->timeout_s = 30;
    if (o->connect_timeout_s <= 0)
        o->connect_timeout_s = 10;
    const char *profile = orc_s3_profile_name(opt ? opt->profile : NULL);

    /* region */
    if (st == ORC_OK) {
        char *from_profile = NULL;
        const char *r = NULL;
        if (opt != NULL && opt->region != NULL && opt->region[0] != '\0') {
            r = opt->region;
            snprintf(s3->region_source, sizeof s3->region_source, "--region");
        } else if (env_set("AWS_REGION")) {
            r = getenv("AWS_REGION");
            snprintf(s3->region_source, sizeof s3->region_source, "AWS_REGION");
        } else if (env_set("AWS_DEFAULT_REGION")) {
            r = getenv("AWS_DEFAULT_REGION");
            snprintf(s3->region_source, sizeof s3->region_source, "AWS_DEFAULT_REGION");
        } else if ((from_profile = orc_s3_profile_setting(profile, "region")) != NULL && from_profile[0] != '\0') {
            r = from_profile;
            snprintf(s3->region_source, sizeof s3->region_source, "profile %.50s", profile);
        } else {
            r = ORC_S3_DEFAULT_REGION;
            snprintf(s3->region_source, sizeof s3->region_source, "default");
        }
        s3->region = strdup(r);
        free(from_profile);
        if (s3->region == NULL)
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory");
        for (const char *c = s3->region; st == ORC_OK && *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
                st = orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "region '%s' (from %s) is not a region name",
                                   s3->region, s3->region_source);
    }
    /* endpoint */
    if (st == ORC_OK) {
        const char *ep = NULL;
        if (opt != NULL && opt->endpoint_url != NULL && opt->endpoint_url[0] != '\0')
            ep = opt->endpoint_url;
        else if (env_set("AWS_ENDPOINT_URL_S3"))
            ep = getenv("AWS_ENDPOINT_URL_S3");
        else if (env_set("AWS_ENDPOINT_URL"))
            ep = getenv("AWS_ENDPOINT_URL");
        if (ep != NULL) {
            s3->custom_endpoint = 1;
            s3->endpoint = strdup(ep);
        } else if (asprintf(&s3->endpoint, "https://s3.%s.amazonaws.com", s3->region) < 0) {
            s3->endpoint = NULL;
        }
        if (s3->endpoint == NULL)
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory");
        else
            st = parse_endpoint(s3, s3->endpoint, err);
    }
    const char *ca = opt != NULL && opt->ca_bundle != NULL ? opt->ca_bundle
                     : env_set("AWS_CA_BUNDLE")                ? getenv("AWS_CA_BUNDLE")
                                                                : NULL;
    if (st == ORC_OK && ca != NULL) {
        if (access(ca, R_OK) != 0)
            st = orc_error_set(err, ORC_ERR_IO, "CA bundle '%s': %s", ca, strerror(errno));
        else if ((s3->ca_bundle = strdup(ca)) == NULL)
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory");
    }
    if (st == ORC_OK)
        st = orc_s3_auth_open(opt ? opt->profile : NULL, s3->ca_bundle, o->verbose, &s3->auth, err);
    if (st != ORC_OK) {
        orc_s3_close(s3);
        return st;
    }
    if (o->verbose)
        fprintf(stderr, "s3: region %s (from %s), endpoint %s, %s addressing\n", s3->region,
                s3->region_source, s3->endpoint,
                o->addressing == ORC_S3_ADDRESSING_VIRTUAL ||
                        (o->addressing == ORC_S3_ADDRESSING_AUTO && !s3->custom_endpoint)
                    ? "virtual-hosted"
                    : "path-style");
    *out = s3;
    return ORC_OK;
}

void orc_s3_close(orc_s3 *s3)
{
    if (s3 == NULL)
        return;
    for (int i = 0; i < s3->npool; i++)
        curl_easy_cleanup(s3->pool[i]);
    orc_s3_auth_close(s3->auth);
    pthread_mutex_destroy(&s3->pool_mu);
    free(s3->region);
    free(s3->endpoint);
    free(s3->authority);
    free(s3->base_path);
    free(s3->ca_bundle);
    free(s3);
}

const char *orc_s3_region(const orc_s3 *s3) { return s3->region; }
const char *orc_s3_region_source(const orc_s3 *s3) { return s3->region_source; }
const char *orc_s3_endpoint(const orc_s3 *s3) { return s3->endpoint; }

orc_status orc_s3_credentials(orc_s3 *s3, orc_s3_credentials_info *out, orc_error *err)
{
    return orc_s3_auth_get(s3->auth, NULL, out, err);
}

static CURL *pool_get(orc_s3 *s3)
{
    CURL *c = NULL;
    pthread_mutex_lock(&s3->pool_mu);
    if (s3->npool > 0)
        c = s3->pool[--s3->npool];
    pthread_mutex_unlock(&s3->pool_mu);
    if (c == NULL)
        c = curl_easy_init();
    else
        curl_easy_reset(c);
    return c;
}

static void pool_put(orc_s3 *s3, CURL *c)
{
    pthread_mutex_lock(&s3->pool_mu);
    if (s3->npool < POOL_MAX) {
        s3->pool[s3->npool++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&s3->pool_mu);
    if (c != NULL)
        curl_easy_cleanup(c);
}

/* ---- one request with retries --------------------------------------------------------------- */
typedef struct s3_request {
    const char *method;
    const char *bucket;
    const char *key; /* NULL: the bucket itself */
    orc_sigv4_pair query[4];
    size_t nq;
    const char *content_type;
    const void *body;
    size_t body_len;
    int head;
    int check_error_body;   /* a 200 whose body is <Error> is an error (CompleteMultipartUpload) */
    orc_s3_write_fn sink;   /* 2xx body goes here (else into resp) */
    void *sink_ctx;
    int has_range;
    uint64_t range_start, range_end; /* inclusive; UINT64_MAX: open */
    /* results */
    long status;
    int attempts;
    uint64_t delivered;     /* bytes handed to sink, over all attempts */
    uint64_t resumed_at;    /* delivered when this attempt began */
    char etag[256];
    char last_modified[64];
    uint64_t content_length;
    char bucket_region[64];
    char s3_code[64];
    orc_strbuf resp;
    int sink_stopped;
    int range_ignored;
    size_t upload_pos;
} s3_request;

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
    s3_request *r = ctx;
    size_t len = size * n;
    char line[512];
    size_t l = len < sizeof line - 1 ? len : sizeof line - 1;
    memcpy(line, data, l);
    line[l] = '\0';
    while (l > 0 && (line[l - 1] == '\r' || line[l - 1] == '\n'))
        line[--l] = '\0';
    if (strncmp(line, "HTTP/", 5) == 0) {
        const char *sp = strchr(line, ' ');
        r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        r->content_length = 0;
        r->bucket_region[0] = '\0';
        if (r->resumed_at == 0)
            r->etag[0] = '\0';
        return len;
    }
    char *colon = strchr(line, ':');
    if (colon == NULL)
        return len;
    *colon = '\0';
    char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    if (strcasecmp(line, "ETag") == 0 && r->resumed_at == 0)
        snprintf(r->etag, sizeof r->etag, "%s", v);
    else if (strcasecmp(line, "Last-Modified") == 0)
        snprintf(r->last_modified, sizeof r->last_modified, "%s", v);
    else if (strcasecmp(line, "Content-Length") == 0)
        r->content_length = strtoull(v, NULL, 10);
    else if (strcasecmp(line, "x-amz-bucket-region") == 0)
        snprintf(r->bucket_region, sizeof r->bucket_region, "%s", v);
    return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    s3_request *r = ctx;
    size_t len = size * n;
    if (r->sink != NULL && r->status >= 200 && r->status < 300) {
        /* resuming after a break: the server must honour the Range (206), else bytes repeat */
        if (r->resumed_at > 0 && r->status != 206) {
            r->range_ignored = 1;
            return 0;
        }
        if (r->sink(r->sink_ctx, data, len) != 0) {
            r->sink_stopped = 1;
            return 0;
        }
        r->delivered += len;
        return len;
    }
    if (r->resp.len + len > MAX_RESPONSE)
        return 0;
    orc_strbuf_append(&r->resp, data, len);
    return orc_strbuf_failed(&r->resp) ? 0 : len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *ctx)
{
    s3_request *r = ctx;
    size_t want = size * n;
    size_t left = r->body_len - r->upload_pos;
    if (want > left)
        want = left;
    if (want > 0)
        memcpy(buf, (const char *)r->body + r->upload_pos, want);
    r->upload_pos += want;
    return want;
}

static int on_seek(void *ctx, curl_off_t offset, int origin)
{
    s3_request *r = ctx;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > r->body_len)
        return CURL_SEEKFUNC_CANTSEEK;
    r->upload_pos = (size_t)offset;
    return CURL_SEEKFUNC_OK;
}

static int use_virtual(const orc_s3 *s3, const char *bucket)
{
    if (s3->opt.addressing == ORC_S3_ADDRESSING_PATH)
        return 0;
    if (s3->opt.addressing == ORC_S3_ADDRESSING_VIRTUAL)
        return 1;
    return !s3->custom_endpoint && strchr(bucket, '.') == NULL;
}

static void describe(const s3_request *r, char *out, size_t n)
{
    snprintf(out, n, "S3 %s s3://%s/%s", r->method, r->bucket, r->key ? r->key : "");
}

static void add_header(struct curl_slist **list, int *ok, const char *name, const char *value)
{
    char *line = NULL;
    if (asprintf(&line, "%s: %s", name, value) < 0) {
        *ok = 0;
        return;
    }
    struct curl_slist *n = curl_slist_append(*list, line);
    OPENSSL_cleanse(line, strlen(line));
    free(line);
    if (n == NULL)
        *ok = 0;
    else
        *list = n;
}

static void free_headers(struct curl_slist *list)
{
    for (struct curl_slist *s = list; s != NULL; s = s->next)
        OPENSSL_cleanse(s->data, strlen(s->data));
    curl_slist_free_all(list);
}

static int retryable_code(const char *code)
{
    static const char *const codes[] = {"SlowDown", "InternalError", "RequestTimeout",
                                        "ServiceUnavailable", "Throttling", "ThrottlingException"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(code, codes[i]) == 0)
            return 1;
    return 0;
}

static int retryable_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

/* turn an HTTP error (or an <Error> body) into a message; *retry set when transient */
static orc_status http_error(orc_s3 *s3, s3_request *r, int *retry, orc_error *err)
{
    char what[1200];
    describe(r, what, sizeof what);
    const char *code = NULL, *message = NULL, *region = NULL;
    orc_xml_doc *doc = NULL;
    if (r->resp.len > 0 && orc_xml_parse(r->resp.data, r->resp.len, &doc, NULL) == ORC_OK &&
        strcmp(orc_xml_root(doc)->name, "Error") == 0) {
        code = orc_xml_child_text(orc_xml_root(doc), "Code");
        message = orc_xml_child_text(orc_xml_root(doc), "Message");
        region = orc_xml_child_text(orc_xml_root(doc), "Region");
    }
    if (code == NULL) {
        switch (r->status) {
        case 301: code = "PermanentRedirect"; break;
        case 400: code = "BadRequest"; break;
        case 403: code = "Forbidden"; break;
        case 404: code = r->key ? "NoSuchKey" : "NoSuchBucket"; break;
        case 429: code = "TooManyRequests"; break;
        case 500: code = "InternalError"; break;
        case 503: code = "ServiceUnavailable"; break;
        default: code = "HTTPError"; break;
        }
    }
    snprintf(r->s3_code, sizeof r->s3_code, "%s", code);
    if (message == NULL || message[0] == '\0') {
        if (strcmp(code, "SignatureDoesNotMatch") == 0)
            message = "the signature does not match: check the secret access key for this access key id";
        else if (strcmp(code, "InvalidAccessKeyId") == 0)
            message = "the server does not know this access key id";
        else if (strcmp(code, "AccessDenied") == 0 || strcmp(code, "Forbidden") == 0)
            message = "access denied";
        else if (strcmp(code, "NoSuchKey") == 0)
            message = "no such key";
        else if (strcmp(code, "NoSuchBucket") == 0)
            message = "no such bucket";
    }
    if (region == NULL && r->bucket_region[0] != '\0')
        region = r->bucket_region;
    long s = r->status;
    *retry = s == 500 || s == 502 || s == 503 || s == 504 || s == 429 || retryable_code(code);
    orc_status st = ORC_ERR_REMOTE;
    if (region != NULL && region[0] != '\0' && strcmp(region, s3->region) != 0)
        st = orc_error_set(err, st, "%s: HTTP %ld %s: %s (the bucket is in region %s, not %s: use --region %s)",
                           what, s, code, message ? message : "wrong region", region, s3->region, region);
    else
        st = orc_error_set(err, st, "%s: HTTP %ld %s%s%s", what, s, code, message ? ": " : "",
                           message ? message : "");
    orc_xml_close(doc);
    return st;
}

static orc_status attempt(orc_s3 *s3, s3_request *r, const char *payload_hash, int *retry,
                          orc_error *err)
{
    *retry = 0;
    orc_s3_secret sec = {0};
    orc_status st = orc_s3_auth_get(s3->auth, &sec, NULL, err);
    if (st != ORC_OK)
        return st;
    int virt = use_virtual(s3, r->bucket);
    char *host = NULL;
    orc_strbuf path = {0};
    if (virt) {
        if (asprintf(&host, "%s.%s", r->bucket, s3->authority) < 0)
            host = NULL;
    } else {
        host = strdup(s3->authority);
    }
    orc_strbuf_puts(&path, s3->base_path);
    if (!virt) {
        orc_strbuf_putc(&path, '/');
        orc_strbuf_puts(&path, r->bucket);
    }
    if (r->key != NULL || virt)
        orc_strbuf_putc(&path, '/');
    if (r->key != NULL)
        orc_strbuf_puts(&path, r->key);
    char range[80] = "";
    if (r->has_range || r->delivered > 0) {
        uint64_t start = r->range_start + r->delivered;
        if (r->range_end == UINT64_MAX)
            snprintf(range, sizeof range, "bytes=%" PRIu64 "-", start);
        else
            snprintf(range, sizeof range, "bytes=%" PRIu64 "-%" PRIu64, start, r->range_end);
    }
    orc_sigv4_pair hdrs[4];
    size_t nh = 0;
    hdrs[nh++] = (orc_sigv4_pair){"Host", host ? host : ""};
    if (range[0] != '\0')
        hdrs[nh++] = (orc_sigv4_pair){"Range", range};
    if (r->delivered > 0 && r->etag[0] != '\0')
        hdrs[nh++] = (orc_sigv4_pair){"If-Match", r->etag};
    if (r->content_type != NULL)
        hdrs[nh++] = (orc_sigv4_pair){"Content-Type", r->content_type};
    orc_sigv4_request sreq = {
        .method = r->method, .path = path.data ? path.data : "/", .query = r->query,
        .n_query = r->nq, .headers = hdrs, .n_headers = nh, .payload_hash = payload_hash,
        .add_content_sha256 = 1, .region = s3->region, .service = "s3", .time = time(NULL),
    };
    orc_sigv4_credentials cred = {sec.access_key_id, sec.secret_access_key, sec.session_token};
    orc_sigv4_result sig;
    memset(&sig, 0, sizeof sig);
    if (host == NULL || orc_strbuf_failed(&path))
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory");
    else
        st = orc_sigv4_sign(&sreq, &cred, &sig, err);
    /* URL: the same encoding as the canonical request */
    orc_strbuf url = {0};
    struct curl_slist *hl = NULL;
    int ok = 1;
    if (st == ORC_OK) {
        char *epath = orc_sigv4_uri_encode(path.data, path.len, 1);
        orc_strbuf_printf(&url, "%s://%s%s", s3->scheme, host, epath ? epath : "");
        if (epath == NULL)
            ok = 0;
        free(epath);
        for (size_t i = 0; i < r->nq; i++) {
            char *n = orc_sigv4_uri_encode(r->query[i].name, strlen(r->query[i].name), 0);
            char *v = orc_sigv4_uri_encode(r->query[i].value, strlen(r->query[i].value), 0);
            if (n == NULL || v == NULL)
                ok = 0;
            else
                orc_strbuf_printf(&url, "%c%s=%s", i == 0 ? '?' : '&', n, v);
            free(n);
            free(v);
        }
        for (size_t i = 0; i < nh; i++)
            add_header(&hl, &ok, hdrs[i].name, hdrs[i].value);
        for (size_t i = 0; i < sig.n_add_headers; i++)
            add_header(&hl, &ok, sig.add_headers[i].name, sig.add_headers[i].value);
        add_header(&hl, &ok, "Authorization", sig.authorization);
        struct curl_slist *e = curl_slist_append(hl, "Expect:"); /* no 100-continue round trip */
        if (e == NULL)
            ok = 0;
        else
            hl = e;
        if (!ok || orc_strbuf_failed(&url))
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory");
    }
    orc_s3_secret_wipe(&sec);
    orc_sigv4_result_free(&sig);
    CURL *c = NULL;
    if (st == ORC_OK && (c = pool_get(s3)) == NULL)
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "curl_easy_init failed");
    if (st == ORC_OK) {
        r->status = 0;
        r->upload_pos = 0;
        r->sink_stopped = r->range_ignored = 0;
        r->resumed_at = r->delivered;
        orc_strbuf_reset(&r->resp, 0);
        curl_easy_setopt(c, CURLOPT_URL, url.data);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L); /* keys may hold "/./" or "/../": send as signed */
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)s3->opt.connect_timeout_s);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)s3->opt.timeout_s);
        curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
        if (s3->ca_bundle != NULL)
            curl_easy_setopt(c, CURLOPT_CAINFO, s3->ca_bundle);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
        if (r->head) {
            curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        } else if (r->body != NULL || strcmp(r->method, "PUT") == 0 || strcmp(r->method, "POST") == 0) {
            curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
            curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(c, CURLOPT_READDATA, r);
            curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek); /* curl's own resend on a dead reused connection */
            curl_easy_setopt(c, CURLOPT_SEEKDATA, r);
            curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->body_len);
            if (strcmp(r->method, "PUT") != 0)
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
        } else if (strcmp(r->method, "GET") != 0) {
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
        }
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        CURLcode rc = curl_easy_perform(c);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (s3->opt.verbose)
            fprintf(stderr, "s3: %s %s -> %ld%s%s (%.3f s, attempt %d)\n", r->method, url.data,
                    r->status, rc != CURLE_OK ? ", " : "", rc != CURLE_OK ? curl_easy_strerror(rc) : "",
                    (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec), r->attempts);
        char what[1200];
        describe(r, what, sizeof what);
        if (r->sink_stopped) {
            st = orc_error_set(err, ORC_ERR_IO, "%s: the receiver stopped the transfer", what);
        } else if (r->range_ignored) {
            st = orc_error_set(err, ORC_ERR_REMOTE, "%s: the server ignored Range when resuming", what);
        } else if (rc != CURLE_OK && !(r->status >= 300 && rc == CURLE_WRITE_ERROR)) {
            *retry = retryable_curl(rc);
            snprintf(r->s3_code, sizeof r->s3_code, "curl-%d", (int)rc);
            st = orc_error_set(err, ORC_ERR_NETWORK, "%s: %s", what, curl_easy_strerror(rc));
        } else if (r->status < 200 || r->status >= 300) {
            st = http_error(s3, r, retry, err);
        } else if (r->check_error_body && r->resp.len > 0 && strstr(r->resp.data, "<Error>") != NULL) {
            st = http_error(s3, r, retry, err);
        }
        pool_put(s3, c);
    }
    free_headers(hl);
    orc_strbuf_free(&url);
    orc_strbuf_free(&path);
    free(host);
    return st;
}

static __thread unsigned jitter_seed;

static void backoff(const orc_s3 *s3, int attempt_no)
{
    if (jitter_seed == 0)
        jitter_seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&jitter_seed;
    long cap = (long)s3->opt.retry_base_ms << (attempt_no < 16 ? attempt_no - 1 : 15);
    if (cap > BACKOFF_CAP_MS)
        cap = BACKOFF_CAP_MS;
    long ms = cap / 4 + (long)(rand_r(&jitter_seed) % (unsigned)(cap - cap / 4 + 1));
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static orc_status perform(orc_s3 *s3, s3_request *r, orc_error *err)
{
    char hash[65];
    orc_status st = orc_sigv4_sha256_hex(r->body ? r->body : "", r->body ? r->body_len : 0, hash, err);
    if (st != ORC_OK)
        return st;
    orc_error last = {0};
    int retry = 0;
    for (r->attempts = 1; r->attempts <= s3->opt.max_attempts; r->attempts++) {
        st = attempt(s3, r, hash, &retry, &last);
        if (st == ORC_OK || !retry)
            break;
        if (r->attempts < s3->opt.max_attempts)
            backoff(s3, r->attempts);
    }
    if (st == ORC_OK)
        return ORC_OK;
    if (retry)
        return orc_error_set(err, st, "%s (gave up after %d attempts)", last.msg, s3->opt.max_attempts);
    return orc_error_set(err, st, "%s", last.msg);
}

static void request_init(s3_request *r, const char *method, const char *bucket, const char *key)
{
    memset(r, 0, sizeof *r);
    r->method = method;
    r->bucket = bucket;
    r->key = key;
    r->range_end = UINT64_MAX;
}

/* ---- GET / HEAD / DELETE ------------------------------------------------------------------- */
orc_status orc_s3_get(orc_s3 *s3, const char *bucket, const char *key, uint64_t offset,
                      uint64_t length, orc_s3_write_fn fn, void *ctx, orc_error *err)
{
    orc_status st = check_bucket(bucket, err);
    if (st == ORC_OK)
        st = check_key(key, err);
    if (st != ORC_OK)
        return st;
    if (fn == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "orc_s3_get: no callback");
    s3_request r;
    request_init(&r, "GET", bucket, key);
    r.sink = fn;
    r.sink_ctx = ctx;
    if (offset > 0 || length > 0) {
        r.has_range = 1;
        r.range_start = offset;
        r.range_end = length > 0 ? offset + length - 1 : UINT64_MAX;
    }
    st = perform(s3, &r, err);
    orc_strbuf_free(&r.resp);
    return st;
}

static int sink_buffer(void *ctx, const void *data, size_t len)
{
    orc_strbuf *b = ctx;
    orc_strbuf_append(b, data, len);
    return orc_strbuf_failed(b);
}

orc_status orc_s3_get_buffer(orc_s3 *s3, const char *bucket, const char *key, void **data,
                             size_t *len, orc_error *err)
{
    orc_strbuf b = {0};
    orc_status st = orc_s3_get(s3, bucket, key, 0, 0, sink_buffer, &b, err);
    if (st != ORC_OK) {
        orc_strbuf_free(&b);
        return st;
    }
    size_t n = b.len;
    char *p = orc_strbuf_take(&b);
    if (p == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory");
    *data = p;
    *len = n;
    return ORC_OK;
}

static int sink_file(void *ctx, const void *data, size_t len)
{
    return fwrite(data, 1, len, (FILE *)ctx) != len;
}

orc_status orc_s3_get_file(orc_s3 *s3, const char *bucket, const char *key, const char *path,
                           orc_error *err)
{
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.part", path) < 0)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory");
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        orc_status st = orc_error_set(err, ORC_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
        free(tmp);
        return st;
    }
    orc_status st = orc_s3_get(s3, bucket, key, 0, 0, sink_file, f, err);
    if (st == ORC_OK && ferror(f))
        st = orc_error_set(err, ORC_ERR_IO, "writing '%s' failed", tmp);
    if (fclose(f) != 0 && st == ORC_OK)
        st = orc_error_set(err, ORC_ERR_IO, "writing '%s': %s", tmp, strerror(errno));
    if (st == ORC_OK && rename(tmp, path) != 0)
        st = orc_error_set(err, ORC_ERR_IO, "renaming '%s' to '%s': %s", tmp, path, strerror(errno));
    if (st != ORC_OK)
        unlink(tmp);
    free(tmp);
    return st;
}

static __thread char head_etag[256], head_modified[64];
static __thread char head_key[1025];

orc_status orc_s3_head(orc_s3 *s3, const char *bucket, const char *key, orc_s3_object *info,
                       orc_error *err)
{
    orc_status st = check_bucket(bucket, err);
    if (st == ORC_OK)
        st = check_key(key, err);
    if (st != ORC_OK)
        return st;
    s3_request r;
    request_init(&r, "HEAD", bucket, key);
    r.head = 1;
    st = perform(s3, &r, err);
    if (st == ORC_OK && info != NULL) {
        snprintf(head_etag, sizeof head_etag, "%s", r.etag);
        snprintf(head_modified, sizeof head_modified, "%s", r.last_modified);
        snprintf(head_key, sizeof head_key, "%s", key);
        info->key = head_key;
        info->size = r.content_length;
        info->etag = head_etag;
        info->last_modified = head_modified;
    }
    orc_strbuf_free(&r.resp);
    return st;
}

orc_status orc_s3_delete(orc_s3 *s3, const char *bucket, const char *key, orc_error *err)
{
    orc_status st = check_bucket(bucket, err);
    if (st == ORC_OK)
        st = check_key(key, err);
    if (st != ORC_OK)
        return st;
    s3_request r;
    request_init(&r, "DELETE", bucket, key);
    st = perform(s3, &r, err);
    orc_strbuf_free(&r.resp);
    return st;
}

/* ---- LIST ---------------------------------------------------------------------------------- */
orc_status orc_s3_list(orc_s3 *s3, const char *bucket, const char *prefix, orc_s3_list_fn fn,
                       void *ctx, orc_error *err)
{
    orc_status st = check_bucket(bucket, err);
    if (st != ORC_OK)
        return st;
    char *token = NULL;
    int stop = 0;
    for (int page = 0; st == ORC_OK && !stop; page++) {
        s3_request r;
        request_init(&r, "GET", bucket, NULL);
        r.query[r.nq++] = (orc_sigv4_pair){"list-type", "2"};
        r.query[r.nq++] = (orc_sigv4_pair){"prefix", prefix ? prefix : ""};
        if (token != NULL)
            r.query[r.nq++] = (orc_sigv4_pair){"continuation-token", token};
        st = perform(s3, &r, err);
        orc_xml_doc *doc = NULL;
        if (st == ORC_OK) {
            orc_error xerr = {0};
            if (orc_xml_parse(r.resp.data ? r.resp.data : "", r.resp.len, &doc, &xerr) != ORC_OK)
                st = orc_error_set(err, ORC_ERR_FORMAT, "S3 list s3://%s/%s: bad response: %s", bucket,
                                   prefix ? prefix : "", xerr.msg);
            else if (strcmp(orc_xml_root(doc)->name, "ListBucketResult") != 0)
                st = orc_error_set(err, ORC_ERR_FORMAT, "S3 list s3://%s/%s: unexpected <%s> response",
                                   bucket, prefix ? prefix : "", orc_xml_root(doc)->name);
        }
        if (st == ORC_OK) {
            const orc_xml_node *root = orc_xml_root(doc);
            for (size_t i = 0; i < root->n_children && !stop && st == ORC_OK; i++) {
                const orc_xml_node *c = &root->children[i];
                if (strcmp(c->name, "Contents") != 0)
                    continue;
                const char *k = orc_xml_child_text(c, "Key");
                const char *size = orc_xml_child_text(c, "Size");
                if (k == NULL || size == NULL) {
                    st = orc_error_set(err, ORC_ERR_FORMAT, "S3 list s3://%s: <Contents> without Key or Size", bucket);
                    break;
                }
                orc_s3_object o = {k, strtoull(size, NULL, 10), orc_xml_child_text(c, "ETag"),
                                   orc_xml_child_text(c, "LastModified")};
                if (fn != NULL && fn(ctx, &o) != 0)
                    stop = 1;
            }
            const char *trunc = orc_xml_child_text(root, "IsTruncated");
            const char *next = orc_xml_child_text(root, "NextContinuationToken");
            free(token);
            token = NULL;
            if (st == ORC_OK && trunc != NULL && strcmp(trunc, "true") == 0) {
                if (next == NULL || next[0] == '\0')
                    st = orc_error_set(err, ORC_ERR_FORMAT, "S3 list s3://%s: truncated page without NextContinuationToken", bucket);
                else if ((token = strdup(next)) == NULL)
                    st = orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory");
            } else {
                stop = 1;
            }
        }
        orc_xml_close(doc);
        orc_strbuf_free(&r.resp);
    }
    free(token);
    return st;
}

orc_status orc_s3_count_uploads(orc_s3 *s3, const char *bucket, const char *prefix,
                                size_t *count, orc_error *err)
{
    orc_status st = check_bucket(bucket, err);
    if (st != ORC_OK)
        return st;
    s3_request r;
    request_init(&r, "GET", bucket, NULL);
    r.query[r.nq++] = (orc_sigv4_pair){"uploads", ""};
    r.query[r.nq++] = (orc_sigv4_pair){"prefix", prefix ? prefix : ""};
    st = perform(s3, &r, err);
    orc_xml_doc *doc = NULL;
    if (st == ORC_OK && orc_xml_parse(r.resp.data ? r.resp.data : "", r.resp.len, &doc, err) == ORC_OK) {
        size_t n = 0;
        const orc_xml_node *root = orc_xml_root(doc);
        for (size_t i = 0; i < root->n_children; i++)
            n += strcmp(root->children[i].name, "Upload") == 0;
        *count = n;
    } else if (st == ORC_OK) {
        st = orc_error_prefix(err, "S3 list uploads s3://%s", bucket);
    }
    orc_xml_close(doc);
    orc_strbuf_free(&r.resp);
    return st;
}

orc_status orc_s3_create_bucket(orc_s3 *s3, const char *bucket, orc_error *err)
{
    orc_status st = check_bucket(bucket, err);
    if (st != ORC_OK)
        return st;
    s3_request r;
    request_init(&r, "PUT", bucket, NULL);
    char *body = NULL;
    if (strcmp(s3->region, "us-east-1") != 0) {
        if (asprintf(&body, "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                            "<LocationConstraint>%s</LocationConstraint></CreateBucketConfiguration>",
                     s3->region) < 0)
            return orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory");
        r.body = body;
        r.body_len = strlen(body);
    }
    orc_error e = {0};
    st = perform(s3, &r, &e);
    if (st != ORC_OK && strcmp(r.s3_code, "BucketAlreadyOwnedByYou") == 0)
        st = ORC_OK;
    else if (st != ORC_OK)
        orc_error_set(err, st, "%s", e.msg);
    free(body);
    orc_strbuf_free(&r.resp);
    return st;
}

/* ---- PUT and multipart ----------------------------------------------------------------------- */
typedef struct source {
    const unsigned char *mem; /* or */
    int fd;
    const char *path;
    uint64_t size;
} source;

static orc_status read_at(const source *src, uint64_t off, size_t len, unsigned char *buf,
                          orc_error *err)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(src->fd, buf + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return orc_error_set(err, ORC_ERR_IO, "reading '%s': %s", src->path,
                                 n == 0 ? "file shrank while uploading" : strerror(errno));
        done += (size_t)n;
    }
    return ORC_OK;
}

static orc_status put_single(orc_s3 *s3, const char *bucket, const char *key, const void *data,
                             size_t len, orc_error *err)
{
    s3_request r;
    request_init(&r, "PUT", bucket, key);
    r.body = data ? data : "";
    r.body_len = len;
    orc_status st = perform(s3, &r, err);
    orc_strbuf_free(&r.resp);
    return st;
}

typedef struct multipart {
    orc_s3 *s3;
    const char *bucket, *key, *upload_id;
    const source *src;
    size_t part_size;
    size_t nparts;
    char **etags;
    pthread_mutex_t mu;
    size_t next;
    int failed;
    orc_error first_err;
} multipart;

static void *part_worker(void *arg)
{
    multipart *m = arg;
    unsigned char *buf = NULL;
    for (;;) {
        pthread_mutex_lock(&m->mu);
        size_t i = m->next++;
        int stop = m->failed || i >= m->nparts;
        pthread_mutex_unlock(&m->mu);
        if (stop)
            break;
        uint64_t off = (uint64_t)i * m->part_size;
        size_t len = (size_t)(m->src->size - off < m->part_size ? m->src->size - off : m->part_size);
        orc_error e = {0};
        orc_status st = ORC_OK;
        const void *data;
        if (m->src->mem != NULL) {
            data = m->src->mem + off;
        } else {
            if (buf == NULL && (buf = malloc(m->part_size)) == NULL)
                st = orc_error_set(&e, ORC_ERR_NO_MEMORY, "out of memory for a %zu-byte part", m->part_size);
            if (st == ORC_OK)
                st = read_at(m->src, off, len, buf, &e);
            data = buf;
        }
        char partno[24];
        snprintf(partno, sizeof partno, "%zu", i + 1);
        s3_request r;
        request_init(&r, "PUT", m->bucket, m->key);
        r.query[r.nq++] = (orc_sigv4_pair){"partNumber", partno};
        r.query[r.nq++] = (orc_sigv4_pair){"uploadId", m->upload_id};
        r.body = data;
        r.body_len = len;
        if (st == ORC_OK)
            st = perform(m->s3, &r, &e);
        if (st == ORC_OK && r.etag[0] == '\0')
            st = orc_error_set(&e, ORC_ERR_REMOTE, "S3 upload part %zu of s3://%s/%s: no ETag in the answer",
                               i + 1, m->bucket, m->key);
        if (st == ORC_OK && (m->etags[i] = strdup(r.etag)) == NULL)
            st = orc_error_set(&e, ORC_ERR_NO_MEMORY, "out of memory");
        orc_strbuf_free(&r.resp);
        if (st != ORC_OK) {
            pthread_mutex_lock(&m->mu);
            if (!m->failed) {
                m->failed = 1;
                m->first_err = e;
                orc_error_prefix(&m->first_err, "part %zu", i + 1);
            }
            pthread_mutex_unlock(&m->mu);
            break;
        }
    }
    free(buf);
    return NULL;
}

static void abort_upload(orc_s3 *s3, const char *bucket, const char *key, const char *upload_id)
{
    s3_request r;
    request_init(&r, "DELETE", bucket, key);
    r.query[r.nq++] = (orc_sigv4_pair){"uploadId", upload_id};
    orc_error e = {0};
    if (perform(s3, &r, &e) != ORC_OK && strcmp(r.s3_code, "NoSuchUpload") != 0)
        fprintf(stderr, "s3: warning: aborting the multipart upload of s3://%s/%s failed: %s\n",
                bucket, key, e.msg);
    else if (s3->opt.verbose)
        fprintf(stderr, "s3: aborted the multipart upload of s3://%s/%s\n", bucket, key);
    orc_strbuf_free(&r.resp);
}

/* A retried CreateMultipartUpload may have created uploads whose answers were lost: abort the
 * other uploads of this exact key that started since `since` (a concurrent writer of the same
 * key in that window would lose its upload too: S3 offers no way to tell them apart). */
static void abort_orphans(orc_s3 *s3, const char *bucket, const char *key, const char *keep,
                          time_t since)
{
    s3_request r;
    request_init(&r, "GET", bucket, NULL);
    r.query[r.nq++] = (orc_sigv4_pair){"uploads", ""};
    r.query[r.nq++] = (orc_sigv4_pair){"prefix", key};
    orc_error e = {0};
    orc_xml_doc *doc = NULL;
    if (perform(s3, &r, &e) == ORC_OK &&
        orc_xml_parse(r.resp.data ? r.resp.data : "", r.resp.len, &doc, NULL) == ORC_OK) {
        const orc_xml_node *root = orc_xml_root(doc);
        for (size_t i = 0; i < root->n_children; i++) {
            const orc_xml_node *u = &root->children[i];
            const char *k = orc_xml_child_text(u, "Key");
            const char *id = orc_xml_child_text(u, "UploadId");
            const char *when = orc_xml_child_text(u, "Initiated");
            if (strcmp(u->name, "Upload") != 0 || k == NULL || id == NULL || when == NULL ||
                strcmp(k, key) != 0 || strcmp(id, keep) == 0)
                continue;
            struct tm tm;
            memset(&tm, 0, sizeof tm);
            if (strptime(when, "%Y-%m-%dT%H:%M:%S", &tm) != NULL && timegm(&tm) >= since - 60)
                abort_upload(s3, bucket, key, id);
        }
    }
    orc_xml_close(doc);
    orc_strbuf_free(&r.resp);
}

static orc_status complete_upload(multipart *m, orc_error *err)
{
    orc_strbuf body = {0};
    orc_strbuf_puts(&body, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    for (size_t i = 0; i < m->nparts; i++) {
        orc_strbuf_printf(&body, "<Part><PartNumber>%zu</PartNumber><ETag>", i + 1);
        for (const char *c = m->etags[i]; *c; c++) {
            if (*c == '"')
                orc_strbuf_puts(&body, "&quot;");
            else if (*c == '&')
                orc_strbuf_puts(&body, "&amp;");
            else if (*c == '<')
                orc_strbuf_puts(&body, "&lt;");
            else
                orc_strbuf_putc(&body, *c);
        }
        orc_strbuf_puts(&body, "</ETag></Part>");
    }
    orc_strbuf_puts(&body, "</CompleteMultipartUpload>");
    if (orc_strbuf_failed(&body))
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory");
    s3_request r;
    request_init(&r, "POST", m->bucket, m->key);
    r.query[r.nq++] = (orc_sigv4_pair){"uploadId", m->upload_id};
    r.body = body.data;
    r.body_len = body.len;
    r.content_type = "application/xml";
    r.check_error_body = 1;
    orc_error e = {0};
    orc_status st = perform(m->s3, &r, &e);
    /* a retry after a lost answer finds the upload already completed: check the object */
    if (st != ORC_OK && r.attempts > 1 && strcmp(r.s3_code, "NoSuchUpload") == 0) {
        orc_s3_object info;
        char suffix[32];
        snprintf(suffix, sizeof suffix, "-%zu\"", m->nparts);
        if (orc_s3_head(m->s3, m->bucket, m->key, &info, NULL) == ORC_OK && info.size == m->src->size &&
            strlen(info.etag) > strlen(suffix) &&
            strcmp(info.etag + strlen(info.etag) - strlen(suffix), suffix) == 0)
            st = ORC_OK;
    }
    if (st != ORC_OK)
        orc_error_set(err, st, "%s", e.msg);
    orc_strbuf_free(&body);
    orc_strbuf_free(&r.resp);
    return st;
}

static orc_status put_multipart(orc_s3 *s3, const char *bucket, const char *key,
                                const source *src, orc_error *err)
{
    size_t part = s3->opt.part_size;
    if (src->size / part >= MAX_PARTS) { /* grow parts (MiB multiples) to stay within 10000 */
        uint64_t need = (src->size + MAX_PARTS - 1) / MAX_PARTS;
        part = (size_t)((need + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1));
    }
    s3_request r;
    request_init(&r, "POST", bucket, key);
    r.query[r.nq++] = (orc_sigv4_pair){"uploads", ""};
    time_t create_time = time(NULL);
    orc_status st = perform(s3, &r, err);
    int create_retried = r.attempts > 1;
    orc_xml_doc *doc = NULL;
    char *upload_id = NULL;
    if (st == ORC_OK) {
        const char *id = NULL;
        if (orc_xml_parse(r.resp.data ? r.resp.data : "", r.resp.len, &doc, NULL) == ORC_OK)
            id = orc_xml_child_text(orc_xml_root(doc), "UploadId");
        if (id == NULL || id[0] == '\0')
            st = orc_error_set(err, ORC_ERR_FORMAT, "S3 create multipart upload s3://%s/%s: no UploadId in the answer", bucket, key);
        else if ((upload_id = strdup(id)) == NULL)
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory");
    }
    orc_xml_close(doc);
    orc_strbuf_free(&r.resp);
    if (st != ORC_OK)
        return st;
    multipart m;
    memset(&m, 0, sizeof m);
    m.s3 = s3;
    m.bucket = bucket;
    m.key = key;
    m.upload_id = upload_id;
    m.src = src;
    m.part_size = part;
    m.nparts = (size_t)((src->size + part - 1) / part);
    m.etags = calloc(m.nparts, sizeof *m.etags);
    pthread_mutex_init(&m.mu, NULL);
    if (s3->opt.verbose)
        fprintf(stderr, "s3: multipart upload of s3://%s/%s: %zu parts of %zu bytes, %d threads\n",
                bucket, key, m.nparts, part, s3->opt.upload_threads);
    if (m.etags == NULL) {
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory");
    } else {
        size_t nt = (size_t)s3->opt.upload_threads < m.nparts ? (size_t)s3->opt.upload_threads : m.nparts;
        pthread_t th[64];
        size_t started = 0;
        for (; started < nt; started++)
            if (pthread_create(&th[started], NULL, part_worker, &m) != 0)
                break;
        if (started == 0)
            part_worker(&m);
        for (size_t i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        if (m.failed)
            st = orc_error_set(err, m.first_err.code, "%s", m.first_err.msg);
        else
            st = complete_upload(&m, err);
    }
    if (st != ORC_OK) {
        abort_upload(s3, bucket, key, upload_id);
        orc_error_prefix(err, "multipart upload aborted");
    }
    if (create_retried)
        abort_orphans(s3, bucket, key, upload_id, create_time);
    for (size_t i = 0; m.etags != NULL && i < m.nparts; i++)
        free(m.etags[i]);
    free(m.etags);
    pthread_mutex_destroy(&m.mu);
    free(upload_id);
    return st;
}

orc_status orc_s3_put_buffer(orc_s3 *s3, const char *bucket, const char *key, const void *data,
                             size_t len, orc_error *err)
{
    orc_status st = check_bucket(bucket, err);
    if (st == ORC_OK)
        st = check_key(key, err);
    if (st != ORC_OK)
        return st;
    if (data == NULL && len > 0)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "orc_s3_put_buffer: no data");
    if (len <= s3->opt.multipart_threshold)
        return put_single(s3, bucket, key, data, len, err);
    source src = {data, -1, "(memory)", len};
    return put_multipart(s3, bucket, key, &src, err);
}

orc_status orc_s3_put_file(orc_s3 *s3, const char *bucket, const char *key, const char *path,
                           orc_error *err)
{
    orc_status st = check_bucket(bucket, err);
    if (st == ORC_OK)
        st = check_key(key, err);
    if (st != ORC_OK)
        return st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return orc_error_set(err, ORC_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return orc_error_set(err, ORC_ERR_IO, "'%s' is not a regular file", path);
    }
    source src = {NULL, fd, path, (uint64_t)sb.st_size};
    if (src.size <= s3->opt.multipart_threshold) {
        unsigned char *buf = malloc(src.size ? src.size : 1);
        if (buf == NULL)
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory reading '%s'", path);
        else
            st = read_at(&src, 0, (size_t)src.size, buf, err);
        if (st == ORC_OK)
            st = put_single(s3, bucket, key, buf, (size_t)src.size, err);
        free(buf);
    } else {
        st = put_multipart(s3, bucket, key, &src, err);
    }
    close(fd);
    return st;
}
