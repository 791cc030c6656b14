/* The trainers' gradient hooks and shards (gan_trainer_set_grad_hook, gan_trainer_set_shard,
 * and the CycleGAN, SeqGAN and text-to-image trainers' own): what data-parallel training
 * builds on. Two trainers on two threads, each a shard of the global batch with a hook
 * that averages their gradients, train as one trainer on the global batch does. */
#include "test_util.h"

#include "cyclegan_rig.h"
#include "seqgan_rig.h"
#include "text2img_rig.h"

#include <gan/extend.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LATENT 4
#define BATCH 16
#define STEPS 20

typedef struct rig {
    gan_model_t *g, *d;
    gan_optimizer_t *g_opt, *d_opt;
    gan_trainer_t *trainer;
} rig;

static bool with_bn; /* the rigs' hidden layers are followed by BatchNorm */

static gan_model_t *mlp(int32_t in, int32_t out, int32_t batch, uint64_t seed)
{
    const int32_t dims[1] = {in};
    gan_model_t *m = gt_model_seeded(dims, 1, seed);
    gan_layer_t *l;
    /* No bias before BatchNorm: its gradient is zero but for rounding, which Adam would
     * blow up to a step of the learning rate either way. */
    gt_add(m, gan_layer_dense_create(&l, 32, !with_bn), l);
    if (with_bn)
        gt_add(m, gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), l);
    gt_add(m, gan_layer_leaky_relu_create(&l, 0.2f), l);
    /* Nor at the output: a shift of all of G's fakes is invisible to D's BatchNorm. */
    gt_add(m, gan_layer_dense_create(&l, out, !with_bn), l);
    GT_OK(gan_model_build(m, batch));
    return m;
}

static void rig_create(rig *r, int32_t batch, const gan_hacks_t *hacks)
{
    r->g = mlp(LATENT, 2, batch, 1);
    r->d = mlp(2, 1, batch, 2);
    GT_OK(gan_optimizer_adam_create(&r->g_opt, r->g, 1e-3f, 0.5f, 0.999f, 1e-8f));
    GT_OK(gan_optimizer_adam_create(&r->d_opt, r->d, 1e-3f, 0.5f, 0.999f, 1e-8f));
    GT_OK(gan_trainer_create(&r->trainer, r->g, r->d, r->g_opt, r->d_opt, hacks));
}

static void rig_destroy(rig *r)
{
    gt_gan_destroy(r->trainer, r->g_opt, r->d_opt, r->g, r->d);
}

static float *params_copy(gan_model_t *m, size_t *n)
{
    float *p;
    GT_OK(gan_model_get_params(m, &p, n));
    float *c = malloc(*n * sizeof *c);
    assert_non_null(c);
    memcpy(c, p, *n * sizeof *c);
    return c;
}

typedef struct calls {
    int count[2];
    size_t size[2];
} calls;

static gan_status scale_by_zero(void *user, int32_t network, float *grads, size_t count)
{
    calls *c = user;
    c->count[network]++;
    c->size[network] = count;
    for (size_t i = 0; i < count; i++)
        grads[i] *= 0.0f;
    return GAN_OK;
}

/* Adam with a zero gradient moves nothing (m = v = 0, the step is 0 / (0 + eps)). */
static void test_zero_gradients_leave_the_parameters(void **state)
{
    (void)state;
    rig r;
    rig_create(&r, BATCH, NULL);
    calls c = {{0, 0}, {0, 0}};
    GT_OK(gan_trainer_set_grad_hook(r.trainer, scale_by_zero, &c));
    size_t ng, nd;
    float *g0 = params_copy(r.g, &ng), *d0 = params_copy(r.d, &nd), *gp, *dp;
    float real[BATCH * 2];
    gt_rng rng;
    gt_seed(&rng, 3);
    gt_ring_batch(&rng, real, NULL, BATCH);
    gan_step_stats_t s = {.struct_size = sizeof s};
    for (int i = 0; i < 3; i++)
        GT_OK(gan_trainer_step(r.trainer, real, NULL, BATCH, &s));
    assert_int_equal(c.count[GAN_NETWORK_DISCRIMINATOR], 3);
    assert_int_equal(c.count[GAN_NETWORK_GENERATOR], 3);
    assert_int_equal(c.size[GAN_NETWORK_GENERATOR], ng);
    assert_int_equal(c.size[GAN_NETWORK_DISCRIMINATOR], nd);
    assert_true(s.d_grad_norm == 0.0 && s.g_grad_norm == 0.0); /* the norm is the hook's */
    GT_OK(gan_model_get_params(r.g, &gp, &ng));
    GT_OK(gan_model_get_params(r.d, &dp, &nd));
    assert_memory_equal(g0, gp, ng * sizeof *gp);
    assert_memory_equal(d0, dp, nd * sizeof *dp);

    /* Removed, the hook is no longer called and training moves the parameters. */
    GT_OK(gan_trainer_set_grad_hook(r.trainer, NULL, &c));
    GT_OK(gan_trainer_step(r.trainer, real, NULL, BATCH, &s));
    assert_int_equal(c.count[GAN_NETWORK_DISCRIMINATOR], 3);
    assert_true(memcmp(d0, dp, nd * sizeof *dp) != 0);
    free(g0);
    free(d0);
    rig_destroy(&r);
}

static gan_status fail_on_g(void *user, int32_t network, float *grads, size_t count)
{
    (void)user;
    (void)grads;
    (void)count;
    if (network == GAN_NETWORK_GENERATOR)
        return gan_set_error(GAN_E_BACKEND, "all-reduce: rank 1 is gone");
    return GAN_OK;
}

static gan_status fail_silently(void *user, int32_t network, float *grads, size_t count)
{
    (void)user;
    (void)network;
    (void)grads;
    (void)count;
    return GAN_E_IO;
}

/* A hook's error stops the step: its status, its message, and no update of that network. */
static void test_hook_error_stops_the_step(void **state)
{
    (void)state;
    rig r;
    rig_create(&r, BATCH, NULL);
    size_t ng, nd;
    float *g0 = params_copy(r.g, &ng), *d0 = params_copy(r.d, &nd), *gp, *dp;
    float real[BATCH * 2];
    gt_rng rng;
    gt_seed(&rng, 4);
    gt_ring_batch(&rng, real, NULL, BATCH);
    GT_OK(gan_trainer_set_grad_hook(r.trainer, fail_on_g, NULL));
    gan_step_stats_t s = {.struct_size = sizeof s, .d_loss = 42.0};
    GT_FAILS(gan_trainer_step(r.trainer, real, NULL, BATCH, &s), GAN_E_BACKEND,
             "gradient hook returned");
    assert_non_null(strstr(gan_last_error(), "the generator's gradients: all-reduce: rank 1 is gone"));
    assert_true(s.d_loss == 42.0); /* stats untouched on failure */
    GT_OK(gan_model_get_params(r.g, &gp, &ng));
    GT_OK(gan_model_get_params(r.d, &dp, &nd));
    assert_memory_equal(g0, gp, ng * sizeof *gp);         /* G not updated */
    assert_true(memcmp(d0, dp, nd * sizeof *dp) != 0);     /* D's update came first */

    memcpy(d0, dp, nd * sizeof *dp);
    GT_OK(gan_trainer_set_grad_hook(r.trainer, fail_silently, NULL));
    GT_FAILS(gan_trainer_step(r.trainer, real, NULL, BATCH, NULL), GAN_E_IO,
             "the discriminator's gradients; that update was skipped");
    assert_memory_equal(d0, dp, nd * sizeof *dp);
    free(g0);
    free(d0);
    rig_destroy(&r);
}

/* Two shards on two threads, averaging through a barrier: an all-reduce in one process. */
typedef struct pair {
    pthread_barrier_t barrier;
    float *grads[2];
    double *sums[2];
    size_t count;
} pair;

typedef struct shard shard;
struct shard {
    pair *p;
    int32_t index;
    rig r;
    const float *real; /* the global batch; this shard's rows are its own */
    cg_rig cg;         /* CycleGAN shards: real is domain A's batches, b domain B's */
    const float *b;
    sg_rig sg;         /* SeqGAN shards: ids are the real sequences */
    t2i_rig ti;        /* text to image: real the images, ids the captions, wrong ... */
    const int32_t *ids, *wrong;
    gan_status (*step)(struct shard *s, int i); /* step i of the shard's trainer */
    int steps;
};

static gan_status average_pair(void *user, int32_t network, float *grads, size_t count)
{
    shard *s = user;
    (void)network;
    s->p->grads[s->index] = grads;
    s->p->count = count;
    pthread_barrier_wait(&s->p->barrier);
    /* Both sum in the same order (shard 0 first), so both get the same bits. */
    float *a = s->p->grads[0], *b = s->p->grads[1];
    float *mine = malloc(count * sizeof *mine);
    if (!mine)
        return GAN_E_NO_MEMORY;
    for (size_t i = 0; i < count; i++)
        mine[i] = (a[i] + b[i]) * 0.5f;
    pthread_barrier_wait(&s->p->barrier);
    memcpy(grads, mine, count * sizeof *mine);
    free(mine);
    return GAN_OK;
}

/* Sync-BN's reduction: both shards' sums, added in shard order. */
static gan_status sum_pair(void *user, int32_t layer, double *sums, size_t count)
{
    shard *s = user;
    (void)layer;
    s->p->sums[s->index] = sums;
    pthread_barrier_wait(&s->p->barrier);
    double *a = s->p->sums[0], *b = s->p->sums[1];
    double *mine = malloc(count * sizeof *mine);
    for (size_t i = 0; mine && i < count; i++)
        mine[i] = a[i] + b[i];
    pthread_barrier_wait(&s->p->barrier);
    if (!mine)
        return GAN_E_NO_MEMORY;
    memcpy(sums, mine, count * sizeof *mine);
    free(mine);
    return GAN_OK;
}

static gan_status gan_step(shard *s, int i)
{
    return gan_trainer_step(s->r.trainer, s->real + (size_t)(i * 2 + s->index) * BATCH * 2,
                            NULL, BATCH, NULL);
}

static void *run_steps(void *arg)
{
    shard *s = arg;
    for (int i = 0; i < s->steps; i++)
        if (s->step(s, i) != GAN_OK)
            return (void *)1;
    return NULL;
}

/* Both shards at once, each on its thread, @p steps steps of @p step. */
static void run_both(shard s[2], gan_status (*step)(shard *s, int i), int steps)
{
    pthread_t th[2];
    for (int k = 0; k < 2; k++) {
        s[k].step = step;
        s[k].steps = steps;
        assert_int_equal(pthread_create(&th[k], NULL, run_steps, &s[k]), 0);
    }
    for (int k = 0; k < 2; k++) {
        void *ret;
        assert_int_equal(pthread_join(th[k], &ret), 0);
        assert_null(ret);
    }
}

static double max_diff(gan_model_t *a, gan_model_t *b)
{
    float *pa, *pb;
    size_t na, nb;
    GT_OK(gan_model_get_params(a, &pa, &na));
    GT_OK(gan_model_get_params(b, &pb, &nb));
    assert_int_equal(na, nb);
    double m = 0.0;
    for (size_t i = 0; i < na; i++)
        m = fmax(m, fabs((double)pa[i] - pb[i]));
    return m;
}

/* One trainer on the global batch against two shards (sync: with sync-BN's reduction
 * hooks); the largest parameter difference of G and D after STEPS steps. */
static void one_against_shards(bool sync, double *dg, double *dd)
{
    gan_hacks_t *h;
    GT_OK(gan_hacks_create(&h));
    GT_OK(gan_hacks_set(h, GAN_HACK_FLIP_PROB, 0.05)); /* per-sample draws, sharded */
    GT_OK(gan_hacks_set(h, GAN_HACK_INSTANCE_NOISE, 0.1));
    float *real = malloc((size_t)STEPS * 2 * BATCH * 2 * sizeof *real);
    assert_non_null(real);
    gt_rng rng;
    gt_seed(&rng, 5);
    gt_ring_batch(&rng, real, NULL, STEPS * 2 * BATCH);

    rig one;
    rig_create(&one, 2 * BATCH, h);
    for (int i = 0; i < STEPS; i++)
        GT_OK(gan_trainer_step(one.trainer, real + (size_t)i * 2 * BATCH * 2, NULL,
                               2 * BATCH, NULL));

    pair p;
    assert_int_equal(pthread_barrier_init(&p.barrier, NULL, 2), 0);
    shard s[2];
    for (int32_t k = 0; k < 2; k++) {
        s[k] = (shard){.p = &p, .index = k, .real = real};
        rig_create(&s[k].r, BATCH, h);
        GT_OK(gan_trainer_set_shard(s[k].r.trainer, k, 2));
        GT_OK(gan_trainer_set_grad_hook(s[k].r.trainer, average_pair, &s[k]));
        if (sync) {
            GT_OK(gan_model_set_reduce_hook(s[k].r.g, sum_pair, &s[k]));
            GT_OK(gan_model_set_reduce_hook(s[k].r.d, sum_pair, &s[k]));
        }
    }
    run_both(s, gan_step, STEPS);
    /* The shards agree bit for bit; with the global batch only up to the order of the
     * Dense layers' sums over the batch (one GEMM of 32 rows against two of 16). */
    assert_true(max_diff(s[0].r.g, s[1].r.g) == 0.0);
    assert_true(max_diff(s[0].r.d, s[1].r.d) == 0.0);
    *dg = max_diff(one.g, s[0].r.g);
    *dd = max_diff(one.d, s[0].r.d);
    printf("# %d steps%s%s: largest |difference| from the global batch: G %.3g, D %.3g\n",
           STEPS, with_bn ? ", BatchNorm" : "", sync ? " synchronised" : "", *dg, *dd);
    /* And their random streams are where the global trainer's is. */
    float za[LATENT], zb[LATENT];
    GT_OK(gan_trainer_sample_latent(one.trainer, 1, za));
    GT_OK(gan_trainer_sample_latent(s[1].r.trainer, 1, zb));
    assert_memory_equal(za, zb, sizeof za);
    pthread_barrier_destroy(&p.barrier);
    for (int k = 0; k < 2; k++)
        rig_destroy(&s[k].r);
    rig_destroy(&one);
    gan_hacks_destroy(h);
    free(real);
}

static void test_two_shards_train_as_the_global_batch(void **state)
{
    (void)state;
    double dg, dd;
    with_bn = false;
    one_against_shards(false, &dg, &dd);
    assert_true(dg < 1e-4 && dd < 1e-4);
}

/* With BatchNorm, each shard's own statistics make another model; synchronised (the
 * reduction hooks), the shards train as the global batch does again. */
static void test_sync_bn(void **state)
{
    (void)state;
    double dg, dd, sync_g, sync_d;
    with_bn = true;
    one_against_shards(false, &dg, &dd);
    one_against_shards(true, &sync_g, &sync_d);
    with_bn = false;
    assert_true(sync_g < 1e-4 && sync_d < 1e-4);
    assert_true(dg > 100 * sync_g && dd > 100 * sync_d);
}

static gan_status refuse(void *user, int32_t layer, double *sums, size_t count)
{
    int *calls = user;
    (void)sums;
    (void)count;
    (*calls)++;
    return gan_set_error(GAN_E_IO, "reduce: layer %d: the peer is gone", (int)layer);
}

/* The reduction hook runs in training mode only, and its error ends the pass. */
static void test_reduce_hook_error(void **state)
{
    (void)state;
    with_bn = true;
    gan_model_t *m = mlp(2, 1, 4, 9);
    with_bn = false;
    const float x[8] = {0.1f, 0.2f, 0.3f, -0.4f, 0.5f, 0.6f, -0.7f, 0.8f};
    int calls = 0;
    GT_OK(gan_model_set_reduce_hook(m, refuse, &calls));
    GT_OK(gan_model_set_training(m, false));
    GT_OK(gan_model_forward(m, x, NULL, 4, NULL));
    assert_int_equal(calls, 0);
    GT_OK(gan_model_set_training(m, true));
    GT_FAILS(gan_model_forward(m, x, NULL, 4, NULL), GAN_E_IO, "reduction hook returned");
    assert_non_null(strstr(gan_last_error(), "layer 1: the peer is gone"));
    assert_int_equal(calls, 1);
    GT_OK(gan_model_set_reduce_hook(m, NULL, &calls));
    GT_OK(gan_model_forward(m, x, NULL, 4, NULL));
    assert_int_equal(calls, 1);
    GT_FAILS(gan_model_set_reduce_hook(NULL, refuse, NULL), GAN_E_INVALID_ARG,
             "model is NULL");
    gan_model_destroy(m);
}

/* CycleGAN: toy 8x8 images, batches of CG_BATCH a shard. */
#define CG_BATCH 4
#define CG_STEPS 10
#define CG_IMAGE 64

static gan_status cg_step(shard *s, int i)
{
    const size_t at = (size_t)(i * 2 + s->index) * CG_BATCH * CG_IMAGE;
    return gan_cyclegan_step(s->cg.t, s->real + at, s->b + at, CG_BATCH, NULL);
}

/* Two CycleGAN shards averaging their gradients against one trainer on the global batch
 * (with @p pool images per pool); the largest parameter difference over the four
 * networks after CG_STEPS steps, or -1 for the pools, whose history is each shard's. */
static double cg_one_against_shards(int32_t pool)
{
    gan_cyclegan_options_t o;
    GT_OK(gan_cyclegan_options_init(&o, sizeof o));
    o.pool_size = pool;
    const size_t floats = (size_t)CG_STEPS * 2 * CG_BATCH * CG_IMAGE;
    float *a = malloc(floats * sizeof *a), *b = malloc(floats * sizeof *b);
    assert_true(a && b);
    uint64_t data = 17;
    cg_toy_batch(&data, a, NULL, CG_STEPS * 2 * CG_BATCH, false);
    cg_toy_batch(&data, b, NULL, CG_STEPS * 2 * CG_BATCH, true);

    cg_rig one;
    cg_rig_make(&one, 2 * CG_BATCH, 1, 8, 8, 0, &o);
    const size_t global = 2 * CG_BATCH * CG_IMAGE;
    for (int i = 0; i < CG_STEPS; i++)
        GT_OK(gan_cyclegan_step(one.t, a + i * global, b + i * global, 2 * CG_BATCH, NULL));

    pair p;
    assert_int_equal(pthread_barrier_init(&p.barrier, NULL, 2), 0);
    shard s[2];
    for (int32_t k = 0; k < 2; k++) {
        s[k] = (shard){.p = &p, .index = k, .real = a, .b = b};
        cg_rig_make(&s[k].cg, CG_BATCH, 1, 8, 8, 0, &o);
        GT_OK(gan_cyclegan_set_shard(s[k].cg.t, k, 2));
        GT_OK(gan_cyclegan_set_grad_hook(s[k].cg.t, average_pair, &s[k]));
    }
    run_both(s, cg_step, CG_STEPS);
    double worst = 0.0;
    for (int m = 0; m < 4; m++) {
        assert_true(max_diff(s[0].cg.m[m], s[1].cg.m[m]) == 0.0); /* the shards agree */
        worst = fmax(worst, max_diff(one.m[m], s[0].cg.m[m]));
    }
    printf("# CycleGAN, %d steps, pools of %d: largest |difference| from the global "
           "batch: %.3g\n", CG_STEPS, (int)pool, worst);
    pthread_barrier_destroy(&p.barrier);
    for (int k = 0; k < 2; k++)
        cg_rig_free(&s[k].cg);
    cg_rig_free(&one);
    free(a);
    free(b);
    return worst;
}

/* Without pools (CycleGAN's only per-sample draws) the shards train as the global batch
 * does, up to the order of the sums over the batch; with pools they still agree with
 * each other (their draws stay in step) and train a model of the same kind. */
static void test_cyclegan_two_shards(void **state)
{
    (void)state;
    assert_true(cg_one_against_shards(0) < 1e-5);
    assert_true(cg_one_against_shards(3) < 1e-2);
}

typedef struct cg_calls {
    int32_t order[8];
    size_t size[8];
    int n;
    int32_t fail_on; /* the network whose call fails, or -1 */
} cg_calls;

static gan_status cg_record(void *user, int32_t network, float *grads, size_t count)
{
    cg_calls *c = user;
    if (c->n < 8) {
        c->order[c->n] = network;
        c->size[c->n++] = count;
    }
    for (size_t i = 0; i < count; i++)
        grads[i] = 0.0f;
    if (network == c->fail_on)
        return gan_set_error(GAN_E_BACKEND, "all-reduce: the peer is gone");
    return GAN_OK;
}

/* The hook sees G, F, D_A, D_B in order with their whole arenas; zeroed gradients leave
 * Adam's parameters as they were; an error stops the step with its message. */
static void test_cyclegan_hook(void **state)
{
    (void)state;
    cg_rig r;
    cg_rig_make(&r, CG_BATCH, 1, 8, 8, 0, NULL);
    float a[CG_BATCH * CG_IMAGE], b[CG_BATCH * CG_IMAGE];
    uint64_t data = 5;
    cg_toy_batch(&data, a, NULL, CG_BATCH, false);
    cg_toy_batch(&data, b, NULL, CG_BATCH, true);
    size_t n[4];
    float *before[4];
    for (int m = 0; m < 4; m++)
        before[m] = params_copy(r.m[m], &n[m]);
    cg_calls c = {.fail_on = -1};
    GT_OK(gan_cyclegan_set_grad_hook(r.t, cg_record, &c));
    GT_OK(gan_cyclegan_step(r.t, a, b, CG_BATCH, NULL));
    static const int32_t want[4] = {GAN_NETWORK_CYCLEGAN_G, GAN_NETWORK_CYCLEGAN_F,
                                    GAN_NETWORK_CYCLEGAN_D_A, GAN_NETWORK_CYCLEGAN_D_B};
    assert_int_equal(c.n, 4);
    for (int m = 0; m < 4; m++) {
        float *p;
        size_t count;
        assert_int_equal(c.order[m], want[m]);
        assert_int_equal(c.size[m], n[m]);
        GT_OK(gan_model_get_params(r.m[m], &p, &count));
        assert_memory_equal(before[m], p, count * sizeof *p);
    }

    /* D_B's hook fails: the generators were updated, the discriminators not. */
    GT_OK(gan_cyclegan_set_grad_hook(r.t, NULL, NULL));
    GT_OK(gan_cyclegan_step(r.t, a, b, CG_BATCH, NULL));
    for (int m = 0; m < 4; m++) {
        free(before[m]);
        before[m] = params_copy(r.m[m], &n[m]);
    }
    c = (cg_calls){.fail_on = GAN_NETWORK_CYCLEGAN_D_B};
    GT_OK(gan_cyclegan_set_grad_hook(r.t, cg_record, &c));
    GT_FAILS(gan_cyclegan_step(r.t, a, b, CG_BATCH, NULL), GAN_E_BACKEND,
             "gradient hook returned");
    assert_non_null(strstr(gan_last_error(), "on D_B's gradients: all-reduce: the peer is gone"));
    assert_int_equal(c.n, 4);
    for (int m = 2; m < 4; m++) {
        float *p;
        size_t count;
        GT_OK(gan_model_get_params(r.m[m], &p, &count));
        assert_memory_equal(before[m], p, count * sizeof *p);
    }
    for (int m = 0; m < 4; m++)
        free(before[m]);

    int32_t index = -1, count = -1;
    GT_OK(gan_cyclegan_get_shard(r.t, &index, &count));
    assert_true(index == 0 && count == 1);
    GT_FAILS(gan_cyclegan_set_grad_hook(NULL, cg_record, NULL), GAN_E_INVALID_ARG,
             "trainer is NULL");
    GT_FAILS(gan_cyclegan_set_shard(NULL, 0, 1), GAN_E_INVALID_ARG, "trainer is NULL");
    static const struct {
        int32_t index, count;
        const char *needle;
    } out_of_range[] = {{0, 0, "count 0"}, {0, INT32_MAX / 2, "global batch"},
                        {3, 3, "index 3"}, {-2, 3, "index -2"}};
    for (size_t i = 0; i < sizeof out_of_range / sizeof out_of_range[0]; i++)
        GT_FAILS(gan_cyclegan_set_shard(r.t, out_of_range[i].index, out_of_range[i].count),
                 GAN_E_OUT_OF_RANGE, out_of_range[i].needle);
    GT_FAILS(gan_cyclegan_get_shard(NULL, &index, &count), GAN_E_INVALID_ARG, "trainer");
    GT_FAILS(gan_cyclegan_get_shard(r.t, &index, NULL), GAN_E_INVALID_ARG, "count");
    GT_OK(gan_cyclegan_set_shard(r.t, 2, 3));
    GT_OK(gan_cyclegan_get_shard(r.t, &index, &count));
    assert_true(index == 2 && count == 3);
    gan_model_t *m[4] = {NULL, NULL, NULL, NULL};
    GT_OK(gan_cyclegan_get_models(r.t, &m[0], &m[1], &m[2], &m[3]));
    for (int k = 0; k < 4; k++)
        assert_ptr_equal(m[k], r.m[k]);
    GT_OK(gan_cyclegan_get_models(r.t, NULL, NULL, NULL, NULL));
    GT_FAILS(gan_cyclegan_get_models(NULL, &m[0], NULL, NULL, NULL), GAN_E_INVALID_ARG,
             "trainer is NULL");
    cg_rig_free(&r);
}

/* SeqGAN: sequences of SQ_T tokens of SQ_V, batches of SQ_B a shard. */
#define SQ_B 4
#define SQ_T 5
#define SQ_V 6
#define SQ_STEPS 4

static gan_status sg_step(shard *s, int i)
{
    const int32_t *real = s->ids + (size_t)(i * 2 + s->index) * SQ_B * SQ_T;
    gan_status st = gan_seqgan_mle_step(s->sg.t, real, SQ_B, NULL);
    return st == GAN_OK ? gan_seqgan_pg_step(s->sg.t, SQ_B, NULL) : st;
}

/* Two SeqGAN shards averaging their gradients against one trainer on the global batch:
 * maximum likelihood and policy-gradient steps (sampled sequences and rollouts drawn for
 * the global batch; D scores in inference mode, so its dropout plays no part). */
static void test_seqgan_two_shards(void **state)
{
    (void)state;
    int32_t real[SQ_STEPS * 2 * SQ_B * SQ_T];
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++)
        real[i] = (int32_t)((i * 7 + i / 5) % SQ_V);
    sg_rig one;
    sg_rig_make(&one, SQ_V, SQ_T, 2 * SQ_B, 3, NULL, NULL);
    for (int i = 0; i < SQ_STEPS; i++) {
        GT_OK(gan_seqgan_mle_step(one.t, real + (size_t)i * 2 * SQ_B * SQ_T, 2 * SQ_B, NULL));
        GT_OK(gan_seqgan_pg_step(one.t, 2 * SQ_B, NULL));
    }
    pair p;
    assert_int_equal(pthread_barrier_init(&p.barrier, NULL, 2), 0);
    shard s[2];
    for (int32_t k = 0; k < 2; k++) {
        s[k] = (shard){.p = &p, .index = k, .ids = real};
        sg_rig_make(&s[k].sg, SQ_V, SQ_T, SQ_B, 3, NULL, NULL);
        GT_OK(gan_seqgan_set_shard(s[k].sg.t, k, 2));
        GT_OK(gan_seqgan_set_grad_hook(s[k].sg.t, average_pair, &s[k]));
    }
    run_both(s, sg_step, SQ_STEPS);
    assert_true(max_diff(s[0].sg.g, s[1].sg.g) == 0.0 && max_diff(s[0].sg.d, s[1].sg.d) == 0.0);
    const double dg = max_diff(one.g, s[0].sg.g), dd = max_diff(one.d, s[0].sg.d);
    printf("# SeqGAN, %d MLE and policy-gradient steps: largest |difference| from the "
           "global batch: G %.3g, D %.3g\n", SQ_STEPS, dg, dd);
    assert_true(dg < 1e-5 && dd == 0.0);
    int32_t index, count;
    gan_model_t *g = NULL, *d = NULL;
    GT_OK(gan_seqgan_get_shard(s[1].sg.t, &index, &count));
    assert_true(index == 1 && count == 2);
    GT_OK(gan_seqgan_get_models(s[1].sg.t, &g, &d));
    assert_true(g == s[1].sg.g && d == s[1].sg.d);
    GT_FAILS(gan_seqgan_set_shard(s[1].sg.t, 2, 2), GAN_E_OUT_OF_RANGE, "index 2");
    GT_FAILS(gan_seqgan_set_grad_hook(NULL, NULL, NULL), GAN_E_INVALID_ARG, "trainer");
    GT_FAILS(gan_seqgan_get_shard(NULL, &index, &count), GAN_E_INVALID_ARG, "trainer");
    GT_FAILS(gan_seqgan_get_models(NULL, &g, &d), GAN_E_INVALID_ARG, "trainer");
    /* D's hook: a refusal ends its step without an update. */
    GT_OK(gan_seqgan_set_grad_hook(s[0].sg.t, fail_silently, NULL));
    GT_FAILS(gan_seqgan_d_step(s[0].sg.t, real, SQ_B, NULL), GAN_E_IO,
             "gradient hook returned");
    pthread_barrier_destroy(&p.barrier);
    for (int k = 0; k < 2; k++)
        sg_rig_free(&s[k].sg);
    sg_rig_free(&one);
}

/* Text to image: captions of TI_T tokens, 4x4 images, batches of TI_B a shard. */
#define TI_B 4
#define TI_T 3
#define TI_STEPS 5

static gan_status ti_step(shard *s, int i)
{
    const size_t row = (size_t)(i * 2 + s->index) * TI_B;
    return gan_text2img_step(s->ti.t, s->real + row * 16, s->ids + row * TI_T,
                             s->wrong + row * TI_T, TI_B, NULL);
}

/* Two text-to-image shards (G's BatchNorm synchronised, given wrong captions) averaging
 * their gradients against one trainer on the global batch; the hook sees D, E, then G. */
static void test_text2img_two_shards(void **state)
{
    (void)state;
    enum { ROWS = TI_STEPS * 2 * TI_B };
    float images[ROWS * 16];
    int32_t captions[ROWS * TI_T], wrong[ROWS * TI_T];
    gt_rng rng;
    gt_seed(&rng, 8);
    gt_fill(&rng, images, ROWS * 16, -1.0f, 1.0f);
    for (int i = 0; i < ROWS * TI_T; i++) {
        captions[i] = (int32_t)(gt_uniform(&rng) * 6);
        wrong[i] = (captions[i] + 1 + (int32_t)(gt_uniform(&rng) * 5)) % 6;
    }
    t2i_rig one;
    t2i_rig_make_parallel(&one, 2 * TI_B);
    for (int i = 0; i < TI_STEPS; i++) {
        const size_t row = (size_t)i * 2 * TI_B;
        GT_OK(gan_text2img_step(one.t, images + row * 16, captions + row * TI_T,
                                wrong + row * TI_T, 2 * TI_B, NULL));
    }
    pair p;
    assert_int_equal(pthread_barrier_init(&p.barrier, NULL, 2), 0);
    shard s[2];
    for (int32_t k = 0; k < 2; k++) {
        s[k] = (shard){.p = &p, .index = k, .real = images, .ids = captions, .wrong = wrong};
        t2i_rig_make_parallel(&s[k].ti, TI_B);
        GT_OK(gan_text2img_set_shard(s[k].ti.t, k, 2));
        GT_OK(gan_text2img_set_grad_hook(s[k].ti.t, average_pair, &s[k]));
        GT_OK(gan_model_set_reduce_hook(s[k].ti.g, sum_pair, &s[k]));
    }
    run_both(s, ti_step, TI_STEPS);
    double diff[3];
    gan_model_t *const mine[3] = {s[0].ti.g, s[0].ti.d, s[0].ti.e};
    gan_model_t *const other[3] = {s[1].ti.g, s[1].ti.d, s[1].ti.e};
    gan_model_t *const ref[3] = {one.g, one.d, one.e};
    for (int i = 0; i < 3; i++) {
        assert_true(max_diff(mine[i], other[i]) == 0.0);
        diff[i] = max_diff(ref[i], mine[i]);
    }
    printf("# text to image, %d steps, BatchNorm synchronised: largest |difference| from "
           "the global batch: G %.3g, D %.3g, E %.3g\n", TI_STEPS, diff[0], diff[1], diff[2]);
    /* G's first Dense layer has a bias before BatchNorm, whose gradient is zero but for
     * rounding: Adam turns that into steps of up to its rate (2e-3) either way. */
    assert_true(diff[0] < 1e-3 && diff[1] < 1e-5 && diff[2] < 1e-5);

    cg_calls c = {.fail_on = -1};
    GT_OK(gan_text2img_set_grad_hook(one.t, cg_record, &c));
    GT_OK(gan_text2img_step(one.t, images, captions, wrong, 2 * TI_B, NULL));
    assert_int_equal(c.n, 3);
    assert_true(c.order[0] == GAN_NETWORK_DISCRIMINATOR && c.order[1] == GAN_NETWORK_TEXT2IMG_E &&
                c.order[2] == GAN_NETWORK_GENERATOR);
    gan_model_t *g = NULL, *d = NULL, *e = NULL;
    GT_OK(gan_text2img_get_models(one.t, &g, &d, &e));
    assert_true(g == one.g && d == one.d && e == one.e);
    int32_t index, count;
    GT_OK(gan_text2img_get_shard(s[1].ti.t, &index, &count));
    assert_true(index == 1 && count == 2);
    GT_FAILS(gan_text2img_set_shard(one.t, 0, 0), GAN_E_OUT_OF_RANGE, "count 0");
    GT_FAILS(gan_text2img_set_grad_hook(NULL, NULL, NULL), GAN_E_INVALID_ARG, "trainer");
    GT_FAILS(gan_text2img_get_shard(one.t, NULL, &count), GAN_E_INVALID_ARG, "index");
    GT_FAILS(gan_text2img_get_models(NULL, &g, &d, &e), GAN_E_INVALID_ARG, "trainer");
    pthread_barrier_destroy(&p.barrier);
    for (int k = 0; k < 2; k++)
        t2i_rig_free(&s[k].ti);
    t2i_rig_free(&one);
}

static void test_errors(void **state)
{
    (void)state;
    rig r;
    rig_create(&r, BATCH, NULL);
    int32_t index = -1, count = -1;
    GT_OK(gan_trainer_get_shard(r.trainer, &index, &count));
    assert_int_equal(index, 0);
    assert_int_equal(count, 1);
    GT_FAILS(gan_trainer_set_grad_hook(NULL, scale_by_zero, NULL), GAN_E_INVALID_ARG,
             "trainer is NULL");
    GT_FAILS(gan_trainer_set_shard(NULL, 0, 1), GAN_E_INVALID_ARG, "trainer is NULL");
    GT_FAILS(gan_trainer_set_shard(r.trainer, 0, 0), GAN_E_OUT_OF_RANGE, "count 0");
    GT_FAILS(gan_trainer_set_shard(r.trainer, 0, INT32_MAX / 8), GAN_E_OUT_OF_RANGE,
             "global batch");
    GT_FAILS(gan_trainer_set_shard(r.trainer, 2, 2), GAN_E_OUT_OF_RANGE, "index 2");
    GT_FAILS(gan_trainer_set_shard(r.trainer, -1, 2), GAN_E_OUT_OF_RANGE, "index -1");
    GT_FAILS(gan_trainer_get_shard(NULL, &index, &count), GAN_E_INVALID_ARG, "trainer");
    GT_FAILS(gan_trainer_get_shard(r.trainer, NULL, &count), GAN_E_INVALID_ARG, "index");
    GT_FAILS(gan_trainer_get_shard(r.trainer, &index, NULL), GAN_E_INVALID_ARG, "count");
    gan_model_t *g = NULL, *d = NULL;
    GT_OK(gan_trainer_get_models(r.trainer, &g, &d));
    assert_ptr_equal(g, r.g);
    assert_ptr_equal(d, r.d);
    GT_OK(gan_trainer_get_models(r.trainer, NULL, NULL));
    GT_FAILS(gan_trainer_get_models(NULL, &g, &d), GAN_E_INVALID_ARG, "trainer is NULL");
    GT_OK(gan_trainer_set_shard(r.trainer, 1, 3));
    GT_OK(gan_trainer_get_shard(r.trainer, &index, &count));
    assert_int_equal(index, 1);
    assert_int_equal(count, 3);
    rig_destroy(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_gradients_leave_the_parameters),
        cmocka_unit_test(test_hook_error_stops_the_step),
        cmocka_unit_test(test_two_shards_train_as_the_global_batch),
        cmocka_unit_test(test_sync_bn),
        cmocka_unit_test(test_reduce_hook_error),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_cyclegan_two_shards),
        cmocka_unit_test(test_cyclegan_hook),
        cmocka_unit_test(test_seqgan_two_shards),
        cmocka_unit_test(test_text2img_two_shards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
