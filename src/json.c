/* json.c -- strict JSON reader; see json.h. */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64
#define JSON_MAX_FILE (256u << 20)

typedef struct parser {
    const char *s;
    size_t n, i;
    orc_error *err;
    int failed;
} parser;

static void fail(parser *p, const char *what)
{
    if (!p->failed)
        orc_error_set(p->err, ORC_ERR_FORMAT, "JSON: %s at byte %zu", what, p->i);
    p->failed = 1;
}

static void skip_ws(parser *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                           p->s[p->i] == '\r'))
        p->i++;
}

void orc_json_free(orc_json *j)
{
    if (j == NULL)
        return;
    for (size_t i = 0; i < j->count; i++) {
        orc_json_free(j->items[i]);
        if (j->keys != NULL)
            free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->string);
    free(j);
}

static int hex4(parser *p, unsigned *out)
{
    if (p->i + 4 > p->n)
        return 0;
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p->s[p->i + k];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return 0;
    }
    p->i += 4;
    *out = v;
    return 1;
}

/* at the opening quote; returns a malloc'd UTF-8 string */
static char *parse_string(parser *p)
{
    p->i++;
    size_t cap = 32, len = 0;
    char *out = malloc(cap);
    if (out == NULL) {
        fail(p, "out of memory");
        return NULL;
    }
    for (;;) {
        if (p->i >= p->n) {
            fail(p, "unterminated string");
            break;
        }
        unsigned char c = (unsigned char)p->s[p->i++];
        unsigned cp;
        if (c == '"') {
            out[len] = '\0';
            return out;
        }
        if (c < 0x20) {
            fail(p, "control character in a string");
            break;
        }
        if (c != '\\') {
            cp = c; /* raw byte (UTF-8 passes through) */
        } else {
            if (p->i >= p->n) {
                fail(p, "unterminated escape");
                break;
            }
            char e = p->s[p->i++];
            switch (e) {
            case '"': cp = '"'; break;
            case '\\': cp = '\\'; break;
            case '/': cp = '/'; break;
            case 'b': cp = '\b'; break;
            case 'f': cp = '\f'; break;
            case 'n': cp = '\n'; break;
            case 'r': cp = '\r'; break;
            case 't': cp = '\t'; break;
            case 'u':
                if (!hex4(p, &cp)) {
                    fail(p, "bad \\u escape");
                    goto bad;
                }
                if (cp >= 0xD800 && cp < 0xDC00) {
                    unsigned lo;
                    if (p->i + 2 > p->n || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u') {
                        fail(p, "lone surrogate");
                        goto bad;
                    }
                    p->i += 2;
                    if (!hex4(p, &lo) || lo < 0xDC00 || lo >= 0xE000) {
                        fail(p, "bad surrogate pair");
                        goto bad;
                    }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp < 0xE000) {
                    fail(p, "lone surrogate");
                    goto bad;
                }
                if (cp == 0) {
                    fail(p, "\\u0000 in a string");
                    goto bad;
                }
                break;
            default:
                fail(p, "unknown escape");
                goto bad;
            }
        }
        if (len + 5 > cap) {
            char *t = realloc(out, cap *= 2);
            if (t == NULL) {
                fail(p, "out of memory");
                break;
            }
            out = t;
        }
        if (c != '\\' || cp < 0x80) {
            out[len++] = (char)cp;
        } else if (cp < 0x800) {
            out[len++] = (char)(0xC0 | (cp >> 6));
            out[len++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[len++] = (char)(0xE0 | (cp >> 12));
            out[len++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[len++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[len++] = (char)(0xF0 | (cp >> 18));
            out[len++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            out[len++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[len++] = (char)(0x80 | (cp & 0x3F));
        }
    }
bad:
    free(out);
    return NULL;
}

static int add_item(parser *p, orc_json *j, orc_json *item, char *key)
{
    orc_json **items = realloc(j->items, (j->count + 1) * sizeof *items);
    if (items == NULL) {
        fail(p, "out of memory");
        return 0;
    }
    j->items = items;
    if (j->type == ORC_JSON_OBJECT) {
        char **keys = realloc(j->keys, (j->count + 1) * sizeof *keys);
        if (keys == NULL) {
            fail(p, "out of memory");
            return 0;
        }
        j->keys = keys;
        j->keys[j->count] = key;
    }
    j->items[j->count++] = item;
    return 1;
}

static orc_json *parse_value(parser *p, int depth)
{
    skip_ws(p);
    if (p->i >= p->n) {
        fail(p, "unexpected end");
        return NULL;
    }
    if (depth > JSON_MAX_DEPTH) {
        fail(p, "nesting too deep");
        return NULL;
    }
    orc_json *j = calloc(1, sizeof *j);
    if (j == NULL) {
        fail(p, "out of memory");
        return NULL;
    }
    char c = p->s[p->i];
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        j->type = c == '{' ? ORC_JSON_OBJECT : ORC_JSON_ARRAY;
        p->i++;
        skip_ws(p);
        if (p->i < p->n && p->s[p->i] == close) {
            p->i++;
            return j;
        }
        for (;;) {
            char *key = NULL;
            if (j->type == ORC_JSON_OBJECT) {
                skip_ws(p);
                if (p->i >= p->n || p->s[p->i] != '"') {
                    fail(p, "expected a key");
                    break;
                }
                if ((key = parse_string(p)) == NULL)
                    break;
                skip_ws(p);
                if (p->i >= p->n || p->s[p->i] != ':') {
                    free(key);
                    fail(p, "expected ':'");
                    break;
                }
                p->i++;
            }
            orc_json *item = parse_value(p, depth + 1);
            if (item == NULL || !add_item(p, j, item, key)) {
                free(key);
                orc_json_free(item);
                break;
            }
            skip_ws(p);
            if (p->i < p->n && p->s[p->i] == ',') {
                p->i++;
                continue;
            }
            if (p->i < p->n && p->s[p->i] == close) {
                p->i++;
                return j;
            }
            fail(p, j->type == ORC_JSON_OBJECT ? "expected ',' or '}'" : "expected ',' or ']'");
            break;
        }
        orc_json_free(j);
        return NULL;
    }
    if (c == '"') {
        j->type = ORC_JSON_STRING;
        if ((j->string = parse_string(p)) == NULL) {
            free(j);
            return NULL;
        }
        return j;
    }
    static const struct {
        const char *word;
        orc_json_type type;
        int value;
    } words[] = {{"true", ORC_JSON_BOOL, 1}, {"false", ORC_JSON_BOOL, 0}, {"null", ORC_JSON_NULL, 0}};
    for (size_t w = 0; w < 3; w++) {
        size_t len = strlen(words[w].word);
        if (p->n - p->i >= len && memcmp(p->s + p->i, words[w].word, len) == 0) {
            p->i += len;
            j->type = words[w].type;
            j->boolean = words[w].value;
            return j;
        }
    }
    /* number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
    size_t st = p->i, k = p->i;
    if (k < p->n && p->s[k] == '-')
        k++;
    size_t digits = k;
    while (k < p->n && p->s[k] >= '0' && p->s[k] <= '9')
        k++;
    int ok = k > digits && !(p->s[digits] == '0' && k - digits > 1);
    if (ok && k < p->n && p->s[k] == '.') {
        size_t f = ++k;
        while (k < p->n && p->s[k] >= '0' && p->s[k] <= '9')
            k++;
        ok = k > f;
    }
    if (ok && k < p->n && (p->s[k] == 'e' || p->s[k] == 'E')) {
        k++;
        if (k < p->n && (p->s[k] == '+' || p->s[k] == '-'))
            k++;
        size_t e = k;
        while (k < p->n && p->s[k] >= '0' && p->s[k] <= '9')
            k++;
        ok = k > e;
    }
    if (!ok || k - st > 64) {
        fail(p, "bad value");
        free(j);
        return NULL;
    }
    char num[80];
    memcpy(num, p->s + st, k - st);
    num[k - st] = '\0';
    j->type = ORC_JSON_NUMBER;
    j->number = strtod(num, NULL);
    p->i = k;
    return j;
}

orc_status orc_json_parse(const char *text, size_t len, orc_json **out, orc_error *err)
{
    parser p = {text, len, 0, err, 0};
    if (text == NULL || out == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "JSON: missing argument");
    orc_json *j = parse_value(&p, 0);
    if (j != NULL) {
        skip_ws(&p);
        if (p.i != p.n) {
            fail(&p, "trailing characters");
            orc_json_free(j);
            j = NULL;
        }
    }
    if (j == NULL)
        return err != NULL ? err->code : ORC_ERR_FORMAT;
    *out = j;
    return ORC_OK;
}

orc_status orc_json_load(const char *path, orc_json **out, orc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return orc_error_set(err, ORC_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    orc_status st = ORC_OK;
    for (;;) {
        if (len == cap) {
            if (cap >= JSON_MAX_FILE) {
                st = orc_error_set(err, ORC_ERR_FORMAT, "%s: larger than 256 MB", path);
                break;
            }
            cap = cap ? 2 * cap : 65536;
            char *t = realloc(buf, cap);
            if (t == NULL) {
                st = orc_error_set(err, ORC_ERR_NO_MEMORY, "%s: no memory", path);
                break;
            }
            buf = t;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (st == ORC_OK && ferror(f))
        st = orc_error_set(err, ORC_ERR_IO, "cannot read %s", path);
    fclose(f);
    if (st == ORC_OK) {
        st = orc_json_parse(buf, len, out, err);
        if (st != ORC_OK)
            orc_error_prefix(err, "%s", path);
    }
    free(buf);
    return st;
}

const orc_json *orc_json_get(const orc_json *obj, const char *key)
{
    if (obj == NULL || obj->type != ORC_JSON_OBJECT)
        return NULL;
    for (size_t i = obj->count; i-- > 0;)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

double orc_json_number(const orc_json *obj, const char *key, double fallback)
{
    const orc_json *v = orc_json_get(obj, key);
    return v != NULL && v->type == ORC_JSON_NUMBER ? v->number : fallback;
}

const char *orc_json_string(const orc_json *obj, const char *key)
{
    const orc_json *v = orc_json_get(obj, key);
    return v != NULL && v->type == ORC_JSON_STRING ? v->string : NULL;
}
