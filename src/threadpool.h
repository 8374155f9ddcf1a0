/* threadpool.h -- a small pthread pool that runs one task on every thread at once.
 *
 * orc_threadpool_run(pool, fn, ctx) calls fn(ctx, t, n) once for every t in [0, n), n being the
 * pool size: thread 0 is the caller itself, threads 1..n-1 are workers created at open. It
 * returns when every call has returned. Work is split statically by the task (see
 * orc_split_range), never by who comes first, so results never depend on scheduling.
 *
 * Threading rules: one orc_threadpool_run at a time per pool (the model owns its pool and
 * serialises its calls); tasks must not call orc_threadpool_run themselves. Open and close from
 * the same thread. Workers wait on a condition variable between runs (no busy spinning).
 */
#ifndef ORC_THREADPOOL_H
#define ORC_THREADPOOL_H

#include <stddef.h>

#include "orchard.h"

#define ORC_THREADS_MAX 256

typedef struct orc_threadpool orc_threadpool;
typedef void orc_threadpool_task(void *ctx, size_t thread_index, size_t thread_count);

/* threads in [1, ORC_THREADS_MAX]; 1 makes a pool without workers (run calls fn inline) */
orc_status orc_threadpool_open(size_t threads, orc_threadpool **out, orc_error *err);
void orc_threadpool_close(orc_threadpool *pool);
size_t orc_threadpool_size(const orc_threadpool *pool);
void orc_threadpool_run(orc_threadpool *pool, orc_threadpool_task *fn, void *ctx);

/* The static split of [0, n) into `count` contiguous slices: slice `index` is [*begin, *end).
 * Slices differ in size by at most one; the first n % count slices are the larger ones. */
static inline void orc_split_range(size_t n, size_t index, size_t count, size_t *begin,
                                   size_t *end)
{
    size_t base = n / count, extra = n % count;
    *begin = index * base + (index < extra ? index : extra);
    *end = *begin + base + (index < extra ? 1 : 0);
}

#endif
