/* feature_writer.h -- where `orchard extract` sends its rows: a small interface so that the
 * output format (CSV now; Parquet, S3 later) plugs in without touching the extraction loop.
 *
 * A writer receives rows (uri, label, features[dim]) in order, then finish() makes the output
 * complete (e.g. renames a temporary file into place); close() frees it and, if finish() was
 * not called, removes what was written. Not thread-safe: one writer per thread.
 */
#ifndef ORC_FEATURE_WRITER_H
#define ORC_FEATURE_WRITER_H

#include <stddef.h>

#include "orchard.h"

typedef struct orc_feature_writer orc_feature_writer;

typedef struct orc_feature_writer_ops {
    orc_status (*write_row)(orc_feature_writer *w, const char *uri, const char *label,
                            const float *features, orc_error *err);
    orc_status (*finish)(orc_feature_writer *w, orc_error *err);
    void (*close)(orc_feature_writer *w);
} orc_feature_writer_ops;

struct orc_feature_writer {
    const orc_feature_writer_ops *ops;
    size_t dim;        /* features per row */
    size_t rows;       /* rows written so far */
    char where[1024];  /* what it writes to, for messages and the summary */
};

/* CSV with header path,label,f0..f{dim-1}; features printed with %.9g (round-trips float32);
 * fields with a comma, quote or newline quoted RFC 4180 style. Written to path + ".tmp" and
 * renamed to path by finish(). */
orc_status orc_csv_writer_open(const char *path, size_t dim, orc_feature_writer **out,
                               orc_error *err);

static inline orc_status orc_feature_writer_write(orc_feature_writer *w, const char *uri,
                                                  const char *label, const float *features,
                                                  orc_error *err)
{
    return w->ops->write_row(w, uri, label, features, err);
}
static inline orc_status orc_feature_writer_finish(orc_feature_writer *w, orc_error *err)
{
    return w->ops->finish(w, err);
}
static inline void orc_feature_writer_close(orc_feature_writer *w)
{
    if (w != NULL)
        w->ops->close(w);
}

/* write s to f as one CSV field (quoted when needed); returns 0 on success */
int orc_csv_write_field(void *file, const char *s);

#endif
