/* Helpers shared by the cmocka tests (public API only). */
#ifndef GAN_TEST_UTIL_H
#define GAN_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gan/gan.h>

/* Assert GAN_OK, printing the status and gan_last_error() otherwise. */
#define GT_OK(expr)                                                                  \
    do {                                                                             \
        gan_status gt_st_ = (expr);                                                  \
        if (gt_st_ != GAN_OK)                                                        \
            fail_msg("%s -> %d (%s): %s", #expr, (int)gt_st_,                        \
                     gan_status_string(gt_st_), gan_last_error());                   \
    } while (0)

/* Assert a specific failure status and a non-empty message containing @p needle. */
#define GT_FAILS(expr, status, needle) gt_expect_failure((expr), (status), (needle), #expr)

void gt_expect_failure(gan_status got, gan_status want, const char *needle,
                       const char *expr);

/* Deterministic test data (independent of libgan's generator). */
typedef struct gt_rng {
    uint64_t state;
} gt_rng;
void gt_seed(gt_rng *r, uint64_t seed);
double gt_uniform(gt_rng *r);                 /* [0, 1) */
void gt_fill(gt_rng *r, float *v, size_t n, float lo, float hi);
/* Values in +-[lo, hi]: away from 0, for inputs of kinked activations. */
void gt_fill_away_from_zero(gt_rng *r, float *v, size_t n, float lo, float hi);

/* The toy data of the training tests: a ring of GT_RING_MODES Gaussians of std
 * GT_RING_STD, mode k at angle 2 pi k / GT_RING_MODES on the circle of radius
 * GT_RING_RADIUS. Draws @p n points into @p x (n, 2) and their modes into @p labels
 * (may be NULL). */
#define GT_RING_MODES 8
#define GT_RING_RADIUS 2.0
#define GT_RING_STD 0.02
#define GT_TAU 6.283185307179586
void gt_ring_batch(gt_rng *r, float *x, int32_t *labels, int n);

/* Add a layer just created, failing the test on error: gt_add(m, gan_layer_x_create(&l,
 * ...), l). The layer is read through its address after the create call has run. */
#define gt_add(m, create_status, layer) gt_add_layer((m), (create_status), &(layer))
void gt_add_layer(gan_model_t *m, gan_status create_status, gan_layer_t *const *layer);

/* Create a model for the given input shape with seed 1234 and add nothing. */
gan_model_t *gt_model(const int32_t *dims, int32_t ndim);
/* The same with another seed. */
gan_model_t *gt_model_seeded(const int32_t *dims, int32_t ndim, uint64_t seed);
/* The same with an allocator (NULL: the C library's) and a name. */
gan_model_t *gt_model_named(const int32_t *dims, int32_t ndim, uint64_t seed,
                            const gan_allocator_t *alloc, const char *name);

/* Destroy a trainer, then its optimizers, then its models (each may be NULL). */
void gt_gan_destroy(gan_trainer_t *trainer, gan_optimizer_t *g_opt, gan_optimizer_t *d_opt,
                    gan_model_t *g, gan_model_t *d);

/* A built model of input (steps) whose first layer, named @p layer, reads token ids in
 * [0, vocab) (EmbeddingSequence, BagOfWords): its forward pass must fail with
 * GAN_E_OUT_OF_RANGE for an id too large, negative, fractional, NaN or huge at the last
 * position of sample 1 (batch >= 2), the message naming the layer, the sample, the
 * position and the id. */
void gt_expect_bad_token_ids(gan_model_t *m, int32_t steps, int32_t batch, int32_t vocab,
                             const char *layer);

/* Gradient checks by central differences: each value is moved by +-GT_GRAD_EPS, and the
 * quotient (L+ - L-) / (v+ - v-) must meet the analytic gradient a within
 * |a - n| <= GT_GRAD_ATOL + GT_GRAD_RTOL * max(|a|, |n|). */
#define GT_GRAD_EPS 1e-2f
#define GT_GRAD_ATOL 2e-3
#define GT_GRAD_RTOL 2e-3
/* A check whose numeric gradients all stay below this proves nothing: it fails. */
#define GT_GRAD_MIN 1e-2

/* Compare analytic[i] with the central difference of loss(ctx) in values[i] (restored
 * afterwards) for every i; fail naming @p name, @p what and the worst element. With
 * GT_VERBOSE set, print the worst element's share of the tolerance. */
void gt_check_gradient(double (*loss)(void *ctx), void *ctx, const char *name,
                       const char *what, const float *analytic, float *values, size_t n);

/* A malloc'ed copy of n floats (never NULL: the test fails instead). */
float *gt_copy_floats(const float *src, size_t n);

/* An empty file made by mkstemp from "/tmp/gan_test_<name>_XXXXXX" into @p path. */
void gt_temp_path(char *path, size_t size, const char *name);

/* Assert that two models' parameter arenas are equal bit for bit. */
void gt_same_params(gan_model_t *a, gan_model_t *b);

/* A model allocator (posix_memalign and free) that adds 1 to *@p calls at every
 * allocation: what a test of "no allocation after create" counts. */
gan_allocator_t gt_counting_allocator(long *calls);

/* Per-sample element count of a model's input or last layer's output. */
size_t gt_input_size(const gan_model_t *m);
size_t gt_output_size(const gan_model_t *m);

#endif
