/* pca_eigen.c -- symmetric eigen-decomposition by cyclic (blocked, parallel-ordered) Jacobi,
 * plus the PCA helpers shared by pca.c and pca_model.c (kernel choice, parallel loop, FNV-1a).
 *
 * Unblocked (small n): row-cyclic sweeps of plane rotations over the whole matrix, V^T updated
 * row-wise. Blocked: the (zero-padded) index set is cut into nb blocks of b (nb even); a sweep
 * is nb-1 rounds of the round-robin (circle) schedule, each round pairs every block with
 * another. Per round, for each pair P (index set S_P = I u J, m = 2b): one threshold sweep of
 * rotations on A[S_P][S_P] (cross pairs I x J; the pairs inside I and inside J on the first
 * visit of the block in the sweep), accumulated into Q_P (m x m); then every off-diagonal tile
 * A[S_P][S_R] <- Q_P^T A[S_P][S_R] Q_R (P < R, written with its transpose) and
 * V^T[S_P][:] <- Q_P^T V^T[S_P][:], as f64-gemm products, spread over the threads. Padding
 * rows and columns are exact zeros, never rotated (a rotation needs |a_pq| > threshold >= 0),
 * so they decouple and are dropped at the end. Before the sweeps, the blocked solver replaces A
 * by Q^T A Q and V by Q, A = QR (pca_precond.c): fewer sweeps and fewer active block pairs on
 * covariances (13 instead of 16 sweeps on the bench matrix; 9 instead of 21 at rank 199).
 */
#include "pca.h"
#include "isa.h"
#include "pca_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- kernels, threads, checksum ------------------------------------------------------- */

static orc_pca_kernels kernels_chosen;
static pthread_once_t kernels_once = PTHREAD_ONCE_INIT;

/* 1 if the variant named `name` may run under `limit` on this CPU */
static int variant_fits(const char *name, orc_isa limit)
{
    orc_isa v;
    return orc_isa_parse(name, &v, NULL) == ORC_OK && orc_isa_fits(v, limit) &&
           orc_isa_supported(v);
}

static void kernels_choose(void)
{
    orc_isa limit;
    if (orc_isa_choose(NULL, NULL, &limit, NULL) != ORC_OK)
        limit = orc_isa_best();
    kernels_chosen.gemm = orc_f64_gemm__scalar;
    kernels_chosen.rot = orc_f64_rot__scalar;
    kernels_chosen.rotv = orc_f64_rotv__scalar;
    kernels_chosen.isa = "scalar";
#define ORC_F64_GEMM_KERNEL(name, fn)                                                           \
    if (variant_fits(name, limit)) {                                                            \
        kernels_chosen.gemm = fn;                                                               \
        kernels_chosen.isa = name;                                                              \
    }
#include "f64-gemm/f64-gemm.inc"
#undef ORC_F64_GEMM_KERNEL
#define ORC_F64_ROT_KERNEL(name, fn, fnv)                                                       \
    if (variant_fits(name, limit)) {                                                            \
        kernels_chosen.rot = fn;                                                                \
        kernels_chosen.rotv = fnv;                                                              \
    }
#include "f64-rot/f64-rot.inc"
#undef ORC_F64_ROT_KERNEL
}

const orc_pca_kernels *orc_pca_kernels_get(void)
{
    pthread_once(&kernels_once, kernels_choose);
    return &kernels_chosen;
}

uint32_t orc_pca_threads(uint32_t requested)
{
    if (requested == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        requested = n < 1 ? 1 : (uint32_t)n;
    }
    return requested > 64 ? 64 : requested;
}

/* Tasks are taken from a shared counter (their costs differ a lot: a V^T row block is ~10x a
 * tile); each task writes only its own outputs with the same code whichever thread runs it,
 * so the results do not depend on scheduling or on the number of threads. */
typedef struct parallel_job {
    void (*fn)(void *ctx, size_t task, uint32_t worker);
    void *ctx;
    size_t tasks;
    atomic_size_t next;
} parallel_job;

static void parallel_drain(void *arg, size_t thread_index, size_t thread_count)
{
    parallel_job *job = arg;
    (void)thread_count;
    for (;;) {
        size_t t = atomic_fetch_add(&job->next, 1);
        if (t >= job->tasks)
            return;
        job->fn(job->ctx, t, (uint32_t)thread_index);
    }
}

void orc_pca_parallel(orc_threadpool *pool, size_t tasks,
                      void (*fn)(void *ctx, size_t task, uint32_t worker), void *ctx)
{
    parallel_job job = {fn, ctx, tasks, 0};
    if (pool == NULL || tasks <= 1)
        parallel_drain(&job, 0, 1);
    else
        orc_threadpool_run(pool, parallel_drain, &job);
}

uint64_t orc_pca_fnv64(uint64_t h, const void *data, size_t size)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < size; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* ---- rotations -------------------------------------------------------------------------- */

/* One threshold sweep of rotations on the m x m symmetric s (full storage, row-major) with
 * rows of Q^T accumulated in qt (m x m, or NULL). Visited pairs p < q: "cross" pairs
 * (p < split <= q) always; pairs inside [0, split) if lo, inside [split, m) if hi.
 * *dirty is set when an entry was zeroed without a rotation (the negligible rule).
 * Returns the number of rotations. */
typedef struct sweep_params {
    double thr;       /* rotate only |a_pq| > thr */
    int negligible;   /* zero a_pq that cannot change a_pp, a_qq (Rutishauser, sweep >= 4) */
    orc_f64_rot_fn rot;
    orc_f64_rotv_fn rotv;
} sweep_params;

/* The rotation that annihilates s[p][q]: 1 and (c, sn, t) if one is due; 0 if |a_pq| is below
 * the threshold or was negligible (then zeroed, *dirty set). */
static int rotation_for(size_t m, double *s, size_t p, size_t q, const sweep_params *sp,
                        int *dirty, double *c_out, double *s_out, double *t_out)
{
    const double apq = s[p * m + q];
    if (!(fabs(apq) > sp->thr))
        return 0;
    const double app = s[p * m + p], aqq = s[q * m + q];
    if (sp->negligible) {
        const double g = 100.0 * fabs(apq);
        if (fabs(app) + g == fabs(app) && fabs(aqq) + g == fabs(aqq)) {
            s[p * m + q] = 0.0;
            s[q * m + p] = 0.0;
            *dirty = 1;
            return 0;
        }
    }
    const double theta = (aqq - app) / (2.0 * apq);
    double t;
    if (fabs(theta) > 1e150)
        t = 0.5 / theta;
    else
        t = 1.0 / (fabs(theta) + sqrt(theta * theta + 1.0));
    if (theta < 0.0)
        t = -t;
    *c_out = 1.0 / sqrt(t * t + 1.0);
    *s_out = t * *c_out;
    *t_out = t;
    return 1;
}

static uint64_t rotate_pair(size_t m, double *s, double *qt, size_t p, size_t q,
                            const sweep_params *sp, int *dirty)
{
    double c, sn, t;
    if (!rotation_for(m, s, p, q, sp, dirty, &c, &sn, &t))
        return 0;
    const double apq = s[p * m + q], app = s[p * m + p], aqq = s[q * m + q];
    double *rp = s + p * m, *rq = s + q * m;
    sp->rot(m, rp, rq, c, sn);
    for (size_t r = 0; r < m; r++) {
        s[r * m + p] = rp[r];
        s[r * m + q] = rq[r];
    }
    s[p * m + p] = app - t * apq;
    s[q * m + q] = aqq + t * apq;
    s[p * m + q] = 0.0;
    s[q * m + p] = 0.0;
    if (qt != NULL)
        sp->rot(m, qt + p * m, qt + q * m, c, sn);
    return 1;
}

static uint64_t sub_sweep(size_t m, size_t split, double *s, double *qt, int lo, int hi,
                          int cross, const sweep_params *sp, int *dirty)
{
    uint64_t rotations = 0;
    for (size_t p = 0; p + 1 < m; p++) {
        for (size_t q = p + 1; q < m; q++) {
            const int is_cross = p < split && q >= split;
            if (is_cross ? !cross : !(p < split ? lo : hi))
                continue;
            rotations += rotate_pair(m, s, qt, p, q, sp, dirty);
        }
    }
    return rotations;
}

/* One sweep over the cross pairs (p < b <= q) of the m x m (m = 2b) symmetric s, as b rounds
 * of b disjoint rotations: round r pairs p with b + (p + r) % b. Disjoint rotations commute
 * and each depends only on its own 2 x 2 block, so a round computes all of them first, then
 * rotates the row pairs of s and qt (rot) and the column pairs of every row of s (rotv: the
 * partners of columns 0..b-1 are columns b.., cyclically shifted by r: two contiguous runs),
 * and finally sets each rotated 2 x 2 block to its exact value. work: 5b doubles. */
static uint64_t cross_sweep(size_t b, double *s, double *qt, const sweep_params *sp, int *dirty,
                            double *work)
{
    const size_t m = 2 * b;
    double *cv = work, *sv = work + b, *rotated = work + 2 * b;
    double *pp_new = work + 3 * b, *qq_new = work + 4 * b;
    uint64_t rotations = 0;
    for (size_t r = 0; r < b; r++) {
        size_t count = 0;
        for (size_t p = 0; p < b; p++) {
            const size_t q = b + (p + r) % b;
            double t;
            cv[p] = 1.0;
            sv[p] = 0.0;
            rotated[p] = 0.0;
            if (rotation_for(m, s, p, q, sp, dirty, &cv[p], &sv[p], &t)) {
                const double apq = s[p * m + q];
                pp_new[p] = s[p * m + p] - t * apq;
                qq_new[p] = s[q * m + q] + t * apq;
                rotated[p] = 1.0;
                count++;
            }
        }
        if (count == 0)
            continue;
        rotations += count;
        for (size_t p = 0; p < b; p++) {
            if (rotated[p] == 0.0)
                continue;
            const size_t q = b + (p + r) % b;
            sp->rot(m, s + p * m, s + q * m, cv[p], sv[p]);
            sp->rot(m, qt + p * m, qt + q * m, cv[p], sv[p]);
        }
        for (size_t i = 0; i < m; i++) {
            double *row = s + i * m;
            sp->rotv(b - r, row, row + b + r, cv, sv);
            if (r > 0)
                sp->rotv(r, row + b - r, row + b, cv + b - r, sv + b - r);
        }
        for (size_t p = 0; p < b; p++) {
            if (rotated[p] == 0.0)
                continue;
            const size_t q = b + (p + r) % b;
            s[p * m + q] = 0.0;
            s[q * m + p] = 0.0;
            s[p * m + p] = pp_new[p];
            s[q * m + q] = qq_new[p];
        }
    }
    /* the two passes round differently above and below the diagonal: keep s symmetric */
    for (size_t i = 0; i < m; i++)
        for (size_t j = i + 1; j < m; j++)
            s[j * m + i] = s[i * m + j];
    return rotations;
}

static double off_norm2(size_t n, const double *a, double *frob2)
{
    double off = 0.0, diag = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *r = a + i * n;
        double acc = 0.0;
        for (size_t j = i + 1; j < n; j++)
            acc += r[j] * r[j];
        off += 2.0 * acc;
        diag += r[i] * r[i];
    }
    *frob2 = off + diag;
    return off;
}

/* ---- blocked solver --------------------------------------------------------------------- */

typedef struct block_solver {
    size_t N, b, m, nb, npairs;
    double *a;   /* N x N */
    double *vt;  /* N x N, row i = vector of index i */
    const orc_pca_kernels *k;
    sweep_params sp;
    /* this round */
    size_t *blk_lo, *blk_hi;  /* [npairs] the two blocks of each pair */
    int *diag_done;           /* [nb] within-block pairs done in this sweep */
    int *visit_lo, *visit_hi; /* [npairs] rotate within-block pairs this round */
    double *s, *qt, *q;       /* [npairs][m][m] */
    double *rotwork;          /* [npairs][5 b] */
    int *active;              /* [npairs] Q_P != I */
    uint64_t *rot_count;      /* [npairs] */
    /* tile tasks of this round */
    size_t ntasks;
    uint32_t *task_p, *task_r; /* task_p == task_r: V^T rows of pair p */
    /* per worker */
    double *work;              /* [threads][3 m m + m N] */
    size_t work_stride;
} block_solver;

static inline size_t pair_index(const block_solver *bs, size_t pair, size_t l)
{
    return l < bs->b ? bs->blk_lo[pair] * bs->b + l : bs->blk_hi[pair] * bs->b + (l - bs->b);
}

static void task_subproblem(void *ctx, size_t pair, uint32_t worker)
{
    block_solver *bs = ctx;
    const size_t m = bs->m, N = bs->N;
    double *s = bs->s + pair * m * m, *qt = bs->qt + pair * m * m, *q = bs->q + pair * m * m;
    (void)worker;
    for (size_t i = 0; i < m; i++) {
        const double *row = bs->a + pair_index(bs, pair, i) * N;
        memcpy(s + i * m, row + bs->blk_lo[pair] * bs->b, bs->b * sizeof(double));
        memcpy(s + i * m + bs->b, row + bs->blk_hi[pair] * bs->b, bs->b * sizeof(double));
    }
    memset(qt, 0, m * m * sizeof(double));
    for (size_t i = 0; i < m; i++)
        qt[i * m + i] = 1.0;
    int dirty = 0;
    uint64_t r = 0;
    if (bs->visit_lo[pair] || bs->visit_hi[pair])
        r += sub_sweep(m, bs->b, s, qt, bs->visit_lo[pair], bs->visit_hi[pair], 0, &bs->sp,
                       &dirty);
    r += cross_sweep(bs->b, s, qt, &bs->sp, &dirty, bs->rotwork + pair * 5 * bs->b);
    bs->rot_count[pair] = r;
    bs->active[pair] = r > 0;
    if (r > 0 || dirty) {
        for (size_t i = 0; i < m; i++) {
            double *row = bs->a + pair_index(bs, pair, i) * N;
            memcpy(row + bs->blk_lo[pair] * bs->b, s + i * m, bs->b * sizeof(double));
            memcpy(row + bs->blk_hi[pair] * bs->b, s + i * m + bs->b, bs->b * sizeof(double));
        }
    }
    if (r > 0)
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < m; j++)
                q[j * m + i] = qt[i * m + j];
}

/* dst[j][i] = src[i][j] for a b x b block (b a multiple of 8), in 8 x 8 tiles: the strided
 * side stays within 8 cache lines */
static void transpose_block(size_t b, const double *src, size_t lds, double *dst, size_t ldd)
{
    for (size_t i0 = 0; i0 < b; i0 += 8)
        for (size_t j0 = 0; j0 < b; j0 += 8)
            for (size_t j = j0; j < j0 + 8; j++)
                for (size_t i = i0; i < i0 + 8; i++)
                    dst[j * ldd + i] = src[i * lds + j];
}

static void task_update(void *ctx, size_t task, uint32_t worker)
{
    block_solver *bs = ctx;
    const size_t m = bs->m, N = bs->N, b = bs->b;
    const size_t p = bs->task_p[task], r = bs->task_r[task];
    double *w = bs->work + worker * bs->work_stride;
    const orc_f64_gemm_fn gemm = bs->k->gemm;
    if (p == r) {
        /* V^T[S_p][:] <- Q_p^T V^T[S_p][:], from the two row groups in place */
        const double *qt = bs->qt + p * m * m;
        double *out = w;
        gemm(m, N, b, qt, m, bs->vt + bs->blk_lo[p] * b * N, N, out, N, 0);
        gemm(m, N, b, qt + b, m, bs->vt + bs->blk_hi[p] * b * N, N, out, N, 1);
        for (size_t i = 0; i < m; i++)
            memcpy(bs->vt + pair_index(bs, p, i) * N, out + i * N, N * sizeof(double));
        return;
    }
    double *t = w, *tmp = w + m * m, *out = w + 2 * m * m;
    for (size_t i = 0; i < m; i++) {
        const double *row = bs->a + pair_index(bs, p, i) * N;
        memcpy(t + i * m, row + bs->blk_lo[r] * b, b * sizeof(double));
        memcpy(t + i * m + b, row + bs->blk_hi[r] * b, b * sizeof(double));
    }
    const double *res;
    if (bs->active[p] && bs->active[r]) {
        gemm(m, m, m, t, m, bs->q + r * m * m, m, tmp, m, 0);
        gemm(m, m, m, bs->qt + p * m * m, m, tmp, m, out, m, 0);
        res = out;
    } else if (bs->active[p]) {
        gemm(m, m, m, bs->qt + p * m * m, m, t, m, out, m, 0);
        res = out;
    } else {
        gemm(m, m, m, t, m, bs->q + r * m * m, m, out, m, 0);
        res = out;
    }
    for (size_t i = 0; i < m; i++) {
        double *row = bs->a + pair_index(bs, p, i) * N;
        memcpy(row + bs->blk_lo[r] * b, res + i * m, b * sizeof(double));
        memcpy(row + bs->blk_hi[r] * b, res + i * m + b, b * sizeof(double));
    }
    /* the mirror A[S_r][S_p] = res^T, as four b x b blocks */
    const size_t prow[2] = {bs->blk_lo[p] * b, bs->blk_hi[p] * b};
    const size_t rrow[2] = {bs->blk_lo[r] * b, bs->blk_hi[r] * b};
    for (size_t h = 0; h < 2; h++)
        for (size_t g = 0; g < 2; g++)
            transpose_block(b, res + h * b * m + g * b, m, bs->a + rrow[g] * N + prow[h], N);
}

/* round-robin (circle method): round r pairs slot i with slot nb-1-i, slot 0 fixed */
static size_t circle_slot(size_t nb, size_t round, size_t i)
{
    if (i == 0)
        return 0;
    return 1 + (i - 1 + round) % (nb - 1);
}

static orc_status solve_blocked(block_solver *bs, orc_threadpool *pool, double tol,
                                uint32_t max_sweeps, orc_pca_eigen_report *rep)
{
    const size_t N = bs->N, nb = bs->nb, np = bs->npairs;
    double frob2;
    double off2 = off_norm2(N, bs->a, &frob2);
    const double frob = sqrt(frob2);
    const double floor_thr = tol * frob / (double)N;
    rep->frobenius = frob;
    for (uint32_t sweep = 0;; sweep++) {
        if (sqrt(off2) <= tol * frob) {
            rep->sweeps = sweep;
            rep->off_norm = sqrt(off2);
            return ORC_OK;
        }
        if (sweep >= max_sweeps) {
            rep->sweeps = sweep;
            rep->off_norm = sqrt(off2);
            return ORC_ERR_NUMERIC;
        }
        double thr = floor_thr;
        if (sweep < 3 && 0.2 * sqrt(off2) / (double)N > thr)
            thr = 0.2 * sqrt(off2) / (double)N;
        bs->sp.thr = thr;
        bs->sp.negligible = sweep >= 3;
        memset(bs->diag_done, 0, nb * sizeof(int));
        uint64_t sweep_rot = 0;
        for (size_t round = 0; round + 1 < nb; round++) {
            for (size_t i = 0; i < np; i++) {
                size_t x = circle_slot(nb, round, i), y = circle_slot(nb, round, nb - 1 - i);
                bs->blk_lo[i] = x < y ? x : y;
                bs->blk_hi[i] = x < y ? y : x;
                bs->visit_lo[i] = !bs->diag_done[bs->blk_lo[i]];
                bs->visit_hi[i] = !bs->diag_done[bs->blk_hi[i]];
                bs->diag_done[bs->blk_lo[i]] = bs->diag_done[bs->blk_hi[i]] = 1;
            }
            orc_pca_parallel(pool, np, task_subproblem, bs);
            size_t nt = 0;
            for (size_t p = 0; p < np; p++) {
                sweep_rot += bs->rot_count[p];
                if (bs->active[p]) {
                    bs->task_p[nt] = bs->task_r[nt] = (uint32_t)p;
                    nt++;
                }
            }
            for (size_t p = 0; p < np; p++)
                for (size_t r = p + 1; r < np; r++)
                    if (bs->active[p] || bs->active[r]) {
                        bs->task_p[nt] = (uint32_t)p;
                        bs->task_r[nt] = (uint32_t)r;
                        nt++;
                    }
            bs->ntasks = nt;
            orc_pca_parallel(pool, nt, task_update, bs);
        }
        rep->rotations += sweep_rot;
        off2 = off_norm2(N, bs->a, &frob2);
        if (sweep_rot == 0) {
            rep->sweeps = sweep + 1;
            rep->off_norm = sqrt(off2);
            return ORC_OK;
        }
    }
}

static orc_status solve_unblocked(size_t n, double *a, double *vt, const orc_pca_kernels *k,
                                  double tol, uint32_t max_sweeps, orc_pca_eigen_report *rep)
{
    double frob2;
    double off2 = off_norm2(n, a, &frob2);
    const double frob = sqrt(frob2);
    const double floor_thr = n > 0 ? tol * frob / (double)n : 0.0;
    rep->frobenius = frob;
    for (uint32_t sweep = 0;; sweep++) {
        if (sqrt(off2) <= tol * frob) {
            rep->sweeps = sweep;
            rep->off_norm = sqrt(off2);
            return ORC_OK;
        }
        if (sweep >= max_sweeps) {
            rep->sweeps = sweep;
            rep->off_norm = sqrt(off2);
            return ORC_ERR_NUMERIC;
        }
        sweep_params sp = {floor_thr, sweep >= 3, k->rot, k->rotv};
        if (sweep < 3 && 0.2 * sqrt(off2) / (double)n > sp.thr)
            sp.thr = 0.2 * sqrt(off2) / (double)n;
        int dirty = 0;
        uint64_t r = sub_sweep(n, 0, a, vt, 1, 1, 1, &sp, &dirty);
        rep->rotations += r;
        off2 = off_norm2(n, a, &frob2);
        if (r == 0) {
            rep->sweeps = sweep + 1;
            rep->off_norm = sqrt(off2);
            return ORC_OK;
        }
    }
}

/* ---- public entry ----------------------------------------------------------------------- */

typedef struct eig_order {
    double value;
    size_t index;
} eig_order;

static int eig_order_cmp(const void *x, const void *y)
{
    const eig_order *a = x, *b = y;
    if (a->value > b->value)
        return -1;
    if (a->value < b->value)
        return 1;
    return a->index < b->index ? -1 : (a->index > b->index);
}

orc_status orc_pca_eigen_solve(size_t n, const double *a, double *values, double *vectors,
                               const orc_pca_eigen_options *opt, orc_pca_eigen_report *report,
                               orc_error *err)
{
    orc_pca_eigen_options o = {0, 0.0, 0, 0, 0};
    orc_pca_eigen_report rep = {0, 0, 0.0, 0.0};
    if (opt != NULL)
        o = *opt;
    if (n == 0 || a == NULL || values == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "eigen-solve: need n >= 1, a matrix and an eigenvalue array");
    if (n > 65536)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "eigen-solve: n = %zu is above the limit 65536", n);
    if (o.block > 1 && o.block % 8 != 0)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "eigen-solve: block size %u is not 0, 1 or a multiple of 8",
                             o.block);
    if (!(o.tol >= 0.0) || o.tol >= 1.0)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "eigen-solve: tolerance %g is not in [0, 1)", o.tol);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++)
            if (!isfinite(a[i * n + j]))
                return orc_error_set(err, ORC_ERR_NUMERIC,
                                     "eigen-solve: matrix entry (%zu, %zu) is not finite", i, j);
    const double tol = o.tol > 0.0 ? o.tol : 1e-14;
    const uint32_t max_sweeps = o.max_sweeps > 0 ? o.max_sweeps : 60;
    const uint32_t threads = orc_pca_threads(o.threads);
    const orc_pca_kernels *k = orc_pca_kernels_get();

    size_t b = o.block;
    if (b == 0)
        b = n <= 128 ? 1 : n < 512 ? 32 : 64;
    size_t N = n, nb = 1;
    if (b > 1) {
        nb = (n + b - 1) / b;
        if (nb < 2)
            nb = 2;
        nb += nb % 2;
        N = nb * b;
    }
    double *A = calloc(N * N, sizeof(double));
    double *VT = calloc(N * N, sizeof(double));
    eig_order *order = malloc(n * sizeof(eig_order));
    block_solver bs;
    orc_threadpool *pool = NULL;
    memset(&bs, 0, sizeof bs);
    orc_status st = ORC_OK;
    if (A == NULL || VT == NULL || order == NULL) {
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "eigen-solve: out of memory for n = %zu", n);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++)
            A[i * N + j] = A[j * N + i] = a[i * n + j];
    for (size_t i = 0; i < N; i++)
        VT[i * N + i] = 1.0;

    if (b <= 1) {
        st = solve_unblocked(n, A, VT, k, tol, max_sweeps, &rep);
    } else {
        bs.N = N;
        bs.b = b;
        bs.m = 2 * b;
        bs.nb = nb;
        bs.npairs = nb / 2;
        bs.a = A;
        bs.vt = VT;
        bs.k = k;
        bs.sp.rot = k->rot;
        bs.sp.rotv = k->rotv;
        const size_t np = bs.npairs, mm = bs.m * bs.m;
        bs.work_stride = 3 * mm + bs.m * N;
        bs.blk_lo = malloc(np * sizeof(size_t));
        bs.blk_hi = malloc(np * sizeof(size_t));
        bs.diag_done = malloc(nb * sizeof(int));
        bs.visit_lo = malloc(np * sizeof(int));
        bs.visit_hi = malloc(np * sizeof(int));
        bs.active = malloc(np * sizeof(int));
        bs.rot_count = malloc(np * sizeof(uint64_t));
        bs.s = malloc(np * mm * sizeof(double));
        bs.qt = malloc(np * mm * sizeof(double));
        bs.q = malloc(np * mm * sizeof(double));
        bs.rotwork = malloc(np * 5 * b * sizeof(double));
        bs.task_p = malloc((np + np * np) * sizeof(uint32_t));
        bs.task_r = malloc((np + np * np) * sizeof(uint32_t));
        bs.work = malloc((size_t)threads * bs.work_stride * sizeof(double));
        if (bs.blk_lo == NULL || bs.blk_hi == NULL || bs.diag_done == NULL ||
            bs.visit_lo == NULL || bs.visit_hi == NULL || bs.active == NULL ||
            bs.rot_count == NULL || bs.s == NULL || bs.qt == NULL || bs.q == NULL ||
            bs.task_p == NULL || bs.task_r == NULL || bs.work == NULL || bs.rotwork == NULL) {
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "eigen-solve: out of memory for n = %zu",
                               n);
            goto done;
        }
        if (threads > 1 && (st = orc_threadpool_open(threads, &pool, err)) != ORC_OK)
            goto done;
        if (!o.no_precondition &&
            (st = orc_pca_qr_precondition(n, N, A, VT, pool, threads, k, err)) != ORC_OK)
            goto done;
        st = solve_blocked(&bs, pool, tol, max_sweeps, &rep);
    }
    if (st != ORC_OK) {
        st = orc_error_set(err, ORC_ERR_NUMERIC,
                           "eigen-solve: Jacobi did not converge in %u sweeps (off-diagonal "
                           "norm %.3g, tolerance %.3g x %.3g)",
                           rep.sweeps, rep.off_norm, tol, rep.frobenius);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        order[i].value = A[i * N + i];
        order[i].index = i;
    }
    qsort(order, n, sizeof(eig_order), eig_order_cmp);
    for (size_t i = 0; i < n; i++)
        values[i] = order[i].value;
    if (vectors != NULL) {
        for (size_t i = 0; i < n; i++) {
            const double *src = VT + order[i].index * N;
            size_t big = 0;
            for (size_t j = 1; j < n; j++)
                if (fabs(src[j]) > fabs(src[big]))
                    big = j;
            const double sign = src[big] < 0.0 ? -1.0 : 1.0;
            for (size_t j = 0; j < n; j++)
                vectors[i * n + j] = sign * src[j];
        }
    }
done:
    if (report != NULL)
        *report = rep;
    orc_threadpool_close(pool);
    free(bs.blk_lo);
    free(bs.blk_hi);
    free(bs.diag_done);
    free(bs.visit_lo);
    free(bs.visit_hi);
    free(bs.active);
    free(bs.rot_count);
    free(bs.s);
    free(bs.qt);
    free(bs.q);
    free(bs.rotwork);
    free(bs.task_p);
    free(bs.task_r);
    free(bs.work);
    free(A);
    free(VT);
    free(order);
    return st;
}
