/* threadpool.c -- fixed pthread pool: a generation counter wakes the workers for each run, a
 * pending counter tells the caller when all are done.
 *
 * Both waits spin first (about 50-200 us, with a pause hint) and only then sleep on a condition
 * variable: a model split across threads runs one task per layer, tens of them per image, and a
 * futex wake-up per layer would cost more than the layer. The counters are atomics; the mutex
 * only guards going to sleep and waking up, so no wake-up is lost. */
#include "threadpool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "isa.h"

#define SPIN_ROUNDS 2000

static inline void cpu_relax(void)
{
#if ORC_ARCH_X86_64
    __builtin_ia32_pause();
#elif ORC_ARCH_AARCH64
    __asm__ volatile("yield");
#endif
}

struct orc_threadpool {
    size_t size;
    pthread_mutex_t lock;
    pthread_cond_t wake;     /* workers: a new generation (or stop) */
    pthread_cond_t done;     /* caller: pending reached 0 */
    atomic_ulong generation;
    atomic_size_t pending;   /* workers still running the current task */
    atomic_int stop;
    orc_threadpool_task *fn;
    void *ctx;
    size_t started;          /* workers successfully created */
    struct worker { orc_threadpool *pool; size_t index; pthread_t thread; } *workers;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    orc_threadpool *p = w->pool;
    unsigned long seen = 0;
    for (;;) {
        for (int i = 0; i < SPIN_ROUNDS && !atomic_load(&p->stop) &&
                        atomic_load(&p->generation) == seen; i++)
            cpu_relax();
        if (!atomic_load(&p->stop) && atomic_load(&p->generation) == seen) {
            pthread_mutex_lock(&p->lock);
            while (!atomic_load(&p->stop) && atomic_load(&p->generation) == seen)
                pthread_cond_wait(&p->wake, &p->lock);
            pthread_mutex_unlock(&p->lock);
        }
        if (atomic_load(&p->stop))
            break;
        seen = atomic_load(&p->generation);
        p->fn(p->ctx, w->index, p->size);
        if (atomic_fetch_sub(&p->pending, 1) == 1) {
            pthread_mutex_lock(&p->lock);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->lock);
        }
    }
    return NULL;
}

orc_status orc_threadpool_open(size_t threads, orc_threadpool **out, orc_error *err)
{
    if (threads < 1 || threads > ORC_THREADS_MAX)
        return orc_error_set(err, ORC_ERR_INVALID_ARGUMENT,
                             "thread count %zu is out of range (1..%d)", threads,
                             ORC_THREADS_MAX);
    orc_threadpool *p = calloc(1, sizeof *p);
    if (p == NULL)
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory for the thread pool");
    p->size = threads;
    p->workers = calloc(threads, sizeof *p->workers);
    if (p->workers == NULL) {
        free(p);
        return orc_error_set(err, ORC_ERR_NO_MEMORY, "out of memory for the thread pool");
    }
    atomic_init(&p->generation, 0);
    atomic_init(&p->pending, 0);
    atomic_init(&p->stop, 0);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    for (size_t i = 1; i < threads; i++) {
        p->workers[i].pool = p;
        p->workers[i].index = i;
        int rc = pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i]);
        if (rc != 0) {
            orc_threadpool_close(p);
            return orc_error_set(err, ORC_ERR_NO_MEMORY, "cannot create worker thread %zu of %zu: %s",
                                 i, threads, strerror(rc));
        }
        p->started = i;
    }
    *out = p;
    return ORC_OK;
}

void orc_threadpool_close(orc_threadpool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 1; i <= p->started; i++)
        pthread_join(p->workers[i].thread, NULL);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p->workers);
    free(p);
}

size_t orc_threadpool_size(const orc_threadpool *p)
{
    return p->size;
}

void orc_threadpool_run(orc_threadpool *p, orc_threadpool_task *fn, void *ctx)
{
    if (p->size == 1) {
        fn(ctx, 0, 1);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    atomic_store(&p->pending, p->size - 1);
    pthread_mutex_lock(&p->lock);
    atomic_fetch_add(&p->generation, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    fn(ctx, 0, p->size);
    for (int i = 0; i < SPIN_ROUNDS && atomic_load(&p->pending) > 0; i++)
        cpu_relax();
    if (atomic_load(&p->pending) > 0) {
        pthread_mutex_lock(&p->lock);
        while (atomic_load(&p->pending) > 0)
            pthread_cond_wait(&p->done, &p->lock);
        pthread_mutex_unlock(&p->lock);
    }
}
