/* pca.c -- streaming PCA statistics (count, mean, co-moment), their pairwise merge and flat
 * serialization, the fit (covariance or correlation -> Jacobi -> k) and the projection.
 *
 * Accumulation: rows are buffered (ORC_PCA_BLOCK_ROWS at a time, in double); a full buffer is
 * folded as one block: block mean, centered rows Xc, block co-moment Xc^T Xc (upper triangle,
 * f64-gemm, row bands on the threads), then the Chan-Golub-LeVeque pairwise update
 *   M2 += M2_b + delta delta^T * n n_b / (n + n_b),  mean += delta * n_b / (n + n_b)
 * with delta = mean_b - mean. Only the upper triangle of M2 (row-major, d x d) is maintained.
 */
#include "pca.h"
#include "pca_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ORC_PCA_BLOCK_ROWS 256
#define ORC_PCA_BAND 16 /* rows of M2 per task in the block update */

struct orc_pca_stats {
    uint32_t d;
    orc_threadpool *pool; /* NULL: fold on the caller's thread */
    uint64_t n;    /* rows folded into mean/m2 */
    double *mean;  /* [d] */
    double *m2;    /* [d][d], upper triangle valid */
    double *buf;   /* [ORC_PCA_BLOCK_ROWS][d] buffered rows, then centered */
    double *buft;  /* [d][ORC_PCA_BLOCK_ROWS] centered rows transposed */
    double *bmean; /* [d] */
    size_t nbuf;
};

orc_status orc_pca_stats_open(uint32_t dim, orc_pca_stats **out, orc_error *err)
{
    if (out == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "PCA statistics: no output pointer");
    *out = NULL;
    if (dim < 1 || dim > 65536)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "PCA statistics: dimension %u is not in 1..65536", dim);
    orc_pca_stats *s = calloc(1, sizeof *s);
    if (s == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "PCA statistics: out of memory");
    s->d = dim;
    s->mean = calloc(dim, sizeof(double));
    s->m2 = calloc((size_t)dim * dim, sizeof(double));
    s->buf = malloc((size_t)ORC_PCA_BLOCK_ROWS * dim * sizeof(double));
    s->buft = malloc((size_t)ORC_PCA_BLOCK_ROWS * dim * sizeof(double));
    s->bmean = malloc(dim * sizeof(double));
    if (s->mean == NULL || s->m2 == NULL || s->buf == NULL || s->buft == NULL ||
        s->bmean == NULL) {
        orc_pca_stats_close(s);
        return orc_error_set(err, ORC_ERR_NO_MEMORY,
                             "PCA statistics: out of memory for dimension %u (%.1f MB)", dim,
                             (double)dim * dim * 8.0 / 1e6);
    }
    *out = s;
    return ORC_OK;
}

void orc_pca_stats_close(orc_pca_stats *s)
{
    if (s == NULL)
        return;
    free(s->mean);
    free(s->m2);
    free(s->buf);
    free(s->buft);
    free(s->bmean);
    orc_threadpool_close(s->pool);
    free(s);
}

orc_status orc_pca_stats_set_threads(orc_pca_stats *s, uint32_t threads, orc_error *err)
{
    if (s == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "PCA statistics: NULL statistics");
    threads = orc_pca_threads(threads);
    orc_threadpool_close(s->pool);
    s->pool = NULL;
    if (threads > 1)
        return orc_threadpool_open(threads, &s->pool, err);
    return ORC_OK;
}

uint32_t orc_pca_stats_dim(const orc_pca_stats *s)
{
    return s == NULL ? 0 : s->d;
}

uint64_t orc_pca_stats_count(const orc_pca_stats *s)
{
    return s == NULL ? 0 : s->n + s->nbuf;
}

typedef struct band_job {
    orc_pca_stats *s;
    size_t rows;
    orc_f64_gemm_fn gemm;
} band_job;

/* M2[i0:i1][i0:d] += Xc^T[i0:i1][:] Xc[:][i0:d] */
static void band_task(void *ctx, size_t task, uint32_t worker)
{
    band_job *job = ctx;
    orc_pca_stats *s = job->s;
    const size_t d = s->d, i0 = task * ORC_PCA_BAND;
    const size_t i1 = i0 + ORC_PCA_BAND < d ? i0 + ORC_PCA_BAND : d;
    (void)worker;
    job->gemm(i1 - i0, d - i0, job->rows, s->buft + i0 * ORC_PCA_BLOCK_ROWS, ORC_PCA_BLOCK_ROWS,
              s->buf + i0, d, s->m2 + i0 * d + i0, d, 1);
}

/* merge (nb, mean_b) with co-moment already added to m2: the cross term and the mean */
static void merge_moments(size_t d, uint64_t na, double *mean_a, double *m2_a, uint64_t nb,
                          const double *mean_b, double *delta)
{
    const double n = (double)na + (double)nb;
    const double f = (double)na * (double)nb / n, g = (double)nb / n;
    for (size_t i = 0; i < d; i++)
        delta[i] = mean_b[i] - mean_a[i];
    if (na > 0)
        for (size_t i = 0; i < d; i++) {
            double *row = m2_a + i * d;
            const double fi = f * delta[i];
            for (size_t j = i; j < d; j++)
                row[j] += fi * delta[j];
        }
    for (size_t i = 0; i < d; i++)
        mean_a[i] += delta[i] * g;
}

static void stats_flush(orc_pca_stats *s)
{
    const size_t d = s->d, m = s->nbuf;
    if (m == 0)
        return;
    for (size_t j = 0; j < d; j++)
        s->bmean[j] = 0.0;
    for (size_t r = 0; r < m; r++) {
        const double *row = s->buf + r * d;
        for (size_t j = 0; j < d; j++)
            s->bmean[j] += row[j];
    }
    for (size_t j = 0; j < d; j++)
        s->bmean[j] /= (double)m;
    for (size_t r = 0; r < m; r++) {
        double *row = s->buf + r * d;
        for (size_t j = 0; j < d; j++) {
            row[j] -= s->bmean[j];
            s->buft[j * ORC_PCA_BLOCK_ROWS + r] = row[j];
        }
    }
    band_job job = {s, m, orc_pca_kernels_get()->gemm};
    orc_pca_parallel(s->pool, (d + ORC_PCA_BAND - 1) / ORC_PCA_BAND, band_task, &job);
    /* s->buf is free again: its first row holds delta */
    merge_moments(d, s->n, s->mean, s->m2, m, s->bmean, s->buf);
    s->n += m;
    s->nbuf = 0;
}

static orc_status stats_add(orc_pca_stats *s, const float *rf, const double *rd, size_t n_rows,
                            size_t stride, orc_error *err)
{
    if (s == NULL || (rf == NULL && rd == NULL && n_rows > 0))
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "PCA statistics: no statistics or rows");
    const size_t d = s->d;
    if (n_rows > 0 && stride < d)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "PCA statistics: row stride %zu is below the dimension %zu", stride,
                             d);
    for (size_t r = 0; r < n_rows; r++)
        for (size_t j = 0; j < d; j++) {
            const double v = rf != NULL ? (double)rf[r * stride + j] : rd[r * stride + j];
            if (!isfinite(v))
                return orc_error_set(err, ORC_ERR_NUMERIC,
                                     "PCA statistics: row %zu, feature %zu is not finite (%g); "
                                     "no row of this call was added", r, j, v);
        }
    for (size_t r = 0; r < n_rows; r++) {
        double *dst = s->buf + s->nbuf * d;
        if (rf != NULL)
            for (size_t j = 0; j < d; j++)
                dst[j] = (double)rf[r * stride + j];
        else
            memcpy(dst, rd + r * stride, d * sizeof(double));
        if (++s->nbuf == ORC_PCA_BLOCK_ROWS)
            stats_flush(s);
    }
    return ORC_OK;
}

orc_status orc_pca_stats_add(orc_pca_stats *s, const float *rows, size_t n_rows, size_t stride,
                             orc_error *err)
{
    return stats_add(s, rows, NULL, n_rows, stride, err);
}

orc_status orc_pca_stats_add_f64(orc_pca_stats *s, const double *rows, size_t n_rows,
                                 size_t stride, orc_error *err)
{
    return stats_add(s, NULL, rows, n_rows, stride, err);
}

orc_status orc_pca_stats_merge(orc_pca_stats *s, orc_pca_stats *other, orc_error *err)
{
    if (s == NULL || other == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "PCA statistics merge: NULL input");
    if (s == other)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "PCA statistics merge: cannot merge statistics into themselves");
    if (s->d != other->d)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "PCA statistics merge: dimensions differ (%u and %u)", s->d,
                             other->d);
    stats_flush(s);
    stats_flush(other);
    if (other->n == 0)
        return ORC_OK;
    const size_t d = s->d;
    if (s->n == 0) {
        memcpy(s->mean, other->mean, d * sizeof(double));
        memcpy(s->m2, other->m2, d * d * sizeof(double));
        s->n = other->n;
        return ORC_OK;
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = i; j < d; j++)
            s->m2[i * d + j] += other->m2[i * d + j];
    merge_moments(d, s->n, s->mean, s->m2, other->n, other->mean, s->buf);
    s->n += other->n;
    return ORC_OK;
}

orc_status orc_pca_stats_get(orc_pca_stats *s, double *mean, double *covariance, orc_error *err)
{
    if (s == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "PCA statistics: NULL statistics");
    stats_flush(s);
    const size_t d = s->d;
    if (covariance != NULL && s->n < 2)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "PCA statistics: a covariance needs at least 2 rows (have %llu)",
                             (unsigned long long)s->n);
    if (mean != NULL)
        memcpy(mean, s->mean, d * sizeof(double));
    if (covariance != NULL) {
        const double inv = 1.0 / ((double)s->n - 1.0);
        for (size_t i = 0; i < d; i++)
            for (size_t j = i; j < d; j++)
                covariance[i * d + j] = covariance[j * d + i] = s->m2[i * d + j] * inv;
    }
    return ORC_OK;
}

/* ---- flat buffers ------------------------------------------------------------------------- */

size_t orc_pca_stats_doubles(uint32_t dim)
{
    return 3 + (size_t)dim + (size_t)dim * (dim + 1) / 2;
}

orc_status orc_pca_stats_serialize(orc_pca_stats *s, double *buf, orc_error *err)
{
    if (s == NULL || buf == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "PCA statistics: NULL argument");
    stats_flush(s);
    const size_t d = s->d;
    buf[0] = ORC_PCA_STATS_TAG;
    buf[1] = (double)d;
    buf[2] = (double)s->n;
    memcpy(buf + 3, s->mean, d * sizeof(double));
    double *p = buf + 3 + d;
    for (size_t i = 0; i < d; i++) {
        memcpy(p, s->m2 + i * d + i, (d - i) * sizeof(double));
        p += d - i;
    }
    return ORC_OK;
}

/* checks a buffer; gives its dimension and count */
static orc_status buffer_check(const double *buf, size_t len, const char *what, uint32_t *dim,
                               uint64_t *count, orc_error *err)
{
    if (buf == NULL || len < 4)
        return orc_error_set(err, ORC_ERR_FORMAT, "%s: %zu doubles is too short", what, len);
    if (buf[0] != ORC_PCA_STATS_TAG)
        return orc_error_set(err, ORC_ERR_FORMAT,
                             "%s: first value %.17g is not the statistics tag %.1f", what, buf[0],
                             ORC_PCA_STATS_TAG);
    if (!(buf[1] >= 1.0 && buf[1] <= 65536.0 && buf[1] == floor(buf[1])))
        return orc_error_set(err, ORC_ERR_FORMAT, "%s: dimension %g is not in 1..65536", what,
                             buf[1]);
    const uint32_t d = (uint32_t)buf[1];
    if (len != orc_pca_stats_doubles(d))
        return orc_error_set(err, ORC_ERR_FORMAT,
                             "%s: %zu doubles, expected %zu for dimension %u", what, len,
                             orc_pca_stats_doubles(d), d);
    if (!(buf[2] >= 0.0 && buf[2] <= 9007199254740992.0 && buf[2] == floor(buf[2])))
        return orc_error_set(err, ORC_ERR_FORMAT, "%s: row count %g is not a whole number", what,
                             buf[2]);
    for (size_t i = 3; i < len; i++)
        if (!isfinite(buf[i]))
            return orc_error_set(err, ORC_ERR_FORMAT, "%s: value %zu is not finite", what, i);
    *dim = d;
    *count = (uint64_t)buf[2];
    return ORC_OK;
}

orc_status orc_pca_stats_deserialize(const double *buf, size_t len, orc_pca_stats **out,
                                     orc_error *err)
{
    uint32_t d;
    uint64_t n;
    if (out == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "PCA statistics: no output pointer");
    *out = NULL;
    orc_status st = buffer_check(buf, len, "PCA statistics buffer", &d, &n, err);
    if (st != ORC_OK)
        return st;
    orc_pca_stats *s;
    if ((st = orc_pca_stats_open(d, &s, err)) != ORC_OK)
        return st;
    s->n = n;
    memcpy(s->mean, buf + 3, d * sizeof(double));
    const double *p = buf + 3 + d;
    for (size_t i = 0; i < d; i++) {
        memcpy(s->m2 + i * d + i, p, (d - i) * sizeof(double));
        p += d - i;
    }
    *out = s;
    return ORC_OK;
}

orc_status orc_pca_stats_buffer_merge(double *inout, const double *in, size_t len, orc_error *err)
{
    uint32_t da, db;
    uint64_t na, nb;
    orc_status st = buffer_check(inout, len, "PCA statistics buffer (into)", &da, &na, err);
    if (st != ORC_OK)
        return st;
    if ((st = buffer_check(in, len, "PCA statistics buffer (from)", &db, &nb, err)) != ORC_OK)
        return st;
    if (nb == 0)
        return ORC_OK;
    if (na == 0) {
        memcpy(inout, in, len * sizeof(double));
        return ORC_OK;
    }
    const size_t d = da;
    double *mean_a = inout + 3, *pa = inout + 3 + d;
    const double *mean_b = in + 3, *pb = in + 3 + d;
    const double n = (double)na + (double)nb, f = (double)na * (double)nb / n;
    const double g = (double)nb / n;
    for (size_t i = 0; i < d; i++) {
        const double fi = f * (mean_b[i] - mean_a[i]);
        for (size_t j = i; j < d; j++)
            *pa++ += *pb++ + fi * (mean_b[j] - mean_a[j]);
    }
    for (size_t i = 0; i < d; i++)
        mean_a[i] += (mean_b[i] - mean_a[i]) * g;
    inout[2] = (double)(na + nb);
    return ORC_OK;
}

/* the statistics file lives in pca_model.c with the model file */

/* ---- fit and apply ------------------------------------------------------------------------ */

orc_status orc_pca_model_alloc(uint32_t d, uint32_t k, orc_pca_model **out, orc_error *err)
{
    orc_pca_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "PCA model: out of memory");
    m->mean = calloc(d, sizeof(double));
    m->scale = calloc(d, sizeof(double));
    m->eigenvalues = calloc(d, sizeof(double));
    m->ratio = calloc(d, sizeof(double));
    m->cumulative = calloc(d, sizeof(double));
    m->components = calloc((size_t)k * d, sizeof(double));
    m->ct = calloc((size_t)k * d, sizeof(double));
    if (m->mean == NULL || m->scale == NULL || m->eigenvalues == NULL || m->ratio == NULL ||
        m->cumulative == NULL || m->components == NULL || m->ct == NULL) {
        orc_pca_model_close(m);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "PCA model: out of memory (d %u, k %u)",
                             d, k);
    }
    m->info.dim = d;
    m->info.k = k;
    m->info.mean = m->mean;
    m->info.scale = m->scale;
    m->info.eigenvalues = m->eigenvalues;
    m->info.explained_ratio = m->ratio;
    m->info.cumulative_ratio = m->cumulative;
    m->info.components = m->components;
    *out = m;
    return ORC_OK;
}

void orc_pca_model_finish(orc_pca_model *m)
{
    const size_t d = m->info.dim, k = m->info.k;
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < d; i++)
            m->ct[i * k + j] = m->components[j * d + i];
}

void orc_pca_model_close(orc_pca_model *m)
{
    if (m == NULL)
        return;
    free(m->mean);
    free(m->scale);
    free(m->eigenvalues);
    free(m->ratio);
    free(m->cumulative);
    free(m->components);
    free(m->ct);
    free(m);
}

const orc_pca_model_info *orc_pca_model_get_info(const orc_pca_model *m)
{
    return m == NULL ? NULL : &m->info;
}

uint32_t orc_pca_choose_k(const double *cumulative, uint32_t d, double target)
{
    for (uint32_t i = 0; i < d; i++)
        if (cumulative[i] > target)
            return i + 1;
    return d;
}

orc_status orc_pca_fit(orc_pca_stats *stats, const orc_pca_fit_options *opt, orc_pca_model **out,
                       orc_error *err)
{
    orc_pca_fit_options o = {0, 0.95, 0, 0};
    if (opt != NULL)
        o = *opt;
    if (stats == NULL || out == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "PCA fit: NULL argument");
    *out = NULL;
    const uint32_t d = stats->d;
    if (o.k > d)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "PCA fit: k = %u is above the dimension %u", o.k, d);
    if (o.k == 0 && !(o.variance > 0.0 && o.variance <= 1.0))
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "PCA fit: variance target %g is not in (0, 1] (and no k given)",
                             o.variance);
    stats_flush(stats);
    if (stats->n < 2)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "PCA fit: needs at least 2 rows, the statistics have %llu",
                             (unsigned long long)stats->n);
    double *cov = malloc((size_t)d * d * sizeof(double));
    double *vals = malloc(d * sizeof(double));
    double *vecs = malloc((size_t)d * d * sizeof(double));
    double *scale = malloc(d * sizeof(double));
    orc_pca_model *m = NULL;
    orc_status st = ORC_OK;
    if (cov == NULL || vals == NULL || vecs == NULL || scale == NULL) {
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "PCA fit: out of memory for dimension %u", d);
        goto done;
    }
    orc_pca_stats_get(stats, NULL, cov, NULL);
    for (size_t i = 0; i < d; i++) {
        const double v = cov[i * d + i], lim = 1e-12 * fabs(stats->mean[i]);
        scale[i] = 1.0;
        if (o.standardize && v > 0.0 && v > lim * lim)
            scale[i] = sqrt(v);
    }
    if (o.standardize)
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++)
                cov[i * d + j] /= scale[i] * scale[j];
    orc_pca_eigen_options eo = {o.threads, 0.0, 0, 0, 0};
    if ((st = orc_pca_eigen_solve(d, cov, vals, vecs, &eo, NULL, err)) != ORC_OK) {
        orc_error_prefix(err, "PCA fit");
        goto done;
    }
    double total = 0.0;
    for (size_t i = 0; i < d; i++) {
        if (vals[i] < 0.0)
            vals[i] = 0.0; /* a covariance is positive semi-definite: rounding noise */
        total += vals[i];
    }
    if (!(total > 0.0)) {
        st = orc_error_set(err, ORC_ERR_NUMERIC,
                           "PCA fit: the total variance is 0 (every feature is constant over "
                           "the %llu rows)", (unsigned long long)stats->n);
        goto done;
    }
    double *ratio = cov; /* reuse: [d] ratio, [d] cumulative */
    double *cumul = cov + d;
    double acc = 0.0;
    for (size_t i = 0; i < d; i++) {
        ratio[i] = vals[i] / total;
        acc += ratio[i];
        cumul[i] = acc;
    }
    const uint32_t k = o.k > 0 ? o.k : orc_pca_choose_k(cumul, d, o.variance);
    if ((st = orc_pca_model_alloc(d, k, &m, err)) != ORC_OK)
        goto done;
    memcpy(m->mean, stats->mean, d * sizeof(double));
    memcpy(m->scale, scale, d * sizeof(double));
    memcpy(m->eigenvalues, vals, d * sizeof(double));
    memcpy(m->ratio, ratio, d * sizeof(double));
    memcpy(m->cumulative, cumul, d * sizeof(double));
    memcpy(m->components, vecs, (size_t)k * d * sizeof(double));
    m->info.count = stats->n;
    m->info.standardized = o.standardize != 0;
    m->info.variance_target = o.k > 0 ? 0.0 : o.variance;
    orc_pca_model_finish(m);
    *out = m;
done:
    free(cov);
    free(vals);
    free(vecs);
    free(scale);
    return st;
}

#define ORC_PCA_APPLY_ROWS 64

orc_status orc_pca_apply(const orc_pca_model *m, const float *rows, size_t n_rows, size_t stride,
                         float *out, orc_error *err)
{
    if (m == NULL || (n_rows > 0 && (rows == NULL || out == NULL)))
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "PCA apply: NULL argument");
    const size_t d = m->info.dim, k = m->info.k;
    if (n_rows > 0 && stride < d)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "PCA apply: row stride %zu is below the model dimension %zu",
                             stride, d);
    double *xc = malloc(ORC_PCA_APPLY_ROWS * d * sizeof(double));
    double *y = malloc(ORC_PCA_APPLY_ROWS * k * sizeof(double));
    double *inv = malloc(d * sizeof(double));
    if (xc == NULL || y == NULL || inv == NULL) {
        free(xc);
        free(y);
        free(inv);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "PCA apply: out of memory");
    }
    for (size_t i = 0; i < d; i++)
        inv[i] = 1.0 / m->scale[i];
    const orc_f64_gemm_fn gemm = orc_pca_kernels_get()->gemm;
    orc_status st = ORC_OK;
    for (size_t r = 0; r < n_rows && st == ORC_OK; r++)
        for (size_t i = 0; i < d; i++)
            if (!isfinite(rows[r * stride + i])) {
                st = orc_error_set(err, ORC_ERR_NUMERIC,
                                   "PCA apply: row %zu, feature %zu is not finite", r, i);
                break;
            }
    for (size_t r0 = 0; r0 < n_rows && st == ORC_OK; r0 += ORC_PCA_APPLY_ROWS) {
        const size_t nr = n_rows - r0 < ORC_PCA_APPLY_ROWS ? n_rows - r0 : ORC_PCA_APPLY_ROWS;
        for (size_t r = 0; r < nr; r++) {
            const float *src = rows + (r0 + r) * stride;
            for (size_t i = 0; i < d; i++)
                xc[r * d + i] = ((double)src[i] - m->mean[i]) * inv[i];
        }
        gemm(nr, k, d, xc, d, m->ct, k, y, k, 0);
        for (size_t r = 0; r < nr; r++)
            for (size_t j = 0; j < k; j++)
                out[(r0 + r) * k + j] = (float)y[r * k + j];
    }
    free(xc);
    free(y);
    free(inv);
    return st;
}
