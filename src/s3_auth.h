/* s3_auth.h -- (internal to the S3 client) the AWS credentials chain and profile settings:
 * environment, shared credentials/config files, EC2 instance metadata (IMDSv2) with refresh.
 * The order and the variables are described in s3.h. Thread-safe: one mutex per chain. */
#ifndef ORC_S3_AUTH_H
#define ORC_S3_AUTH_H

#include "s3.h"

typedef struct orc_s3_auth orc_s3_auth;

/* Secrets handed to one request; wipe with orc_s3_secret_wipe. */
typedef struct orc_s3_secret {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL when none */
} orc_s3_secret;

orc_status orc_s3_auth_open(const char *profile, const char *ca_bundle, int verbose,
                            orc_s3_auth **out, orc_error *err);
void orc_s3_auth_close(orc_s3_auth *a);
/* Current credentials (refreshed when they expire within 5 minutes); info may be NULL. */
orc_status orc_s3_auth_get(orc_s3_auth *a, orc_s3_secret *secret, orc_s3_credentials_info *info,
                           orc_error *err);
void orc_s3_secret_wipe(orc_s3_secret *s);

/* The profile name in use: opt, AWS_PROFILE, else "default" (static or opt). */
const char *orc_s3_profile_name(const char *opt);
/* A setting of the profile from the config file (AWS_CONFIG_FILE or ~/.aws/config), malloc'd,
 * or NULL. */
char *orc_s3_profile_setting(const char *profile, const char *key);

#endif
