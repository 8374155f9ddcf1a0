/* s3.h -- an S3 client of our own: SigV4 (sigv4.h) over libcurl + OpenSSL.
 *
 * Operations: PutObject (multipart above a threshold: parts of part_size bytes, default 16 MiB,
 * uploaded by upload_threads threads, aborted on failure so nothing is left behind), GetObject
 * (streamed to a callback, optional byte range, resumed with Range + If-Match after a broken
 * connection), HeadObject, ListObjectsV2 (prefix, continuation tokens), DeleteObject,
 * ListMultipartUploads (count only; tests) and CreateBucket (tests).
 *
 * Addressing: with no endpoint, AWS at https://s3.<region>.amazonaws.com, virtual-hosted style
 * (bucket.s3.<region>.amazonaws.com) unless the bucket name has a dot (path style then). With an
 * endpoint (option, else AWS_ENDPOINT_URL): path style (http(s)://host:port/bucket/key) unless
 * addressing says virtual.
 * Region: option, AWS_REGION, AWS_DEFAULT_REGION, the profile's `region` in the config file,
 * else eu-west-1. Credentials, in the AWS CLI's order: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
 * (+AWS_SESSION_TOKEN); the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, default
 * ~/.aws/credentials) then the config file (AWS_CONFIG_FILE, default ~/.aws/config) for the
 * profile (option, AWS_PROFILE, else "default"); then EC2 instance metadata, IMDSv2 (token PUT,
 * role credentials; endpoint AWS_EC2_METADATA_SERVICE_ENDPOINT, default http://169.254.169.254;
 * AWS_EC2_METADATA_DISABLED=true skips it), refreshed 5 minutes before they expire.
 * Secrets never appear in logs (verbose), errors or results.
 *
 * Resilience: HTTP 500/502/503/504/429 (and S3 codes SlowDown, InternalError, RequestTimeout),
 * connection failures, resets and stalls (no byte for timeout_s seconds) are retried up to
 * max_attempts times with exponential backoff and full jitter. Everything else (403, 404,
 * signature mismatch, wrong region: with the region S3 names) fails at once with the S3 error
 * code and message. TLS is always verified (ca_bundle adds a CA file; no switch turns it off).
 *
 * Threads: one orc_s3 may be used from any number of threads at once. It keeps a pool of curl
 * easy handles (one handle per request in flight, reused afterwards); credentials are shared
 * under a mutex. Callbacks run on the calling thread.
 */
#ifndef ORC_S3_H
#define ORC_S3_H

#include "orchard.h"

#include <stdint.h>

#define ORC_S3_DEFAULT_REGION "eu-west-1"
#define ORC_S3_DEFAULT_PART_SIZE (16u << 20)
#define ORC_S3_MIN_PART_SIZE (5u << 20) /* S3's minimum for every part but the last */

typedef enum orc_s3_addressing {
    ORC_S3_ADDRESSING_AUTO = 0, /* virtual-hosted on AWS, path style on custom endpoints */
    ORC_S3_ADDRESSING_PATH,
    ORC_S3_ADDRESSING_VIRTUAL
} orc_s3_addressing;

typedef struct orc_s3_options {
    const char *region;         /* NULL: see above */
    const char *endpoint_url;   /* NULL: AWS_ENDPOINT_URL, else AWS */
    const char *profile;        /* NULL: AWS_PROFILE, else "default" */
    const char *ca_bundle;      /* extra CAs (PEM); NULL: AWS_CA_BUNDLE, else the system's */
    orc_s3_addressing addressing;
    size_t part_size;           /* 0: 16 MiB; at least 5 MiB unless allow_small_parts */
    size_t multipart_threshold; /* objects larger than this use multipart; 0: part_size */
    int upload_threads;         /* parallel part uploads; 0: 4 */
    int max_attempts;           /* per request; 0: 6 */
    int retry_base_ms;          /* backoff base; 0: 200 ms (cap 10 s) */
    int timeout_s;              /* a transfer with no progress for this long fails; 0: 30 */
    int connect_timeout_s;      /* 0: 10 */
    int allow_small_parts;      /* tests only: allow parts under 5 MiB (servers may refuse) */
    int verbose;                /* log each request (method, URL, status, time) to stderr */
} orc_s3_options;

typedef struct orc_s3 orc_s3;

typedef struct orc_s3_object {
    const char *key;
    uint64_t size;
    const char *etag;          /* with its quotes, as S3 sends it */
    const char *last_modified; /* ISO 8601 (list) or HTTP date (head) */
} orc_s3_object;

/* Resolve region, endpoint and credentials; fails if no credentials are found. */
orc_status orc_s3_open(const orc_s3_options *opt, orc_s3 **out, orc_error *err);
void orc_s3_close(orc_s3 *s3);

/* The region in use and where it came from ("--region", "AWS_REGION", "profile default",
 * "default"); the endpoint in use. Valid until orc_s3_close. */
const char *orc_s3_region(const orc_s3 *s3);
const char *orc_s3_region_source(const orc_s3 *s3);
const char *orc_s3_endpoint(const orc_s3 *s3);

typedef struct orc_s3_credentials_info {
    char access_key_id[128];
    char source[160];      /* "environment", "shared credentials file (profile p)", ... */
    int has_session_token;
    int64_t expires;       /* UTC seconds; 0 when they do not expire */
} orc_s3_credentials_info;

/* The current credentials' public part, refreshing them first when they expire within
 * 5 minutes (the same step every request takes). Never returns the secret. */
orc_status orc_s3_credentials(orc_s3 *s3, orc_s3_credentials_info *out, orc_error *err);

/* "s3://bucket/key..." -> malloc'd bucket and key (key may be ""). */
orc_status orc_s3_parse_url(const char *url, char **bucket, char **key, orc_error *err);

/* Receives object bytes in order; return nonzero to stop (the call then fails). */
typedef int (*orc_s3_write_fn)(void *ctx, const void *data, size_t len);

/* GetObject streamed to fn. length 0 = to the end. */
orc_status orc_s3_get(orc_s3 *s3, const char *bucket, const char *key, uint64_t offset,
                      uint64_t length, orc_s3_write_fn fn, void *ctx, orc_error *err);
/* GetObject into a malloc'd buffer (*data, *len; free() it). */
orc_status orc_s3_get_buffer(orc_s3 *s3, const char *bucket, const char *key, void **data,
                             size_t *len, orc_error *err);
/* GetObject into a local file (written to PATH.part, then renamed). */
orc_status orc_s3_get_file(orc_s3 *s3, const char *bucket, const char *key, const char *path,
                           orc_error *err);
/* HeadObject; info's strings stay valid until the next call on this thread. */
orc_status orc_s3_head(orc_s3 *s3, const char *bucket, const char *key, orc_s3_object *info,
                       orc_error *err);
/* PutObject from memory / a file; multipart above multipart_threshold. */
orc_status orc_s3_put_buffer(orc_s3 *s3, const char *bucket, const char *key, const void *data,
                             size_t len, orc_error *err);
orc_status orc_s3_put_file(orc_s3 *s3, const char *bucket, const char *key, const char *path,
                           orc_error *err);

/* ListObjectsV2 of every key starting with prefix (all pages); fn returns nonzero to stop. */
typedef int (*orc_s3_list_fn)(void *ctx, const orc_s3_object *obj);
orc_status orc_s3_list(orc_s3 *s3, const char *bucket, const char *prefix, orc_s3_list_fn fn,
                       void *ctx, orc_error *err);

orc_status orc_s3_delete(orc_s3 *s3, const char *bucket, const char *key, orc_error *err);
/* Number of multipart uploads in progress under prefix (first page, up to 1000). */
orc_status orc_s3_count_uploads(orc_s3 *s3, const char *bucket, const char *prefix,
                                size_t *count, orc_error *err);
/* CreateBucket in the client's region (tests); success if the caller already owns it. */
orc_status orc_s3_create_bucket(orc_s3 *s3, const char *bucket, orc_error *err);

#endif
