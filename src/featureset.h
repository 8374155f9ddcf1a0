/* featureset.h -- labelled feature rows read back from an Orchard output, for train/evaluate.
 *
 * Accepted inputs (DATASET):
 *   - a Parquet dataset folder of Orchard (src/dataset.h, with _SUCCESS): DIR itself, or its
 *     pca/ or features/ subfolder; columns path, label and `features` (or, with want_pca,
 *     `pca`), a list of floats per row;
 *   - a CSV file as `orchard extract --format csv` or `orchard pca apply` write it: a header
 *     line `path,label,<name>,...` then one row per image, the path and label fields optionally
 *     double-quoted (RFC 4180, "" inside quotes), every other field a float;
 *   - a folder: every *.csv file in it (sorted by name, errors.csv skipped), or in its
 *     features/ (or, with want_pca, pca/) subfolder when that exists. All files must share one
 *     header.
 * Several DATASETs (orc_featureset_load_many) are read in argument order into one set, as if
 * their rows were one file: all must have the same feature dimension (and CSV ones the same
 * header); rows of the same name from two DATASETs stay separate rows (views of one image, for
 * test-time augmentation, see augment.h).
 * Rows are kept in file order. The class list is the sorted (byte-wise) set of labels, the
 * order Keras and Orchard use, and label_index[i] indexes it.
 *
 * Every malformed input gives an error naming the file, the line and what is wrong.
 * Not thread-safe on one orc_featureset; independent ones are.
 */
#ifndef ORC_FEATURESET_H
#define ORC_FEATURESET_H

#include "orchard.h"

typedef struct orc_featureset {
    size_t rows, dim;
    float *x;              /* [rows][dim] */
    char **paths;          /* [rows] */
    char **labels;         /* [rows] */
    size_t class_count;
    char **classes;        /* [class_count], sorted */
    uint32_t *label_index; /* [rows] */
    char source[4096];     /* the file or folder read; "a + b" for several (cut to fit) */
} orc_featureset;

/* want_pca: in a folder, prefer pca/ over features/ */
orc_status orc_featureset_load(const char *path, int want_pca, orc_featureset **out,
                               orc_error *err);
/* the rows of paths[0], then paths[1], ... (n >= 1) in one set; the class list is built over
 * all of them. A dimension that differs from paths[0]'s is refused with an error naming both
 * DATASETs and both dimensions. orc_featureset_load is the n = 1 case. */
orc_status orc_featureset_load_many(const char *const *paths, size_t n, int want_pca,
                                    orc_featureset **out, orc_error *err);
void orc_featureset_close(orc_featureset *fs);

#endif
