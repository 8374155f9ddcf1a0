/* error.c -- orc_error helpers: caller-owned error structs with formatted messages. */
#include "orchard.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

orc_status orc_error_set(orc_error *err, orc_status code, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

orc_status orc_error_prefix(orc_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return ORC_ERR_INTERNAL;
    char prefix[256];
    char old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t n = strlen(prefix);
    if (n > sizeof err->msg - 3)
        n = sizeof err->msg - 3;
    memcpy(err->msg, prefix, n);
    memcpy(err->msg + n, ": ", 2);
    size_t rest = sizeof err->msg - n - 3;
    size_t m = strnlen(old, rest);
    memcpy(err->msg + n + 2, old, m);
    err->msg[n + 2 + m] = '\0';
    return err->code;
}

const char *orc_status_name(orc_status code)
{
    switch (code) {
    case ORC_OK: return "ok";
    case ORC_ERR_INVALID_ARGUMENT: return "invalid argument";
    case ORC_ERR_IO: return "I/O error";
    case ORC_ERR_FORMAT: return "format error";
    case ORC_ERR_VERSION: return "unsupported version";
    case ORC_ERR_CHECKSUM: return "checksum mismatch";
    case ORC_ERR_UNSUPPORTED: return "unsupported";
    case ORC_ERR_NO_MEMORY: return "out of memory";
    case ORC_ERR_NETWORK: return "network error";
    case ORC_ERR_REMOTE: return "remote error";
    case ORC_ERR_NUMERIC: return "numerical error";
    case ORC_ERR_INTERNAL: return "internal error";
    }
    return "unknown error";
}
