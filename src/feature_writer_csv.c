/* feature_writer_csv.c -- the CSV feature writer: temporary file, renamed when finished. */
#include "feature_writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct csv_writer {
    orc_feature_writer base;
    FILE *f;
    char tmp[1100];
    int finished;
} csv_writer;

int orc_csv_write_field(void *file, const char *s)
{
    FILE *f = file;
    if (strpbrk(s, ",\"\r\n") == NULL)
        return fputs(s, f) < 0;
    if (fputc('"', f) == EOF)
        return 1;
    for (; *s; s++) {
        if (*s == '"' && fputc('"', f) == EOF)
            return 1;
        if (fputc(*s, f) == EOF)
            return 1;
    }
    return fputc('"', f) == EOF;
}

static orc_status csv_write_row(orc_feature_writer *base, const char *uri, const char *label,
                                const float *features, orc_error *err)
{
    csv_writer *w = (csv_writer *)base;
    int bad = orc_csv_write_field(w->f, uri) || fputc(',', w->f) == EOF ||
              orc_csv_write_field(w->f, label);
    for (size_t i = 0; !bad && i < base->dim; i++)
        bad = fprintf(w->f, ",%.9g", (double)features[i]) < 0;
    if (bad || fputc('\n', w->f) == EOF)
        return orc_error_set(err, ORC_ERR_IO, "%s: write failed: %s", w->tmp, strerror(errno));
    base->rows++;
    return ORC_OK;
}

static orc_status csv_finish(orc_feature_writer *base, orc_error *err)
{
    csv_writer *w = (csv_writer *)base;
    if (w->finished)
        return ORC_OK;
    int bad = fflush(w->f) != 0 || fsync(fileno(w->f)) != 0;
    bad = fclose(w->f) != 0 || bad;
    w->f = NULL;
    if (bad)
        return orc_error_set(err, ORC_ERR_IO, "%s: write failed: %s", w->tmp, strerror(errno));
    if (rename(w->tmp, base->where) != 0)
        return orc_error_set(err, ORC_ERR_IO, "cannot rename %s to %s: %s", w->tmp, base->where,
                             strerror(errno));
    w->finished = 1;
    return ORC_OK;
}

static void csv_close(orc_feature_writer *base)
{
    csv_writer *w = (csv_writer *)base;
    if (w->f != NULL)
        fclose(w->f);
    if (!w->finished)
        remove(w->tmp);
    free(w);
}

static const orc_feature_writer_ops csv_ops = {csv_write_row, csv_finish, csv_close};

orc_status orc_csv_writer_open(const char *path, size_t dim, orc_feature_writer **out,
                               orc_error *err)
{
    if (strlen(path) >= 1024)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "output path too long: %.100s...",
                             path);
    csv_writer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory for the CSV writer");
    w->base.ops = &csv_ops;
    w->base.dim = dim;
    snprintf(w->base.where, sizeof w->base.where, "%s", path);
    snprintf(w->tmp, sizeof w->tmp, "%s.tmp", path);
    w->f = fopen(w->tmp, "w");
    if (w->f == NULL) {
        orc_status st = orc_error_set(err, ORC_ERR_IO, "cannot create %s: %s", w->tmp,
                                      strerror(errno));
        free(w);
        return st;
    }
    int bad = fputs("path,label", w->f) < 0;
    for (size_t i = 0; !bad && i < dim; i++)
        bad = fprintf(w->f, ",f%zu", i) < 0;
    if (bad || fputc('\n', w->f) == EOF) {
        orc_status st = orc_error_set(err, ORC_ERR_IO, "%s: write failed: %s", w->tmp,
                                      strerror(errno));
        csv_close(&w->base);
        return st;
    }
    *out = &w->base;
    return ORC_OK;
}
