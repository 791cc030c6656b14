/* Optimizers: updates against double-precision references, settings, errors, clipping. */
#include "test_util.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Absolute tolerance on parameters against a double reference. Parameters stay below a
 * few units, so float rounding costs at most about 6e-8 a step (worst seen: 1.3e-7 after
 * 4 steps of Nesterov SGD); the smallest updates checked (Adam at lr 2e-4, RMSProp at
 * lr 5e-5) are about 400 times TOL, so a wrong formula cannot hide in it. */
#define TOL 5e-7
#define MAX_PARAMS 32
#define N_STEPS 4

/* ------------------------------------------------------------------------------------ */
/* Models and arenas                                                                    */

/* A built model Dense(in -> hidden) then Dense(hidden -> 1), biases on, batch 1:
 * in*hidden + 2*hidden + 1 parameters, layers named dense_0 and dense_1. */
static gan_model_t *dense_model(int32_t in, int32_t hidden, const gan_allocator_t *alloc)
{
    gan_model_options_t o;
    GT_OK(gan_model_options_init(&o, sizeof o));
    o.allocator = alloc;
    gan_model_t *m = NULL;
    GT_OK(gan_model_create(&m, &in, 1, &o));
    gan_layer_t *l;
    gt_add(m, gan_layer_dense_create(&l, hidden, true), l);
    gt_add(m, gan_layer_dense_create(&l, 1, true), l);
    GT_OK(gan_model_build(m, 1));
    return m;
}

static gan_model_t *unbuilt_model(void)
{
    const int32_t dims[1] = {3};
    gan_model_t *m = gt_model(dims, 1);
    gan_layer_t *l;
    gt_add(m, gan_layer_dense_create(&l, 2, true), l);
    return m;
}

/* The model most tests use: 3 -> 2 -> 1, 11 parameters. */
static gan_model_t *small_model(void)
{
    return dense_model(3, 2, NULL);
}

static float *params_of(gan_model_t *m, size_t *n)
{
    float *p = NULL;
    GT_OK(gan_model_get_params(m, &p, n));
    assert_true(*n <= MAX_PARAMS);
    return p;
}

static float *grads_of(gan_model_t *m, size_t *n)
{
    float *g = NULL;
    GT_OK(gan_model_get_grads(m, &g, n));
    return g;
}

static void fill(float *v, size_t n, uint64_t seed, float lo, float hi)
{
    gt_rng r;
    gt_seed(&r, seed);
    gt_fill(&r, v, n, lo, hi);
}

/* Parameters in [-0.5, 0.5]. */
static void fill_params(gan_model_t *m, uint64_t seed)
{
    size_t n;
    float *p = params_of(m, &n);
    fill(p, n, seed, -0.5f, 0.5f);
}

/* Gradients in [-1, 1], except the last, about 1e-6: there Adam's and RMSProp's
 * epsilon is not negligible. */
static void fill_grads(gan_model_t *m, uint64_t seed)
{
    size_t n;
    float *g = grads_of(m, &n);
    fill(g, n, seed, -1.0f, 1.0f);
    g[n - 1] *= 1e-6f;
}

/* ------------------------------------------------------------------------------------ */
/* Settings and an independent reference in double                                      */

typedef struct settings {
    int32_t kind;
    float lr, beta1, beta2, eps, momentum, nesterov, alpha, wd; /* nesterov: 0 or 1 */
} settings;

enum { N_KEYS = 8 };

/* The field of a settings struct holding each GAN_OPT_* key. */
static const size_t field_offset[N_KEYS] = {
    [GAN_OPT_LEARNING_RATE] = offsetof(settings, lr),
    [GAN_OPT_BETA1] = offsetof(settings, beta1),
    [GAN_OPT_BETA2] = offsetof(settings, beta2),
    [GAN_OPT_EPSILON] = offsetof(settings, eps),
    [GAN_OPT_MOMENTUM] = offsetof(settings, momentum),
    [GAN_OPT_NESTEROV] = offsetof(settings, nesterov),
    [GAN_OPT_ALPHA] = offsetof(settings, alpha),
    [GAN_OPT_WEIGHT_DECAY] = offsetof(settings, wd),
};

static float *field_of(settings *s, int32_t key)
{
    return (float *)((char *)s + field_offset[key]);
}

static float setting_of(const settings *s, int32_t key)
{
    settings copy = *s;
    return *field_of(&copy, key);
}

/* The settings several tests share: DCGAN's Adam (Radford et al. 2016), the original
 * WGAN's RMSProp (Arjovsky et al. 2017), Nesterov SGD, RMSProp with momentum and L2. */
#define ADAM_DCGAN {GAN_OPTIM_ADAM, .lr = 2e-4f, .beta1 = 0.5f, .beta2 = 0.999f, .eps = 1e-8f}
#define RMSPROP_WGAN {GAN_OPTIM_RMSPROP, .lr = 5e-5f, .alpha = 0.99f, .eps = 1e-8f}
#define SGD_NESTEROV {GAN_OPTIM_SGD, .lr = 0.1f, .momentum = 0.9f, .nesterov = 1.0f}
#define RMSPROP_MOMENTUM_WD                                                          \
    {GAN_OPTIM_RMSPROP, .lr = 1e-2f, .alpha = 0.9f, .eps = 1e-3f, .momentum = 0.9f,   \
     .wd = 0.1f}

static const settings adam_dcgan = ADAM_DCGAN;
static const settings rmsprop_wgan = RMSPROP_WGAN;
static const settings sgd_nesterov = SGD_NESTEROV;
static const settings rmsprop_momentum = RMSPROP_MOMENTUM_WD;

/* Create through the kind's create function, then set what it does not take. */
static gan_status create_opt(gan_optimizer_t **o, gan_model_t *m, const settings *s)
{
    gan_status st;
    switch (s->kind) {
    case GAN_OPTIM_ADAM:
        st = gan_optimizer_adam_create(o, m, s->lr, s->beta1, s->beta2, s->eps);
        break;
    case GAN_OPTIM_SGD:
        st = gan_optimizer_sgd_create(o, m, s->lr, s->momentum, s->nesterov != 0.0f);
        break;
    default:
        st = gan_optimizer_rmsprop_create(o, m, s->lr, s->alpha, s->eps);
        if (st == GAN_OK && s->momentum != 0.0f)
            st = gan_optimizer_set(*o, GAN_OPT_MOMENTUM, s->momentum);
        break;
    }
    if (st == GAN_OK && s->wd != 0.0f)
        st = gan_optimizer_set(*o, GAN_OPT_WEIGHT_DECAY, s->wd);
    return st;
}

static gan_optimizer_t *make_opt(gan_model_t *m, const settings *s)
{
    gan_optimizer_t *o = NULL;
    GT_OK(create_opt(&o, m, s));
    return o;
}

/* One good step with the gradients of @p seed. */
static void step_with(gan_model_t *m, gan_optimizer_t *o, uint64_t seed)
{
    fill_grads(m, seed);
    GT_OK(gan_optimizer_step(o));
}

/* The formulas of the torch.optim docs, written from the papers' forms in double. */
typedef struct reference {
    settings s;
    size_t n;
    int t;
    double p[MAX_PARAMS];
    double a[MAX_PARAMS], b[MAX_PARAMS]; /* Adam m, v; SGD buffer; RMSProp s, buffer */
} reference;

static void ref_init(reference *r, const settings *s, const float *p, size_t n)
{
    memset(r, 0, sizeof *r);
    r->s = *s;
    r->n = n;
    for (size_t i = 0; i < n; i++)
        r->p[i] = p[i];
}

static void ref_step(reference *r, const float *g)
{
    const settings *s = &r->s;
    const double lr = s->lr, mu = s->momentum;
    r->t++;
    for (size_t i = 0; i < r->n; i++) {
        const double gi = g[i] + (double)s->wd * r->p[i];
        if (s->kind == GAN_OPTIM_ADAM) {
            r->a[i] = s->beta1 * r->a[i] + (1.0 - s->beta1) * gi;
            r->b[i] = s->beta2 * r->b[i] + (1.0 - s->beta2) * gi * gi;
            double m_hat = r->a[i] / (1.0 - pow(s->beta1, r->t));
            double v_hat = r->b[i] / (1.0 - pow(s->beta2, r->t));
            r->p[i] -= lr * m_hat / (sqrt(v_hat) + s->eps);
        } else if (s->kind == GAN_OPTIM_SGD) {
            if (mu == 0.0) {
                r->p[i] -= lr * gi;
                continue;
            }
            r->a[i] = r->t == 1 ? gi : mu * r->a[i] + gi; /* torch's first-step clone */
            r->p[i] -= lr * (s->nesterov != 0.0f ? gi + mu * r->a[i] : r->a[i]);
        } else {
            r->a[i] = s->alpha * r->a[i] + (1.0 - s->alpha) * gi * gi;
            double d = gi / (sqrt(r->a[i]) + s->eps);
            r->b[i] = mu * r->b[i] + d;
            r->p[i] -= lr * (mu == 0.0 ? d : r->b[i]);
        }
    }
}

static void expect_params_near(const float *got, const double *want, size_t n,
                               const char *what, int t)
{
    for (size_t i = 0; i < n; i++)
        if (!(fabs(got[i] - want[i]) <= TOL))
            fail_msg("%s, step %d, parameter %zu: got %.9g, want %.9g (diff %.3g)", what,
                     t, i, (double)got[i], want[i], fabs(got[i] - want[i]));
}

static void expect_step_count(const gan_optimizer_t *o, uint64_t want)
{
    uint64_t steps = 99;
    GT_OK(gan_optimizer_get_step_count(o, &steps));
    assert_int_equal(steps, want);
}

/* ------------------------------------------------------------------------------------ */
/* Updates                                                                              */

/* Closed forms for a constant gradient g, by hand: the total displacement after t steps.
 * Adam: m_t = (1-b1^t) g and v_t = (1-b2^t) g^2, so the bias-corrected moments are g
 * and g^2 at every t and each step is lr g / (|g| + eps): about lr, the signature of
 * bias correction (without it DCGAN's first step would be 15.8 times larger). */
static double adam_const(const settings *s, double g, int t)
{
    return t * s->lr * g / (fabs(g) + s->eps);
}

static double sgd_const(const settings *s, double g, int t)
{
    return t * s->lr * g;
}

/* b_k = g (1 - mu^k) / (1 - mu). */
static double momentum_const(const settings *s, double g, int t)
{
    double mu = s->momentum, sum = 0.0;
    for (int k = 1; k <= t; k++)
        sum += (1.0 - pow(mu, k)) / (1.0 - mu);
    return s->lr * g * sum;
}

/* g + mu b_k = g (1 - mu^(k+1)) / (1 - mu). */
static double nesterov_const(const settings *s, double g, int t)
{
    double mu = s->momentum, sum = 0.0;
    for (int k = 1; k <= t; k++)
        sum += (1.0 - pow(mu, k + 1)) / (1.0 - mu);
    return s->lr * g * sum;
}

/* s_k = (1 - alpha^k) g^2. */
static double rmsprop_const(const settings *s, double g, int t)
{
    double sum = 0.0;
    for (int k = 1; k <= t; k++)
        sum += g / (sqrt(1.0 - pow(s->alpha, k)) * fabs(g) + s->eps);
    return s->lr * sum;
}

typedef struct update_case {
    const char *name;
    settings s;
    /* The closed form for a constant gradient, or NULL (weight decay has none). */
    double (*displacement)(const settings *s, double g, int t);
} update_case;

static const update_case update_cases[] = {
    {"adam dcgan", ADAM_DCGAN, adam_const},
    {"adam eps 0.1", {GAN_OPTIM_ADAM, .lr = 1e-2f, .beta1 = 0.9f, .beta2 = 0.99f,
                      .eps = 0.1f}, adam_const},
    {"adam wd", {GAN_OPTIM_ADAM, .lr = 1e-2f, .beta1 = 0.9f, .beta2 = 0.99f, .eps = 1e-8f,
                 .wd = 0.1f}, NULL},
    {"sgd", {GAN_OPTIM_SGD, .lr = 0.1f}, sgd_const},
    {"sgd wd", {GAN_OPTIM_SGD, .lr = 0.1f, .wd = 0.5f}, NULL},
    {"sgd momentum", {GAN_OPTIM_SGD, .lr = 0.1f, .momentum = 0.9f}, momentum_const},
    {"sgd nesterov", SGD_NESTEROV, nesterov_const},
    {"sgd momentum wd", {GAN_OPTIM_SGD, .lr = 0.05f, .momentum = 0.5f, .wd = 0.01f}, NULL},
    {"rmsprop", {GAN_OPTIM_RMSPROP, .lr = 1e-2f, .alpha = 0.99f, .eps = 1e-8f},
     rmsprop_const},
    {"rmsprop wgan", RMSPROP_WGAN, rmsprop_const},
    {"rmsprop eps 0.01", {GAN_OPTIM_RMSPROP, .lr = 1e-2f, .alpha = 0.9f, .eps = 1e-2f},
     rmsprop_const},
    {"rmsprop momentum wd", RMSPROP_MOMENTUM_WD, NULL},
};

#define N_UPDATE_CASES (sizeof update_cases / sizeof *update_cases)

/* Several steps with a new gradient each time, against the double reference. */
static void test_updates_match_reference(void **state)
{
    (void)state;
    for (size_t c = 0; c < N_UPDATE_CASES; c++) {
        const update_case *uc = &update_cases[c];
        gan_model_t *m = small_model();
        fill_params(m, 100 + c);
        size_t n;
        float *p = params_of(m, &n), *g = grads_of(m, &n);
        gan_optimizer_t *o = make_opt(m, &uc->s);
        reference r;
        ref_init(&r, &uc->s, p, n);
        for (int t = 1; t <= N_STEPS; t++) {
            fill_grads(m, 1000 * c + (uint64_t)t);
            ref_step(&r, g);
            GT_OK(gan_optimizer_step(o));
            expect_params_near(p, r.p, n, uc->name, t);
            expect_step_count(o, (uint64_t)t);
        }
        gan_optimizer_destroy(o);
        gan_model_destroy(m);
    }
}

static void test_constant_gradient_closed_forms(void **state)
{
    (void)state;
    for (size_t c = 0; c < N_UPDATE_CASES; c++) {
        const update_case *cc = &update_cases[c];
        if (!cc->displacement)
            continue;
        gan_model_t *m = small_model();
        fill_params(m, 200 + c);
        fill_grads(m, 300 + c);
        size_t n;
        float *p = params_of(m, &n);
        const float *g = grads_of(m, &n);
        double p0[MAX_PARAMS], want[MAX_PARAMS];
        for (size_t i = 0; i < n; i++)
            p0[i] = p[i];
        gan_optimizer_t *o = make_opt(m, &cc->s);
        for (int t = 1; t <= 3; t++) {
            GT_OK(gan_optimizer_step(o));
            for (size_t i = 0; i < n; i++)
                want[i] = p0[i] - cc->displacement(&cc->s, g[i], t);
            expect_params_near(p, want, n, cc->name, t);
        }
        gan_optimizer_destroy(o);
        gan_model_destroy(m);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Settings                                                                             */

#define KEY(k) (1u << (k))

typedef struct kind_case {
    settings s;
    uint32_t keys; /* the settings this kind has */
} kind_case;

static const kind_case kind_cases[] = {
    {{GAN_OPTIM_SGD, .lr = 0.1f, .momentum = 0.75f, .nesterov = 1.0f},
     KEY(GAN_OPT_LEARNING_RATE) | KEY(GAN_OPT_MOMENTUM) | KEY(GAN_OPT_NESTEROV) |
         KEY(GAN_OPT_WEIGHT_DECAY)},
    {ADAM_DCGAN,
     KEY(GAN_OPT_LEARNING_RATE) | KEY(GAN_OPT_BETA1) | KEY(GAN_OPT_BETA2) |
         KEY(GAN_OPT_EPSILON) | KEY(GAN_OPT_WEIGHT_DECAY)},
    {RMSPROP_WGAN,
     KEY(GAN_OPT_LEARNING_RATE) | KEY(GAN_OPT_ALPHA) | KEY(GAN_OPT_EPSILON) |
         KEY(GAN_OPT_MOMENTUM) | KEY(GAN_OPT_WEIGHT_DECAY)},
};

/* A new valid value per key, exactly representable as a float. */
static const double new_value[N_KEYS] = {0.5, 0.25, 0.75, 0.125, 0.5, 0.0, 0.5, 0.25};

/* Values outside each key's range, incl. ones that only round to a bound as floats. */
typedef struct bad_values {
    int n;
    double v[6];
} bad_values;

static bad_values bad_values_of(int32_t key)
{
    const double nan = NAN, inf = INFINITY;
    switch (key) {
    case GAN_OPT_LEARNING_RATE:
        return (bad_values){6, {0.0, -1.0, nan, inf, 1e39, 1e-50}};
    case GAN_OPT_BETA1:
    case GAN_OPT_BETA2:
        return (bad_values){5, {-0.1, 1.0, 1.5, nan, 0.99999999999}};
    case GAN_OPT_EPSILON:
        return (bad_values){4, {0.0, -1e-8, nan, inf}};
    case GAN_OPT_NESTEROV:
        return (bad_values){4, {0.5, 2.0, -1.0, nan}};
    case GAN_OPT_WEIGHT_DECAY:
        return (bad_values){4, {-1e-3, nan, inf, -inf}};
    default: /* momentum, alpha: [0, 1) */
        return (bad_values){4, {-0.1, 1.0, nan, -inf}};
    }
}

static void expect_setting(const gan_optimizer_t *o, int32_t key, double want)
{
    double got = -42.0;
    GT_OK(gan_optimizer_get(o, key, &got));
    if (got != want)
        fail_msg("setting %d: got %.9g, want %.9g", (int)key, got, want);
}

/* Every key of every kind: read back as created, range-checked without clamping, set
 * and read back; keys of other kinds and unknown keys refused. */
static void test_settings(void **state)
{
    (void)state;
    gan_model_t *m = small_model();
    for (size_t c = 0; c < sizeof kind_cases / sizeof *kind_cases; c++) {
        const kind_case *kc = &kind_cases[c];
        gan_optimizer_t *o = make_opt(m, &kc->s);
        int32_t kind = -1;
        GT_OK(gan_optimizer_get_kind(o, &kind));
        assert_int_equal(kind, kc->s.kind);
        double v = 0.0;
        for (int32_t key = -2; key < N_KEYS + 2; key++) {
            if (key < 0 || key >= N_KEYS) {
                GT_FAILS(gan_optimizer_set(o, key, 0.5), GAN_E_INVALID_ARG, "unknown");
                GT_FAILS(gan_optimizer_get(o, key, &v), GAN_E_INVALID_ARG, "unknown");
                continue;
            }
            if (!(kc->keys & KEY(key))) {
                GT_FAILS(gan_optimizer_set(o, key, new_value[key]), GAN_E_INVALID_ARG,
                         "has no setting");
                GT_FAILS(gan_optimizer_get(o, key, &v), GAN_E_INVALID_ARG, "has no setting");
                continue;
            }
            const double created = setting_of(&kc->s, key);
            expect_setting(o, key, created);
            bad_values bad = bad_values_of(key);
            for (int b = 0; b < bad.n; b++) {
                GT_FAILS(gan_optimizer_set(o, key, bad.v[b]), GAN_E_OUT_OF_RANGE, NULL);
                expect_setting(o, key, created);
            }
            GT_OK(gan_optimizer_set(o, key, new_value[key]));
            expect_setting(o, key, new_value[key]);
            GT_OK(gan_optimizer_set(o, key, created));
        }
        /* Stored as the float the update uses. */
        GT_OK(gan_optimizer_set(o, GAN_OPT_LEARNING_RATE, 0.0002));
        expect_setting(o, GAN_OPT_LEARNING_RATE, (double)0.0002f);
        gan_optimizer_destroy(o);
    }
    gan_model_destroy(m);
}

/* Nesterov needs momentum > 0, whichever of the two is set. */
static void test_nesterov_needs_momentum(void **state)
{
    (void)state;
    gan_model_t *m = small_model();
    gan_optimizer_t *o = (gan_optimizer_t *)&o;
    GT_FAILS(gan_optimizer_sgd_create(&o, m, 0.1f, 0.0f, true), GAN_E_OUT_OF_RANGE,
             "Nesterov");
    assert_null(o);
    o = make_opt(m, &sgd_nesterov);
    GT_FAILS(gan_optimizer_set(o, GAN_OPT_MOMENTUM, 0.0), GAN_E_OUT_OF_RANGE, "Nesterov");
    expect_setting(o, GAN_OPT_MOMENTUM, (double)0.9f);
    GT_OK(gan_optimizer_set(o, GAN_OPT_NESTEROV, 0.0));
    GT_OK(gan_optimizer_set(o, GAN_OPT_MOMENTUM, 0.0));
    GT_FAILS(gan_optimizer_set(o, GAN_OPT_NESTEROV, 1.0), GAN_E_OUT_OF_RANGE, "Nesterov");
    expect_setting(o, GAN_OPT_NESTEROV, 0.0);
    gan_optimizer_destroy(o);
    gan_model_destroy(m);
}

/* A valid setting with one value broken. */
typedef struct bad_create {
    const settings *base;
    int32_t key;
    float value;
    const char *needle;
} bad_create;

static void test_create_errors(void **state)
{
    (void)state;
    const bad_create cases[] = {
        {&adam_dcgan, GAN_OPT_LEARNING_RATE, 0.0f, "learning rate"},
        {&adam_dcgan, GAN_OPT_LEARNING_RATE, NAN, "learning rate"},
        {&adam_dcgan, GAN_OPT_LEARNING_RATE, INFINITY, "learning rate"},
        {&adam_dcgan, GAN_OPT_BETA1, 1.0f, "beta1"},
        {&adam_dcgan, GAN_OPT_BETA1, -0.5f, "beta1"},
        {&adam_dcgan, GAN_OPT_BETA2, 1.0f, "beta2"},
        {&adam_dcgan, GAN_OPT_BETA2, NAN, "beta2"},
        {&adam_dcgan, GAN_OPT_EPSILON, 0.0f, "epsilon"},
        {&sgd_nesterov, GAN_OPT_LEARNING_RATE, -1.0f, "learning rate"},
        {&sgd_nesterov, GAN_OPT_MOMENTUM, 1.0f, "momentum"},
        {&sgd_nesterov, GAN_OPT_MOMENTUM, -0.1f, "momentum"},
        {&sgd_nesterov, GAN_OPT_MOMENTUM, 0.0f, "Nesterov"},
        {&rmsprop_wgan, GAN_OPT_LEARNING_RATE, 0.0f, "learning rate"},
        {&rmsprop_wgan, GAN_OPT_ALPHA, 1.0f, "alpha"},
        {&rmsprop_wgan, GAN_OPT_ALPHA, NAN, "alpha"},
        {&rmsprop_wgan, GAN_OPT_EPSILON, -1.0f, "epsilon"},
    };
    gan_model_t *m = small_model();
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        settings s = *cases[c].base;
        *field_of(&s, cases[c].key) = cases[c].value;
        gan_optimizer_t *o = (gan_optimizer_t *)&o;
        GT_FAILS(create_opt(&o, m, &s), GAN_E_OUT_OF_RANGE, cases[c].needle);
        assert_null(o);
    }

    gan_model_t *unbuilt = unbuilt_model();
    for (size_t c = 0; c < sizeof kind_cases / sizeof *kind_cases; c++) {
        gan_optimizer_t *o = (gan_optimizer_t *)&o;
        GT_FAILS(create_opt(&o, unbuilt, &kind_cases[c].s), GAN_E_STATE, "not built");
        assert_null(o);
        GT_FAILS(create_opt(&o, NULL, &kind_cases[c].s), GAN_E_INVALID_ARG, "model");
        GT_FAILS(create_opt(NULL, m, &kind_cases[c].s), GAN_E_INVALID_ARG, "out");
    }
    gan_model_destroy(unbuilt);
    gan_model_destroy(m);
}

static void test_null_handles(void **state)
{
    (void)state;
    gan_model_t *m = small_model();
    gan_optimizer_t *o = make_opt(m, &adam_dcgan);
    double v;
    int32_t kind;
    uint64_t steps;
    gan_optimizer_destroy(NULL);
    GT_FAILS(gan_optimizer_step(NULL), GAN_E_INVALID_ARG, "NULL");
    GT_FAILS(gan_optimizer_set(NULL, GAN_OPT_LEARNING_RATE, 0.1), GAN_E_INVALID_ARG, "NULL");
    GT_FAILS(gan_optimizer_get(NULL, GAN_OPT_LEARNING_RATE, &v), GAN_E_INVALID_ARG, "NULL");
    GT_FAILS(gan_optimizer_get(o, GAN_OPT_LEARNING_RATE, NULL), GAN_E_INVALID_ARG, "value");
    GT_FAILS(gan_optimizer_get_kind(NULL, &kind), GAN_E_INVALID_ARG, "optimizer");
    GT_FAILS(gan_optimizer_get_kind(o, NULL), GAN_E_INVALID_ARG, "kind");
    GT_FAILS(gan_optimizer_get_step_count(NULL, &steps), GAN_E_INVALID_ARG, "optimizer");
    GT_FAILS(gan_optimizer_get_step_count(o, NULL), GAN_E_INVALID_ARG, "steps");
    GT_FAILS(gan_optimizer_reset(NULL), GAN_E_INVALID_ARG, "NULL");
    gan_optimizer_destroy(o);
    gan_model_destroy(m);
}

/* ------------------------------------------------------------------------------------ */
/* Non-finite gradients, reset                                                          */

/* Two models with equal parameters, an optimizer on each with settings @p s. */
typedef struct twin {
    gan_model_t *m[2];
    gan_optimizer_t *o[2];
    float *p[2], *g[2];
    size_t n;
} twin;

static void twin_init(twin *w, const settings *s, uint64_t seed)
{
    for (int k = 0; k < 2; k++) {
        w->m[k] = small_model();
        fill_params(w->m[k], seed);
        w->p[k] = params_of(w->m[k], &w->n);
        w->g[k] = grads_of(w->m[k], &w->n);
        w->o[k] = make_opt(w->m[k], s);
    }
}

static void twin_free(twin *w)
{
    for (int k = 0; k < 2; k++) {
        gan_optimizer_destroy(w->o[k]);
        gan_model_destroy(w->m[k]);
    }
}

static void twin_step(twin *w, int k, uint64_t seed)
{
    step_with(w->m[k], w->o[k], seed);
}

static void expect_twins_equal(const twin *w)
{
    assert_memory_equal(w->p[0], w->p[1], w->n * sizeof(float));
}

typedef struct bad_grad {
    float value;
    size_t index;
    const char *layer; /* the layer the index falls in */
} bad_grad;

/* A NaN or infinite gradient changes nothing: the twin that never saw it stays equal. */
static void test_nonfinite_gradient_changes_nothing(void **state)
{
    (void)state;
    const settings *kinds[] = {&adam_dcgan, &sgd_nesterov, &rmsprop_momentum};
    const bad_grad bad[] = {
        {NAN, 0, "dense_0"}, {INFINITY, 7, "dense_0"}, {-INFINITY, 9, "dense_1"},
        {NAN, 10, "dense_1"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
            twin w;
            twin_init(&w, kinds[k], 7);
            twin_step(&w, 0, 1);
            twin_step(&w, 1, 1);
            float before[MAX_PARAMS];
            memcpy(before, w.p[0], w.n * sizeof(float));

            fill_grads(w.m[0], 2);
            w.g[0][bad[b].index] = bad[b].value;
            char needle[32];
            snprintf(needle, sizeof needle, "gradient %zu ", bad[b].index);
            GT_FAILS(gan_optimizer_step(w.o[0]), GAN_E_NUMERIC, needle);
            assert_non_null(strstr(gan_last_error(), bad[b].layer));
            assert_memory_equal(before, w.p[0], w.n * sizeof(float));
            expect_step_count(w.o[0], 1);

            for (uint64_t seed = 3; seed <= 4; seed++) {
                twin_step(&w, 0, seed);
                twin_step(&w, 1, seed);
                expect_twins_equal(&w);
            }
            expect_step_count(w.o[0], 3);
            twin_free(&w);
        }
    }
}

/* After reset an optimizer behaves as a new one on the same parameters. */
static void test_reset(void **state)
{
    (void)state;
    for (size_t c = 0; c < N_UPDATE_CASES; c++) {
        twin w;
        twin_init(&w, &update_cases[c].s, 11);
        twin_step(&w, 0, 1);
        twin_step(&w, 0, 2);
        GT_OK(gan_optimizer_reset(w.o[0]));
        expect_step_count(w.o[0], 0);
        expect_setting(w.o[0], GAN_OPT_LEARNING_RATE, (double)update_cases[c].s.lr);
        memcpy(w.p[1], w.p[0], w.n * sizeof(float));
        for (uint64_t seed = 3; seed <= 5; seed++) {
            twin_step(&w, 0, seed);
            twin_step(&w, 1, seed);
            expect_twins_equal(&w);
        }
        twin_free(&w);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Clipping and the gradient norm                                                       */

static void test_clip_params(void **state)
{
    (void)state;
    gan_model_t *m = small_model();
    size_t n;
    float *p = params_of(m, &n);
    fill(p, n, 5, -1.0f, 1.0f);
    p[0] = 0.25f; /* on the bound: kept */
    p[1] = -0.3f;
    float before[MAX_PARAMS];
    memcpy(before, p, n * sizeof(float));

    const float bad[] = {0.0f, -0.01f, NAN, INFINITY};
    for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
        GT_FAILS(gan_model_clip_params(m, bad[b]), GAN_E_OUT_OF_RANGE, "bound");
        assert_memory_equal(before, p, n * sizeof(float));
    }
    GT_FAILS(gan_model_clip_params(NULL, 0.25f), GAN_E_INVALID_ARG, "NULL");
    gan_model_t *unbuilt = unbuilt_model();
    GT_FAILS(gan_model_clip_params(unbuilt, 0.25f), GAN_E_STATE, "not built");
    gan_model_destroy(unbuilt);

    GT_OK(gan_model_clip_params(m, 0.25f));
    int clipped = 0;
    for (size_t i = 0; i < n; i++) {
        float want = before[i] > 0.25f ? 0.25f : before[i] < -0.25f ? -0.25f : before[i];
        assert_true(p[i] == want);
        clipped += want != before[i];
    }
    assert_true(clipped > 0 && clipped < (int)n);
    gan_model_destroy(m);
}

static void test_grad_norm(void **state)
{
    (void)state;
    gan_model_t *m = small_model();
    size_t n;
    float *g = grads_of(m, &n);
    double norm = -1.0;
    memset(g, 0, n * sizeof(float));
    g[0] = 3.0f;
    g[5] = -4.0f;
    g[10] = 12.0f; /* sqrt(9 + 16 + 144) */
    GT_OK(gan_model_grad_norm(m, &norm));
    assert_true(norm == 13.0);

    fill_grads(m, 9);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += (double)g[i] * g[i];
    GT_OK(gan_model_grad_norm(m, &norm));
    assert_float_equal(norm, sqrt(sum), 1e-12);

    GT_FAILS(gan_model_grad_norm(NULL, &norm), GAN_E_INVALID_ARG, "NULL");
    GT_FAILS(gan_model_grad_norm(m, NULL), GAN_E_INVALID_ARG, "norm");
    gan_model_t *unbuilt = unbuilt_model();
    GT_FAILS(gan_model_grad_norm(unbuilt, &norm), GAN_E_STATE, "not built");
    gan_model_destroy(unbuilt);
    gan_model_destroy(m);
}


/* Clipping by the global norm: below the bound nothing changes; above it every gradient
 * is scaled by max_norm / norm (tf.clip_by_global_norm), so the new norm is the bound. */
static void test_clip_grad_norm(void **state)
{
    (void)state;
    gan_model_t *m = small_model();
    size_t n;
    float *g = grads_of(m, &n);
    memset(g, 0, n * sizeof(float));
    g[0] = 3.0f;
    g[5] = -4.0f;
    g[10] = 12.0f; /* norm 13 */
    double norm = -1.0;
    GT_OK(gan_model_clip_grad_norm(m, 13.0, &norm));
    assert_true(norm == 13.0);
    assert_true(g[0] == 3.0f && g[5] == -4.0f && g[10] == 12.0f);
    GT_OK(gan_model_clip_grad_norm(m, 6.5, &norm));
    assert_true(norm == 13.0);
    assert_true(g[0] == 1.5f && g[5] == -2.0f && g[10] == 6.0f && g[1] == 0.0f);
    GT_OK(gan_model_grad_norm(m, &norm));
    assert_float_equal(norm, 6.5, 1e-6);
    GT_OK(gan_model_clip_grad_norm(m, 1.0, NULL));
    GT_OK(gan_model_grad_norm(m, &norm));
    assert_float_equal(norm, 1.0, 1e-6);

    const double bad[] = {0.0, -1.0, NAN, INFINITY};
    for (size_t b = 0; b < sizeof bad / sizeof *bad; b++)
        GT_FAILS(gan_model_clip_grad_norm(m, bad[b], NULL), GAN_E_OUT_OF_RANGE, "max_norm");
    g[3] = NAN;
    GT_FAILS(gan_model_clip_grad_norm(m, 0.5, &norm), GAN_E_NUMERIC, "NaN");
    assert_true(isnan(norm));
    assert_float_equal(g[10], 6.0 / 6.5, 1e-6); /* untouched */
    GT_FAILS(gan_model_clip_grad_norm(NULL, 1.0, NULL), GAN_E_INVALID_ARG, "NULL");
    gan_model_t *unbuilt = unbuilt_model();
    GT_FAILS(gan_model_clip_grad_norm(unbuilt, 1.0, NULL), GAN_E_STATE, "not built");
    gan_model_destroy(unbuilt);
    gan_model_destroy(m);
}

/* ------------------------------------------------------------------------------------ */
/* Models without parameters, frozen models, two models                                 */

static void test_zero_parameter_model(void **state)
{
    (void)state;
    const int32_t dims[1] = {4};
    gan_model_t *m = gt_model(dims, 1);
    gan_layer_t *l;
    gt_add(m, gan_layer_tanh_create(&l), l);
    GT_OK(gan_model_build(m, 2));
    for (size_t c = 0; c < sizeof kind_cases / sizeof *kind_cases; c++) {
        gan_optimizer_t *o = make_opt(m, &kind_cases[c].s);
        GT_OK(gan_optimizer_step(o));
        GT_OK(gan_optimizer_step(o));
        expect_step_count(o, 2);
        GT_OK(gan_optimizer_set(o, GAN_OPT_LEARNING_RATE, 0.5));
        GT_OK(gan_optimizer_reset(o));
        expect_step_count(o, 0);
        gan_optimizer_destroy(o);
    }
    double norm = -1.0;
    GT_OK(gan_model_grad_norm(m, &norm));
    assert_true(norm == 0.0);
    GT_OK(gan_model_clip_params(m, 0.01f));
    gan_model_destroy(m);
}

/* Freezing stops gradients from accumulating, not the optimizer. */
static void test_frozen_model_is_updated(void **state)
{
    (void)state;
    const settings sgd = {GAN_OPTIM_SGD, .lr = 0.5f};
    gan_model_t *m = small_model();
    GT_OK(gan_model_set_trainable(m, false));
    fill_grads(m, 4);
    size_t n;
    float *p = params_of(m, &n);
    const float *g = grads_of(m, &n);
    double want[MAX_PARAMS];
    for (size_t i = 0; i < n; i++)
        want[i] = p[i] - 0.5 * g[i];
    gan_optimizer_t *o = make_opt(m, &sgd);
    GT_OK(gan_optimizer_step(o));
    expect_params_near(p, want, n, "frozen sgd", 1);
    gan_optimizer_destroy(o);
    gan_model_destroy(m);
}

/* G with Adam and D with RMSProp at another learning rate, stepped in turn, end where
 * each would alone. */
static void test_two_models_do_not_interfere(void **state)
{
    (void)state;
    enum { G, D, SOLO_G, SOLO_D, N_RUNS };
    const settings *s[N_RUNS] = {&adam_dcgan, &rmsprop_momentum, &adam_dcgan,
                                 &rmsprop_momentum};
    gan_model_t *m[N_RUNS];
    gan_optimizer_t *o[N_RUNS];
    for (int k = 0; k < N_RUNS; k++) {
        m[k] = k % 2 == G ? dense_model(3, 2, NULL) : dense_model(4, 3, NULL);
        fill_params(m[k], 20 + (uint64_t)(k % 2));
        o[k] = make_opt(m[k], s[k]);
    }
    GT_OK(gan_optimizer_set(o[D], GAN_OPT_LEARNING_RATE, 0.05));
    GT_OK(gan_optimizer_set(o[SOLO_D], GAN_OPT_LEARNING_RATE, 0.05));
    expect_setting(o[G], GAN_OPT_LEARNING_RATE, (double)2e-4f);

    for (uint64_t t = 1; t <= 3; t++) {
        step_with(m[D], o[D], 10 * t + D);
        step_with(m[G], o[G], 10 * t + G);
    }
    for (int k = SOLO_G; k <= SOLO_D; k++)
        for (uint64_t t = 1; t <= 3; t++)
            step_with(m[k], o[k], 10 * t + (uint64_t)(k - SOLO_G));
    for (int k = G; k <= D; k++) {
        size_t n, n_solo;
        const float *p = params_of(m[k], &n), *solo = params_of(m[k + SOLO_G], &n_solo);
        assert_int_equal(n, n_solo);
        assert_memory_equal(p, solo, n * sizeof(float));
    }
    for (int k = 0; k < N_RUNS; k++) {
        expect_step_count(o[k], 3);
        gan_optimizer_destroy(o[k]);
        gan_model_destroy(m[k]);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Memory                                                                               */

typedef struct counts {
    size_t allocs, frees;
    size_t budget; /* allocations refused once allocs reaches it */
} counts;

static void *counting_alloc(void *user, size_t size, size_t alignment)
{
    counts *c = user;
    void *p = NULL;
    if (c->allocs >= c->budget || posix_memalign(&p, alignment, size) != 0)
        return NULL;
    c->allocs++;
    return p;
}

static void counting_free(void *user, void *ptr)
{
    ((counts *)user)->frees++;
    free(ptr);
}

/* State comes from the model's allocator at create; nothing is allocated afterwards. */
static void test_step_does_not_allocate(void **state)
{
    (void)state;
    counts c = {0, 0, SIZE_MAX};
    const gan_allocator_t alloc = {sizeof alloc, counting_alloc, counting_free, &c};
    gan_model_t *m = dense_model(3, 2, &alloc);
    for (size_t k = 0; k < sizeof kind_cases / sizeof *kind_cases; k++) {
        const size_t live = c.allocs - c.frees, before_create = c.allocs;
        gan_optimizer_t *o = make_opt(m, &kind_cases[k].s);
        assert_true(c.allocs > before_create);
        size_t before_steps = c.allocs;
        for (uint64_t t = 1; t <= 3; t++)
            step_with(m, o, t);
        double norm;
        GT_OK(gan_optimizer_set(o, GAN_OPT_LEARNING_RATE, 0.01));
        GT_OK(gan_model_grad_norm(m, &norm));
        GT_OK(gan_model_clip_params(m, 0.1f));
        GT_OK(gan_optimizer_reset(o));
        size_t n;
        grads_of(m, &n)[0] = NAN;
        GT_FAILS(gan_optimizer_step(o), GAN_E_NUMERIC, "NaN");
        assert_int_equal(c.allocs, before_steps);
        gan_optimizer_destroy(o);
        assert_int_equal(c.allocs - c.frees, live);
    }
    gan_model_destroy(m);
    assert_int_equal(c.allocs, c.frees);
}

/* The optimizer or its state cannot be allocated: GAN_E_NO_MEMORY, nothing leaked. */
static void test_create_out_of_memory(void **state)
{
    (void)state;
    counts c = {0, 0, SIZE_MAX};
    const gan_allocator_t alloc = {sizeof alloc, counting_alloc, counting_free, &c};
    gan_model_t *m = dense_model(3, 2, &alloc);
    const size_t live = c.allocs - c.frees;
    for (size_t k = 0; k < sizeof kind_cases / sizeof *kind_cases; k++) {
        for (size_t granted = 0; granted <= 1; granted++) { /* struct, then state */
            c.budget = c.allocs + granted;
            gan_optimizer_t *o = (gan_optimizer_t *)&o;
            GT_FAILS(create_opt(&o, m, &kind_cases[k].s), GAN_E_NO_MEMORY, "allocate");
            assert_null(o);
            assert_int_equal(c.allocs - c.frees, live);
        }
    }
    c.budget = SIZE_MAX;
    gan_model_destroy(m);
    assert_int_equal(c.allocs, c.frees);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_updates_match_reference),
        cmocka_unit_test(test_constant_gradient_closed_forms),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_nesterov_needs_momentum),
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_null_handles),
        cmocka_unit_test(test_nonfinite_gradient_changes_nothing),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_clip_params),
        cmocka_unit_test(test_grad_norm),
        cmocka_unit_test(test_clip_grad_norm),
        cmocka_unit_test(test_zero_parameter_model),
        cmocka_unit_test(test_frozen_model_is_updated),
        cmocka_unit_test(test_two_models_do_not_interfere),
        cmocka_unit_test(test_step_does_not_allocate),
        cmocka_unit_test(test_create_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
