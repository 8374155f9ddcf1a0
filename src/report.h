/* report.h -- one self-contained HTML page about a run: inline SVG plots drawn here, no script,
 * no external resource (it opens from a file, offline, in any browser).
 *
 * Sections, each present when its data is given (otherwise a line says what is missing):
 *   - run: every top-level number/string of run.json, the throughput, and a bar chart of the
 *     per-stage timings (the numeric members of its "timings" or "stages" object)
 *   - PCA: explained variance per component (scree, bars) and cumulative (line), k marked
 *   - 2-D PCA scatter of the first two components, one colour per class (legend below)
 *   - confusion matrix heat map (row-normalised, log-scaled colour) and per-class accuracy
 *     (recall) sorted ascending, from evaluation.json
 *   - skipped inputs: path and reason
 * Sizes: every SVG has explicit width/height; at most 20,000 scatter points (a deterministic
 * stride sample) so the page stays light.
 */
#ifndef ORC_REPORT_H
#define ORC_REPORT_H

#include "json.h"
#include "orchard.h"

typedef struct orc_report_input {
    const char *title;
    const orc_json *run;              /* run.json, or NULL */
    /* PCA: explained ratio per component (descending) and the kept k */
    const double *explained_ratio;    /* [components], or NULL */
    size_t components;
    size_t k;
    /* scatter: rows x 2 (first two PCA coordinates) and the class of each row */
    const float *scatter_xy;          /* [rows][stride], first two values used; or NULL */
    size_t scatter_rows, scatter_stride;
    const uint32_t *scatter_class;    /* [rows] */
    const char *const *class_names;   /* [class_count] for the scatter legend */
    size_t class_count;
    const orc_json *evaluation;       /* evaluation.json of `orchard evaluate`, or NULL */
    /* skipped inputs */
    const char *const *skipped_path;  /* [skipped] */
    const char *const *skipped_reason;
    size_t skipped;
    const char *sources;              /* one line saying where the data came from */
} orc_report_input;

orc_status orc_report_write(const orc_report_input *in, const char *path, orc_error *err);

#endif
