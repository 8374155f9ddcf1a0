/* json.h -- a small strict JSON reader (RFC 8259) for Orchard's own files: run.json,
 * evaluation.json, selection tables. Builds a tree; numbers are doubles; strings are UTF-8 with
 * escapes decoded (\uXXXX and surrogate pairs); nesting deeper than 64 and trailing garbage are
 * refused with the byte offset. Not thread-safe on one tree; trees are independent.
 */
#ifndef ORC_JSON_H
#define ORC_JSON_H

#include "orchard.h"

typedef enum orc_json_type {
    ORC_JSON_NULL,
    ORC_JSON_BOOL,
    ORC_JSON_NUMBER,
    ORC_JSON_STRING,
    ORC_JSON_ARRAY,
    ORC_JSON_OBJECT
} orc_json_type;

typedef struct orc_json orc_json;
struct orc_json {
    orc_json_type type;
    int boolean;
    double number;
    char *string;    /* STRING: NUL-terminated (may contain no NUL: \u0000 is refused) */
    size_t count;    /* ARRAY / OBJECT: number of items */
    orc_json **items;
    char **keys;     /* OBJECT: keys[i] names items[i] */
};

orc_status orc_json_parse(const char *text, size_t len, orc_json **out, orc_error *err);
/* read and parse a file (at most 256 MB); messages name the file */
orc_status orc_json_load(const char *path, orc_json **out, orc_error *err);
void orc_json_free(orc_json *j);

/* member of an object (the last one if repeated), or NULL */
const orc_json *orc_json_get(const orc_json *obj, const char *key);
/* a number member, or fallback when absent or not a number */
double orc_json_number(const orc_json *obj, const char *key, double fallback);
/* a string member, or NULL */
const char *orc_json_string(const orc_json *obj, const char *key);

#endif
