/* pca.h -- streaming PCA: mergeable statistics, a Jacobi eigen-solver, a saved model (.orpca).
 *
 * Statistics (orc_pca_stats): count n, mean[d] and co-moment M2[d][d] = sum (x-mean)(x-mean)^T,
 * all in double, accumulated in one pass. Rows are buffered and folded in blocks (block mean,
 * block co-moment by a rank-b update, then the Chan-Golub-LeVeque pairwise merge), so memory
 * does not depend on the number of rows. Partial statistics of threads, shards and MPI ranks are
 * merged with the same pairwise rule: merge(A, B) gives the statistics of the union up to
 * rounding (no cancellation: the two means are never subtracted from large raw sums).
 * An orc_pca_stats is not thread-safe: give each thread its own and merge them.
 *
 * Serialized statistics (for array-job shards, MPI, files): a flat array of
 * orc_pca_stats_doubles(d) doubles, native byte order (files add a checksummed header):
 *   [0] ORC_PCA_STATS_TAG  [1] d  [2] n  [3 .. 3+d) mean  [3+d ..) M2 upper triangle, row-major
 *   (row i holds columns i..d-1), d(d+1)/2 values.
 * orc_pca_stats_buffer_merge(inout, in) merges one buffer into another in place; it is the body
 * of an MPI user operation (MPI_Op_create(..., commute=1)): MPI_Allreduce with it gives every
 * rank the merged statistics. Merging is associative and commutative up to rounding.
 *
 * Eigen-solver (orc_pca_eigen_solve): cyclic two-sided Jacobi on a symmetric matrix. Blocked:
 * the index set is cut into blocks of b (b = 64 for n >= 256), block pairs are visited in
 * round-robin (parallel) order; for each pair the 2b x 2b sub-problem gets one threshold sweep
 * of scalar rotations, accumulated into an orthogonal Q, and Q is applied to the rest of the
 * matrix and to the vectors as small matrix products (kernels/f64-gemm), the disjoint pairs of
 * a round on all threads. Threshold strategy: in the first three sweeps only entries above
 * 0.2 * off / n are rotated, later every entry above the floor tol * ||A||_F / n. Converged when
 * off(A) = ||A - diag(A)||_F <= tol * ||A||_F (tol default 1e-14). Eigenvalues are returned in
 * descending order; each eigenvector is signed so that its largest-magnitude component (first
 * one on ties) is positive. Results do not depend on the thread count.
 *
 * Model (orc_pca_model) and its file format (.orpca, version 1), little-endian, fixed width:
 *   offset size  field
 *   0      8     magic "ORCPCA\0\1"
 *   8      4     u32 version = 1
 *   12     4     u32 header size = 128
 *   16     4     u32 dim d
 *   20     4     u32 k (components kept, 1 <= k <= d)
 *   24     8     u64 count (rows the statistics were accumulated over)
 *   32     4     u32 flags: bit 0 = standardized (features divided by their std deviation)
 *   36     4     u32 reserved (0)
 *   40     8     f64 variance target used to choose k (0 when k was given)
 *   48     8     u64 payload offset (= 128)
 *   56     8     u64 payload size in bytes
 *   64     8     u64 FNV-1a 64 of the payload
 *   72     48    reserved (0)
 *   120    8     u64 FNV-1a 64 of header bytes 0..119
 *   payload (each array starts on a 64-byte boundary relative to the file start, zero padded):
 *     f64 mean[d], f64 scale[d] (1.0 when not standardized or for zero-variance features),
 *     f64 eigenvalues[d] (explained variance, descending), f64 explained_ratio[d],
 *     f64 cumulative_ratio[d], f64 components[k][d] (row i = component i, unit norm).
 * Projection: y[j] = sum_i ((x[i] - mean[i]) / scale[i]) * components[j][i].
 * orc_pca_model_load refuses a wrong magic, version, size, checksum or non-finite value with a
 * message that names the file and the reason.
 */
#ifndef ORC_PCA_H
#define ORC_PCA_H

#include "orchard.h"

#define ORC_PCA_STATS_TAG 20251126.0 /* first double of a serialized statistics buffer */

/* ---- statistics ------------------------------------------------------------------------- */

typedef struct orc_pca_stats orc_pca_stats;

/* Empty statistics for dim-dimensional rows (1 <= dim <= 65536). */
orc_status orc_pca_stats_open(uint32_t dim, orc_pca_stats **out, orc_error *err);
void orc_pca_stats_close(orc_pca_stats *s);
/* threads for folding blocks of rows (default 1; 0 = all online CPUs); the result does not
 * depend on it */
orc_status orc_pca_stats_set_threads(orc_pca_stats *s, uint32_t threads, orc_error *err);
uint32_t orc_pca_stats_dim(const orc_pca_stats *s);
/* rows folded in so far (buffered ones included) */
uint64_t orc_pca_stats_count(const orc_pca_stats *s);
/* Add n_rows rows of dim floats, row r at rows + r * stride (stride >= dim, in floats).
 * A NaN or infinite value is refused (ORC_ERR_NUMERIC, naming row and column) and nothing of
 * that call is added. */
orc_status orc_pca_stats_add(orc_pca_stats *s, const float *rows, size_t n_rows, size_t stride,
                             orc_error *err);
/* same, double rows */
orc_status orc_pca_stats_add_f64(orc_pca_stats *s, const double *rows, size_t n_rows,
                                 size_t stride, orc_error *err);
/* s += other (pairwise merge); other is unchanged except that its buffered rows are folded */
orc_status orc_pca_stats_merge(orc_pca_stats *s, orc_pca_stats *other, orc_error *err);
/* Current mean[d] and covariance (M2 / (n - 1), full symmetric [d][d]) into caller arrays
 * (either may be NULL). Needs n >= 2 for the covariance. */
orc_status orc_pca_stats_get(orc_pca_stats *s, double *mean, double *covariance, orc_error *err);

/* serialized size, in doubles, for dimension dim */
size_t orc_pca_stats_doubles(uint32_t dim);
/* write the statistics into buf (orc_pca_stats_doubles(dim) doubles) */
orc_status orc_pca_stats_serialize(orc_pca_stats *s, double *buf, orc_error *err);
/* new statistics from a buffer (length len doubles); checks tag, dim, count, finiteness */
orc_status orc_pca_stats_deserialize(const double *buf, size_t len, orc_pca_stats **out,
                                     orc_error *err);
/* inout = merge(inout, in), both serialized buffers of the same dimension, len doubles each */
orc_status orc_pca_stats_buffer_merge(double *inout, const double *in, size_t len, orc_error *err);
/* statistics file (shards of an array job): "ORCPSTAT" header + checksum + the buffer */
orc_status orc_pca_stats_save(orc_pca_stats *s, const char *path, orc_error *err);
orc_status orc_pca_stats_load(const char *path, orc_pca_stats **out, orc_error *err);

/* ---- eigen-solver ----------------------------------------------------------------------- */

typedef struct orc_pca_eigen_options {
    uint32_t threads;    /* 0: all online CPUs */
    double tol;          /* 0: 1e-14 (off(A) <= tol * ||A||_F) */
    uint32_t max_sweeps; /* 0: 60 */
    uint32_t block;      /* 0: automatic; 1: unblocked scalar Jacobi; else a multiple of 8 */
    uint32_t no_precondition; /* blocked solver: 1 skips the QR preconditioning (for tests) */
} orc_pca_eigen_options;

typedef struct orc_pca_eigen_report {
    uint32_t sweeps;
    uint64_t rotations;
    double off_norm;      /* final off(A) */
    double frobenius;     /* ||A||_F */
} orc_pca_eigen_report;

/* Eigen-decomposition of the symmetric n x n matrix a (row-major; only its upper triangle is
 * read; a is not modified). values[n]: eigenvalues, descending. vectors[n][n] (may be NULL):
 * row i is the unit eigenvector of values[i] (sign convention above). opt and report may be
 * NULL. ORC_ERR_NUMERIC on a non-finite input or no convergence within max_sweeps. Thread-safe
 * (uses its own threads). */
orc_status orc_pca_eigen_solve(size_t n, const double *a, double *values, double *vectors,
                               const orc_pca_eigen_options *opt, orc_pca_eigen_report *report,
                               orc_error *err);

/* ---- model ------------------------------------------------------------------------------ */

typedef struct orc_pca_fit_options {
    uint32_t k;          /* keep exactly k components (1 <= k <= d), or 0 to use variance */
    double variance;     /* used when k == 0: smallest k whose cumulative explained ratio is
                            strictly above it (as scikit-learn's PCA(n_components=0.95));
                            in (0, 1); 1 keeps all d */
    int standardize;     /* divide each centered feature by its standard deviation; a feature
                            whose variance is 0 (or below (1e-12 * |mean|)^2) keeps scale 1 */
    uint32_t threads;    /* 0: all online CPUs */
} orc_pca_fit_options;

typedef struct orc_pca_model orc_pca_model;

typedef struct orc_pca_model_info {
    uint32_t dim, k;
    uint64_t count;
    int standardized;
    double variance_target;          /* 0 if k was given */
    const double *mean;              /* [dim] */
    const double *scale;             /* [dim] */
    const double *eigenvalues;       /* [dim], descending (explained variance) */
    const double *explained_ratio;   /* [dim] */
    const double *cumulative_ratio;  /* [dim] */
    const double *components;        /* [k][dim] */
} orc_pca_model_info;

/* Fit from statistics (n >= 2). opt NULL: variance 0.95, not standardized. */
orc_status orc_pca_fit(orc_pca_stats *stats, const orc_pca_fit_options *opt, orc_pca_model **out,
                       orc_error *err);
void orc_pca_model_close(orc_pca_model *m);
const orc_pca_model_info *orc_pca_model_get_info(const orc_pca_model *m);
/* out[n_rows][k] = projection of rows[n_rows][dim] (row stride in floats >= dim). Thread-safe
 * (the model is read-only). */
orc_status orc_pca_apply(const orc_pca_model *m, const float *rows, size_t n_rows, size_t stride,
                         float *out, orc_error *err);
orc_status orc_pca_model_save(const orc_pca_model *m, const char *path, orc_error *err);
orc_status orc_pca_model_load(const char *path, orc_pca_model **out, orc_error *err);

#endif
