/* classify.c -- softmax regression / MLP head: objective, L-BFGS training, prediction and the
 * .orcls model file (see classify.h for the model and the objective).
 *
 * .orcls layout (little-endian, fixed width, version 2):
 *   off  size  field
 *     0     8  magic "ORCLASS\0"
 *     8     4  u32 version (2; version 1 files, without the input sizes, are still read)
 *    12     4  u32 header size (256)
 *    16     8  u64 file size (bytes, digest included)
 *    24     4  u32 kind (1 linear, 2 mlp)          28  4  u32 source (1 features, 2 pca)
 *    32     4  u32 input dim d                     36  4  u32 class count k
 *    40     4  u32 hidden (0 for linear)           44  4  u32 flags (bit 0: L2-normalise rows,
 *                                                                bit 1: signed square root)
 *    48     8  f64 C                               56  8  u64 training rows
 *    64     4  u32 L-BFGS iterations               68  4  u32 evaluations
 *    72     8  f64 final objective                 80  8  f64 training seconds
 *    88     8  u64 names offset (256)              96  8  u64 names size
 *   104     8  u64 tensors offset (64-aligned)    112  8  u64 tensors size
 *   120    64  PCA model SHA-256, 64 ASCII hex digits (zeros when source is features)
 *   184     4  u32 network input size count n (0..4; 0: not recorded, the weight file's
 *                  default; always 0 in version 1, where 184..255 are zero)
 *   188    16  4 x u32 network input sizes of the training rows (32..1024, no repeats, in the
 *                  order given to orchard train; slots n..3 zero)
 *   204    52  zero
 *   256        names: k x (u16 length, bytes), zero padding to a multiple of 64
 *              tensors, float32, each 64-byte aligned: mean[d], scale[d], then
 *              linear: W[k][d], b[k]; mlp: W1[hidden][d], b1[hidden], W2[k][hidden], b2[k]
 *   size-32   32  SHA-256 of bytes [0, size - 32)
 */
#include "classify.h"

#include "gemmnt/gemmnt.h"
#include "gemmtn/gemmtn.h"
#include "isa.h"
#include "lbfgs.h"
#include "model.h"

#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLS_MAGIC "ORCLASS"
#define CLS_VERSION 2u
#define CLS_VERSION_NO_SIZES 1u /* still read: no input sizes recorded */
#define CLS_HEADER 256u
#define CLS_MAX_DIM (1u << 20)
#define CLS_MAX_CLASSES 65535u
#define CLS_MAX_HIDDEN 65536u
#define CLS_MAX_NAME 255u
#define CLS_MAX_THREADS 64u

/* ---- kernel choice ------------------------------------------------------------------------ */

/* orc_isa_supported() answers for the ISAs whose probe has landed in src/isa.c; AVX2+FMA is
 * probed here as well so the classifier uses its AVX2 kernel on any build */
int orc_classify_isa_usable(orc_isa isa)
{
    if (orc_isa_supported(isa))
        return 1;
#if ORC_ARCH_X86_64
    if (isa == ORC_ISA_AVX2) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
#endif
    return 0;
}

static orc_f32_gemmnt_fn pick_gemm(int force_scalar)
{
    orc_f32_gemmnt_fn best = orc_f32_gemmnt__scalar;
    if (force_scalar)
        return best;
#define ORC_KERNEL(isa, fn)                                                                    \
    if (orc_classify_isa_usable(isa))                                                          \
        best = fn;
#include "gemmnt/gemmnt.inc"
#undef ORC_KERNEL
    return best;
}

/* the A^T.B kernel of the same ISA choice */
static orc_f32_gemmtn_fn pick_gemm_tn(int force_scalar)
{
    orc_f32_gemmtn_fn best = orc_f32_gemmtn__scalar;
    if (force_scalar)
        return best;
#define ORC_KERNEL(isa, fn)                                                                    \
    if (orc_classify_isa_usable(isa))                                                          \
        best = fn;
#include "gemmtn/gemmtn.inc"
#undef ORC_KERNEL
    return best;
}

/* ---- static parallel for ------------------------------------------------------------------ */

typedef void (*range_fn)(void *arg, size_t begin, size_t end, unsigned slot);

typedef struct range_task {
    range_fn fn;
    void *arg;
    size_t begin, end;
    unsigned slot;
} range_task;

static void *range_main(void *p)
{
    range_task *t = p;
    t->fn(t->arg, t->begin, t->end, t->slot);
    return NULL;
}

/* [0, count) cut into `threads` contiguous slices (multiples of align except the last); slice
 * 0 on the calling thread. A thread that cannot be created runs its slice inline: results never
 * depend on the split, only speed does. */
static void parallel_for(unsigned threads, size_t count, size_t align, range_fn fn, void *arg)
{
    if (threads <= 1 || count <= align) {
        fn(arg, 0, count, 0);
        return;
    }
    if (threads > CLS_MAX_THREADS)
        threads = CLS_MAX_THREADS;
    range_task task[CLS_MAX_THREADS];
    pthread_t tid[CLS_MAX_THREADS];
    int started[CLS_MAX_THREADS] = {0};
    size_t blocks = (count + align - 1) / align;
    for (unsigned t = 0; t < threads; t++) {
        size_t b0 = blocks * t / threads, b1 = blocks * (t + 1) / threads;
        task[t].fn = fn;
        task[t].arg = arg;
        task[t].slot = t;
        task[t].begin = b0 * align < count ? b0 * align : count;
        task[t].end = b1 * align < count ? b1 * align : count;
    }
    for (unsigned t = 1; t < threads; t++)
        started[t] = task[t].begin < task[t].end &&
                     pthread_create(&tid[t], NULL, range_main, &task[t]) == 0;
    fn(arg, task[0].begin, task[0].end, 0);
    for (unsigned t = 1; t < threads; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else if (task[t].begin < task[t].end)
            fn(arg, task[t].begin, task[t].end, t);
    }
}

/* ---- the objective ------------------------------------------------------------------------ */

struct orc_classify_objective {
    const float *z;          /* [n][d] */
    const uint32_t *y;       /* [n] */
    size_t n, d, k, h;       /* h = hidden (0: linear) */
    double C;
    unsigned threads;
    orc_f32_gemmnt_fn gemm;
    orc_f32_gemmtn_fn gemm_tn;
    float *w1, *b1, *w2, *b2; /* float copies of theta */
    float *w2t;              /* [h][k] */
    float *hid;              /* [n][h] */
    float *dh;               /* [n][h] */
    float *logits;           /* [n][k] */
    float *r;                /* [n][k]: (p - onehot) / n */
    double *rowloss;         /* [n] */
    float *g1, *g2;          /* [h or k][d], [k][h] */
    void *mem;
};

size_t orc_classify_objective_size(const orc_classify_objective *o)
{
    if (o->h == 0)
        return o->k * o->d + o->k;
    return o->h * o->d + o->h + o->k * o->h + o->k;
}

void orc_classify_objective_close(orc_classify_objective *o)
{
    if (o == NULL)
        return;
    free(o->mem);
    free(o);
}

/* bump allocator over one block, 64-byte aligned slices */
static size_t align64(size_t x) { return (x + 63) & ~(size_t)63; }

orc_status orc_classify_objective_create(const float *z, const uint32_t *labels, size_t n,
                                         size_t d, size_t k, unsigned hidden, double C,
                                         unsigned threads, int force_scalar,
                                         orc_classify_objective **out, orc_error *err)
{
    if (z == NULL || labels == NULL || out == NULL || n == 0 || d == 0 || k < 2)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "classifier objective: need rows, features and >= 2 classes "
                             "(n %zu, d %zu, k %zu)", n, d, k);
    if (!(C > 0.0) || !isfinite(C))
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "classifier: C must be > 0 (got %g)", C);
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= k)
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                 "classifier: label %u of row %zu is not below %zu classes",
                                 labels[i], i, k);
    orc_classify_objective *o = calloc(1, sizeof *o);
    if (o == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "classifier: no memory");
    o->z = z;
    o->y = labels;
    o->n = n;
    o->d = d;
    o->k = k;
    o->h = hidden;
    o->C = C;
    o->threads = threads == 0 ? 2 : threads;
    o->gemm = pick_gemm(force_scalar);
    o->gemm_tn = pick_gemm_tn(force_scalar);
    size_t h = hidden, rows1 = h ? h : k;
    size_t sizes[] = {rows1 * d, rows1, h ? k * h : 0, h ? k : 0, h * k, n * h, n * h, n * k,
                      n * k, rows1 * d, k * h};
    float **ptrs[] = {&o->w1, &o->b1, &o->w2, &o->b2, &o->w2t, &o->hid, &o->dh, &o->logits,
                      &o->r, &o->g1, &o->g2};
    size_t count = sizeof sizes / sizeof sizes[0], total = align64(n * sizeof(double));
    for (size_t i = 0; i < count; i++)
        total += align64(sizes[i] * sizeof(float));
    o->mem = aligned_alloc(64, total);
    if (o->mem == NULL) {
        free(o);
        return orc_error_set(err, ORC_ERR_NO_MEMORY,
                             "classifier: no memory for the training buffers (%zu MB)",
                             total >> 20);
    }
    char *p = o->mem;
    o->rowloss = (double *)p;
    p += align64(n * sizeof(double));
    for (size_t i = 0; i < count; i++) {
        *ptrs[i] = sizes[i] ? (float *)p : NULL;
        p += align64(sizes[i] * sizeof(float));
    }
    *out = o;
    return ORC_OK;
}

/* rows [b, e): logits (through the hidden layer for the MLP), softmax, loss, residuals */
static void forward_rows(void *arg, size_t b, size_t e, unsigned slot)
{
    orc_classify_objective *o = arg;
    size_t n = o->n, d = o->d, k = o->k, h = o->h;
    if (h == 0) {
        o->gemm(e - b, k, d, o->z + b * d, d, o->w1, d, o->b1, o->logits + b * k, k);
    } else {
        o->gemm(e - b, h, d, o->z + b * d, d, o->w1, d, o->b1, o->hid + b * h, h);
        for (size_t i = b * h; i < e * h; i++)
            if (!(o->hid[i] > 0.0f))
                o->hid[i] = 0.0f;
        o->gemm(e - b, k, h, o->hid + b * h, h, o->w2, h, o->b2, o->logits + b * k, k);
    }
    double inv_n = 1.0 / (double)n;
    for (size_t i = b; i < e; i++) {
        const float *zl = o->logits + i * k;
        double mx = zl[0];
        for (size_t c = 1; c < k; c++)
            if (zl[c] > mx)
                mx = zl[c];
        double s = 0.0;
        for (size_t c = 0; c < k; c++)
            s += exp((double)zl[c] - mx);
        double lse = mx + log(s);
        o->rowloss[i] = lse - (double)zl[o->y[i]];
        for (size_t c = 0; c < k; c++) {
            double pc = exp((double)zl[c] - lse);
            float rc = (float)((pc - (c == o->y[i] ? 1.0 : 0.0)) * inv_n);
            o->r[i * k + c] = rc;
        }
        if (h != 0) { /* back through W2 and the ReLU: dh[i] = W2^T r[i], masked */
            o->gemm(1, h, k, o->r + i * k, k, o->w2t, k, NULL, o->dh + i * h, h);
            for (size_t j = 0; j < h; j++)
                if (!(o->hid[i * h + j] > 0.0f))
                    o->dh[i * h + j] = 0.0f;
        }
    }
}

/* hidden units [b, e): G2[:, b:e] = R^T H[:, b:e] */
static void hidden_cols(void *arg, size_t b, size_t e, unsigned slot)
{
    orc_classify_objective *o = arg;
    o->gemm_tn(o->k, e - b, o->n, o->r, o->k, o->hid + b, o->h, o->g2 + b, o->h);
}

/* features [b, e): G1[:, b:e] = (R or dH)^T Z[:, b:e] */
static void feature_cols(void *arg, size_t b, size_t e, unsigned slot)
{
    orc_classify_objective *o = arg;
    if (o->h == 0)
        o->gemm_tn(o->k, e - b, o->n, o->r, o->k, o->z + b, o->d, o->g1 + b, o->d);
    else
        o->gemm_tn(o->h, e - b, o->n, o->dh, o->h, o->z + b, o->d, o->g1 + b, o->d);
}

double orc_classify_objective_eval(orc_classify_objective *o, const double *theta, double *grad)
{
    size_t n = o->n, d = o->d, k = o->k, h = o->h;
    size_t rows1 = h ? h : k;
    const double *tw1 = theta, *tb1 = tw1 + rows1 * d;
    const double *tw2 = tb1 + rows1, *tb2 = tw2 + k * h;
    double reg = 0.0;
    for (size_t i = 0; i < rows1 * d; i++) {
        o->w1[i] = (float)tw1[i];
        reg += tw1[i] * tw1[i];
    }
    for (size_t i = 0; i < rows1; i++)
        o->b1[i] = (float)tb1[i];
    if (h != 0) {
        for (size_t c = 0; c < k; c++)
            for (size_t j = 0; j < h; j++) {
                double w = tw2[c * h + j];
                o->w2[c * h + j] = (float)w;
                o->w2t[j * k + c] = (float)w;
                reg += w * w;
            }
        for (size_t c = 0; c < k; c++)
            o->b2[c] = (float)tb2[c];
    }
    parallel_for(o->threads, n, 16, forward_rows, o);
    double loss = 0.0;
    for (size_t i = 0; i < n; i++)
        loss += o->rowloss[i];
    double lambda = 1.0 / (o->C * (double)n);
    loss = loss / (double)n + 0.5 * lambda * reg;
    if (grad == NULL)
        return loss;
    if (h != 0)
        parallel_for(o->threads, h, 16, hidden_cols, o);
    parallel_for(o->threads, d, 16, feature_cols, o);
    double *gw1 = grad, *gb1 = gw1 + rows1 * d, *gw2 = gb1 + rows1, *gb2 = gw2 + k * h;
    for (size_t i = 0; i < rows1 * d; i++)
        gw1[i] = (double)o->g1[i] + lambda * tw1[i];
    /* bias gradients: column sums of R (linear) or dH (mlp), in row order */
    const float *colsrc = h ? o->dh : o->r;
    for (size_t c = 0; c < rows1; c++)
        gb1[c] = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < rows1; c++)
            gb1[c] += colsrc[i * rows1 + c];
    if (h != 0) {
        for (size_t i = 0; i < k * h; i++)
            gw2[i] = (double)o->g2[i] + lambda * tw2[i];
        for (size_t c = 0; c < k; c++)
            gb2[c] = 0.0;
        for (size_t i = 0; i < n; i++)
            for (size_t c = 0; c < k; c++)
                gb2[c] += o->r[i * k + c];
    }
    return loss;
}

/* ---- the classifier ------------------------------------------------------------------------ */

struct orc_classifier {
    orc_classifier_info info;
    char **names;            /* [k] */
    float *mean, *scale;     /* [d] */
    float *w1, *b1, *w2, *b2;
    void *tensors;           /* one block for all of the above */
    orc_f32_gemmnt_fn gemm;
};

void orc_classifier_options_default(orc_classifier_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->kind = ORC_CLASSIFIER_LINEAR;
    opt->C = 1.0;
    opt->standardize = 1;
    opt->hidden = 256;
    opt->max_iter = 300;
    opt->gtol = 1e-6;
    opt->threads = 2;
    opt->seed = 1;
}

void orc_classifier_close(orc_classifier *c)
{
    if (c == NULL)
        return;
    if (c->names != NULL)
        for (uint32_t i = 0; i < c->info.class_count; i++)
            free(c->names[i]);
    free(c->names);
    free(c->tensors);
    free(c);
}

const orc_classifier_info *orc_classifier_get_info(const orc_classifier *c) { return &c->info; }

const char *orc_classifier_class_name(const orc_classifier *c, size_t i)
{
    return i < c->info.class_count ? c->names[i] : NULL;
}

long orc_classifier_class_index(const orc_classifier *c, const char *name)
{
    for (uint32_t i = 0; i < c->info.class_count; i++)
        if (strcmp(c->names[i], name) == 0)
            return (long)i;
    return -1;
}

void orc_classifier_get_tensors(const orc_classifier *c, orc_classifier_tensors *t)
{
    t->mean = c->mean;
    t->scale = c->scale;
    t->w1 = c->w1;
    t->b1 = c->b1;
    t->w2 = c->w2;
    t->b2 = c->b2;
}

/* tensor sizes in floats, in file order */
static void tensor_sizes(uint32_t d, uint32_t k, uint32_t h, size_t sz[6])
{
    sz[0] = d;
    sz[1] = d;
    sz[2] = (size_t)(h ? h : k) * d;
    sz[3] = h ? h : k;
    sz[4] = (size_t)k * h;
    sz[5] = h ? k : 0;
}

static size_t tensors_bytes(uint32_t d, uint32_t k, uint32_t h)
{
    size_t sz[6], total = 0;
    tensor_sizes(d, k, h, sz);
    for (int i = 0; i < 6; i++)
        total += align64(sz[i] * sizeof(float));
    return total;
}

/* allocate a classifier with its tensor block laid out as in the file; names left NULL */
static orc_classifier *classifier_alloc(uint32_t d, uint32_t k, uint32_t h)
{
    orc_classifier *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->names = calloc(k, sizeof *c->names);
    c->tensors = aligned_alloc(64, tensors_bytes(d, k, h));
    if (c->names == NULL || c->tensors == NULL) {
        free(c->names);
        free(c->tensors);
        free(c);
        return NULL;
    }
    memset(c->tensors, 0, tensors_bytes(d, k, h));
    size_t sz[6];
    tensor_sizes(d, k, h, sz);
    float **dst[6] = {&c->mean, &c->scale, &c->w1, &c->b1, &c->w2, &c->b2};
    char *p = c->tensors;
    for (int i = 0; i < 6; i++) {
        *dst[i] = sz[i] ? (float *)p : NULL;
        p += align64(sz[i] * sizeof(float));
    }
    c->info.input_dim = d;
    c->info.class_count = k;
    c->info.hidden = h;
    c->gemm = pick_gemm(0);
    return c;
}

static orc_status check_names(const char *const *names, size_t k, orc_error *err)
{
    for (size_t i = 0; i < k; i++) {
        size_t len = names[i] ? strlen(names[i]) : 0;
        if (len == 0 || len > CLS_MAX_NAME)
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                 "classifier: class %zu has an empty or over-long name (%zu bytes,"
                                 " at most %u)", i, len, CLS_MAX_NAME);
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                     "classifier: class name '%s' appears twice", names[i]);
    }
    return ORC_OK;
}

static double signed_sqrt(double v) { return v < 0.0 ? -sqrt(-v) : sqrt(v); }

/* steps 0-2 of the pipeline on one row */
static void transform_row(const orc_classifier *c, const float *x, float *z)
{
    size_t d = c->info.input_dim;
    int power = c->info.power_normalize;
    double s = 1.0;
    if (c->info.l2_normalize) {
        double ss = 0.0;
        for (size_t j = 0; j < d; j++) {
            double v = power ? signed_sqrt(x[j]) : (double)x[j];
            ss += v * v;
        }
        if (ss > 0.0)
            s = 1.0 / sqrt(ss);
    }
    for (size_t j = 0; j < d; j++) {
        double v = power ? signed_sqrt(x[j]) : (double)x[j];
        z[j] = (float)((v * s - c->mean[j]) / c->scale[j]);
    }
}

typedef struct xorshift {
    uint64_t s;
} xorshift;

static double xorshift_uniform(xorshift *r) /* [0, 1) */
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (double)(r->s >> 11) * (1.0 / 9007199254740992.0);
}

static double lbfgs_adapter(void *ctx, const double *x, double *grad)
{
    return orc_classify_objective_eval(ctx, x, grad);
}

orc_status orc_classifier_train(const float *x, const uint32_t *labels, size_t n, size_t d,
                                const char *const *class_names, size_t k,
                                const orc_classifier_options *options, orc_classifier **out,
                                orc_error *err)
{
    orc_classifier_options opt;
    if (options != NULL)
        opt = *options;
    else
        orc_classifier_options_default(&opt);
    if (x == NULL || labels == NULL || class_names == NULL || out == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "classifier: missing argument");
    if (n == 0 || d == 0 || d > CLS_MAX_DIM || k < 2 || k > CLS_MAX_CLASSES)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "classifier: need >= 1 row, 1..%u features and 2..%u classes "
                             "(got %zu rows, %zu features, %zu classes)",
                             CLS_MAX_DIM, CLS_MAX_CLASSES, n, d, k);
    if (opt.kind != ORC_CLASSIFIER_LINEAR && opt.kind != ORC_CLASSIFIER_MLP)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "classifier: unknown kind %d",
                             (int)opt.kind);
    if (opt.kind == ORC_CLASSIFIER_MLP && (opt.hidden == 0 || opt.hidden > CLS_MAX_HIDDEN))
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "classifier: hidden units must be 1..%u (got %u)", CLS_MAX_HIDDEN,
                             opt.hidden);
    if (!(opt.C > 0.0) || !isfinite(opt.C))
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "classifier: C must be > 0 (got %g)",
                             opt.C);
    orc_status st = check_names(class_names, k, err);
    if (st != ORC_OK)
        return st;
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(x[i]))
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                 "classifier: feature %zu of training row %zu is not finite",
                                 i % d, i / d);
    uint32_t h = opt.kind == ORC_CLASSIFIER_MLP ? opt.hidden : 0;
    orc_classifier *c = classifier_alloc((uint32_t)d, (uint32_t)k, h);
    float *z = malloc(n * d * sizeof *z);
    double *acc = calloc(2 * d, sizeof *acc);
    double *theta = NULL;
    orc_classify_objective *obj = NULL;
    if (c == NULL || z == NULL || acc == NULL) {
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "classifier: no memory for %zu x %zu rows", n, d);
        goto fail;
    }
    c->gemm = pick_gemm(opt.force_scalar);
    c->info.kind = opt.kind;
    c->info.source = ORC_FEATURE_SOURCE_FEATURES;
    c->info.l2_normalize = opt.l2_normalize ? 1 : 0;
    c->info.power_normalize = opt.power_normalize ? 1 : 0;
    c->info.C = opt.C;
    c->info.train_rows = n;
    for (size_t i = 0; i < k; i++)
        if ((c->names[i] = strdup(class_names[i])) == NULL) {
            st = orc_error_set(err, ORC_ERR_NO_MEMORY, "classifier: no memory");
            goto fail;
        }
    /* standardization statistics (after L2 normalisation), two passes in double */
    for (size_t j = 0; j < d; j++) {
        c->mean[j] = 0.0f;
        c->scale[j] = 1.0f;
    }
    transform_row(c, x, z); /* identity mean/scale: z holds only the L2-normalised rows */
    for (size_t i = 1; i < n; i++)
        transform_row(c, x + i * d, z + i * d);
    if (opt.standardize) {
        double *mu = acc, *var = acc + d;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++)
                mu[j] += z[i * d + j];
        for (size_t j = 0; j < d; j++)
            mu[j] /= (double)n;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++) {
                double t = z[i * d + j] - mu[j];
                var[j] += t * t;
            }
        for (size_t j = 0; j < d; j++) {
            double sd = sqrt(var[j] / (double)n);
            c->mean[j] = (float)mu[j];
            c->scale[j] = sd > 1e-12 * (fabs(mu[j]) > 1.0 ? fabs(mu[j]) : 1.0) ? (float)sd : 1.0f;
        }
        for (size_t i = 0; i < n; i++)
            transform_row(c, x + i * d, z + i * d);
    }
    st = orc_classify_objective_create(z, labels, n, d, k, h, opt.C, opt.threads,
                                       opt.force_scalar, &obj, err);
    if (st != ORC_OK)
        goto fail;
    size_t np = orc_classify_objective_size(obj);
    theta = calloc(np, sizeof *theta);
    if (theta == NULL) {
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "classifier: no memory for %zu parameters", np);
        goto fail;
    }
    if (h != 0) { /* Glorot-uniform weights, zero biases */
        xorshift rng = {opt.seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull};
        double a1 = sqrt(6.0 / (double)(d + h)), a2 = sqrt(6.0 / (double)(h + k));
        double *w1 = theta, *w2 = theta + (size_t)h * d + h;
        for (size_t i = 0; i < (size_t)h * d; i++)
            w1[i] = a1 * (2.0 * xorshift_uniform(&rng) - 1.0);
        for (size_t i = 0; i < (size_t)k * h; i++)
            w2[i] = a2 * (2.0 * xorshift_uniform(&rng) - 1.0);
    }
    orc_lbfgs_options lo;
    orc_lbfgs_options_default(&lo);
    lo.max_iter = opt.max_iter ? opt.max_iter : 300;
    lo.gtol = opt.gtol > 0.0 ? opt.gtol : 1e-6;
    orc_lbfgs_result res;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    st = orc_lbfgs_minimize(np, theta, lbfgs_adapter, obj, &lo, &res, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st != ORC_OK) {
        orc_error_prefix(err, "training the classifier");
        goto fail;
    }
    c->info.iterations = res.iterations;
    c->info.evaluations = res.evaluations;
    c->info.final_loss = res.f;
    c->info.train_seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    {
        size_t rows1 = h ? h : k;
        const double *tb1 = theta + rows1 * d, *tw2 = tb1 + rows1, *tb2 = tw2 + (size_t)k * h;
        for (size_t i = 0; i < rows1 * d; i++)
            c->w1[i] = (float)theta[i];
        for (size_t i = 0; i < rows1; i++)
            c->b1[i] = (float)tb1[i];
        for (size_t i = 0; i < (size_t)k * h; i++)
            c->w2[i] = (float)tw2[i];
        for (size_t i = 0; h != 0 && i < k; i++)
            c->b2[i] = (float)tb2[i];
    }
    orc_classify_objective_close(obj);
    free(theta);
    free(acc);
    free(z);
    *out = c;
    return ORC_OK;
fail:
    orc_classify_objective_close(obj);
    free(theta);
    free(acc);
    free(z);
    orc_classifier_close(c);
    return st;
}

static int is_hex64(const char *s)
{
    if (s == NULL || strlen(s) != 64)
        return 0;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

orc_status orc_classifier_set_source(orc_classifier *c, orc_feature_source source,
                                     const char *pca_sha256, orc_error *err)
{
    if (source == ORC_FEATURE_SOURCE_FEATURES) {
        c->info.source = source;
        c->info.pca_sha256[0] = '\0';
        return ORC_OK;
    }
    if (source != ORC_FEATURE_SOURCE_PCA)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "classifier: unknown source %d",
                             (int)source);
    if (!is_hex64(pca_sha256))
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "classifier: the PCA model checksum must be 64 lowercase hex digits");
    c->info.source = source;
    memcpy(c->info.pca_sha256, pca_sha256, 65);
    return ORC_OK;
}

/* NULL if sizes[0..n) is a valid record, else why not (in why) */
static const char *bad_input_sizes(const uint32_t *sizes, size_t n, char *why, size_t len)
{
    if (n > ORC_CLASSIFIER_INPUT_SIZES_MAX) {
        snprintf(why, len, "%zu network input sizes, at most %d", n,
                 ORC_CLASSIFIER_INPUT_SIZES_MAX);
        return why;
    }
    for (size_t i = 0; i < n; i++) {
        if (sizes[i] < ORC_MODEL_INPUT_MIN || sizes[i] > ORC_MODEL_INPUT_MAX) {
            snprintf(why, len, "network input size %u is not in %d..%d", sizes[i],
                     ORC_MODEL_INPUT_MIN, ORC_MODEL_INPUT_MAX);
            return why;
        }
        for (size_t j = 0; j < i; j++)
            if (sizes[j] == sizes[i]) {
                snprintf(why, len, "network input size %u is listed twice", sizes[i]);
                return why;
            }
    }
    return NULL;
}

orc_status orc_classifier_set_input_sizes(orc_classifier *c, const uint32_t *sizes, size_t n,
                                          orc_error *err)
{
    char why[96];
    if (c == NULL || (sizes == NULL && n > 0))
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "classifier: missing argument");
    if (bad_input_sizes(sizes, n, why, sizeof why) != NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "classifier: %s", why);
    memset(c->info.input_sizes, 0, sizeof c->info.input_sizes);
    for (size_t i = 0; i < n; i++)
        c->info.input_sizes[i] = sizes[i];
    c->info.input_size_count = (uint32_t)n;
    return ORC_OK;
}

/* ---- prediction ---------------------------------------------------------------------------- */

typedef struct predict_job {
    const orc_classifier *c;
    const float *x;
    float *proba;
    float *scratch; /* per 16-row block: z [16][d], hid [16][h], logits [16][k] per thread */
    size_t per_thread;
    unsigned threads;
    size_t n;
} predict_job;

#define PREDICT_BLOCK 16

static void predict_rows(void *arg, size_t b, size_t e, unsigned slot)
{
    predict_job *j = arg;
    const orc_classifier *c = j->c;
    size_t d = c->info.input_dim, k = c->info.class_count, h = c->info.hidden;
    float *z = j->scratch + slot * j->per_thread;
    float *hid = z + PREDICT_BLOCK * d, *lg = hid + PREDICT_BLOCK * h;
    for (size_t i0 = b; i0 < e; i0 += PREDICT_BLOCK) {
        size_t m = e - i0 < PREDICT_BLOCK ? e - i0 : PREDICT_BLOCK;
        for (size_t i = 0; i < m; i++)
            transform_row(c, j->x + (i0 + i) * d, z + i * d);
        if (h == 0) {
            c->gemm(m, k, d, z, d, c->w1, d, c->b1, lg, k);
        } else {
            c->gemm(m, h, d, z, d, c->w1, d, c->b1, hid, h);
            for (size_t i = 0; i < m * h; i++)
                if (!(hid[i] > 0.0f))
                    hid[i] = 0.0f;
            c->gemm(m, k, h, hid, h, c->w2, h, c->b2, lg, k);
        }
        for (size_t i = 0; i < m; i++) {
            const float *l = lg + i * k;
            float *p = j->proba + (i0 + i) * k;
            double mx = l[0], s = 0.0;
            for (size_t q = 1; q < k; q++)
                if (l[q] > mx)
                    mx = l[q];
            for (size_t q = 0; q < k; q++)
                s += exp((double)l[q] - mx);
            for (size_t q = 0; q < k; q++)
                p[q] = (float)(exp((double)l[q] - mx) / s);
        }
    }
}

orc_status orc_classifier_predict(const orc_classifier *c, const float *x, size_t n,
                                  unsigned threads, float *proba, orc_error *err)
{
    if (c == NULL || (n > 0 && (x == NULL || proba == NULL)))
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "classifier predict: missing argument");
    if (n == 0)
        return ORC_OK;
    size_t d = c->info.input_dim;
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(x[i]))
            return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                                 "classifier predict: feature %zu of row %zu is not finite",
                                 i % d, i / d);
    if (threads == 0)
        threads = 1;
    if (threads > CLS_MAX_THREADS)
        threads = CLS_MAX_THREADS;
    predict_job j = {c, x, proba, NULL, 0, threads, n};
    j.per_thread = PREDICT_BLOCK * (d + c->info.hidden + c->info.class_count);
    j.scratch = malloc(j.per_thread * threads * sizeof(float));
    if (j.scratch == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "classifier predict: no memory");
    parallel_for(threads, n, PREDICT_BLOCK, predict_rows, &j);
    free(j.scratch);
    return ORC_OK;
}

/* ---- the model file ------------------------------------------------------------------------ */

static void put_u16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}
static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}
static void put_f64(unsigned char *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    put_u64(p, u);
}
static uint16_t get_u16(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}
static double get_f64(const unsigned char *p)
{
    uint64_t u = get_u64(p);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

static int sha256(const unsigned char *data, size_t len, unsigned char out[32])
{
    unsigned int olen = 0;
    return EVP_Digest(data, len, out, &olen, EVP_sha256(), NULL) == 1 && olen == 32;
}

static size_t names_bytes(const orc_classifier *c)
{
    size_t total = 0;
    for (uint32_t i = 0; i < c->info.class_count; i++)
        total += 2 + strlen(c->names[i]);
    return align64(total);
}

orc_status orc_classifier_save(const orc_classifier *c, const char *path, orc_error *err)
{
    if (c == NULL || path == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "classifier save: missing argument");
    uint32_t d = c->info.input_dim, k = c->info.class_count, h = c->info.hidden;
    size_t nb = names_bytes(c), tb = tensors_bytes(d, k, h);
    size_t toff = CLS_HEADER + nb, size = toff + tb + 32;
    unsigned char *buf = calloc(1, size);
    if (buf == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "classifier save: no memory");
    memcpy(buf, CLS_MAGIC, 8);
    put_u32(buf + 8, CLS_VERSION);
    put_u32(buf + 12, CLS_HEADER);
    put_u64(buf + 16, size);
    put_u32(buf + 24, (uint32_t)c->info.kind);
    put_u32(buf + 28, (uint32_t)c->info.source);
    put_u32(buf + 32, d);
    put_u32(buf + 36, k);
    put_u32(buf + 40, h);
    put_u32(buf + 44, (c->info.l2_normalize ? 1u : 0u) | (c->info.power_normalize ? 2u : 0u));
    put_f64(buf + 48, c->info.C);
    put_u64(buf + 56, c->info.train_rows);
    put_u32(buf + 64, c->info.iterations);
    put_u32(buf + 68, c->info.evaluations);
    put_f64(buf + 72, c->info.final_loss);
    put_f64(buf + 80, c->info.train_seconds);
    put_u64(buf + 88, CLS_HEADER);
    put_u64(buf + 96, nb);
    put_u64(buf + 104, toff);
    put_u64(buf + 112, tb);
    if (c->info.source == ORC_FEATURE_SOURCE_PCA)
        memcpy(buf + 120, c->info.pca_sha256, 64);
    put_u32(buf + 184, c->info.input_size_count);
    for (uint32_t i = 0; i < c->info.input_size_count; i++)
        put_u32(buf + 188 + 4 * i, c->info.input_sizes[i]);
    unsigned char *p = buf + CLS_HEADER;
    for (uint32_t i = 0; i < k; i++) {
        size_t len = strlen(c->names[i]);
        put_u16(p, (uint16_t)len);
        memcpy(p + 2, c->names[i], len);
        p += 2 + len;
    }
    /* tensors: the in-memory block is already in file layout (little-endian hosts only) */
    memcpy(buf + toff, c->tensors, tb);
    orc_status st = ORC_OK;
    if (!sha256(buf, size - 32, buf + size - 32)) {
        st = orc_error_set(err, ORC_ERR_INTERNAL, "classifier save: SHA-256 failed");
        goto done;
    }
    /* write to a temporary name, then rename: a crash never leaves a half model under path */
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        st = orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "classifier save: path too long");
        goto done;
    }
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        st = orc_error_set(err, ORC_ERR_IO, "cannot write model %s: %s", tmp, strerror(errno));
        goto done;
    }
    size_t wrote = fwrite(buf, 1, size, f);
    int bad = wrote != size || fflush(f) != 0;
    if (fclose(f) != 0)
        bad = 1;
    if (bad || rename(tmp, path) != 0) {
        st = orc_error_set(err, ORC_ERR_IO, "cannot write model %s: %s", path, strerror(errno));
        remove(tmp);
    }
done:
    free(buf);
    return st;
}

orc_status orc_classifier_load(const char *path, orc_classifier **out, orc_error *err)
{
    if (path == NULL || out == NULL)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT, "classifier load: missing argument");
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return orc_error_set(err, ORC_ERR_IO, "cannot open model %s: %s", path, strerror(errno));
    unsigned char *buf = NULL;
    orc_classifier *c = NULL;
    orc_status st = ORC_OK;
    long fsz = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        fsz = ftell(f);
    if (fsz < 0 || fseek(f, 0, SEEK_SET) != 0) {
        st = orc_error_set(err, ORC_ERR_IO, "cannot read model %s: %s", path, strerror(errno));
        goto done;
    }
    size_t size = (size_t)fsz;
    if (size < CLS_HEADER + 32) {
        st = orc_error_set(err, ORC_ERR_FORMAT,
                           "%s is not an Orchard classifier: %zu bytes, shorter than a header",
                           path, size);
        goto done;
    }
    if ((buf = malloc(size)) == NULL) {
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "cannot read model %s: no memory", path);
        goto done;
    }
    if (fread(buf, 1, size, f) != size) {
        st = orc_error_set(err, ORC_ERR_IO, "cannot read model %s: short read", path);
        goto done;
    }
    if (memcmp(buf, CLS_MAGIC, 8) != 0) {
        st = orc_error_set(err, ORC_ERR_FORMAT,
                           "%s is not an Orchard classifier (bad magic; expected a .orcls file "
                           "written by orchard train)", path);
        goto done;
    }
    uint32_t version = get_u32(buf + 8);
    if (version != CLS_VERSION && version != CLS_VERSION_NO_SIZES) {
        st = orc_error_set(err, ORC_ERR_VERSION,
                           "%s: classifier format version %u, this orchard reads versions %u "
                           "and %u: retrain it with orchard train", path, version,
                           CLS_VERSION_NO_SIZES, CLS_VERSION);
        goto done;
    }
    if (get_u32(buf + 12) != CLS_HEADER || get_u64(buf + 16) != size) {
        st = orc_error_set(err, ORC_ERR_FORMAT,
                           "%s: header says %llu bytes but the file has %zu (truncated or "
                           "appended to)", path, (unsigned long long)get_u64(buf + 16), size);
        goto done;
    }
    unsigned char digest[32];
    if (!sha256(buf, size - 32, digest)) {
        st = orc_error_set(err, ORC_ERR_INTERNAL, "%s: SHA-256 failed", path);
        goto done;
    }
    if (memcmp(digest, buf + size - 32, 32) != 0) {
        st = orc_error_set(err, ORC_ERR_CHECKSUM,
                           "%s: checksum mismatch, the model file is corrupt: retrain or copy it "
                           "again", path);
        goto done;
    }
    uint32_t kind = get_u32(buf + 24), source = get_u32(buf + 28);
    uint32_t d = get_u32(buf + 32), k = get_u32(buf + 36), h = get_u32(buf + 40);
    uint32_t flags = get_u32(buf + 44);
    uint64_t noff = get_u64(buf + 88), nsz = get_u64(buf + 96);
    uint64_t toff = get_u64(buf + 104), tsz = get_u64(buf + 112);
    if ((kind != ORC_CLASSIFIER_LINEAR && kind != ORC_CLASSIFIER_MLP) ||
        (source != ORC_FEATURE_SOURCE_FEATURES && source != ORC_FEATURE_SOURCE_PCA) ||
        d == 0 || d > CLS_MAX_DIM || k < 2 || k > CLS_MAX_CLASSES ||
        (kind == ORC_CLASSIFIER_LINEAR) != (h == 0) || h > CLS_MAX_HIDDEN || flags > 3) {
        st = orc_error_set(err, ORC_ERR_FORMAT,
                           "%s: bad header (kind %u, source %u, %u features, %u classes, "
                           "%u hidden, flags %u)", path, kind, source, d, k, h, flags);
        goto done;
    }
    if (noff != CLS_HEADER || nsz > size || toff != noff + nsz || toff % 64 != 0 ||
        tsz != tensors_bytes(d, k, h) || toff + tsz + 32 != size) {
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: section offsets/sizes do not add up", path);
        goto done;
    }
    uint32_t nsizes = 0, sizes[ORC_CLASSIFIER_INPUT_SIZES_MAX] = {0};
    if (version == CLS_VERSION) {
        char why[96];
        nsizes = get_u32(buf + 184);
        int unused_set = 0;
        for (uint32_t i = 0; i < ORC_CLASSIFIER_INPUT_SIZES_MAX; i++) {
            sizes[i] = get_u32(buf + 188 + 4 * i);
            unused_set |= i >= nsizes && sizes[i] != 0;
        }
        const char *bad = bad_input_sizes(sizes, nsizes, why, sizeof why);
        if (bad == NULL && unused_set)
            bad = "an unused network input size slot is not zero";
        if (bad != NULL) {
            st = orc_error_set(err, ORC_ERR_FORMAT, "%s: bad header: %s", path, bad);
            goto done;
        }
    }
    if ((c = classifier_alloc(d, k, h)) == NULL) {
        st = orc_error_set(err, ORC_ERR_NO_MEMORY, "cannot read model %s: no memory", path);
        goto done;
    }
    c->info.input_size_count = nsizes;
    memcpy(c->info.input_sizes, sizes, sizeof sizes);
    c->info.kind = (orc_classifier_kind)kind;
    c->info.source = (orc_feature_source)source;
    c->info.l2_normalize = (int)(flags & 1);
    c->info.power_normalize = (int)((flags >> 1) & 1);
    c->info.C = get_f64(buf + 48);
    c->info.train_rows = get_u64(buf + 56);
    c->info.iterations = get_u32(buf + 64);
    c->info.evaluations = get_u32(buf + 68);
    c->info.final_loss = get_f64(buf + 72);
    c->info.train_seconds = get_f64(buf + 80);
    if (source == ORC_FEATURE_SOURCE_PCA) {
        memcpy(c->info.pca_sha256, buf + 120, 64);
        c->info.pca_sha256[64] = '\0';
        if (!is_hex64(c->info.pca_sha256)) {
            st = orc_error_set(err, ORC_ERR_FORMAT, "%s: bad PCA model checksum field", path);
            goto done;
        }
    }
    const unsigned char *p = buf + noff, *end = buf + noff + nsz;
    for (uint32_t i = 0; i < k; i++) {
        if (end - p < 2 || get_u16(p) == 0 || get_u16(p) > CLS_MAX_NAME ||
            (size_t)(end - p) < 2u + get_u16(p)) {
            st = orc_error_set(err, ORC_ERR_FORMAT, "%s: class name %u is out of bounds", path, i);
            goto done;
        }
        size_t len = get_u16(p);
        if (memchr(p + 2, '\0', len) != NULL || (c->names[i] = strndup((const char *)p + 2, len)) == NULL) {
            st = orc_error_set(err, ORC_ERR_FORMAT, "%s: class name %u is invalid", path, i);
            goto done;
        }
        p += 2 + len;
    }
    st = check_names((const char *const *)c->names, k, err);
    if (st != ORC_OK) {
        st = orc_error_set(err, ORC_ERR_FORMAT, "%s: class names are invalid (empty or repeated)",
                           path);
        goto done;
    }
    memcpy(c->tensors, buf + toff, tsz);
    {
        const float *t = c->tensors;
        for (size_t i = 0; i < tsz / sizeof(float); i++)
            if (!isfinite(t[i])) {
                st = orc_error_set(err, ORC_ERR_FORMAT, "%s: a weight is NaN or Inf", path);
                goto done;
            }
        for (uint32_t j = 0; j < d; j++)
            if (!(c->scale[j] > 0.0f)) {
                st = orc_error_set(err, ORC_ERR_FORMAT, "%s: scale of feature %u is not > 0",
                                   path, j);
                goto done;
            }
    }
done:
    fclose(f);
    free(buf);
    if (st != ORC_OK) {
        orc_classifier_close(c);
        return st;
    }
    *out = c;
    return ORC_OK;
}
