/* strbuf.h -- a growable, always NUL-terminated byte buffer used by the S3 modules (sigv4, xml,
 * s3). Out of memory is sticky: after one failed append, every later append is a no-op and
 * orc_strbuf_failed() returns 1, so callers check once at the end. Not thread-safe per buffer.
 */
#ifndef ORC_STRBUF_H
#define ORC_STRBUF_H

#include <stddef.h>

typedef struct orc_strbuf {
    char *data; /* NULL until the first append; NUL-terminated after it */
    size_t len;
    size_t cap;
    int failed; /* 1 after an allocation failure */
} orc_strbuf;

void orc_strbuf_append(orc_strbuf *b, const void *data, size_t len);
void orc_strbuf_puts(orc_strbuf *b, const char *s);
void orc_strbuf_putc(orc_strbuf *b, char c);
void orc_strbuf_printf(orc_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int orc_strbuf_failed(const orc_strbuf *b);
/* Hand the string over to the caller (malloc'd, "" when empty; NULL if an append failed). */
char *orc_strbuf_take(orc_strbuf *b);
/* Clear the contents without freeing (wipes them first when wipe is set). */
void orc_strbuf_reset(orc_strbuf *b, int wipe);
void orc_strbuf_free(orc_strbuf *b);

#endif
