/* Elementwise activations: LeakyReLU, ReLU, Tanh, Sigmoid. */
#include <math.h>
#include <stdio.h>

#include "core/error.h"

#include "core/clones.h"
#include "core/pool.h"
#include "kernels/vmath.h"
#include "layers/layer.h"

typedef struct gan__activation {
    gan_layer_t base;
    float alpha; /* LeakyReLU slope; 0 for ReLU */
} gan__activation;

static gan_status gan__same_shape(gan_layer_t *l)
{
    l->out = l->in;
    return GAN_OK;
}

static size_t gan__count(const gan_layer_t *l, const gan__ctx *c)
{
    return (size_t)c->batch * gan__shape_size(&l->in);
}

typedef struct gan__act_job {
    float alpha;
    const float *x, *y, *dy;
    float *out;
} gan__act_job;

#define GAN__ACT_GRAIN 32768
/* libm's tanhf costs some 40 ns a value: a generator's last layer is worth both threads. */
#define GAN__TANH_GRAIN 2048

/* Elementwise both ways, and backward works from y alone. */
#define GAN__MEM_SQUASH (GAN__MEM_NO_X | GAN__MEM_FWD_IN_PLACE | GAN__MEM_BWD_IN_PLACE)
#define GAN__MEM_RECTIFIER (GAN__MEM_SQUASH | GAN__MEM_SIGN_Y)

static gan_status gan__act_run_grain(const gan_layer_t *l, const gan__ctx *c,
                                     gan__range_fn fn, gan__act_job job, size_t grain)
{
    job.alpha = ((const gan__activation *)l)->alpha;
    gan__pool_for(fn, &job, gan__count(l, c), grain, c->parts);
    return GAN_OK;
}

static gan_status gan__act_run(const gan_layer_t *l, const gan__ctx *c, gan__range_fn fn,
                               gan__act_job job)
{
    return gan__act_run_grain(l, c, fn, job, GAN__ACT_GRAIN);
}

/* A select, not a branch (the signs are random, a branch mispredicts): the library is
 * built with -fno-trapping-math, so the compiler computes both sides and vectorises. */
GAN__CLONES static void gan__leaky_forward_range(void *arg, size_t begin, size_t end)
{
    const gan__act_job *j = arg;
    const float alpha = j->alpha;
    const float *x = j->x;
    float *y = j->out; /* may be x */
    for (size_t i = begin; i < end; i++) {
        const float v = x[i];
        y[i] = v > 0.0f ? v : alpha * v;
    }
}

static gan_status gan__leaky_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                     float *y)
{
    return gan__act_run(l, c, gan__leaky_forward_range, (gan__act_job){.x = x, .out = y});
}

GAN__CLONES static void gan__leaky_backward_range(void *arg, size_t begin, size_t end)
{
    const gan__act_job *j = arg;
    const float alpha = j->alpha;
    const float *y = j->y, *dy = j->dy;
    float *dx = j->out; /* may be dy */
    for (size_t i = begin; i < end; i++) {
        const float g = dy[i];
        const float scaled = alpha * g; /* computed always, so the select vectorises */
        dx[i] = y[i] > 0.0f ? g : scaled;  /* y > 0 exactly where x > 0 */
    }
}

static gan_status gan__leaky_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                      const float *y, const float *dy, float *dx)
{
    (void)x;
    return gan__act_run(l, c, gan__leaky_backward_range,
                        (gan__act_job){.y = y, .dy = dy, .out = dx});
}

/* libm's tanhf, not kernels/vmath.h's: the checkpoint written by an earlier release
 * (tests/fixtures) pins the bits of a GAN trained through this layer. */
static void gan__tanh_forward_range(void *arg, size_t begin, size_t end)
{
    const gan__act_job *j = arg;
    for (size_t i = begin; i < end; i++)
        j->out[i] = tanhf(j->x[i]);
}

static gan_status gan__tanh_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                    float *y)
{
    return gan__act_run_grain(l, c, gan__tanh_forward_range, (gan__act_job){.x = x, .out = y},
                              GAN__TANH_GRAIN);
}

static void gan__tanh_backward_range(void *arg, size_t begin, size_t end)
{
    const gan__act_job *j = arg;
    for (size_t i = begin; i < end; i++)
        j->out[i] = j->dy[i] * (1.0f - j->y[i] * j->y[i]);
}

static gan_status gan__tanh_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                     const float *y, const float *dy, float *dx)
{
    (void)x;
    return gan__act_run(l, c, gan__tanh_backward_range,
                        (gan__act_job){.y = y, .dy = dy, .out = dx});
}

/* An element's result does not depend on how the pool splits the range. */
static void gan__sigmoid_forward_range(void *arg, size_t begin, size_t end)
{
    const gan__act_job *j = arg;
    gan__vsigmoidf(j->out + begin, j->x + begin, end - begin);
}

static gan_status gan__sigmoid_forward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                       float *y)
{
    return gan__act_run(l, c, gan__sigmoid_forward_range, (gan__act_job){.x = x, .out = y});
}

static gan_status gan__sigmoid_backward(gan_layer_t *l, const gan__ctx *c, const float *x,
                                        const float *y, const float *dy, float *dx)
{
    (void)x;
    size_t n = gan__count(l, c);
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * y[i] * (1.0f - y[i]);
    return GAN_OK;
}

static void gan__leaky_describe(const gan_layer_t *l, char *buf, size_t size)
{
    snprintf(buf, size, "alpha=%g", (double)((const gan__activation *)l)->alpha);
}

static const gan__layer_ops gan__leaky_relu_ops = {
    .kind = "leaky_relu",
    .configure = gan__same_shape,
    .forward = gan__leaky_forward,
    .backward = gan__leaky_backward,
    .describe = gan__leaky_describe,
    .memory = GAN__MEM_RECTIFIER,
};

static const gan__layer_ops gan__relu_ops = {
    .kind = "relu",
    .configure = gan__same_shape,
    .forward = gan__leaky_forward,
    .backward = gan__leaky_backward,
    .memory = GAN__MEM_RECTIFIER,
};

static const gan__layer_ops gan__tanh_ops = {
    .kind = "tanh",
    .configure = gan__same_shape,
    .forward = gan__tanh_forward,
    .backward = gan__tanh_backward,
    .memory = GAN__MEM_SQUASH,
};

static const gan__layer_ops gan__sigmoid_ops = {
    .kind = "sigmoid",
    .configure = gan__same_shape,
    .forward = gan__sigmoid_forward,
    .backward = gan__sigmoid_backward,
    .memory = GAN__MEM_SQUASH,
};

static gan_status gan__activation_create(gan_layer_t **out, const gan__layer_ops *ops,
                                         float alpha, const char *who)
{
    gan_status st = gan__check_out(out, who);
    if (st == GAN_OK)
        st = gan__layer_alloc(out, sizeof(gan__activation), ops, who);
    if (st == GAN_OK)
        ((gan__activation *)*out)->alpha = alpha;
    return st;
}

gan_status gan_layer_leaky_relu_create(gan_layer_t **out, float alpha)
{
    static const char who[] = "gan_layer_leaky_relu_create";
    if (!(alpha >= 0.0f && alpha < 1.0f))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: alpha %g is outside [0, 1)", who,
                         (double)alpha);
    return gan__activation_create(out, &gan__leaky_relu_ops, alpha, who);
}

gan_status gan_layer_relu_create(gan_layer_t **out)
{
    return gan__activation_create(out, &gan__relu_ops, 0.0f, "gan_layer_relu_create");
}

gan_status gan_layer_tanh_create(gan_layer_t **out)
{
    return gan__activation_create(out, &gan__tanh_ops, 0.0f, "gan_layer_tanh_create");
}

gan_status gan_layer_sigmoid_create(gan_layer_t **out)
{
    return gan__activation_create(out, &gan__sigmoid_ops, 0.0f, "gan_layer_sigmoid_create");
}
