/* sigv4.c -- AWS Signature Version 4 signer (see sigv4.h): canonical request, string to sign,
 * HMAC-SHA256 key derivation, header and presigned (query) variants, aws-chunked signatures.
 * Pure: no I/O and no clock; OpenSSL return values checked; derived keys wiped after use. */
#include "sigv4.h"

#include "strbuf.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ALGORITHM "AWS4-HMAC-SHA256"

static const char hexdigits[] = "0123456789abcdef";

static void to_hex(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexdigits[in[i] >> 4];
        out[2 * i + 1] = hexdigits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

orc_status orc_sigv4_sha256_hex(const void *data, size_t len, char out[65], orc_error *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return orc_error_set(err, ORC_ERR_INTERNAL, "sigv4: OpenSSL SHA-256 failed");
    to_hex(md, 32, out);
    return ORC_OK;
}

/* out = HMAC-SHA256(key, data); returns 0 on failure */
static int hmac256(const unsigned char *key, size_t keylen, const void *data, size_t len,
                   unsigned char out[32])
{
    unsigned int outlen = 0;
    if (HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &outlen) == NULL || outlen != 32)
        return 0;
    return 1;
}

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static void encode_into(orc_strbuf *b, const char *s, size_t len, int keep_slash)
{
    static const char up[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            orc_strbuf_putc(b, (char)c);
        } else {
            char e[3] = {'%', up[c >> 4], up[c & 15]};
            orc_strbuf_append(b, e, 3);
        }
    }
}

char *orc_sigv4_uri_encode(const char *s, size_t len, int keep_slash)
{
    orc_strbuf b = {0};
    encode_into(&b, s, len, keep_slash);
    return orc_strbuf_take(&b);
}

void orc_sigv4_amz_date(time_t t, char out[17])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* RFC 3986 dot-segment removal plus empty-segment removal, as the generic suites expect */
static void normalized_path(orc_strbuf *out, const char *path)
{
    size_t n = strlen(path);
    const char **seg = calloc(n + 1, sizeof *seg);
    size_t *seglen = calloc(n + 1, sizeof *seglen);
    size_t depth = 0;
    if (seg == NULL || seglen == NULL) {
        out->failed = 1;
        free(seg);
        free(seglen);
        return;
    }
    const char *p = path;
    while (*p != '\0') {
        while (*p == '/')
            p++;
        const char *start = p;
        while (*p != '\0' && *p != '/')
            p++;
        size_t l = (size_t)(p - start);
        if (l == 0 || (l == 1 && start[0] == '.'))
            continue;
        if (l == 2 && start[0] == '.' && start[1] == '.') {
            if (depth > 0)
                depth--;
            continue;
        }
        seg[depth] = start;
        seglen[depth] = l;
        depth++;
    }
    orc_strbuf_putc(out, '/');
    for (size_t i = 0; i < depth; i++) {
        encode_into(out, seg[i], seglen[i], 0);
        if (i + 1 < depth)
            orc_strbuf_putc(out, '/');
    }
    if (depth > 0 && n > 0 && path[n - 1] == '/')
        orc_strbuf_putc(out, '/');
    free(seg);
    free(seglen);
}

typedef struct enc_pair {
    char *name;
    char *value;
} enc_pair;

static int cmp_enc_pair(const void *a, const void *b)
{
    const enc_pair *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : strcmp(x->value, y->value);
}

typedef struct hdr {
    char *name;  /* lowercase */
    char *value; /* trimmed, inner whitespace runs collapsed; duplicates joined by ',' */
    size_t order;
} hdr;

static int cmp_hdr(const void *a, const void *b)
{
    const hdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c != 0)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static char *lower_dup(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d == NULL)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        d[i] = (char)tolower((unsigned char)s[i]);
    return d;
}

static char *trim_collapse(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d == NULL)
        return NULL;
    size_t o = 0;
    int space = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = 1;
            continue;
        }
        if (space && o > 0)
            d[o++] = ' ';
        space = 0;
        d[o++] = (char)c;
    }
    d[o] = '\0';
    return d;
}

typedef struct signer {
    hdr *h;           /* merged, sorted headers */
    size_t nh;
    enc_pair *q;      /* encoded, sorted query parameters */
    size_t nq;
    orc_strbuf signed_headers;
    orc_strbuf creq;
    orc_strbuf sts;
    char scope[128];
} signer;

static void signer_free(signer *s)
{
    for (size_t i = 0; i < s->nh; i++) {
        free(s->h[i].name);
        free(s->h[i].value);
    }
    free(s->h);
    for (size_t i = 0; i < s->nq; i++) {
        free(s->q[i].name);
        free(s->q[i].value);
    }
    free(s->q);
    orc_strbuf_free(&s->signed_headers);
    orc_strbuf_free(&s->creq);
    orc_strbuf_free(&s->sts);
}

static int has_header(const orc_sigv4_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return 1;
    return 0;
}

/* collect headers (request + extra), lowercase, merge duplicates, sort */
static orc_status build_headers(signer *s, const orc_sigv4_request *req,
                                const orc_sigv4_pair *extra, size_t n_extra, orc_error *err)
{
    size_t total = req->n_headers + n_extra;
    hdr *all = calloc(total ? total : 1, sizeof *all);
    if (all == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "sigv4: out of memory");
    size_t k = 0;
    orc_status st = ORC_OK;
    for (size_t i = 0; i < total; i++) {
        const orc_sigv4_pair *p = i < req->n_headers ? &req->headers[i] : &extra[i - req->n_headers];
        if (p->name == NULL || p->name[0] == '\0' || p->value == NULL) {
            st = orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "sigv4: header %zu has no name or value", i);
            break;
        }
        all[k].name = lower_dup(p->name);
        all[k].value = trim_collapse(p->value);
        all[k].order = i;
        k++;
        if (all[k - 1].name == NULL || all[k - 1].value == NULL) {
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "sigv4: out of memory");
            break;
        }
    }
    if (st == ORC_OK)
        qsort(all, k, sizeof *all, cmp_hdr);
    /* merge runs of equal names into the first: "v1,v2" */
    size_t out = 0;
    for (size_t i = 0; i < k; i++) {
        if (st == ORC_OK && out > 0 && strcmp(all[out - 1].name, all[i].name) == 0) {
            orc_strbuf b = {0};
            orc_strbuf_puts(&b, all[out - 1].value);
            orc_strbuf_putc(&b, ',');
            orc_strbuf_puts(&b, all[i].value);
            char *v = orc_strbuf_take(&b);
            if (v == NULL) {
                st = orc_error_set(err, ORC_ERR_NO_MEMORY, "sigv4: out of memory");
            } else {
                free(all[out - 1].value);
                all[out - 1].value = v;
            }
            free(all[i].name);
            free(all[i].value);
            continue;
        }
        all[out++] = all[i];
    }
    s->h = all;
    s->nh = out;
    if (st != ORC_OK)
        return st;
    int host = 0;
    for (size_t i = 0; i < s->nh; i++) {
        if (strcmp(s->h[i].name, "host") == 0)
            host = 1;
        if (i > 0)
            orc_strbuf_putc(&s->signed_headers, ';');
        orc_strbuf_puts(&s->signed_headers, s->h[i].name);
    }
    if (!host)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "sigv4: the request has no Host header");
    return ORC_OK;
}

static orc_status build_query(signer *s, const orc_sigv4_request *req, const orc_sigv4_pair *extra,
                              size_t n_extra, orc_error *err)
{
    size_t total = req->n_query + n_extra;
    s->q = calloc(total ? total : 1, sizeof *s->q);
    if (s->q == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "sigv4: out of memory");
    for (size_t i = 0; i < total; i++) {
        const orc_sigv4_pair *p = i < req->n_query ? &req->query[i] : &extra[i - req->n_query];
        if (p->name == NULL)
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "sigv4: query parameter %zu has no name", i);
        const char *v = p->value ? p->value : "";
        s->q[i].name = orc_sigv4_uri_encode(p->name, strlen(p->name), 0);
        s->q[i].value = orc_sigv4_uri_encode(v, strlen(v), 0);
        s->nq = i + 1;
        if (s->q[i].name == NULL || s->q[i].value == NULL)
            return orc_error_set(err, ORC_ERR_NO_MEMORY, "sigv4: out of memory");
    }
    qsort(s->q, s->nq, sizeof *s->q, cmp_enc_pair);
    return ORC_OK;
}

static void put_query(orc_strbuf *b, const signer *s)
{
    for (size_t i = 0; i < s->nq; i++) {
        if (i > 0)
            orc_strbuf_putc(b, '&');
        orc_strbuf_puts(b, s->q[i].name);
        orc_strbuf_putc(b, '=');
        orc_strbuf_puts(b, s->q[i].value);
    }
}

static orc_status check_request(const orc_sigv4_request *req, const orc_sigv4_credentials *cred,
                                orc_error *err)
{
    if (req == NULL || cred == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "sigv4: no request or credentials");
    if (req->method == NULL || req->method[0] == '\0')
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "sigv4: no method");
    if (req->path == NULL || req->path[0] != '/')
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "sigv4: the path must start with '/'");
    if (req->region == NULL || req->region[0] == '\0' || req->service == NULL || req->service[0] == '\0')
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "sigv4: no region or service");
    if (strchr(req->region, '/') != NULL || strchr(req->service, '/') != NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "sigv4: region or service contains '/'");
    if (cred->access_key_id == NULL || cred->access_key_id[0] == '\0')
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "sigv4: no access key id");
    if (cred->secret_access_key == NULL || cred->secret_access_key[0] == '\0')
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "sigv4: no secret access key");
    if (req->n_headers > 0 && req->headers == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "sigv4: headers missing");
    if (req->n_query > 0 && req->query == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "sigv4: query missing");
    if (strlen(cred->access_key_id) > 128 || strlen(req->region) + strlen(req->service) > 80)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "sigv4: access key id, region or service too long");
    return ORC_OK;
}

/* canonical request + string to sign into s; payload = the last line of the canonical request */
static orc_status build_canonical(signer *s, const orc_sigv4_request *req, const char *amz_date,
                                  const char *payload, orc_error *err)
{
    orc_strbuf *c = &s->creq;
    orc_strbuf_puts(c, req->method);
    orc_strbuf_putc(c, '\n');
    if (req->normalize_path)
        normalized_path(c, req->path);
    else
        encode_into(c, req->path, strlen(req->path), 1);
    orc_strbuf_putc(c, '\n');
    put_query(c, s);
    orc_strbuf_putc(c, '\n');
    for (size_t i = 0; i < s->nh; i++)
        orc_strbuf_printf(c, "%s:%s\n", s->h[i].name, s->h[i].value);
    orc_strbuf_putc(c, '\n');
    orc_strbuf_puts(c, s->signed_headers.data ? s->signed_headers.data : "");
    orc_strbuf_putc(c, '\n');
    orc_strbuf_puts(c, payload);
    if (orc_strbuf_failed(c))
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "sigv4: out of memory");
    char hash[65];
    orc_status st = orc_sigv4_sha256_hex(c->data, c->len, hash, err);
    if (st != ORC_OK)
        return st;
    orc_strbuf_printf(&s->sts, ALGORITHM "\n%s\n%s\n%s", amz_date, s->scope, hash);
    if (orc_strbuf_failed(&s->sts))
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "sigv4: out of memory");
    return ORC_OK;
}

/* the signing key: HMAC chain from "AWS4" + secret; wiped by the caller */
static orc_status signing_key(const orc_sigv4_credentials *cred, const char *date8,
                              const char *region, const char *service, unsigned char key[32],
                              orc_error *err)
{
    size_t sl = strlen(cred->secret_access_key);
    unsigned char *k0 = malloc(sl + 4);
    unsigned char a[32], b[32];
    orc_status st = ORC_OK;
    if (k0 == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "sigv4: out of memory");
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, cred->secret_access_key, sl);
    if (!hmac256(k0, sl + 4, date8, 8, a) || !hmac256(a, 32, region, strlen(region), b) ||
        !hmac256(b, 32, service, strlen(service), a) || !hmac256(a, 32, "aws4_request", 12, key))
        st = orc_error_set(err, ORC_ERR_INTERNAL, "sigv4: OpenSSL HMAC-SHA256 failed");
    OPENSSL_cleanse(k0, sl + 4);
    OPENSSL_cleanse(a, sizeof a);
    OPENSSL_cleanse(b, sizeof b);
    free(k0);
    return st;
}

static orc_status sign_string(const orc_sigv4_credentials *cred, const char *date8,
                              const char *region, const char *service, const char *sts,
                              size_t sts_len, char out[65], orc_error *err)
{
    unsigned char key[32], sig[32];
    orc_status st = signing_key(cred, date8, region, service, key, err);
    if (st == ORC_OK) {
        if (!hmac256(key, 32, sts, sts_len, sig))
            st = orc_error_set(err, ORC_ERR_INTERNAL, "sigv4: OpenSSL HMAC-SHA256 failed");
        else
            to_hex(sig, 32, out);
    }
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(sig, sizeof sig);
    return st;
}

static void set_scope(signer *s, const char *amz_date, const orc_sigv4_request *req)
{
    snprintf(s->scope, sizeof s->scope, "%.8s/%s/%s/aws4_request", amz_date, req->region,
             req->service);
}

/* query (with the extra pairs), canonical request, string to sign and signature into s and r */
static orc_status canonical_and_sign(signer *s, const orc_sigv4_request *req,
                                     const orc_sigv4_credentials *cred,
                                     const orc_sigv4_pair *extra, size_t n_extra,
                                     const char *payload, orc_sigv4_result *r, orc_error *err)
{
    orc_status st = build_query(s, req, extra, n_extra, err);
    if (st == ORC_OK)
        st = build_canonical(s, req, r->amz_date, payload, err);
    if (st == ORC_OK)
        st = sign_string(cred, r->amz_date, req->region, req->service, s->sts.data, s->sts.len,
                         r->signature, err);
    return st;
}

/* the built buffer b as the string *dst (b is left empty) */
static orc_status take_string(orc_strbuf *b, char **dst, orc_error *err)
{
    *dst = orc_strbuf_take(b);
    return *dst != NULL ? ORC_OK : orc_error_set(err, ORC_ERR_NO_MEMORY, "sigv4: out of memory");
}

/* the shared tail of both signers: on success move the canonical request and the string to sign
 * into r; free the signer; on any failure free r as well */
static orc_status conclude(signer *s, orc_sigv4_result *r, orc_status st, orc_error *err)
{
    if (st == ORC_OK)
        st = take_string(&s->creq, &r->canonical_request, err);
    if (st == ORC_OK)
        st = take_string(&s->sts, &r->string_to_sign, err);
    signer_free(s);
    if (st != ORC_OK)
        orc_sigv4_result_free(r);
    return st;
}

orc_status orc_sigv4_sign(const orc_sigv4_request *req, const orc_sigv4_credentials *cred,
                          orc_sigv4_result *out, orc_error *err)
{
    orc_status st = check_request(req, cred, err);
    if (st != ORC_OK)
        return st;
    orc_sigv4_result r;
    memset(&r, 0, sizeof r);
    signer s;
    memset(&s, 0, sizeof s);
    const char *payload = req->payload_hash ? req->payload_hash : ORC_SIGV4_EMPTY_SHA256;
    snprintf(r.content_sha256, sizeof r.content_sha256, "%s", payload);

    /* the date: the request's own x-amz-date if it has one, else req->time */
    const char *given_date = NULL;
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcasecmp(req->headers[i].name, "x-amz-date") == 0)
            given_date = req->headers[i].value;
    if (given_date != NULL) {
        if (strlen(given_date) != 16)
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "sigv4: x-amz-date '%s' is not YYYYMMDDTHHMMSSZ", given_date);
        memcpy(r.amz_date, given_date, 17);
    } else {
        orc_sigv4_amz_date(req->time, r.amz_date);
        r.add_headers[r.n_add_headers++] = (orc_sigv4_pair){"x-amz-date", r.amz_date};
    }
    if (req->add_content_sha256 && !has_header(req, "x-amz-content-sha256"))
        r.add_headers[r.n_add_headers++] = (orc_sigv4_pair){"x-amz-content-sha256", r.content_sha256};
    int token = cred->session_token != NULL && cred->session_token[0] != '\0';
    if (token && !has_header(req, "x-amz-security-token"))
        r.add_headers[r.n_add_headers++] = (orc_sigv4_pair){"x-amz-security-token", cred->session_token};
    /* an unsigned token header goes on the request but not into the signature */
    size_t n_signed_extra = r.n_add_headers - (token && req->unsigned_session_token &&
                                               !has_header(req, "x-amz-security-token"));
    set_scope(&s, r.amz_date, req);
    st = build_headers(&s, req, r.add_headers, n_signed_extra, err);
    if (st == ORC_OK)
        st = canonical_and_sign(&s, req, cred, NULL, 0, payload, &r, err);
    if (st == ORC_OK) {
        orc_strbuf a = {0};
        orc_strbuf_printf(&a, ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                          cred->access_key_id, s.scope, s.signed_headers.data, r.signature);
        st = take_string(&a, &r.authorization, err);
    }
    st = conclude(&s, &r, st, err);
    if (st != ORC_OK)
        return st;
    *out = r;
    /* add_headers point into r: repoint them into *out */
    for (size_t i = 0; i < out->n_add_headers; i++) {
        if (out->add_headers[i].value == r.amz_date)
            out->add_headers[i].value = out->amz_date;
        else if (out->add_headers[i].value == r.content_sha256)
            out->add_headers[i].value = out->content_sha256;
    }
    return ORC_OK;
}

orc_status orc_sigv4_presign(const orc_sigv4_request *req, const orc_sigv4_credentials *cred,
                             long expires_s, orc_sigv4_result *out, orc_error *err)
{
    orc_status st = check_request(req, cred, err);
    if (st != ORC_OK)
        return st;
    if (expires_s < 1 || expires_s > 604800)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "sigv4: expiry %ld s is outside 1..604800", expires_s);
    orc_sigv4_result r;
    memset(&r, 0, sizeof r);
    signer s;
    memset(&s, 0, sizeof s);
    const char *payload = req->payload_hash ? req->payload_hash : ORC_SIGV4_EMPTY_SHA256;
    orc_sigv4_amz_date(req->time, r.amz_date);
    set_scope(&s, r.amz_date, req);
    st = build_headers(&s, req, NULL, 0, err);
    char credential[256], expires[32];
    snprintf(credential, sizeof credential, "%s/%s", cred->access_key_id, s.scope);
    snprintf(expires, sizeof expires, "%ld", expires_s);
    int token = cred->session_token != NULL && cred->session_token[0] != '\0';
    orc_sigv4_pair extra[6] = {
        {"X-Amz-Algorithm", ALGORITHM},
        {"X-Amz-Credential", credential},
        {"X-Amz-Date", r.amz_date},
        {"X-Amz-Expires", expires},
        {"X-Amz-SignedHeaders", s.signed_headers.data ? s.signed_headers.data : ""},
        {"X-Amz-Security-Token", token ? cred->session_token : ""},
    };
    int sign_token = token && !req->unsigned_session_token;
    if (st == ORC_OK)
        st = canonical_and_sign(&s, req, cred, extra, sign_token ? 6 : 5, payload, &r, err);
    if (st == ORC_OK) {
        orc_strbuf q = {0};
        put_query(&q, &s);
        if (token && !sign_token) { /* sent, not signed */
            orc_strbuf_puts(&q, "&X-Amz-Security-Token=");
            encode_into(&q, cred->session_token, strlen(cred->session_token), 0);
        }
        orc_strbuf_printf(&q, "&X-Amz-Signature=%s", r.signature);
        st = take_string(&q, &r.presigned_query, err);
    }
    st = conclude(&s, &r, st, err);
    if (st != ORC_OK)
        return st;
    *out = r;
    return ORC_OK;
}

orc_status orc_sigv4_chunk_signature(const orc_sigv4_credentials *cred, const char *region,
                                     const char *service, time_t t, const char *prev_signature,
                                     const void *chunk, size_t len, char out_sig[65],
                                     orc_error *err)
{
    if (cred == NULL || cred->secret_access_key == NULL || region == NULL || service == NULL ||
        prev_signature == NULL || (chunk == NULL && len > 0))
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "sigv4: chunk signature: missing argument");
    char amz_date[17], hash[65];
    orc_sigv4_amz_date(t, amz_date);
    orc_status st = orc_sigv4_sha256_hex(chunk ? chunk : "", len, hash, err);
    if (st != ORC_OK)
        return st;
    orc_strbuf sts = {0};
    orc_strbuf_printf(&sts, "AWS4-HMAC-SHA256-PAYLOAD\n%s\n%.8s/%s/%s/aws4_request\n%s\n%s\n%s",
                      amz_date, amz_date, region, service, prev_signature,
                      ORC_SIGV4_EMPTY_SHA256, hash);
    if (orc_strbuf_failed(&sts))
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "sigv4: out of memory");
    else
        st = sign_string(cred, amz_date, region, service, sts.data, sts.len, out_sig, err);
    orc_strbuf_free(&sts);
    return st;
}

void orc_sigv4_result_free(orc_sigv4_result *r)
{
    if (r == NULL)
        return;
    free(r->canonical_request);
    free(r->string_to_sign);
    free(r->authorization);
    free(r->presigned_query);
    r->canonical_request = r->string_to_sign = r->authorization = r->presigned_query = NULL;
    r->n_add_headers = 0;
}
