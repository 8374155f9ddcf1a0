/* orchard.h -- the one public header of the Orchard engine.
 *
 * Contract shared by every module:
 *  - Functions return an orc_status and fill an optional, caller-owned orc_error (may be NULL)
 *    with a human-readable message naming the input and the reason. No global last-error.
 *  - Library code never calls exit(), abort() or perror(); outputs are untouched on failure.
 *  - Every *_open has a *_close that accepts NULL.
 *  - Thread safety is stated per function in the module headers (src/<module>.h).
 */
#ifndef ORCHARD_H
#define ORCHARD_H

#include <stddef.h>
#include <stdint.h>

#define ORC_VERSION "0.1.0"

typedef enum orc_status {
    ORC_OK = 0,
    ORC_ERR_INVALID_ARGUMENT, /* the caller passed something unusable */
    ORC_ERR_IO,               /* a file or socket operation failed */
    ORC_ERR_FORMAT,           /* an input file is malformed (weights, image, parquet, model) */
    ORC_ERR_VERSION,          /* a file is of an unsupported version */
    ORC_ERR_CHECKSUM,         /* a stored checksum does not match */
    ORC_ERR_UNSUPPORTED,      /* valid but not supported (e.g. an ISA this CPU lacks) */
    ORC_ERR_NO_MEMORY,
    ORC_ERR_NETWORK,          /* HTTP/S3 transport error after retries */
    ORC_ERR_REMOTE,           /* the remote service answered with an error */
    ORC_ERR_NUMERIC,          /* NaN/Inf or a numerical method failed to converge */
    ORC_ERR_INTERNAL
} orc_status;

typedef struct orc_error {
    orc_status code;
    char msg[512];
} orc_error;

/* Fill err (if not NULL) with code and a printf-style message; returns code. */
orc_status orc_error_set(orc_error *err, orc_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix an existing message with context ("reading foo.jpg: ..."); returns err->code. */
orc_status orc_error_prefix(orc_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *orc_status_name(orc_status code);

#endif
