/* strbuf.c -- growable byte buffer (see strbuf.h). */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(orc_strbuf *b, size_t extra)
{
    if (b->failed)
        return 0;
    if (extra > ((size_t)-1) / 2 - b->len) {
        b->failed = 1;
        return 0;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void orc_strbuf_append(orc_strbuf *b, const void *data, size_t len)
{
    if (!reserve(b, len))
        return;
    if (len > 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void orc_strbuf_puts(orc_strbuf *b, const char *s) { orc_strbuf_append(b, s, strlen(s)); }

void orc_strbuf_putc(orc_strbuf *b, char c) { orc_strbuf_append(b, &c, 1); }

void orc_strbuf_printf(orc_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

int orc_strbuf_failed(const orc_strbuf *b) { return b->failed; }

char *orc_strbuf_take(orc_strbuf *b)
{
    if (b->failed) {
        orc_strbuf_free(b);
        return NULL;
    }
    char *s = b->data;
    if (s == NULL)
        s = calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void orc_strbuf_reset(orc_strbuf *b, int wipe)
{
    if (b->data != NULL) {
        if (wipe) {
            volatile char *p = b->data;
            for (size_t i = 0; i < b->cap; i++)
                p[i] = 0;
        }
        b->data[0] = '\0';
    }
    b->len = 0;
}

void orc_strbuf_free(orc_strbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}
