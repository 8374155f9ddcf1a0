/* pca_precond.c -- QR preconditioning of the Jacobi eigen-solve: A = Q R (Householder, blocked
 * compact WY), then A1 = Q^T A Q = R Q, and Jacobi starts from A1 with V = Q. For a covariance
 * with a decaying spectrum this grades A1 (the mass moves to the leading rows, the tail couples
 * weakly or, for a rank-deficient matrix, not at all), so threshold sweeps find few pairs to
 * rotate and the tail decouples early; on random matrices it is neutral.
 *
 * Layout trick: A is symmetric, so the row-major buffer read column-major is A again. The QR
 * works on columns = buffer rows (contiguous): after it, buffer row c holds R[0..c][c] (R^T
 * in the lower triangle) and the Householder vector of column c below its diagonal (upper
 * triangle), LAPACK's compact form. Q is formed the same way: buffer row i of vt = column i of
 * Q = row i of V^T, the starting V^T of the solver. Panels of ORC_QR_PANEL columns; trailing
 * and Q updates are f64-gemm products over row chunks, spread over the threads; every chunk is
 * computed by the same code whichever thread runs it (results independent of thread count).
 */
#include "pca_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ORC_QR_PANEL 32
#define ORC_QR_CHUNK 64 /* buffer rows per parallel task */

typedef struct qr_job {
    size_t n, ld;      /* order, leading dimension (doubles) of a and vt */
    double *a, *vt;    /* [n][ld] */
    double *tau;       /* [n] */
    size_t j0, w;      /* the panel: columns j0 .. j0 + w - 1 */
    double *vb;        /* [w][n - j0]: V^T of the panel (unit diagonal, zeros above) */
    double *vtp;       /* [n - j0][w]: V */
    double *t;         /* [w][w]: -T (trailing update) or -T^T (forming Q) */
    double *work;      /* per worker: [2][ORC_QR_CHUNK][w] */
    double *rq;        /* [n][ld]: R Q (the product step) */
    size_t row0;       /* first buffer row the chunked tasks cover */
    double *target;    /* a (trailing update) or vt (forming Q) */
    orc_f64_gemm_fn gemm;
} qr_job;

/* 2-norm of x[0..len) without overflow or harmful underflow */
static double norm2(const double *x, size_t len)
{
    double big = 0.0;
    for (size_t i = 0; i < len; i++)
        big = fmax(big, fabs(x[i]));
    if (big == 0.0)
        return 0.0;
    double s = 0.0;
    for (size_t i = 0; i < len; i++) {
        const double y = x[i] / big;
        s += y * y;
    }
    return big * sqrt(s);
}

/* Householder reflector H = I - tau v v^T with H x = (beta, 0, ...): v[0] = 1, v[1..] written
 * over x[1..], x[0] = beta (dlarfg). tau = 0 (H = I) when x[1..] is already zero. */
static double reflector(double *x, size_t len)
{
    if (len <= 1)
        return 0.0;
    const double xnorm = norm2(x + 1, len - 1);
    if (xnorm == 0.0)
        return 0.0;
    const double alpha = x[0];
    const double beta = -copysign(hypot(alpha, xnorm), alpha);
    const double tau = (beta - alpha) / beta, scale = 1.0 / (alpha - beta);
    for (size_t i = 1; i < len; i++)
        x[i] *= scale;
    x[0] = beta;
    return tau;
}

/* factor the panel (buffer rows j0..j0+w-1) in place; taus to job->tau */
static void panel_factor(qr_job *job)
{
    const size_t n = job->n, ld = job->ld, j0 = job->j0, w = job->w;
    for (size_t jj = 0; jj < w; jj++) {
        const size_t j = j0 + jj;
        double *x = job->a + j * ld;
        const double tau = reflector(x + j, n - j);
        job->tau[j] = tau;
        if (tau == 0.0)
            continue;
        for (size_t c = j + 1; c < j0 + w; c++) {
            double *y = job->a + c * ld;
            double s = y[j];
            for (size_t r = j + 1; r < n; r++)
                s += x[r] * y[r];
            s *= tau;
            y[j] -= s;
            for (size_t r = j + 1; r < n; r++)
                y[r] -= s * x[r];
        }
    }
}

/* V (both layouts) and the triangular factor of the panel from the compact form and taus:
 * H_0 ... H_{w-1} = I - V T V^T; job->t receives -T (transpose = 0) or -T^T (transpose = 1) */
static void panel_prepare(qr_job *job, int transpose)
{
    const size_t n = job->n, ld = job->ld, j0 = job->j0, w = job->w, len = n - j0;
    for (size_t k = 0; k < w; k++) {
        const double *src = job->a + (j0 + k) * ld + j0;
        double *row = job->vb + k * len;
        for (size_t r = 0; r < len; r++)
            row[r] = r < k ? 0.0 : r == k ? 1.0 : src[r];
        for (size_t r = 0; r < len; r++)
            job->vtp[r * w + k] = row[r];
    }
    /* dlarft (forward, columnwise): T[i][i] = tau_i, T[0:i][i] = -tau_i T[0:i][0:i] V^T v_i */
    double tt[ORC_QR_PANEL][ORC_QR_PANEL], z[ORC_QR_PANEL];
    for (size_t i = 0; i < w; i++) {
        const double tau = job->tau[j0 + i];
        for (size_t l = 0; l < i; l++) {
            const double *vl = job->vb + l * len, *vi = job->vb + i * len;
            double s = 0.0;
            for (size_t r = i; r < len; r++)
                s += vl[r] * vi[r];
            z[l] = s;
        }
        for (size_t l = 0; l < i; l++) {
            double s = 0.0;
            for (size_t q = l; q < i; q++)
                s += tt[l][q] * z[q];
            tt[l][i] = -tau * s;
        }
        tt[i][i] = tau;
        for (size_t l = i + 1; l < w; l++)
            tt[l][i] = 0.0;
    }
    for (size_t i = 0; i < w; i++)
        for (size_t l = 0; l < w; l++)
            job->t[i * w + l] = -(transpose ? tt[l][i] : tt[i][l]);
}

/* rows [row0 + task * CHUNK, ...) of target, columns j0..n-1:  Y <- Y + (Y V) (-T or -T^T) V^T.
 * With Y = buffer rows = columns of the matrix, that is column c <- (I - V T' V^T) column c. */
static void task_apply(void *ctx, size_t task, uint32_t worker)
{
    qr_job *job = ctx;
    const size_t n = job->n, ld = job->ld, j0 = job->j0, w = job->w, len = n - j0;
    const size_t r0 = job->row0 + task * ORC_QR_CHUNK;
    const size_t rows = n - r0 < ORC_QR_CHUNK ? n - r0 : ORC_QR_CHUNK;
    double *y = job->target + r0 * ld + j0;
    double *wk = job->work + (size_t)worker * 2 * ORC_QR_CHUNK * ORC_QR_PANEL;
    double *w2 = wk + ORC_QR_CHUNK * ORC_QR_PANEL;
    job->gemm(rows, w, len, y, ld, job->vtp, w, wk, w, 0);
    job->gemm(rows, w, w, wk, w, job->t, w, w2, w, 0);
    job->gemm(rows, len, w, w2, w, job->vb, len, y, ld, 1);
}

static void apply_chunks(qr_job *job, orc_threadpool *pool, size_t row0, double *target)
{
    if (row0 >= job->n)
        return;
    job->row0 = row0;
    job->target = target;
    orc_pca_parallel(pool, (job->n - row0 + ORC_QR_CHUNK - 1) / ORC_QR_CHUNK, task_apply, job);
}

/* tile (I, J >= I) of R Q as buffer rows: rq[i][j] = sum_{k >= J0} vt[i][k] Rt[k][j], where
 * Rt (R^T) is the lower triangle of a (its upper part zeroed before) */
static void task_product(void *ctx, size_t task, uint32_t worker)
{
    qr_job *job = ctx;
    const size_t n = job->n, ld = job->ld;
    const size_t nt = (n + ORC_QR_CHUNK - 1) / ORC_QR_CHUNK;
    size_t bi = 0, left = task;
    while (left >= nt - bi) {
        left -= nt - bi;
        bi++;
    }
    const size_t bj = bi + left;
    const size_t i0 = bi * ORC_QR_CHUNK, j0 = bj * ORC_QR_CHUNK;
    const size_t rows = n - i0 < ORC_QR_CHUNK ? n - i0 : ORC_QR_CHUNK;
    const size_t cols = n - j0 < ORC_QR_CHUNK ? n - j0 : ORC_QR_CHUNK;
    (void)worker;
    job->gemm(rows, cols, n - j0, job->vt + i0 * ld + j0, ld, job->a + j0 * ld + j0, ld,
              job->rq + i0 * ld + j0, ld, 0);
}

orc_status orc_pca_qr_precondition(size_t n, size_t ld, double *a, double *vt,
                                   orc_threadpool *pool, uint32_t threads,
                                   const orc_pca_kernels *k, orc_error *err)
{
    qr_job job;
    memset(&job, 0, sizeof job);
    job.n = n;
    job.ld = ld;
    job.a = a;
    job.vt = vt;
    job.gemm = k->gemm;
    job.tau = malloc(n * sizeof(double));
    job.vb = malloc(ORC_QR_PANEL * n * sizeof(double));
    job.vtp = malloc(ORC_QR_PANEL * n * sizeof(double));
    job.t = malloc(ORC_QR_PANEL * ORC_QR_PANEL * sizeof(double));
    job.work = malloc((size_t)threads * 2 * ORC_QR_CHUNK * ORC_QR_PANEL * sizeof(double));
    job.rq = malloc(n * ld * sizeof(double));
    orc_status st = ORC_OK;
    if (job.tau == NULL || job.vb == NULL || job.vtp == NULL || job.t == NULL ||
        job.work == NULL || job.rq == NULL) {
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "eigen-solve: out of memory for n = %zu", n);
        goto done;
    }
    /* QR: panel by panel, each followed by the update of the columns to its right */
    for (size_t j0 = 0; j0 < n; j0 += ORC_QR_PANEL) {
        job.j0 = j0;
        job.w = n - j0 < ORC_QR_PANEL ? n - j0 : ORC_QR_PANEL;
        panel_factor(&job);
        if (j0 + job.w < n) {
            panel_prepare(&job, 0);
            apply_chunks(&job, pool, j0 + job.w, a);
        }
    }
    /* Q = P_0 P_1 ... applied to I, last panel first: only columns >= j0 are touched */
    for (size_t i = 0; i < n; i++) {
        memset(vt + i * ld, 0, n * sizeof(double));
        vt[i * ld + i] = 1.0;
    }
    for (size_t panel = (n + ORC_QR_PANEL - 1) / ORC_QR_PANEL; panel-- > 0;) {
        job.j0 = panel * ORC_QR_PANEL;
        job.w = n - job.j0 < ORC_QR_PANEL ? n - job.j0 : ORC_QR_PANEL;
        panel_prepare(&job, 1);
        apply_chunks(&job, pool, job.j0, vt);
    }
    /* A1 = R Q = Q^T R^T (symmetric): the upper tiles, mirrored */
    for (size_t c = 0; c < n; c++)
        memset(a + c * ld + c + 1, 0, (n - c - 1) * sizeof(double));
    const size_t nt = (n + ORC_QR_CHUNK - 1) / ORC_QR_CHUNK;
    orc_pca_parallel(pool, nt * (nt + 1) / 2, task_product, &job);
    for (size_t i = 0; i < n; i++) {
        a[i * ld + i] = job.rq[i * ld + i];
        for (size_t j = i + 1; j < n; j++)
            a[i * ld + j] = a[j * ld + i] = job.rq[i * ld + j];
    }
done:
    free(job.tau);
    free(job.vb);
    free(job.vtp);
    free(job.t);
    free(job.work);
    free(job.rq);
    return st;
}
