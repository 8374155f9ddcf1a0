/* cli_parquet.c -- `orchard parquet info|cat|ls`: look into Parquet files and datasets with
 * Orchard's own reader (schema, row groups, codecs; rows as JSON lines; a dataset's parts). */
#include "cli.h"
#include "dataset.h"
#include "orchard.h"
#include "parquet.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
        "usage: orchard parquet info FILE...            schema, rows, row groups, codecs\n"
        "       orchard parquet cat [OPTIONS] FILE...   rows as JSON lines, one object per row\n"
        "       orchard parquet ls DIR                  the complete parts of a dataset folder\n"
        "                                               (needs its _SUCCESS), rows in total\n"
        "\n"
        "cat options:\n"
        "  --limit N            stop after N rows (default: all)\n"
        "  --columns A,B,...    only these columns, in this order (default: every column)\n"
        "  -h, --help           this help\n"
        "\n"
        "JSON: strings as JSON strings (bytes that are not valid UTF-8 are passed through),\n"
        "float lists as arrays (%%.9g, exact for float32), doubles %%.17g, integers as numbers,\n"
        "nulls as null; NaN and infinities as the strings \"NaN\", \"Infinity\", \"-Infinity\".\n"
        "Readable types: strings, int32, int64, double and lists of float (see README, Output\n"
        "format), codecs zstd, snappy and none; a column of another type or codec is refused\n"
        "when read.\n");
}

static const char *type_name(orc_parquet_type t)
{
    switch (t) {
    case ORC_PARQUET_STRING:
    case ORC_PARQUET_STRING_DICT: return "string";
    case ORC_PARQUET_INT32: return "int32";
    case ORC_PARQUET_INT64: return "int64";
    case ORC_PARQUET_DOUBLE: return "double";
    case ORC_PARQUET_FLOAT_LIST: return "list<float>";
    default: return "unsupported";
    }
}

static void put_json_string(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void put_number(double x, int float32)
{
    if (isnan(x))
        fputs("\"NaN\"", stdout);
    else if (isinf(x))
        fputs(x > 0 ? "\"Infinity\"" : "\"-Infinity\"", stdout);
    else if (float32)
        printf("%.9g", x);
    else
        printf("%.17g", x);
}

static int cmd_info(int argc, char **argv)
{
    int rc = ORC_EXIT_OK;
    for (int i = 0; i < argc; i++) {
        orc_parquet_reader *r = NULL;
        orc_error e = {0};
        if (orc_parquet_reader_open(argv[i], &r, &e) != ORC_OK) {
            fprintf(stderr, "orchard parquet: %s\n", e.msg);
            rc = ORC_EXIT_FATAL;
            continue;
        }
        printf("%s\n  created_by: %s\n  rows: %lld  row groups: %zu\n  columns:\n", argv[i],
               orc_parquet_reader_created_by(r), (long long)orc_parquet_reader_row_count(r),
               orc_parquet_reader_row_group_count(r));
        for (size_t c = 0; c < orc_parquet_reader_column_count(r); c++) {
            const orc_parquet_column *col = orc_parquet_reader_column(r, c);
            printf("    %-20s %-12s %s\n", col->name, type_name(col->type),
                   col->nullable ? "nullable" : "required");
        }
        for (size_t g = 0; g < orc_parquet_reader_row_group_count(r); g++) {
            printf("  row group %zu: %lld rows, codecs", g,
                   (long long)orc_parquet_reader_row_group_rows(r, g));
            for (size_t c = 0; c < orc_parquet_reader_column_count(r); c++) {
                orc_parquet_codec k = orc_parquet_reader_codec(r, g, c);
                printf(" %s", k == ORC_PARQUET_CODEC_ZSTD           ? "zstd"
                              : k == ORC_PARQUET_CODEC_UNCOMPRESSED ? "none"
                                                                    : "other");
            }
            putchar('\n');
        }
        orc_parquet_reader_close(r);
    }
    return rc;
}

static int cat_file(const char *path, const char *columns, long long *left)
{
    orc_parquet_reader *r = NULL;
    orc_error e = {0};
    if (orc_parquet_reader_open(path, &r, &e) != ORC_OK) {
        fprintf(stderr, "orchard parquet: %s\n", e.msg);
        return ORC_EXIT_FATAL;
    }
    size_t ncols = orc_parquet_reader_column_count(r);
    size_t *sel = calloc(ncols + 64, sizeof *sel);
    size_t nsel = 0;
    int rc = ORC_EXIT_OK;
    if (sel == NULL) {
        orc_parquet_reader_close(r);
        return ORC_EXIT_FATAL;
    }
    if (columns == NULL) {
        for (size_t c = 0; c < ncols; c++)
            sel[nsel++] = c;
    } else {
        const char *p = columns;
        while (*p != '\0' && nsel < ncols + 64) {
            size_t n = strcspn(p, ",");
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)n, p);
            int k = orc_parquet_reader_find_column(r, name);
            if (k < 0) {
                fprintf(stderr, "orchard parquet: %s has no column '%s'\n", path, name);
                rc = ORC_EXIT_USAGE;
                break;
            }
            sel[nsel++] = (size_t)k;
            p += n + (p[n] == ',');
        }
    }
    int has;
    while (rc == ORC_EXIT_OK && (*left < 0 || *left > 0)) {
        if (orc_parquet_reader_next(r, &has, &e) != ORC_OK) {
            fprintf(stderr, "orchard parquet: %s\n", e.msg);
            rc = ORC_EXIT_FATAL;
            break;
        }
        if (!has)
            break;
        putchar('{');
        for (size_t i = 0; i < nsel && rc == ORC_EXIT_OK; i++) {
            const orc_parquet_column *col = orc_parquet_reader_column(r, sel[i]);
            orc_parquet_value v;
            if (orc_parquet_reader_get(r, sel[i], &v, &e) != ORC_OK) {
                fprintf(stderr, "\norchard parquet: %s\n", e.msg);
                rc = ORC_EXIT_FATAL;
                break;
            }
            if (i)
                putchar(',');
            put_json_string(col->name, strlen(col->name));
            putchar(':');
            if (v.is_null) {
                fputs("null", stdout);
                continue;
            }
            switch (col->type) {
            case ORC_PARQUET_STRING:
            case ORC_PARQUET_STRING_DICT:
                put_json_string(v.str, v.str_len);
                break;
            case ORC_PARQUET_INT32:
                printf("%d", v.i32);
                break;
            case ORC_PARQUET_INT64:
                printf("%lld", (long long)v.i64);
                break;
            case ORC_PARQUET_DOUBLE:
                put_number(v.f64, 0);
                break;
            case ORC_PARQUET_FLOAT_LIST:
                putchar('[');
                for (size_t k = 0; k < v.n_floats; k++) {
                    if (k)
                        putchar(',');
                    put_number((double)v.floats[k], 1);
                }
                putchar(']');
                break;
            default:
                fputs("null", stdout);
            }
        }
        if (rc != ORC_EXIT_OK)
            break;
        fputs("}\n", stdout);
        if (*left > 0)
            (*left)--;
    }
    free(sel);
    orc_parquet_reader_close(r);
    return rc;
}

static int cmd_cat(int argc, char **argv)
{
    long long limit = -1;
    const char *columns = NULL;
    int i = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            limit = strtoll(argv[++i], &end, 10);
            if (errno != 0 || *end != '\0' || limit < 0) {
                fprintf(stderr, "orchard parquet: --limit '%s' must be an integer >= 0\n",
                        argv[i]);
                return ORC_EXIT_USAGE;
            }
        } else if (strcmp(argv[i], "--columns") == 0 && i + 1 < argc) {
            columns = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return ORC_EXIT_OK;
        } else {
            fprintf(stderr, "orchard parquet: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return ORC_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "orchard parquet cat: no file\n");
        return ORC_EXIT_USAGE;
    }
    int rc = ORC_EXIT_OK;
    for (; i < argc && rc == ORC_EXIT_OK && limit != 0; i++)
        rc = cat_file(argv[i], columns, &limit);
    return rc;
}

static int cmd_ls(int argc, char **argv)
{
    if (argc != 1) {
        fprintf(stderr, "orchard parquet ls: give one dataset folder\n");
        return ORC_EXIT_USAGE;
    }
    orc_dataset_listing l;
    orc_error e = {0};
    if (orc_dataset_list(argv[0], &l, &e) != ORC_OK) {
        fprintf(stderr, "orchard parquet: %s\n", e.msg);
        return ORC_EXIT_FATAL;
    }
    for (size_t i = 0; i < l.count; i++)
        printf("%s\n", l.paths[i]);
    if (l.rows >= 0)
        printf("# %zu parts, %lld rows\n", l.count, (long long)l.rows);
    else
        printf("# %zu parts (Spark _SUCCESS: no row count)\n", l.count);
    orc_dataset_listing_free(&l);
    return ORC_EXIT_OK;
}

int orc_cli_parquet(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? ORC_EXIT_USAGE : ORC_EXIT_OK;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "info") == 0 && argc > 2)
        return cmd_info(argc - 2, argv + 2);
    if (strcmp(sub, "cat") == 0)
        return cmd_cat(argc - 2, argv + 2);
    if (strcmp(sub, "ls") == 0)
        return cmd_ls(argc - 2, argv + 2);
    fprintf(stderr, "orchard parquet: unknown or incomplete command '%s'\n", sub);
    usage(stderr);
    return ORC_EXIT_USAGE;
}
