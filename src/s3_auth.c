/* s3_auth.c -- AWS credentials chain (see s3_auth.h, s3.h): environment, shared files (INI),
 * IMDSv2 over libcurl with refresh before expiry. Secrets are wiped (OPENSSL_cleanse) when
 * replaced or freed and never written to messages. */
#include "s3_auth.h"

#include "strbuf.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define REFRESH_MARGIN_S 300
#define IMDS_DEFAULT "http://169.254.169.254"

typedef enum { SRC_ENV, SRC_FILE, SRC_IMDS } cred_source;

struct orc_s3_auth {
    pthread_mutex_t mu;
    cred_source source;
    char source_desc[160];
    char *ak, *sk, *token;
    time_t expires; /* 0: never */
    char imds[256];
    char *ca_bundle;
    int verbose;
};

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static void wipe_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void orc_s3_secret_wipe(orc_s3_secret *s)
{
    wipe_free(s->access_key_id);
    wipe_free(s->secret_access_key);
    wipe_free(s->session_token);
    s->access_key_id = s->secret_access_key = s->session_token = NULL;
}

static int env_set(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0';
}

const char *orc_s3_profile_name(const char *opt)
{
    if (opt != NULL && opt[0] != '\0')
        return opt;
    if (env_set("AWS_PROFILE"))
        return getenv("AWS_PROFILE");
    return "default";
}

static char *home_file(const char *env, const char *rel)
{
    if (env_set(env))
        return strdup(getenv(env));
    const char *home = getenv("HOME");
    if (home == NULL || home[0] == '\0')
        return NULL;
    char *p = NULL;
    if (asprintf(&p, "%s/%s", home, rel) < 0)
        return NULL;
    return p;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* value of key in [section] of an INI file (malloc'd) or NULL; config files name a profile
 * "[profile NAME]" (but "[default]"), credential files "[NAME]" */
static char *ini_value(const char *path, const char *profile, int config_style, const char *key)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    char want[300];
    if (config_style && strcmp(profile, "default") != 0)
        snprintf(want, sizeof want, "profile %s", profile);
    else
        snprintf(want, sizeof want, "%s", profile);
    char line[4096];
    int in = 0;
    char *found = NULL;
    while (found == NULL && fgets(line, sizeof line, f) != NULL) {
        char *l = trim(line);
        if (l[0] == '#' || l[0] == ';' || l[0] == '\0')
            continue;
        if (l[0] == '[') {
            char *end = strchr(l, ']');
            if (end == NULL)
                continue;
            *end = '\0';
            char *name = trim(l + 1);
            /* "profile  x" with extra spaces is accepted like the AWS CLI does */
            if (config_style && strncmp(name, "profile", 7) == 0 && (name[7] == ' ' || name[7] == '\t')) {
                char norm[300];
                snprintf(norm, sizeof norm, "profile %s", trim(name + 8));
                in = strcmp(norm, want) == 0;
            } else {
                in = strcmp(name, want) == 0;
            }
            continue;
        }
        if (!in)
            continue;
        char *eq = strchr(l, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        if (strcmp(trim(l), key) == 0)
            found = strdup(trim(eq + 1));
    }
    OPENSSL_cleanse(line, sizeof line);
    fclose(f);
    return found;
}

char *orc_s3_profile_setting(const char *profile, const char *key)
{
    char *path = home_file("AWS_CONFIG_FILE", ".aws/config");
    if (path == NULL)
        return NULL;
    char *v = ini_value(path, profile, 1, key);
    free(path);
    return v;
}

/* ---- IMDSv2 -------------------------------------------------------------------------------- */
typedef struct membuf {
    orc_strbuf b;
    size_t limit;
} membuf;

static size_t mem_write(char *data, size_t size, size_t n, void *ctx)
{
    membuf *m = ctx;
    if (m->b.len + size * n > m->limit)
        return 0;
    orc_strbuf_append(&m->b, data, size * n);
    return orc_strbuf_failed(&m->b) ? 0 : size * n;
}

/* one IMDS request: 1 s to connect, 3 s in all, 2 attempts (like the AWS CLI) */
static orc_status imds_call(orc_s3_auth *a, const char *method, const char *path,
                            const char *header, membuf *out, orc_error *err)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", a->imds, path);
    orc_status st = ORC_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        CURL *c = curl_easy_init();
        if (c == NULL)
            return orc_error_set(err, ORC_ERR_NO_MEMORY, "instance metadata: curl_easy_init failed");
        struct curl_slist *h = NULL;
        if (header != NULL)
            h = curl_slist_append(h, header);
        orc_strbuf_reset(&out->b, 1);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 3000L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mem_write);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
        curl_easy_setopt(c, CURLOPT_PROXY, ""); /* never through a proxy */
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
        if (a->ca_bundle != NULL)
            curl_easy_setopt(c, CURLOPT_CAINFO, a->ca_bundle);
        CURLcode rc = curl_easy_perform(c);
        long code = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        curl_easy_cleanup(c);
        curl_slist_free_all(h);
        if (a->verbose)
            fprintf(stderr, "s3: instance metadata %s %s -> %ld%s%s\n", method, url, code,
                    rc != CURLE_OK ? " " : "", rc != CURLE_OK ? curl_easy_strerror(rc) : "");
        if (rc == CURLE_OK && code == 200)
            return ORC_OK;
        if (rc != CURLE_OK)
            st = orc_error_set(err, ORC_ERR_NETWORK, "instance metadata %s: %s", url, curl_easy_strerror(rc));
        else
            st = orc_error_set(err, ORC_ERR_REMOTE, "instance metadata %s: HTTP %ld", url, code);
        if (rc == CURLE_OK && code >= 400 && code < 500)
            break; /* 401/403/404: asking again will not help */
    }
    return st;
}

/* the string value of "name" in a flat JSON object (malloc'd) or NULL; handles \" \\ \/ */
static char *json_field(const char *json, const char *name)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", name);
    const char *p = strstr(json, pat);
    if (p == NULL)
        return NULL;
    p += strlen(pat);
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (*p != ':')
        return NULL;
    p++;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (*p != '"')
        return NULL;
    p++;
    orc_strbuf b = {0};
    for (; *p != '\0' && *p != '"'; p++) {
        if (*p == '\\' && p[1] != '\0')
            p++;
        orc_strbuf_putc(&b, *p);
    }
    if (*p != '"') {
        orc_strbuf_reset(&b, 1);
        orc_strbuf_free(&b);
        return NULL;
    }
    return orc_strbuf_take(&b);
}

static time_t parse_iso8601(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (end == NULL)
        return 0;
    return timegm(&tm);
}

/* fetch role credentials from IMDSv2 into a (caller holds the mutex) */
static orc_status imds_fetch(orc_s3_auth *a, orc_error *err)
{
    membuf token = {{0}, 4096}, role = {{0}, 4096}, creds = {{0}, 65536};
    char *hdr = NULL, *ak = NULL, *sk = NULL, *tok = NULL, *exp = NULL, *code = NULL;
    orc_status st = imds_call(a, "PUT", "/latest/api/token",
                              "X-aws-ec2-metadata-token-ttl-seconds: 21600", &token, err);
    if (st == ORC_OK && (token.b.data == NULL || token.b.len == 0))
        st = orc_error_set(err, ORC_ERR_REMOTE, "instance metadata: empty session token");
    if (st == ORC_OK && asprintf(&hdr, "X-aws-ec2-metadata-token: %s", trim(token.b.data)) < 0) {
        hdr = NULL;
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "instance metadata: out of memory");
    }
    if (st == ORC_OK)
        st = imds_call(a, "GET", "/latest/meta-data/iam/security-credentials/", hdr, &role, err);
    char rolename[256] = "";
    if (st == ORC_OK) {
        const char *r = role.b.data ? role.b.data : "";
        size_t n = strcspn(r, "\r\n");
        if (n == 0 || n >= sizeof rolename || strchr(r, '/') != NULL)
            st = orc_error_set(err, ORC_ERR_REMOTE, "instance metadata: no IAM role attached to this instance");
        else
            snprintf(rolename, sizeof rolename, "%.*s", (int)n, r);
    }
    if (st == ORC_OK) {
        char path[512];
        snprintf(path, sizeof path, "/latest/meta-data/iam/security-credentials/%s", rolename);
        st = imds_call(a, "GET", path, hdr, &creds, err);
    }
    if (st == ORC_OK) {
        const char *j = creds.b.data ? creds.b.data : "";
        code = json_field(j, "Code");
        ak = json_field(j, "AccessKeyId");
        sk = json_field(j, "SecretAccessKey");
        tok = json_field(j, "Token");
        exp = json_field(j, "Expiration");
        if (code != NULL && strcmp(code, "Success") != 0)
            st = orc_error_set(err, ORC_ERR_REMOTE, "instance metadata: role %s: Code %s", rolename, code);
        else if (ak == NULL || sk == NULL || ak[0] == '\0' || sk[0] == '\0')
            st = orc_error_set(err, ORC_ERR_FORMAT, "instance metadata: role %s: no AccessKeyId/SecretAccessKey in the answer", rolename);
        else if (exp != NULL && parse_iso8601(exp) == 0)
            st = orc_error_set(err, ORC_ERR_FORMAT, "instance metadata: role %s: bad Expiration '%.40s'", rolename, exp);
    }
    if (st == ORC_OK) {
        wipe_free(a->ak);
        wipe_free(a->sk);
        wipe_free(a->token);
        a->ak = ak;
        a->sk = sk;
        a->token = tok != NULL && tok[0] != '\0' ? tok : NULL;
        if (a->token == NULL)
            wipe_free(tok);
        a->expires = exp ? parse_iso8601(exp) : 0;
        a->source = SRC_IMDS;
        snprintf(a->source_desc, sizeof a->source_desc, "instance metadata (IMDSv2, role %.80s)", rolename);
        ak = sk = tok = NULL;
        if (a->verbose)
            fprintf(stderr, "s3: credentials from %s, access key %s, expire %s\n", a->source_desc,
                    a->ak, exp ? exp : "never");
    }
    wipe_free(ak);
    wipe_free(sk);
    wipe_free(tok);
    wipe_free(hdr);
    free(exp);
    free(code);
    orc_strbuf_reset(&token.b, 1);
    orc_strbuf_reset(&creds.b, 1);
    orc_strbuf_free(&token.b);
    orc_strbuf_free(&role.b);
    orc_strbuf_free(&creds.b);
    return st;
}

/* ---- the chain ----------------------------------------------------------------------------- */
static int from_files(orc_s3_auth *a, const char *profile)
{
    char *paths[2] = {home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
                      home_file("AWS_CONFIG_FILE", ".aws/config")};
    static const char *names[2] = {"shared credentials file", "config file"};
    int ok = 0;
    for (int i = 0; i < 2 && !ok; i++) {
        if (paths[i] == NULL)
            continue;
        char *ak = ini_value(paths[i], profile, i == 1, "aws_access_key_id");
        char *sk = ini_value(paths[i], profile, i == 1, "aws_secret_access_key");
        if (ak != NULL && sk != NULL && ak[0] != '\0' && sk[0] != '\0') {
            a->ak = ak;
            a->sk = sk;
            a->token = ini_value(paths[i], profile, i == 1, "aws_session_token");
            a->source = SRC_FILE;
            snprintf(a->source_desc, sizeof a->source_desc, "%s %s (profile %s)", names[i], paths[i], profile);
            ok = 1;
        } else {
            wipe_free(ak);
            wipe_free(sk);
        }
    }
    free(paths[0]);
    free(paths[1]);
    return ok;
}

orc_status orc_s3_auth_open(const char *profile, const char *ca_bundle, int verbose,
                            orc_s3_auth **out, orc_error *err)
{
    orc_s3_auth *a = calloc(1, sizeof *a);
    if (a == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "credentials: out of memory");
    pthread_mutex_init(&a->mu, NULL);
    a->verbose = verbose;
    a->ca_bundle = dup_or_null(ca_bundle);
    const char *ep = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    snprintf(a->imds, sizeof a->imds, "%s", ep && ep[0] ? ep : IMDS_DEFAULT);
    size_t n = strlen(a->imds);
    while (n > 0 && a->imds[n - 1] == '/')
        a->imds[--n] = '\0';
    const char *pname = orc_s3_profile_name(profile);
    orc_status st = ORC_OK;
    if (env_set("AWS_ACCESS_KEY_ID") && env_set("AWS_SECRET_ACCESS_KEY")) {
        a->ak = strdup(getenv("AWS_ACCESS_KEY_ID"));
        a->sk = strdup(getenv("AWS_SECRET_ACCESS_KEY"));
        a->token = env_set("AWS_SESSION_TOKEN") ? strdup(getenv("AWS_SESSION_TOKEN")) : NULL;
        a->source = SRC_ENV;
        snprintf(a->source_desc, sizeof a->source_desc, "environment (AWS_ACCESS_KEY_ID)");
    } else if (from_files(a, pname)) {
        /* done */
    } else {
        const char *dis = getenv("AWS_EC2_METADATA_DISABLED");
        if (dis != NULL && strcasecmp(dis, "true") == 0) {
            st = orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                               "no AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set, "
                               "profile '%s' has none in the shared files, and instance metadata is "
                               "disabled (AWS_EC2_METADATA_DISABLED)", pname);
        } else {
            orc_error ierr = {0};
            st = imds_fetch(a, &ierr);
            if (st != ORC_OK)
                st = orc_error_set(err, st,
                                   "no AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set, "
                                   "profile '%s' has none in the shared files, and instance metadata "
                                   "failed: %s", pname, ierr.msg);
        }
    }
    if (st == ORC_OK && (a->ak == NULL || a->sk == NULL))
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "credentials: out of memory");
    if (st != ORC_OK) {
        orc_s3_auth_close(a);
        return st;
    }
    if (verbose && a->source != SRC_IMDS)
        fprintf(stderr, "s3: credentials from %s, access key %s\n", a->source_desc, a->ak);
    *out = a;
    return ORC_OK;
}

orc_status orc_s3_auth_get(orc_s3_auth *a, orc_s3_secret *secret, orc_s3_credentials_info *info,
                           orc_error *err)
{
    orc_status st = ORC_OK;
    pthread_mutex_lock(&a->mu);
    time_t now = time(NULL);
    if (a->source == SRC_IMDS && a->expires != 0 && now + REFRESH_MARGIN_S >= a->expires) {
        orc_error rerr = {0};
        orc_status rs = imds_fetch(a, &rerr);
        if (rs != ORC_OK) {
            if (now >= a->expires)
                st = orc_error_set(err, rs, "credentials expired and refreshing them failed: %s", rerr.msg);
            else if (a->verbose)
                fprintf(stderr, "s3: refreshing credentials failed (still valid %ld s): %s\n",
                        (long)(a->expires - now), rerr.msg);
        }
    }
    if (st == ORC_OK && secret != NULL) {
        secret->access_key_id = strdup(a->ak);
        secret->secret_access_key = strdup(a->sk);
        secret->session_token = a->token ? strdup(a->token) : NULL;
        if (secret->access_key_id == NULL || secret->secret_access_key == NULL ||
            (a->token != NULL && secret->session_token == NULL)) {
            orc_s3_secret_wipe(secret);
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "credentials: out of memory");
        }
    }
    if (st == ORC_OK && info != NULL) {
        snprintf(info->access_key_id, sizeof info->access_key_id, "%s", a->ak);
        snprintf(info->source, sizeof info->source, "%s", a->source_desc);
        info->has_session_token = a->token != NULL;
        info->expires = (int64_t)a->expires;
    }
    pthread_mutex_unlock(&a->mu);
    return st;
}

void orc_s3_auth_close(orc_s3_auth *a)
{
    if (a == NULL)
        return;
    wipe_free(a->ak);
    wipe_free(a->sk);
    wipe_free(a->token);
    free(a->ca_bundle);
    pthread_mutex_destroy(&a->mu);
    free(a);
}
