/* Per-layer profiling: wall time and matrix-product flops of each pass. */
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "model.h"

static double gan__now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

gan__profile_mark gan__profile_begin(const gan_model_t *m)
{
    gan__profile_mark mark = {0};
    if (m->profiling) {
        mark.seconds = gan__now();
        mark.flops = (double)atomic_load(&((gan_model_t *)m)->profile_flops);
    }
    return mark;
}

void gan__profile_end(const gan_model_t *m, gan_layer_t *l, int pass,
                      gan__profile_mark start)
{
    if (!m->profiling)
        return;
    l->profile.seconds[pass] += gan__now() - start.seconds;
    l->profile.flops[pass] +=
        (double)atomic_load(&((gan_model_t *)m)->profile_flops) - start.flops;
}

gan_status gan_model_set_profiling(gan_model_t *m, int enabled)
{
    if (!m)
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_set_profiling: model is NULL");
    m->profiling = enabled != 0;
    m->blas.flops = m->profiling ? &m->profile_flops : NULL;
    atomic_store(&m->profile_flops, 0);
    for (int32_t i = 0; i < m->n_layers; i++)
        memset(&m->layers[i]->profile, 0, sizeof m->layers[i]->profile);
    return GAN_OK;
}

gan_status gan_model_get_layer_profile(const gan_model_t *m, int32_t index,
                                       double *forward_seconds, double *backward_seconds,
                                       double *forward_flops, double *backward_flops)
{
    static const char who[] = "gan_model_get_layer_profile";
    if (!m)
        return gan__fail(GAN_E_INVALID_ARG, "%s: model is NULL", who);
    gan_layer_t *l;
    gan_status st = gan__layer_at(m, index, who, &l);
    if (st != GAN_OK)
        return st;
    const gan__profile *p = &l->profile;
    if (forward_seconds)
        *forward_seconds = p->seconds[0];
    if (backward_seconds)
        *backward_seconds = p->seconds[1];
    if (forward_flops)
        *forward_flops = p->flops[0];
    if (backward_flops)
        *backward_flops = p->flops[1];
    return GAN_OK;
}
