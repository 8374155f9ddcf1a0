/* mpi_run.c -- MPI glue for `mpirun -np N orchard extract` (see mpi_run.h): the only file that
 * includes mpi.h; compiled with mpicc's flags when the build has MPI, else a single process. */
#include "mpi_run.h"

#include "pca.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef ORC_WITH_MPI
#include <mpi.h>
#endif

struct orc_mpi {
    unsigned rank, size;
    int initialized; /* MPI_Init_thread was called by us */
    char host[256];
    orc_pipeline_group group;
};

int orc_mpi_launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"};
    for (size_t k = 0; k < sizeof vars / sizeof *vars; k++) {
        const char *v = getenv(vars[k]);
        if (v != NULL && v[0] != '\0')
            return 1;
    }
    return 0;
}

unsigned orc_mpi_rank(const orc_mpi *m)
{
    return m != NULL ? m->rank : 0;
}

unsigned orc_mpi_size(const orc_mpi *m)
{
    return m != NULL ? m->size : 1;
}

const char *orc_mpi_host(const orc_mpi *m)
{
    return m != NULL ? m->host : "";
}

const orc_pipeline_group *orc_mpi_group(const orc_mpi *m)
{
    return m != NULL && m->size > 1 ? &m->group : NULL;
}

/* a handle for rank 0 of 1 on this host (MPI_Init, if any, comes after) */
static orc_status single_process(orc_mpi **out, orc_error *err)
{
    orc_mpi *m = calloc(1, sizeof *m);
    if (m == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "mpi: out of memory");
    m->size = 1;
    if (gethostname(m->host, sizeof m->host - 1) != 0)
        strcpy(m->host, "?");
    *out = m;
    return ORC_OK;
}

#ifdef ORC_WITH_MPI

int orc_mpi_available(void)
{
    return 1;
}

#define CHUNK_BYTES (1 << 30)

static orc_status mpi_fail(orc_error *err, int rc, const char *what)
{
    char msg[MPI_MAX_ERROR_STRING] = "";
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    return orc_error_set(err, ORC_ERR_NETWORK, "MPI %s failed: %s", what, msg);
}

static orc_status group_broadcast(void *ctx, void **data, size_t *len, orc_error *err)
{
    orc_mpi *m = ctx;
    unsigned long long n = m->rank == 0 ? (unsigned long long)*len : 0;
    int rc = MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS)
        return mpi_fail(err, rc, "broadcast");
    unsigned char *p = m->rank == 0 ? *data : malloc(n > 0 ? (size_t)n : 1);
    if (p == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "no memory for %llu broadcast bytes", n);
    for (unsigned long long off = 0; off < n; off += CHUNK_BYTES) {
        int c = n - off < CHUNK_BYTES ? (int)(n - off) : CHUNK_BYTES;
        if ((rc = MPI_Bcast(p + off, c, MPI_BYTE, 0, MPI_COMM_WORLD)) != MPI_SUCCESS) {
            if (m->rank != 0)
                free(p);
            return mpi_fail(err, rc, "broadcast");
        }
    }
    if (m->rank != 0) {
        *data = p;
        *len = (size_t)n;
    }
    return ORC_OK;
}

/* inout = in (lower ranks) merged with inout (higher ranks), in that order; a failed merge
 * poisons the tag so that rank 0's deserialize reports it */
static void stats_op(void *in, void *inout, int *count, MPI_Datatype *type)
{
    int bytes = 0;
    MPI_Type_size(*type, &bytes);
    size_t n = (size_t)bytes / sizeof(double);
    double *tmp = malloc(n * sizeof *tmp);
    for (int c = 0; c < *count; c++) {
        double *io = (double *)inout + (size_t)c * n;
        const double *lo = (const double *)in + (size_t)c * n;
        if (tmp == NULL) {
            io[0] = 0.0;
            continue;
        }
        memcpy(tmp, lo, n * sizeof *tmp);
        if (orc_pca_stats_buffer_merge(tmp, io, n, NULL) != ORC_OK)
            tmp[0] = 0.0;
        memcpy(io, tmp, n * sizeof *tmp);
    }
    free(tmp);
}

static orc_status group_reduce_stats(void *ctx, double *buf, size_t len, orc_error *err)
{
    orc_mpi *m = ctx;
    if (len == 0 || len > INT_MAX / sizeof(double))
        return orc_error_set(err, ORC_ERR_UNSUPPORTED,
                             "PCA statistics of %zu doubles: too large for one MPI message", len);
    MPI_Datatype type;
    MPI_Op op;
    int rc = MPI_Type_contiguous((int)len, MPI_DOUBLE, &type);
    if (rc != MPI_SUCCESS)
        return mpi_fail(err, rc, "Type_contiguous");
    if ((rc = MPI_Type_commit(&type)) != MPI_SUCCESS) {
        MPI_Type_free(&type);
        return mpi_fail(err, rc, "Type_commit");
    }
    if ((rc = MPI_Op_create(stats_op, 0 /* not commutative: rank order */, &op)) !=
        MPI_SUCCESS) {
        MPI_Type_free(&type);
        return mpi_fail(err, rc, "Op_create");
    }
    rc = MPI_Reduce(m->rank == 0 ? MPI_IN_PLACE : buf, m->rank == 0 ? buf : NULL, 1, type, op, 0,
                    MPI_COMM_WORLD);
    MPI_Op_free(&op);
    MPI_Type_free(&type);
    if (rc != MPI_SUCCESS)
        return mpi_fail(err, rc, "reduce of the PCA statistics");
    return ORC_OK;
}

static orc_status group_barrier(void *ctx, orc_error *err)
{
    (void)ctx;
    int rc = MPI_Barrier(MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? ORC_OK : mpi_fail(err, rc, "barrier");
}

orc_status orc_mpi_open(int *argc, char ***argv, orc_mpi **out, orc_error *err)
{
    orc_mpi *m = NULL;
    orc_status st = single_process(&m, err);
    if (st != ORC_OK)
        return st;
    if (orc_mpi_launched()) {
        int provided = 0, rank = 0, size = 1;
        int rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
        if (rc != MPI_SUCCESS) {
            free(m);
            return orc_error_set(err, ORC_ERR_NETWORK, "MPI_Init_thread failed (code %d)", rc);
        }
        m->initialized = 1;
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &size);
        m->rank = (unsigned)rank;
        m->size = (unsigned)size;
        if (provided < MPI_THREAD_FUNNELED) {
            orc_mpi_close(m);
            return orc_error_set(err, ORC_ERR_UNSUPPORTED,
                                 "this MPI library gives thread level %d, MPI_THREAD_FUNNELED "
                                 "is needed", provided);
        }
    }
    m->group = (orc_pipeline_group){.rank = m->rank,
                                    .size = m->size,
                                    .ctx = m,
                                    .broadcast = group_broadcast,
                                    .reduce_stats = group_reduce_stats,
                                    .barrier = group_barrier};
    *out = m;
    return ORC_OK;
}

void orc_mpi_abort(orc_mpi *m, int code)
{
    if (m != NULL && m->initialized)
        MPI_Abort(MPI_COMM_WORLD, code);
}

void orc_mpi_close(orc_mpi *m)
{
    if (m == NULL)
        return;
    if (m->initialized)
        MPI_Finalize();
    free(m);
}

#else /* no MPI in this build */

int orc_mpi_available(void)
{
    return 0;
}

orc_status orc_mpi_open(int *argc, char ***argv, orc_mpi **out, orc_error *err)
{
    (void)argc;
    (void)argv;
    if (orc_mpi_launched())
        return orc_error_set(err, ORC_ERR_UNSUPPORTED,
                             "started by mpirun, but this orchard was built without MPI: every "
                             "process would run the whole job (install libopenmpi-dev and "
                             "rebuild with make MPI=1, or run it without mpirun)");
    orc_mpi *m = NULL;
    orc_status st = single_process(&m, err);
    if (st != ORC_OK)
        return st;
    *out = m;
    return ORC_OK;
}

void orc_mpi_abort(orc_mpi *m, int code)
{
    (void)m;
    (void)code;
}

void orc_mpi_close(orc_mpi *m)
{
    free(m);
}

#endif
