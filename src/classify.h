/* classify.h -- the fruit classifier: softmax regression or a one-hidden-layer MLP head on
 * MobileNetV2 features (or their PCA projection), trained in C with L-BFGS.
 *
 * Pipeline of one row x[d] (float32):
 *   0. optional power normalisation: x_j <- sign(x_j) sqrt(|x_j|)
 *   1. optional L2 normalisation: x <- x / ||x||_2 (rows of norm 0 left as they are)
 *   2. standardization fitted on the training rows: z = (x - mean) / scale, scale = population
 *      standard deviation, 1 for a constant feature (as scikit-learn's StandardScaler)
 *   3. linear:  logits = W z + b,                 W [k][d], b [k]
 *      mlp:     h = relu(W1 z + b1), logits = W2 h + b2,   W1 [hidden][d], W2 [k][hidden]
 *   4. probabilities = softmax(logits)
 *
 * Training minimizes   sum_i -log p_i[y_i] + ||weights||^2 / (2 C)   (biases not penalized), the
 * scikit-learn LogisticRegression(C, multinomial) objective, divided by n for conditioning.
 * L-BFGS (src/lbfgs.h) with a strong-Wolfe line search; loss and gradient on `threads` threads
 * with a static split (each output element computed by one thread in a fixed order), so the
 * model is bitwise the same for any thread count on a given ISA. MLP weights start from a
 * fixed-seed xorshift Glorot-uniform draw; nothing else is random.
 *
 * The model file (.orcls) is described at the top of classify.c: little-endian fixed-width
 * header, magic + version checked first, 64-byte aligned float32 tensors, SHA-256 of everything
 * before the trailing 32-byte digest. It records the class names, the feature source (features
 * or pca), for pca the SHA-256 of the .orpca file it was trained on, and the network input
 * sizes the training rows were extracted at (orchard predict runs the network at those).
 *
 * Thread safety: an orc_classifier is immutable after train/load; predict may be called from
 * any number of threads at once.
 */
#ifndef ORC_CLASSIFY_H
#define ORC_CLASSIFY_H

#include "isa.h"
#include "orchard.h"

typedef enum orc_classifier_kind {
    ORC_CLASSIFIER_LINEAR = 1, /* multinomial logistic regression */
    ORC_CLASSIFIER_MLP = 2     /* one hidden ReLU layer, softmax output */
} orc_classifier_kind;

typedef enum orc_feature_source {
    ORC_FEATURE_SOURCE_FEATURES = 1, /* the 1280-d network features */
    ORC_FEATURE_SOURCE_PCA = 2       /* their projection by a PCA model (.orpca) */
} orc_feature_source;

typedef struct orc_classifier_options {
    orc_classifier_kind kind;
    double C;              /* inverse L2 strength (scikit-learn's C), > 0; default 1 */
    int power_normalize;   /* 1: step 0 above; default 0 */
    int l2_normalize;      /* 1: step 1 above; default 0 */
    int standardize;       /* 1: step 2 above (default); 0: mean 0, scale 1 */
    unsigned hidden;       /* MLP hidden units (default 256) */
    unsigned max_iter;     /* L-BFGS iterations (default 300) */
    double gtol;           /* L-BFGS gradient tolerance (default 1e-6) */
    unsigned threads;      /* 0 = 2 */
    uint64_t seed;         /* MLP initialisation (default 1) */
    int force_scalar;      /* 1: use the portable kernel (tests) */
} orc_classifier_options;

#define ORC_CLASSIFIER_INPUT_SIZES_MAX 4

typedef struct orc_classifier_info {
    orc_classifier_kind kind;
    orc_feature_source source;
    uint32_t input_dim;    /* d */
    uint32_t class_count;  /* k */
    uint32_t hidden;       /* 0 for linear */
    int power_normalize;
    int l2_normalize;
    double C;
    char pca_sha256[65];   /* hex SHA-256 of the .orpca file; "" for source features */
    /* network input sizes of the training rows (orchard extract --input-size), in order;
     * count 0: not recorded, i.e. the weight file's default (224) */
    uint32_t input_size_count;
    uint32_t input_sizes[ORC_CLASSIFIER_INPUT_SIZES_MAX];
    /* training record (0 in a model trained elsewhere) */
    uint64_t train_rows;
    uint32_t iterations, evaluations;
    double final_loss;     /* objective / n at the end */
    double train_seconds;  /* wall time of the optimizer */
} orc_classifier_info;

typedef struct orc_classifier orc_classifier;

void orc_classifier_options_default(orc_classifier_options *opt);

/* Train on x [n][d] with labels[i] in [0, k). class_names[k] are copied (each non-empty, at
 * most 255 bytes, no duplicates). The source is ORC_FEATURE_SOURCE_FEATURES until set. */
orc_status orc_classifier_train(const float *x, const uint32_t *labels, size_t n, size_t d,
                                const char *const *class_names, size_t k,
                                const orc_classifier_options *opt, orc_classifier **out,
                                orc_error *err);

/* Record where the inputs come from; pca_sha256 (64 hex digits) required for PCA, else NULL. */
orc_status orc_classifier_set_source(orc_classifier *c, orc_feature_source source,
                                     const char *pca_sha256, orc_error *err);

/* Record the network input sizes of the training rows: n <= ORC_CLASSIFIER_INPUT_SIZES_MAX
 * sizes, each in ORC_MODEL_INPUT_MIN..MAX (model.h), no repeats; n = 0 clears the record. */
orc_status orc_classifier_set_input_sizes(orc_classifier *c, const uint32_t *sizes, size_t n,
                                          orc_error *err);

/* proba [n][k] = class probabilities of x [n][d]; threads 0 = 1. Allocates scratch. */
orc_status orc_classifier_predict(const orc_classifier *c, const float *x, size_t n,
                                  unsigned threads, float *proba, orc_error *err);

orc_status orc_classifier_save(const orc_classifier *c, const char *path, orc_error *err);
/* Read and validate (magic, version, size, checksum, every count and offset) */
orc_status orc_classifier_load(const char *path, orc_classifier **out, orc_error *err);
void orc_classifier_close(orc_classifier *c);

const orc_classifier_info *orc_classifier_get_info(const orc_classifier *c);
const char *orc_classifier_class_name(const orc_classifier *c, size_t i);
/* Index of name among the classes, or -1. */
long orc_classifier_class_index(const orc_classifier *c, const char *name);

/* The fitted tensors (float32, layouts as in the pipeline above); NULL where absent. */
typedef struct orc_classifier_tensors {
    const float *mean, *scale;      /* [d] */
    const float *w1, *b1;           /* linear: W [k][d], b [k]; mlp: W1 [hidden][d], b1 [hidden] */
    const float *w2, *b2;           /* mlp only: W2 [k][hidden], b2 [k] */
} orc_classifier_tensors;
void orc_classifier_get_tensors(const orc_classifier *c, orc_classifier_tensors *t);

/* 1 if the classifier may run kernels of this ISA here (tests and benchmarks use it too) */
int orc_classify_isa_usable(orc_isa isa);

/* ---- the training objective, exposed for tests (gradient check, scikit-learn comparison) ---- */
typedef struct orc_classify_objective orc_classify_objective;

/* z [n][d] are already transformed rows (not copied: must outlive the objective). hidden = 0
 * gives the linear model. Parameter vector layout: linear [W k*d | b k]; mlp [W1 hidden*d |
 * b1 hidden | W2 k*hidden | b2 k]. */
orc_status orc_classify_objective_create(const float *z, const uint32_t *labels, size_t n,
                                         size_t d, size_t k, unsigned hidden, double C,
                                         unsigned threads, int force_scalar,
                                         orc_classify_objective **out, orc_error *err);
size_t orc_classify_objective_size(const orc_classify_objective *o);
/* (sum_i -log p_i[y_i] + ||W||^2 / (2C)) / n, and its gradient into grad (may be NULL) */
double orc_classify_objective_eval(orc_classify_objective *o, const double *theta, double *grad);
void orc_classify_objective_close(orc_classify_objective *o);

#endif
