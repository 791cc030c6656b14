/* libgan's worker threads. A layer splits its batch into parts, a fixed number per model
 * (taken when it is built or re-sized), and runs them at once here. Which thread runs a
 * part never changes what it computes, so results depend on the part count only. */
#ifndef GAN_CORE_POOL_H
#define GAN_CORE_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "gan/status.h"

typedef gan_status (*gan__part_fn)(void *arg, int32_t part, int32_t parts);

/* Threads of the pool, the calling thread included (1: no workers). */
int32_t gan__pool_size(void);

/* Run fn(arg, p, parts) for every p in [0, parts): on the pool's threads when it is free,
 * else one after the other on this thread. Returns the status of the lowest failing part
 * and puts its message in this thread's gan_last_error(). */
gan_status gan__pool_run(gan__part_fn fn, void *arg, int32_t parts);

/* Which part of a gan__pool_run this thread is running (the outermost one when parts
 * nest), 0 outside one: parts running at once have different slots, so per-part scratch
 * space indexed by it is never shared between threads. */
int32_t gan__pool_slot(void);

/* Part p of n items split into `parts` contiguous ranges: [*begin, *end). */
static inline void gan__part_range(size_t n, int32_t part, int32_t parts, size_t *begin,
                                   size_t *end)
{
    *begin = n * (size_t)part / (size_t)parts;
    *end = n * ((size_t)part + 1) / (size_t)parts;
}

/* For work whose result does not depend on the split (elementwise passes, per-channel
 * statistics, the own sgemm's pieces): fn(arg, begin, end) over [0, n) in up to @p parts
 * ranges, as one range when n is too small to be worth waking threads for or when the
 * pool is already running a job (the pieces would only run one after the other). */
typedef void (*gan__range_fn)(void *arg, size_t begin, size_t end);
void gan__pool_for(gan__range_fn fn, void *arg, size_t n, size_t grain, int32_t parts);

#endif
