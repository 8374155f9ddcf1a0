/* pca_internal.h -- what the PCA files (pca.c, pca_eigen.c, pca_model.c) share and nobody else
 * uses: the kernel choice, a fork-join parallel loop, checksums and little-endian helpers. */
#ifndef ORC_PCA_INTERNAL_H
#define ORC_PCA_INTERNAL_H

#include "f64-gemm/f64-gemm.h"
#include "f64-rot/f64-rot.h"
#include "orchard.h"
#include "pca.h"
#include "threadpool.h"

typedef struct orc_pca_kernels {
    orc_f64_gemm_fn gemm;
    orc_f64_rot_fn rot;
    orc_f64_rotv_fn rotv;
    const char *isa; /* "scalar", "avx2", "avx512" */
} orc_pca_kernels;

/* The widest variants that fit orc_isa_choose(NULL) (ORCHARD_ISA caps it; an unusable value
 * falls back to the best this CPU has). Decided once; thread-safe. */
const orc_pca_kernels *orc_pca_kernels_get(void);

/* 0 -> online CPUs (at least 1), capped at 64 */
uint32_t orc_pca_threads(uint32_t requested);

/* Run fn(ctx, task, worker) for task = 0..tasks-1 on the pool's threads (inline when pool is
 * NULL); worker < pool size. Tasks are taken in order from a shared counter; each task must
 * write only its own outputs, so results do not depend on the number of threads. */
void orc_pca_parallel(orc_threadpool *pool, size_t tasks,
                      void (*fn)(void *ctx, size_t task, uint32_t worker), void *ctx);

/* QR preconditioning of the Jacobi solve (pca_precond.c): a (n x n of a buffer with leading
 * dimension ld, symmetric, full storage) is replaced by Q^T a Q (symmetric) and the first n rows
 * of vt by Q^T (row i = column i of Q). Products on the pool (NULL: inline) with
 * `threads` = its size; results do not depend on it. */
orc_status orc_pca_qr_precondition(size_t n, size_t ld, double *a, double *vt,
                                   orc_threadpool *pool, uint32_t threads,
                                   const orc_pca_kernels *k, orc_error *err);

/* FNV-1a 64 over bytes, continuing from h (start with ORC_FNV64_OFFSET) */
#define ORC_FNV64_OFFSET 0xcbf29ce484222325ULL
uint64_t orc_pca_fnv64(uint64_t h, const void *data, size_t size);

/* the model behind orc_pca_model (pca.c builds it, pca_model.c saves and loads it) */
struct orc_pca_model {
    orc_pca_model_info info;
    double *mean, *scale, *eigenvalues, *ratio, *cumulative, *components; /* owned */
    double *ct; /* [dim][k] components transposed, for the projection */
};
/* a model with zeroed arrays for dimension d and k components */
orc_status orc_pca_model_alloc(uint32_t d, uint32_t k, orc_pca_model **out, orc_error *err);
/* derive ct from components (after fit or load) */
void orc_pca_model_finish(orc_pca_model *m);
/* smallest k whose cumulative ratio is strictly above target (d if none) */
uint32_t orc_pca_choose_k(const double *cumulative, uint32_t d, double target);

#endif
