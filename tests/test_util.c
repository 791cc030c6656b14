/* Helpers shared by the cmocka tests. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void gt_expect_failure(gan_status got, gan_status want, const char *needle,
                       const char *expr)
{
    if (got != want)
        fail_msg("%s -> %d (%s), wanted %d (%s); message: %s", expr, (int)got,
                 gan_status_string(got), (int)want, gan_status_string(want),
                 gan_last_error());
    const char *msg = gan_last_error();
    if (!msg || !msg[0])
        fail_msg("%s failed with an empty gan_last_error()", expr);
    if (needle && !strstr(msg, needle))
        fail_msg("%s: message \"%s\" does not mention \"%s\"", expr, msg, needle);
}

void gt_expect_bad_token_ids(gan_model_t *m, int32_t steps, int32_t batch, int32_t vocab,
                             const char *layer)
{
    const float bad[5] = {(float)vocab, -1.0f, 2.5f, NAN, 1e10f};
    const size_t n = (size_t)batch * (size_t)steps, at = (size_t)steps + (size_t)steps - 1;
    float *ids = malloc(n * sizeof *ids);
    assert_non_null(ids);
    for (int k = 0; k < 5; k++) {
        for (size_t i = 0; i < n; i++)
            ids[i] = (float)(i % (size_t)vocab);
        ids[at] = bad[k];
        char needle[128], name[64];
        const int used = snprintf(needle, sizeof needle, "token id %g at position %d of "
                                  "sample 1", (double)bad[k], (int)steps - 1);
        if (k == 0)
            snprintf(needle + used, sizeof needle - (size_t)used, " is not an integer in "
                     "[0, %d)", (int)vocab);
        /* NaN prints differently across C libraries: only where it stands is asked. */
        GT_FAILS(gan_model_forward(m, ids, NULL, batch, NULL), GAN_E_OUT_OF_RANGE,
                 k == 3 ? strstr(needle, "at position") : needle);
        snprintf(name, sizeof name, "'%s'", layer);
        assert_non_null(strstr(gan_last_error(), name));
    }
    free(ids);
}

void gt_seed(gt_rng *r, uint64_t seed)
{
    r->state = seed * 6364136223846793005ull + 1442695040888963407ull;
}

double gt_uniform(gt_rng *r)
{
    r->state = r->state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(r->state >> 11) * 0x1.0p-53;
}

void gt_fill(gt_rng *r, float *v, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(lo + (hi - lo) * gt_uniform(r));
}

void gt_fill_away_from_zero(gt_rng *r, float *v, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) {
        float mag = (float)(lo + (hi - lo) * gt_uniform(r));
        v[i] = gt_uniform(r) < 0.5 ? -mag : mag;
    }
}

void gt_ring_batch(gt_rng *r, float *x, int32_t *labels, int n)
{
    for (int i = 0; i < n; i++) {
        int mode = (int)(gt_uniform(r) * GT_RING_MODES);
        double angle = GT_TAU * mode / GT_RING_MODES;
        /* Box-Muller for the spread around the mode */
        double u1 = gt_uniform(r) + 1e-12, u2 = gt_uniform(r);
        double radius = sqrt(-2.0 * log(u1)) * GT_RING_STD;
        x[2 * i] = (float)(GT_RING_RADIUS * cos(angle) + radius * cos(GT_TAU * u2));
        x[2 * i + 1] = (float)(GT_RING_RADIUS * sin(angle) + radius * sin(GT_TAU * u2));
        if (labels)
            labels[i] = mode;
    }
}

void gt_add_layer(gan_model_t *m, gan_status create_status, gan_layer_t *const *layer)
{
    GT_OK(create_status);
    GT_OK(gan_model_add(m, *layer));
}

gan_model_t *gt_model(const int32_t *dims, int32_t ndim)
{
    return gt_model_seeded(dims, ndim, 1234);
}

gan_model_t *gt_model_seeded(const int32_t *dims, int32_t ndim, uint64_t seed)
{
    return gt_model_named(dims, ndim, seed, NULL, "test");
}

gan_model_t *gt_model_named(const int32_t *dims, int32_t ndim, uint64_t seed,
                            const gan_allocator_t *alloc, const char *name)
{
    gan_model_options_t o;
    GT_OK(gan_model_options_init(&o, sizeof o));
    o.seed = seed;
    o.allocator = alloc;
    o.name = name;
    gan_model_t *m = NULL;
    GT_OK(gan_model_create(&m, dims, ndim, &o));
    return m;
}

void gt_gan_destroy(gan_trainer_t *trainer, gan_optimizer_t *g_opt, gan_optimizer_t *d_opt,
                    gan_model_t *g, gan_model_t *d)
{
    gan_trainer_destroy(trainer);
    gan_optimizer_destroy(g_opt);
    gan_optimizer_destroy(d_opt);
    gan_model_destroy(g);
    gan_model_destroy(d);
}

static size_t gt_shape_size(const int32_t dims[4], int32_t ndim)
{
    size_t n = 1;
    for (int32_t i = 0; i < ndim; i++)
        n *= (size_t)dims[i];
    return n;
}

size_t gt_input_size(const gan_model_t *m)
{
    int32_t dims[4], ndim;
    GT_OK(gan_model_get_input_shape(m, dims, &ndim));
    return gt_shape_size(dims, ndim);
}

size_t gt_output_size(const gan_model_t *m)
{
    int32_t dims[4], ndim;
    GT_OK(gan_model_get_output_shape(m, -1, dims, &ndim));
    return gt_shape_size(dims, ndim);
}

void gt_check_gradient(double (*loss)(void *ctx), void *ctx, const char *name,
                       const char *what, const float *analytic, float *values, size_t n)
{
    double worst = -1.0, worst_err = 0.0, worst_a = 0.0, worst_n = 0.0, largest = 0.0;
    size_t worst_at = 0;
    for (size_t i = 0; i < n; i++) {
        const float v = values[i];
        const float up = v + GT_GRAD_EPS, down = v - GT_GRAD_EPS;
        values[i] = up;
        const double l_up = loss(ctx);
        values[i] = down;
        const double l_down = loss(ctx);
        values[i] = v;
        const double num = (l_up - l_down) / ((double)up - (double)down);
        const double a = analytic[i];
        const double err = fabs(a - num);
        const double ratio = err / (GT_GRAD_ATOL + GT_GRAD_RTOL * fmax(fabs(a), fabs(num)));
        largest = fmax(largest, fabs(num));
        if (ratio > worst) {
            worst = ratio;
            worst_err = err;
            worst_a = a;
            worst_n = num;
            worst_at = i;
        }
    }
    if (worst > 1.0)
        fail_msg("%s: d/d%s[%zu]: analytic %.7g, numeric %.7g (|diff| %.3g, %.3g times the "
                 "tolerance)", name, what, worst_at, worst_a, worst_n, worst_err, worst);
    if (n && largest < GT_GRAD_MIN)
        fail_msg("%s: every d/d%s is below %g: the check is vacuous", name, what, GT_GRAD_MIN);
    if (n && getenv("GT_VERBOSE"))
        print_message("    %-62s d/d%-6s worst |diff| %.2e (%.3f of tolerance)\n", name, what,
                      worst_err, worst);
}

float *gt_copy_floats(const float *src, size_t n)
{
    float *dst = malloc((n ? n : 1) * sizeof *dst);
    assert_non_null(dst);
    if (n)
        memcpy(dst, src, n * sizeof *dst);
    return dst;
}

void gt_same_params(gan_model_t *a, gan_model_t *b)
{
    float *p, *q;
    size_t n, m;
    GT_OK(gan_model_get_params(a, &p, &n));
    GT_OK(gan_model_get_params(b, &q, &m));
    assert_int_equal(n, m);
    assert_memory_equal(p, q, n * sizeof *p);
}

static void *gt_count_alloc(void *user, size_t size, size_t alignment)
{
    long *calls = user;
    void *p = NULL;
    ++*calls;
    return posix_memalign(&p, alignment < sizeof(void *) ? sizeof(void *) : alignment,
                          size ? size : 1) == 0 ? p : NULL;
}

static void gt_count_free(void *user, void *p)
{
    (void)user;
    free(p);
}

gan_allocator_t gt_counting_allocator(long *calls)
{
    return (gan_allocator_t){sizeof(gan_allocator_t), gt_count_alloc, gt_count_free, calls};
}

void gt_temp_path(char *path, size_t size, const char *name)
{
    snprintf(path, size, "/tmp/gan_test_%s_XXXXXX", name);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}
