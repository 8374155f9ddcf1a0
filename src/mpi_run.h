/* mpi_run.h -- the one module that calls MPI: `mpirun -np N orchard extract ...`.
 *
 * Built with MPI (-DORC_WITH_MPI, mpicc's compile flags on src/mpi_run.c only) when the Makefile
 * finds mpicc; without it the same API reports a single process and refuses to run under
 * mpirun. The pipeline never calls MPI: it sees an orc_pipeline_group (pipeline.h) whose
 * operations this module implements over MPI_COMM_WORLD:
 *   broadcast     MPI_Bcast of the length, then of the bytes in chunks of at most 1 GiB
 *   reduce_stats  MPI_Reduce to rank 0 with a non-commutative user operation around
 *                 orc_pca_stats_buffer_merge on one contiguous datatype of the whole buffer:
 *                 MPI applies it in rank order, so a given N gives the same bits every time
 *   barrier       MPI_Barrier
 * MPI is initialised only when the environment says mpirun (or srun with PMIx) started this
 * process (OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_RANK); a plain `orchard extract` never
 * touches MPI. Thread level: MPI_THREAD_FUNNELED (only the thread that called orc_mpi_open
 * calls MPI; the pipeline's worker threads never do). Errors return (MPI_ERRORS_RETURN).
 *
 * Failure: a rank whose job fails prints its reason with its rank and host, then calls
 * orc_mpi_abort, which ends every rank (MPI_Abort): no rank waits forever in a collective,
 * and rank 0 never writes _SUCCESS. A rank killed outright (SIGKILL, OOM) makes mpirun end the
 * others the same way.
 */
#ifndef ORC_MPI_RUN_H
#define ORC_MPI_RUN_H

#include "orchard.h"
#include "pipeline.h"

typedef struct orc_mpi orc_mpi;

/* 1 when the environment says this process was started by an MPI launcher */
int orc_mpi_launched(void);
/* 1 when this build has MPI */
int orc_mpi_available(void);

/* Join the MPI job when launched by one (else a single-process handle: rank 0 of 1).
 * Under a launcher without MPI support: ORC_ERR_UNSUPPORTED with a message saying so. */
orc_status orc_mpi_open(int *argc, char ***argv, orc_mpi **out, orc_error *err);
/* MPI_Finalize when MPI was initialised; NULL is a no-op */
void orc_mpi_close(orc_mpi *m);
unsigned orc_mpi_rank(const orc_mpi *m);
unsigned orc_mpi_size(const orc_mpi *m);
const char *orc_mpi_host(const orc_mpi *m);
/* the group of every rank, for orc_pipeline_options.group; NULL for a single process */
const orc_pipeline_group *orc_mpi_group(const orc_mpi *m);
/* End every rank of the job with this exit code (returns only without MPI). */
void orc_mpi_abort(orc_mpi *m, int code);

#endif
