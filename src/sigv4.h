/* sigv4.h -- AWS Signature Version 4 (AWS4-HMAC-SHA256), a pure signer: no I/O, no clock,
 * no globals. OpenSSL (EVP) does SHA-256 and HMAC; every return value is checked and the
 * derived keys are wiped with OPENSSL_cleanse after use.
 *
 * Input: a request description (method, unencoded path, unencoded query parameters, headers,
 * payload hash, time, region, service, credentials). Output: the canonical request, the string
 * to sign, the signature, and either the headers to add (x-amz-date, x-amz-content-sha256 when
 * asked, x-amz-security-token, Authorization) or the presigned query string.
 *
 * Encoding (as S3 wants it): the path is given decoded ("/bucket/my key+=.txt") and encoded
 * ONCE (RFC 3986 unreserved characters kept, '/' kept, everything else %XX, uppercase hex);
 * query names and values are given decoded and encoded the same way ('/' too); parameters are
 * sorted by encoded name, then encoded value. No path normalization unless normalize_path is
 * set (generic AWS services only; never for S3).
 *
 * Thread safety: all functions are reentrant. Secrets never appear in the results except in the
 * signature (one-way) and never in error messages.
 */
#ifndef ORC_SIGV4_H
#define ORC_SIGV4_H

#include "orchard.h"

#include <time.h>

#define ORC_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define ORC_SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

typedef struct orc_sigv4_pair {
    const char *name;
    const char *value; /* may be "" (a value-less query parameter signs as "name=") */
} orc_sigv4_pair;

typedef struct orc_sigv4_credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL or "" when none */
} orc_sigv4_credentials;

typedef struct orc_sigv4_request {
    const char *method;                /* "GET", "PUT", ... */
    const char *path;                  /* decoded, starts with '/' */
    const orc_sigv4_pair *query;       /* decoded query parameters (any order) */
    size_t n_query;
    const orc_sigv4_pair *headers;     /* must contain Host; names in any case; a name given
                                          twice is signed as "v1,v2" in the given order */
    size_t n_headers;
    const char *payload_hash;          /* lowercase hex SHA-256 of the body, or
                                          UNSIGNED-PAYLOAD / STREAMING-...; NULL = empty body */
    int add_content_sha256;            /* header mode: add and sign x-amz-content-sha256 */
    int normalize_path;                /* remove "." / ".." segments and empty ones (not S3) */
    int unsigned_session_token;        /* 1: add x-amz-security-token but leave it out of the
                                          signature (some services); 0 for S3 */
    const char *region;
    const char *service;               /* "s3" */
    time_t time;                       /* the request time (UTC seconds) */
} orc_sigv4_request;

typedef struct orc_sigv4_result {
    char amz_date[17];          /* 20150830T123600Z */
    char signature[65];         /* lowercase hex */
    char *canonical_request;    /* malloc'd; for tests and -v (contains no secret) */
    char *string_to_sign;       /* malloc'd */
    char *authorization;        /* header mode: the Authorization value (malloc'd) */
    char *presigned_query;      /* presign mode: the full encoded query string incl. the
                                   signature, without the leading '?' (malloc'd) */
    orc_sigv4_pair add_headers[3]; /* header mode: x-amz-date, [x-amz-content-sha256],
                                      [x-amz-security-token]; values point into this struct
                                      or the request */
    size_t n_add_headers;
    char content_sha256[80];
} orc_sigv4_result;

/* Header mode: sign req; on success fill *out (free with orc_sigv4_result_free). Headers the
 * request already has (x-amz-date, x-amz-content-sha256) are signed as given, not added twice. */
orc_status orc_sigv4_sign(const orc_sigv4_request *req, const orc_sigv4_credentials *cred,
                          orc_sigv4_result *out, orc_error *err);

/* Query mode (presigned URL): X-Amz-Algorithm, -Credential, -Date, -Expires, [-Security-Token],
 * -SignedHeaders are added to the query and signed (an unsigned_session_token is appended after
 * signing); x-amz-date is not a signed header. The
 * payload hash is req->payload_hash (UNSIGNED-PAYLOAD for S3 presigned URLs). */
orc_status orc_sigv4_presign(const orc_sigv4_request *req, const orc_sigv4_credentials *cred,
                             long expires_s, orc_sigv4_result *out, orc_error *err);

/* aws-chunked streaming: the signature of one chunk given the previous signature (the seed
 * signature for the first chunk). out_sig: 65 bytes. */
orc_status orc_sigv4_chunk_signature(const orc_sigv4_credentials *cred, const char *region,
                                     const char *service, time_t t, const char *prev_signature,
                                     const void *chunk, size_t len, char out_sig[65],
                                     orc_error *err);

void orc_sigv4_result_free(orc_sigv4_result *r);

/* Lowercase hex SHA-256 of data (out: 65 bytes). */
orc_status orc_sigv4_sha256_hex(const void *data, size_t len, char out[65], orc_error *err);

/* Percent-encode s (len bytes) per SigV4: unreserved kept, '/' kept when keep_slash.
 * Returns a malloc'd string or NULL when out of memory. */
char *orc_sigv4_uri_encode(const char *s, size_t len, int keep_slash);

/* Format t as 20150830T123600Z (out: 17 bytes). */
void orc_sigv4_amz_date(time_t t, char out[17]);

#endif
