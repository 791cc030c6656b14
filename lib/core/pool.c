/* A small fork-join pool on pthreads: worker w runs the parts p with p % size == w + 1,
 * the caller those with p % size == 0. Workers spin briefly before sleeping, because a
 * training step starts a few hundred short parallel passes. */
#include "core/pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas/blas.h"
#include "core/error.h"
#include "gan/blas.h"

#define GAN__POOL_MAX 256
#define GAN__POOL_SPIN 2000

typedef struct gan__pool {
    pthread_mutex_t lock;      /* guards the fields below and the job */
    pthread_cond_t wake, done;
    pthread_t threads[GAN__POOL_MAX];
    int32_t size;              /* threads, the caller included */
    atomic_uint_fast64_t generation; /* bumped per job; workers watch it */
    atomic_int pending;        /* workers still running the job */
    bool stop;
    uint_fast64_t base_generation; /* when the workers were started: their first "seen" */
    /* The job. */
    gan__part_fn fn;
    void *arg;
    int32_t parts;
    int32_t failed_part;
    gan_status failed_status;
    char failed_message[512];
} gan__pool;

static gan__pool gan__the_pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
    .size = 1,
};
/* The BLAS's thread count before the pool took the products over (guarded by
 * gan__pool_owner). */
static int32_t gan__pool_saved_blas_threads = 1;
/* Held by the one caller that owns the pool during a job; others run inline. */
static pthread_mutex_t gan__pool_owner = PTHREAD_MUTEX_INITIALIZER;
/* Set while the workers run a job: a range split asked for then would only run its
 * pieces one after the other (gan__pool_for). */
static atomic_bool gan__pool_running;

int32_t gan__pool_size(void)
{
    pthread_mutex_lock(&gan__the_pool.lock);
    int32_t size = gan__the_pool.size;
    pthread_mutex_unlock(&gan__the_pool.lock);
    return size;
}

static void gan__pool_record(gan__pool *p, int32_t part, gan_status st)
{
    pthread_mutex_lock(&p->lock);
    if (p->failed_part < 0 || part < p->failed_part) {
        p->failed_part = part;
        p->failed_status = st;
        snprintf(p->failed_message, sizeof p->failed_message, "%s", gan_last_error());
    }
    pthread_mutex_unlock(&p->lock);
}

/* The part this thread runs, plus one (0: none). A part run inside another part, which
 * runs on the same thread one after the other, keeps the outer part's slot. */
static _Thread_local int32_t gan__pool_part_plus1;

int32_t gan__pool_slot(void)
{
    return gan__pool_part_plus1 > 0 ? gan__pool_part_plus1 - 1 : 0;
}

static gan_status gan__pool_call(gan__part_fn fn, void *arg, int32_t part, int32_t parts)
{
    const int32_t outer = gan__pool_part_plus1;
    if (!outer)
        gan__pool_part_plus1 = part + 1;
    gan_status st = fn(arg, part, parts);
    gan__pool_part_plus1 = outer;
    return st;
}

static void gan__pool_run_parts(gan__pool *p, int32_t first, int32_t step)
{
    for (int32_t part = first; part < p->parts; part += step) {
        gan_status st = gan__pool_call(p->fn, p->arg, part, p->parts);
        if (st != GAN_OK)
            gan__pool_record(p, part, st);
    }
}

static void *gan__pool_worker(void *arg)
{
    gan__pool *p = &gan__the_pool;
    const int32_t index = (int32_t)(intptr_t)arg; /* 1 .. size-1 */
    pthread_mutex_lock(&p->lock);
    uint_fast64_t seen = p->base_generation; /* a job may already have been posted */
    pthread_mutex_unlock(&p->lock);
    for (;;) {
        for (int spin = 0; spin < GAN__POOL_SPIN && atomic_load(&p->generation) == seen;
             spin++)
            sched_yield();
        pthread_mutex_lock(&p->lock);
        while (atomic_load(&p->generation) == seen && !p->stop)
            pthread_cond_wait(&p->wake, &p->lock);
        if (p->stop) {
            pthread_mutex_unlock(&p->lock);
            return NULL;
        }
        seen = atomic_load(&p->generation);
        const int32_t size = p->size;
        pthread_mutex_unlock(&p->lock);
        gan__pool_run_parts(p, index, size);
        if (atomic_fetch_sub(&p->pending, 1) == 1) {
            pthread_mutex_lock(&p->lock);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->lock);
        }
    }
}

gan_status gan__pool_run(gan__part_fn fn, void *arg, int32_t parts)
{
    gan__pool *p = &gan__the_pool;
    if (parts <= 1 || gan__pool_size() == 1 || pthread_mutex_trylock(&gan__pool_owner) != 0) {
        for (int32_t part = 0; part < parts; part++) {
            gan_status st = gan__pool_call(fn, arg, part, parts);
            if (st != GAN_OK)
                return st;
        }
        return GAN_OK;
    }
    atomic_store(&gan__pool_running, true);
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->arg = arg;
    p->parts = parts;
    p->failed_part = -1;
    const int32_t size = p->size;
    atomic_store(&p->pending, size - 1);
    atomic_fetch_add(&p->generation, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);

    gan__pool_run_parts(p, 0, size);
    for (int spin = 0; spin < GAN__POOL_SPIN && atomic_load(&p->pending) > 0; spin++)
        sched_yield();
    pthread_mutex_lock(&p->lock);
    while (atomic_load(&p->pending) > 0)
        pthread_cond_wait(&p->done, &p->lock);
    gan_status st = GAN_OK;
    if (p->failed_part >= 0)
        st = gan__fail(p->failed_status, "%s", p->failed_message);
    pthread_mutex_unlock(&p->lock);
    atomic_store(&gan__pool_running, false);
    pthread_mutex_unlock(&gan__pool_owner);
    return st;
}

typedef struct gan__range_job {
    gan__range_fn fn;
    void *arg;
    size_t n;
} gan__range_job;

static gan_status gan__range_part(void *arg, int32_t part, int32_t parts)
{
    const gan__range_job *job = arg;
    size_t begin, end;
    gan__part_range(job->n, part, parts, &begin, &end);
    if (begin < end)
        job->fn(job->arg, begin, end);
    return GAN_OK;
}

void gan__pool_for(gan__range_fn fn, void *arg, size_t n, size_t grain, int32_t parts)
{
    if (parts > 1 && n / (size_t)parts < grain)
        parts = (int32_t)(n / grain > 1 ? n / grain : 1);
    if (parts > 1 && atomic_load(&gan__pool_running))
        parts = 1; /* inside a running job's part (or beside it): one range, no repeats */
    if (parts <= 1) {
        if (n)
            fn(arg, 0, n);
        return;
    }
    gan__range_job job = {.fn = fn, .arg = arg, .n = n};
    gan__pool_run(gan__range_part, &job, parts);
}

/* Stop and join every worker; the caller holds gan__pool_owner. */
static void gan__pool_stop(gan__pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->wake);
    const int32_t size = p->size;
    pthread_mutex_unlock(&p->lock);
    for (int32_t i = 1; i < size; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_lock(&p->lock);
    p->stop = false;
    p->size = 1;
    pthread_mutex_unlock(&p->lock);
}

/* A child of fork() has only the forking thread: it starts again with no workers. */
static void gan__pool_after_fork_child(void)
{
    gan__pool *p = &gan__the_pool;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    pthread_mutex_init(&gan__pool_owner, NULL);
    p->size = 1;
    p->stop = false;
}

static void gan__pool_register_fork(void)
{
    pthread_atfork(NULL, NULL, gan__pool_after_fork_child);
}

static gan_status gan__pool_reserve_part(void *arg, int32_t part, int32_t parts)
{
    (void)arg;
    (void)part;
    (void)parts;
    return gan__blas_reserve("gan_set_num_threads");
}

gan_status gan_set_num_threads(int32_t threads)
{
    static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
    pthread_once(&fork_once, gan__pool_register_fork);
    static const char who[] = "gan_set_num_threads";
    if (threads < 1 || threads > GAN__POOL_MAX)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: %d threads is outside [1, %d]", who,
                         (int)threads, GAN__POOL_MAX);
    gan__pool *p = &gan__the_pool;
    pthread_mutex_lock(&gan__pool_owner); /* waits for a running job */
    gan_status st = GAN_OK;
    const int32_t before = p->size;
    if (threads != p->size) {
        gan__pool_stop(p);
        pthread_mutex_lock(&p->lock);
        p->base_generation = atomic_load(&p->generation);
        pthread_mutex_unlock(&p->lock);
        int32_t started = 1;
        for (; started < threads; started++)
            if (pthread_create(&p->threads[started], NULL, gan__pool_worker,
                               (void *)(intptr_t)started) != 0)
                break;
        pthread_mutex_lock(&p->lock);
        p->size = started;
        pthread_mutex_unlock(&p->lock);
        if (started < threads) {
            gan__pool_stop(p);
            st = gan__fail(GAN_E_NO_MEMORY, "%s: could only start %d of %d threads; the "
                           "pool is back to 1", who, (int)started, (int)threads);
        }
    }
#if defined(GAN_HAVE_CBLAS)
    /* With workers the parts run the products, each single-threaded; back at 1 the BLAS
     * gets the thread count it had before. */
    const int32_t after = p->size;
    if (before == 1 && after > 1) {
        gan__pool_saved_blas_threads = gan__blas_get_threads();
        gan__blas_threads(1);
    } else if (before > 1 && after == 1) {
        gan__blas_threads(gan__pool_saved_blas_threads);
    }
#endif
    pthread_mutex_unlock(&gan__pool_owner);
    /* New workers take their packing space for libgan's sgemm now, not in a step; one
     * that cannot is told so at its first large product. */
    const int32_t now = gan__pool_size();
    if (st == GAN_OK && now > before)
        (void)gan__pool_run(gan__pool_reserve_part, NULL, now);
    return st;
}

int32_t gan_get_num_threads(void)
{
    return gan__pool_size();
}

/* Join the workers before the library is unloaded: they run its code. */
__attribute__((destructor)) static void gan__pool_unload(void)
{
    pthread_mutex_lock(&gan__pool_owner);
    gan__pool_stop(&gan__the_pool);
    pthread_mutex_unlock(&gan__pool_owner);
}
