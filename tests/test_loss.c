/* The losses of gan/loss.h: values, gradients, numerical range and every error path. */
#include "test_util.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Hand-computed values are compared as |got - want| <= RTOL * |want| + ATOL: the loss is
 * reduced in double from exact float inputs, a gradient is rounded once to float (half an
 * ulp is 6e-8 relative; the ATOL admits a rounded float subnormal such as e^-100 / 2). */
#define LT_LOSS_RTOL 1e-12
#define LT_GRAD_RTOL 2e-7
#define LT_GRAD_ATOL 1e-44
/* Finite differences move one input by +-LT_FD_H on inputs quantised to multiples of
 * LT_FD_GRID, so both moves are exact in float and the difference quotient, formed from
 * the double losses, is the central one at the input itself. Its truncation error is
 * h^2 |f'''| / 6 <= 1.6e-8 / n for the BCE and softmax curves (|f'''| < 0.1), 0 for the
 * piecewise linear and quadratic losses; the double rounding is ~1e-16 / h. */
#define LT_FD_H 0x1p-10f
#define LT_FD_GRID 0x1p-12f
#define LT_FD_RTOL 1e-6
#define LT_FD_ATOL 1e-8
/* The textbook formulas (cross-entropy of probabilities, log of a softmax ratio), written
 * without the library's care for range, agree with it to ~1e-14 on the moderate inputs
 * they are fed; the tolerance leaves room for another libm. */
#define LT_REF_RTOL 1e-10
#define LT_REF_ATOL 1e-12
/* The softmax weights e^(x_j - x_top) are floats within 2 ulps (kernels/vmath.h), summed
 * in double: a row's loss (x_top - x_label) + log1p(rest) is then within 2^-22 of its
 * value relative (the rows' weights here do not cancel), and a gradient
 * p_j - [j == label] within about 3 ulps of p_j. A finite difference sees the error of
 * the one weight that moves, 2 ulps of it over 2h = 2^-9: 2^-13 of the gradient. */
#define LT_SOFTMAX_LOSS_RTOL 0x1p-22
#define LT_SOFTMAX_GRAD_RTOL 0x1p-21
#define LT_SOFTMAX_FD_RTOL 0x1p-12
#define LT_MAX 32
#define LT_SEED 2024

/* ln 2, ln 3, e^-1, e^-30, e^-100, ln(1 + e^2) and sigmoid(2) */
#define LT_LN2 0.6931471805599453
#define LT_LN3 1.0986122886681098
#define LT_E1 0.36787944117144233
#define LT_E30 9.357622968840175e-14
#define LT_E100 3.720075976020836e-44
#define LT_SP2 2.1269280110429727
#define LT_SIG2 0.8807970779778823
/* A float literal as the library receives it (0.7f is not 0.7). */
#define LT_F(v) ((double)(float)(v))

typedef enum lt_fn {
    LT_BCE,
    LT_GENERATOR,
    LT_WASSERSTEIN,
    LT_HINGE,
    LT_LEAST_SQUARES,
    LT_SOFTMAX,
    LT_SOFTMAX_WEIGHTED,
    LT_L1,
    LT_L2
} lt_fn;

/* One call of a loss: the function, its scalar arguments, its arrays, which pointers to
 * pass as NULL, and for the hand-computed cases the expected loss and gradient. */
typedef struct lt_case {
    const char *name;
    lt_fn fn;
    int32_t n;
    int32_t classes; /* softmax, weighted softmax */
    int32_t kind;    /* generator */
    float sign;      /* Wasserstein, hinge */
    float target;    /* least squares */
    float x[LT_MAX]; /* (n) or (n, classes) */
    float t[LT_MAX]; /* BCE targets; L1 and L2 targets; softmax weights (n of them) */
    int32_t labels[LT_MAX];
    bool null_x, null_t, null_labels, null_loss;
    double loss;
    double dx[LT_MAX];
} lt_case;

/* Each function's name and the name it gives its scores in messages. */
static const struct {
    const char *fn, *x;
} lt_names[] = {
    [LT_BCE] = {"gan_loss_bce_logits", "logits"},
    [LT_GENERATOR] = {"gan_loss_generator_bce", "fake_logits"},
    [LT_WASSERSTEIN] = {"gan_loss_wasserstein", "scores"},
    [LT_HINGE] = {"gan_loss_hinge", "scores"},
    [LT_LEAST_SQUARES] = {"gan_loss_least_squares", "scores"},
    [LT_SOFTMAX] = {"gan_loss_softmax_cross_entropy", "logits"},
    [LT_SOFTMAX_WEIGHTED] = {"gan_loss_softmax_cross_entropy_weighted", "logits"},
    [LT_L1] = {"gan_loss_l1", "pred"},
    [LT_L2] = {"gan_loss_l2", "pred"},
};

/* The losses between two tensors, whose n is a size_t element count. */
static bool lt_pair(const lt_case *c)
{
    return c->fn == LT_L1 || c->fn == LT_L2;
}

static size_t lt_width(const lt_case *c)
{
    return c->fn == LT_SOFTMAX || c->fn == LT_SOFTMAX_WEIGHTED ? (size_t)c->classes : 1;
}

static size_t lt_count(const lt_case *c)
{
    return c->n > 0 ? (size_t)c->n * lt_width(c) : 0;
}

static gan_status lt_call(const lt_case *c, double *loss, float *dx)
{
    const float *x = c->null_x ? NULL : c->x;
    if (c->null_loss)
        loss = NULL;
    switch (c->fn) {
    case LT_BCE:
        return gan_loss_bce_logits(x, c->null_t ? NULL : c->t, c->n, loss, dx);
    case LT_GENERATOR:
        return gan_loss_generator_bce(c->kind, x, c->n, loss, dx);
    case LT_WASSERSTEIN:
        return gan_loss_wasserstein(x, c->sign, c->n, loss, dx);
    case LT_HINGE:
        return gan_loss_hinge(x, c->sign, c->n, loss, dx);
    case LT_LEAST_SQUARES:
        return gan_loss_least_squares(x, c->target, c->n, loss, dx);
    case LT_SOFTMAX:
        return gan_loss_softmax_cross_entropy(x, c->null_labels ? NULL : c->labels, c->n,
                                              c->classes, loss, dx);
    case LT_SOFTMAX_WEIGHTED:
        return gan_loss_softmax_cross_entropy_weighted(
            x, c->null_labels ? NULL : c->labels, c->null_t ? NULL : c->t, c->n, c->classes,
            loss, dx);
    case LT_L1:
    case LT_L2:
        assert_true(c->n >= 0); /* a negative n would be a huge count */
        return (c->fn == LT_L1 ? gan_loss_l1 : gan_loss_l2)(x, c->null_t ? NULL : c->t,
                                                           (size_t)c->n, loss, dx);
    }
    fail_msg("unknown loss %d", (int)c->fn);
    return GAN_E_INTERNAL;
}

static bool lt_float_exp(const lt_case *c)
{
    return c->fn == LT_SOFTMAX || c->fn == LT_SOFTMAX_WEIGHTED;
}

static double lt_loss(const lt_case *c)
{
    double loss = NAN;
    GT_OK(lt_call(c, &loss, NULL));
    return loss;
}

static void lt_expect_close(const char *what, const lt_case *c, size_t i, double got,
                            double want, double rtol, double atol)
{
    if (!(fabs(got - want) <= rtol * fabs(want) + atol))
        fail_msg("%s: %s[%zu] is %.17g, expected %.17g (difference %.3g)", c->name, what, i,
                 got, want, fabs(got - want));
}

/* ---- hand-computed values -------------------------------------------------------- */

static const lt_case lt_hand[] = {
    /* Binary cross-entropy: softplus(x) - t*x, gradient (sigmoid(x) - t) / n */
    {.name = "bce x=0 t=1", .fn = LT_BCE, .n = 1, .x = {0}, .t = {1},
     .loss = LT_LN2, .dx = {-0.5}},
    {.name = "bce real and fake at x=0", .fn = LT_BCE, .n = 2, .x = {0, 0}, .t = {1, 0},
     .loss = LT_LN2, .dx = {-0.25, 0.25}},
    {.name = "bce soft targets 0.7, 0.3, 1.2, 0.0 at x=0", .fn = LT_BCE, .n = 4,
     .t = {0.7f, 0.3f, 1.2f, 0.0f}, .loss = LT_LN2,
     .dx = {(0.5 - LT_F(0.7)) / 4, (0.5 - LT_F(0.3)) / 4, (0.5 - LT_F(1.2)) / 4, 0.125}},
    {.name = "bce soft targets 1.2 at x=2, 0.3 at x=-2", .fn = LT_BCE, .n = 2,
     .x = {2, -2}, .t = {1.2f, 0.3f}, .loss = LT_SP2 - 1 - LT_F(1.2) + LT_F(0.3),
     .dx = {(LT_SIG2 - LT_F(1.2)) / 2, (1 - LT_SIG2 - LT_F(0.3)) / 2}},
    {.name = "bce confident and right keeps its tiny loss", .fn = LT_BCE, .n = 2,
     .x = {100, -100}, .t = {1, 0}, .loss = LT_E100, .dx = {-LT_E100 / 2, LT_E100 / 2}},
    {.name = "bce confident and wrong", .fn = LT_BCE, .n = 2, .x = {100, -100},
     .t = {0, 1}, .loss = 100, .dx = {0.5, -0.5}},
    {.name = "bce target -0.1", .fn = LT_BCE, .n = 1, .x = {-100}, .t = {-0.1f},
     .loss = -100 * LT_F(0.1), .dx = {LT_F(0.1)}},
    {.name = "bce x=1e30 t=0.7", .fn = LT_BCE, .n = 1, .x = {1e30f}, .t = {0.7f},
     .loss = LT_F(1e30) * (1 - LT_F(0.7)), .dx = {1 - LT_F(0.7)}},
    {.name = "bce x=-FLT_MAX t=1.2", .fn = LT_BCE, .n = 1, .x = {-FLT_MAX}, .t = {1.2f},
     .loss = LT_F(1.2) * FLT_MAX, .dx = {-LT_F(1.2)}},

    /* Generator: non-saturating softplus(-x), minimax -softplus(x). Same values with
     * opposite signs here, but only the non-saturating loss still pulls on the fake the
     * discriminator rejects with confidence (x = -100). */
    {.name = "generator non-saturating", .fn = LT_GENERATOR,
     .kind = GAN_GLOSS_NON_SATURATING, .n = 3, .x = {0, 100, -100},
     .loss = (LT_LN2 + 100) / 3, .dx = {-0.5 / 3, -LT_E100 / 3, -1.0 / 3}},
    {.name = "generator minimax", .fn = LT_GENERATOR, .kind = GAN_GLOSS_MINIMAX, .n = 3,
     .x = {0, 100, -100}, .loss = -(LT_LN2 + 100) / 3,
     .dx = {-0.5 / 3, -1.0 / 3, -LT_E100 / 3}},

    /* Wasserstein: sign * mean(x), gradient sign / n */
    {.name = "wasserstein fakes (+1)", .fn = LT_WASSERSTEIN, .sign = 1, .n = 4,
     .x = {1, 2, 3, -2}, .loss = 1, .dx = {0.25, 0.25, 0.25, 0.25}},
    {.name = "wasserstein reals (-1)", .fn = LT_WASSERSTEIN, .sign = -1, .n = 4,
     .x = {1, 2, 3, -2}, .loss = -1, .dx = {-0.25, -0.25, -0.25, -0.25}},
    {.name = "wasserstein FLT_MAX scores", .fn = LT_WASSERSTEIN, .sign = -1, .n = 2,
     .x = {FLT_MAX, FLT_MAX}, .loss = -FLT_MAX, .dx = {-0.5, -0.5}},

    /* Hinge: mean(max(0, 1 + sign*x)) */
    {.name = "hinge reals (-1)", .fn = LT_HINGE, .sign = -1, .n = 3, .x = {2, 0.5f, -1},
     .loss = 2.5 / 3, .dx = {0, -1.0 / 3, -1.0 / 3}},
    {.name = "hinge fakes (+1)", .fn = LT_HINGE, .sign = 1, .n = 3, .x = {2, 0.5f, -3},
     .loss = 1.5, .dx = {1.0 / 3, 1.0 / 3, 0}},
    {.name = "hinge at the hinge takes the subgradient 0", .fn = LT_HINGE, .sign = -1,
     .n = 2, .x = {1, -1}, .loss = 1, .dx = {0, -0.5}},

    /* Least squares: 0.5 * mean((x - target)^2) */
    {.name = "least squares target 1", .fn = LT_LEAST_SQUARES, .target = 1, .n = 3,
     .x = {1, 3, -1}, .loss = 4.0 / 3, .dx = {0, 2.0 / 3, -2.0 / 3}},
    {.name = "least squares target 0", .fn = LT_LEAST_SQUARES, .target = 0, .n = 2,
     .x = {0.5f, -0.5f}, .loss = 0.125, .dx = {0.25, -0.25}},
    {.name = "least squares target -1", .fn = LT_LEAST_SQUARES, .target = -1, .n = 1,
     .x = {1}, .loss = 2, .dx = {2}},
    {.name = "least squares largest gradient that is a float", .fn = LT_LEAST_SQUARES,
     .target = -FLT_MAX, .n = 2, .x = {FLT_MAX, FLT_MAX},
     .loss = 2.0 * FLT_MAX * FLT_MAX, .dx = {FLT_MAX, FLT_MAX}},

    /* Softmax cross-entropy: lse(x) - x[label], gradient (softmax(x) - onehot) / n */
    {.name = "softmax 2 classes", .fn = LT_SOFTMAX, .classes = 2, .n = 1, .x = {0, 0},
     .labels = {0}, .loss = LT_LN2, .dx = {-0.5, 0.5}},
    {.name = "softmax 3 classes, 2 samples", .fn = LT_SOFTMAX, .classes = 3, .n = 2,
     .labels = {2, 0}, .loss = LT_LN3,
     .dx = {1.0 / 6, 1.0 / 6, -1.0 / 3, -1.0 / 3, 1.0 / 6, 1.0 / 6}},
    {.name = "softmax logits near 1e4", .fn = LT_SOFTMAX, .classes = 3, .n = 1,
     .x = {1e4f, 1e4f - 1, -1e4f}, .labels = {1}, .loss = 1 + 0.31326168751822286,
     .dx = {1 / (1 + LT_E1), LT_E1 / (1 + LT_E1) - 1, 0}},
    {.name = "softmax FLT_MAX apart, wrong", .fn = LT_SOFTMAX, .classes = 2, .n = 1,
     .x = {FLT_MAX, -FLT_MAX}, .labels = {1}, .loss = 2.0 * FLT_MAX, .dx = {1, -1}},
    {.name = "softmax FLT_MAX apart, right", .fn = LT_SOFTMAX, .classes = 2, .n = 1,
     .x = {FLT_MAX, -FLT_MAX}, .labels = {0}, .loss = 0, .dx = {0, 0}},
    /* log1p(3 e^-30) = 3 e^-30 to 1e-13; log(1 + 3 e^-30) would be off by 1e-4. */
    {.name = "softmax confident and right keeps its small loss", .fn = LT_SOFTMAX,
     .classes = 4, .n = 1, .x = {30, 0, 0, 0}, .labels = {0}, .loss = 3 * LT_E30,
     .dx = {-3 * LT_E30, LT_E30, LT_E30, LT_E30}},

    /* Weighted softmax cross-entropy: mean of w (lse(x) - x[label]), gradient
     * w (softmax(x) - onehot) / n; a weight 0 drops its row, a negative one pushes. */
    {.name = "weighted softmax 3 classes, weights 2, 0, -1", .fn = LT_SOFTMAX_WEIGHTED,
     .classes = 3, .n = 3, .labels = {2, 0, 1}, .t = {2, 0, -1}, .loss = LT_LN3 / 3,
     .dx = {2.0 / 9, 2.0 / 9, -4.0 / 9, 0, 0, 0, -1.0 / 9, 2.0 / 9, -1.0 / 9}},
    {.name = "weighted softmax 2 classes, weight 0.5", .fn = LT_SOFTMAX_WEIGHTED,
     .classes = 2, .n = 1, .x = {0, 0}, .labels = {1}, .t = {0.5f}, .loss = LT_LN2 / 2,
     .dx = {0.25, -0.25}},

    /* L1: mean |pred - target|, gradient sign(pred - target) / n, 0 at equality */
    {.name = "l1", .fn = LT_L1, .n = 4, .x = {1, -2, 3, 0.5f}, .t = {0, 0, 3, 1},
     .loss = 3.5 / 4, .dx = {0.25, -0.25, 0, -0.25}},
    {.name = "l1 all equal: loss 0, subgradient 0", .fn = LT_L1, .n = 3,
     .x = {0.25f, -1, 7}, .t = {0.25f, -1, 7}, .loss = 0, .dx = {0, 0, 0}},
    {.name = "l1 one element", .fn = LT_L1, .n = 1, .x = {-0.75f}, .t = {0.5f},
     .loss = 1.25, .dx = {-1}},
    {.name = "l1 odd count", .fn = LT_L1, .n = 3, .x = {1, 2, 3}, .t = {0, 0, 0},
     .loss = 2, .dx = {1.0 / 3, 1.0 / 3, 1.0 / 3}},
    {.name = "l1 FLT_MAX apart", .fn = LT_L1, .n = 2, .x = {FLT_MAX, -FLT_MAX},
     .t = {-FLT_MAX, FLT_MAX}, .loss = 2.0 * FLT_MAX, .dx = {0.5, -0.5}},
    {.name = "l1 one ulp apart", .fn = LT_L1, .n = 2, .x = {1, 0x1.000002p0f},
     .t = {0x1.000002p0f, 1}, .loss = 0x1p-23, .dx = {-0.5, 0.5}},

    /* L2: mean (pred - target)^2, gradient 2 (pred - target) / n */
    {.name = "l2", .fn = LT_L2, .n = 4, .x = {1, -2, 3, 0.5f}, .t = {0, 0, 3, 1},
     .loss = 5.25 / 4, .dx = {0.5, -1, 0, -0.25}},
    {.name = "l2 odd count", .fn = LT_L2, .n = 3, .x = {1, 2, 3}, .t = {0, 0, 0},
     .loss = 14.0 / 3, .dx = {2.0 / 3, 4.0 / 3, 2}},
    {.name = "l2 one element", .fn = LT_L2, .n = 1, .x = {-0.75f}, .t = {0.5f},
     .loss = 1.5625, .dx = {-2.5}},
    {.name = "l2 largest gradient that is a float", .fn = LT_L2, .n = 4,
     .x = {FLT_MAX, FLT_MAX, FLT_MAX, FLT_MAX},
     .t = {-FLT_MAX, -FLT_MAX, -FLT_MAX, -FLT_MAX},
     .loss = 4.0 * FLT_MAX * FLT_MAX, .dx = {FLT_MAX, FLT_MAX, FLT_MAX, FLT_MAX}},
};

#define LT_N_HAND (sizeof lt_hand / sizeof lt_hand[0])

static void test_hand_computed_values(void **state)
{
    (void)state;
    for (size_t k = 0; k < LT_N_HAND; k++) {
        const lt_case *c = &lt_hand[k];
        double loss = NAN;
        float dx[LT_MAX];
        GT_OK(lt_call(c, &loss, dx));
        const bool fx = lt_float_exp(c);
        lt_expect_close("loss", c, 0, loss, c->loss, fx ? LT_SOFTMAX_LOSS_RTOL : LT_LOSS_RTOL,
                        0.0);
        for (size_t i = 0; i < lt_count(c); i++)
            lt_expect_close("dx", c, i, dx[i], c->dx[i],
                            fx ? LT_SOFTMAX_GRAD_RTOL : LT_GRAD_RTOL, LT_GRAD_ATOL);
        /* The gradient is optional and does not change the loss. */
        if (lt_loss(c) != loss)
            fail_msg("%s: the loss without a gradient differs", c->name);
    }
}

/* ---- random cases: a double reference and finite differences ----------------------- */

/* A loss and the distribution of its random inputs. */
typedef struct lt_random {
    lt_case c;        /* fn, n and scalar arguments */
    float lo, hi;     /* scores in [lo, hi], or kink +- [lo, hi] */
    bool kinked;      /* hinge: keep the scores away from the kink at x = -sign */
    float t_lo, t_hi; /* BCE targets */
} lt_random;

static const lt_random lt_randoms[] = {
    {.c = {.name = "bce soft targets", .fn = LT_BCE, .n = 9}, .lo = -6, .hi = 6,
     .t_lo = -0.2f, .t_hi = 1.2f},
    {.c = {.name = "bce wide logits", .fn = LT_BCE, .n = 8}, .lo = -30, .hi = 30,
     .t_lo = 0, .t_hi = 1},
    {.c = {.name = "generator non-saturating", .fn = LT_GENERATOR,
           .kind = GAN_GLOSS_NON_SATURATING, .n = 7}, .lo = -8, .hi = 8},
    {.c = {.name = "generator minimax", .fn = LT_GENERATOR, .kind = GAN_GLOSS_MINIMAX,
           .n = 7}, .lo = -8, .hi = 8},
    {.c = {.name = "wasserstein +1", .fn = LT_WASSERSTEIN, .sign = 1, .n = 6},
     .lo = -5, .hi = 5},
    {.c = {.name = "wasserstein -1", .fn = LT_WASSERSTEIN, .sign = -1, .n = 5},
     .lo = -5, .hi = 5},
    {.c = {.name = "hinge +1", .fn = LT_HINGE, .sign = 1, .n = 8}, .lo = 0.05f, .hi = 3,
     .kinked = true},
    {.c = {.name = "hinge -1", .fn = LT_HINGE, .sign = -1, .n = 8}, .lo = 0.05f, .hi = 3,
     .kinked = true},
    {.c = {.name = "least squares target 1", .fn = LT_LEAST_SQUARES, .target = 1, .n = 5},
     .lo = -3, .hi = 3},
    {.c = {.name = "least squares target 0", .fn = LT_LEAST_SQUARES, .target = 0, .n = 5},
     .lo = -3, .hi = 3},
    {.c = {.name = "least squares target 0.9", .fn = LT_LEAST_SQUARES, .target = 0.9f,
           .n = 4}, .lo = -3, .hi = 3},
    {.c = {.name = "softmax 2 classes", .fn = LT_SOFTMAX, .classes = 2, .n = 3},
     .lo = -4, .hi = 4},
    {.c = {.name = "softmax 5 classes", .fn = LT_SOFTMAX, .classes = 5, .n = 4},
     .lo = -4, .hi = 4},
    {.c = {.name = "softmax 10 classes, wide logits", .fn = LT_SOFTMAX, .classes = 10,
           .n = 3}, .lo = -20, .hi = 20},
    /* weights in [-1, 3]: rewards, rewards minus a baseline */
    {.c = {.name = "weighted softmax 5 classes", .fn = LT_SOFTMAX_WEIGHTED, .classes = 5,
           .n = 6}, .lo = -4, .hi = 4, .t_lo = -1, .t_hi = 3},
    {.c = {.name = "weighted softmax 3 classes, wide logits", .fn = LT_SOFTMAX_WEIGHTED,
           .classes = 3, .n = 4}, .lo = -20, .hi = 20, .t_lo = 0, .t_hi = 1},
    /* pred = target +- [lo, hi], away from L1's kink at equality */
    {.c = {.name = "l1", .fn = LT_L1, .n = 9}, .lo = 0.05f, .hi = 3, .kinked = true,
     .t_lo = -2, .t_hi = 2},
    {.c = {.name = "l1 one element", .fn = LT_L1, .n = 1}, .lo = 0.05f, .hi = 3,
     .kinked = true, .t_lo = -2, .t_hi = 2},
    {.c = {.name = "l2", .fn = LT_L2, .n = 7}, .lo = -3, .hi = 3, .t_lo = -2, .t_hi = 2},
    {.c = {.name = "l2 one element", .fn = LT_L2, .n = 1}, .lo = -3, .hi = 3, .t_lo = -1,
     .t_hi = 1},
};

#define LT_N_RANDOM (sizeof lt_randoms / sizeof lt_randoms[0])

/* Case @p k of lt_randoms with its inputs drawn, on the LT_FD_GRID. */
static lt_case lt_draw(size_t k)
{
    const lt_random *r = &lt_randoms[k];
    lt_case c = r->c;
    const size_t count = lt_count(&c);
    gt_rng rng;
    gt_seed(&rng, LT_SEED + k);
    if (lt_pair(&c)) {
        /* Targets first, on the grid; pred = target + offset, so both moves of a finite
         * difference stay exact and L1's kink (pred = target) is never crossed. */
        gt_fill(&rng, c.t, count, r->t_lo, r->t_hi);
        if (r->kinked)
            gt_fill_away_from_zero(&rng, c.x, count, r->lo, r->hi);
        else
            gt_fill(&rng, c.x, count, r->lo, r->hi);
        for (size_t i = 0; i < count; i++) {
            c.t[i] = roundf(c.t[i] / LT_FD_GRID) * LT_FD_GRID;
            c.x[i] = c.t[i] + roundf(c.x[i] / LT_FD_GRID) * LT_FD_GRID;
        }
        return c;
    }
    if (r->kinked) {
        gt_fill_away_from_zero(&rng, c.x, count, r->lo, r->hi);
        for (size_t i = 0; i < count; i++)
            c.x[i] -= c.sign;
    } else {
        gt_fill(&rng, c.x, count, r->lo, r->hi);
    }
    for (size_t i = 0; i < count; i++)
        c.x[i] = roundf(c.x[i] / LT_FD_GRID) * LT_FD_GRID;
    gt_fill(&rng, c.t, (size_t)c.n, r->t_lo, r->t_hi);
    for (int32_t i = 0; i < c.n; i++)
        c.labels[i] = (int32_t)(gt_uniform(&rng) * c.classes);
    return c;
}

static double lt_sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* The textbook formula of one sample's loss, without the library's care for range: the
 * cross-entropy of the probabilities sigmoid(x) and 1 - sigmoid(x) = sigmoid(-x). */
static double lt_reference_term(const lt_case *c, int32_t i)
{
    const double x = c->x[i];
    switch (c->fn) {
    case LT_BCE:
        return -(c->t[i] * log(lt_sigmoid(x)) + (1.0 - c->t[i]) * log(lt_sigmoid(-x)));
    case LT_GENERATOR:
        return c->kind == GAN_GLOSS_NON_SATURATING ? -log(lt_sigmoid(x))
                                                   : log(lt_sigmoid(-x));
    case LT_WASSERSTEIN:
        return c->sign * x;
    case LT_HINGE:
        return fmax(0.0, 1 + c->sign * x);
    case LT_LEAST_SQUARES:
        return 0.5 * (x - c->target) * (x - c->target);
    case LT_L1:
        return fabs(x - c->t[i]);
    case LT_L2:
        return (x - c->t[i]) * (x - c->t[i]);
    case LT_SOFTMAX:
    case LT_SOFTMAX_WEIGHTED: {
        const float *row = c->x + (size_t)i * (size_t)c->classes;
        double z = 0.0;
        for (int32_t j = 0; j < c->classes; j++)
            z += exp(row[j]);
        const double w = c->fn == LT_SOFTMAX_WEIGHTED ? c->t[i] : 1.0;
        return -w * log(exp(row[c->labels[i]]) / z);
    }
    }
    return NAN;
}

static void test_loss_matches_double_reference(void **state)
{
    (void)state;
    for (size_t k = 0; k < LT_N_RANDOM; k++) {
        const lt_case c = lt_draw(k);
        double want = 0.0;
        for (int32_t i = 0; i < c.n; i++)
            want += lt_reference_term(&c, i);
        want /= c.n;
        lt_expect_close("loss", &c, 0, lt_loss(&c), want,
                        lt_float_exp(&c) ? LT_SOFTMAX_LOSS_RTOL : LT_REF_RTOL, LT_REF_ATOL);
    }
}

static void test_gradient_matches_finite_differences(void **state)
{
    (void)state;
    double worst = 0.0;
    for (size_t k = 0; k < LT_N_RANDOM; k++) {
        lt_case c = lt_draw(k);
        double loss;
        float dx[LT_MAX];
        GT_OK(lt_call(&c, &loss, dx));
        double largest = 0.0;
        for (size_t i = 0; i < lt_count(&c); i++) {
            const float x = c.x[i];
            c.x[i] = x + LT_FD_H;
            const double up = lt_loss(&c);
            c.x[i] = x - LT_FD_H;
            const double down = lt_loss(&c);
            c.x[i] = x;
            const double fd = (up - down) / (2.0 * LT_FD_H);
            const double err = fabs(dx[i] - fd);
            const double rtol = lt_float_exp(&c) ? LT_SOFTMAX_FD_RTOL : LT_FD_RTOL;
            const double tol = LT_FD_ATOL + rtol * fmax(fabs(dx[i]), fabs(fd));
            worst = fmax(worst, err / tol);
            largest = fmax(largest, fabs(fd));
            if (!(err <= tol))
                fail_msg("%s: dx[%zu] is %.9g, the finite difference %.9g", c.name, i,
                         (double)dx[i], fd);
        }
        /* A check on vanishing gradients would prove nothing. */
        if (largest < 1e-3)
            fail_msg("%s: all gradients are below 1e-3", c.name);
    }
    if (getenv("GT_VERBOSE"))
        printf("worst |dx - finite difference| is %.3g of its tolerance\n", worst);
}

/* ---- binary cross-entropy: range and optimum ------------------------------------ */

static void test_bce_extreme_logits_stay_finite(void **state)
{
    (void)state;
    static const float logits[] = {0.0f, 1e-30f, FLT_TRUE_MIN, 20.0f, 89.0f, 100.0f,
                                   1e4f, 1e30f, FLT_MAX};
    static const float targets[] = {0.0f, 1.0f, 0.7f, 1.2f, 0.3f, -0.1f, 1e30f, -FLT_MAX};
    enum { NL = sizeof logits / sizeof logits[0], NT = sizeof targets / sizeof targets[0] };
    /* Every pair alone, then all of them as one batch. */
    float all_x[2 * NL * NT], all_t[2 * NL * NT], all_dx[2 * NL * NT];
    int32_t n = 0;
    for (size_t a = 0; a < NL; a++) {
        for (int s = -1; s <= 1; s += 2) {
            for (size_t b = 0; b < NT; b++) {
                const float x = (float)s * logits[a], t = targets[b];
                char name[96];
                snprintf(name, sizeof name, "bce x=%g t=%g", (double)x, (double)t);
                const lt_case c = {.name = name, .fn = LT_BCE, .n = 1, .x = {x}, .t = {t}};
                double loss;
                float dx;
                GT_OK(lt_call(&c, &loss, &dx));
                if (!isfinite(loss) || !isfinite(dx))
                    fail_msg("%s: loss %g, gradient %g", name, loss, (double)dx);
                /* Far from 0 the loss is its linear part max(x, 0) - t*x. */
                if (fabs(x) >= 100.0f) {
                    const double lin = fmax(x, 0.0) - (double)t * x;
                    lt_expect_close("loss", &c, 0, loss, lin, LT_LOSS_RTOL, 1e-40);
                    lt_expect_close("dx", &c, 0, dx, (x > 0) - (double)t, LT_GRAD_RTOL,
                                    1e-40);
                }
                if (t >= 0.0f && t <= 1.0f && loss < 0.0)
                    fail_msg("%s: loss %g < 0 for a target in [0, 1]", name, loss);
                all_x[n] = x;
                all_t[n++] = t;
            }
        }
    }
    double loss;
    GT_OK(gan_loss_bce_logits(all_x, all_t, n, &loss, all_dx));
    assert_true(isfinite(loss));
    for (int32_t i = 0; i < n; i++)
        assert_true(isfinite(all_dx[i]));
}

/* For t in (0, 1) the loss is smallest at x = logit(t), where it is the entropy of t. */
static void test_bce_minimum_at_logit_of_target(void **state)
{
    (void)state;
    static const float targets[] = {0.01f, 0.1f, 0.3f, 0.5f, 0.7f, 0.9f, 0.99f};
    for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++) {
        const double t = targets[k];
        const float best = (float)log(t / (1 - t));
        lt_case c = {.name = "bce at logit(t)", .fn = LT_BCE, .n = 1, .x = {best},
                     .t = {targets[k]}};
        double at_best;
        float slope;
        GT_OK(lt_call(&c, &at_best, &slope));
        lt_expect_close("loss", &c, 0, at_best, -t * log(t) - (1 - t) * log(1 - t),
                        LT_LOSS_RTOL, 0.0);
        assert_true(fabsf(slope) <= 1e-7f);
        /* The two float neighbours may tie within the double rounding; farther points
         * are strictly worse. */
        const float around[] = {nextafterf(best, -INFINITY), nextafterf(best, INFINITY),
                                best - 0.01f, best + 0.01f, best - 1.0f, best + 1.0f};
        for (size_t j = 0; j < sizeof around / sizeof around[0]; j++) {
            c.x[0] = around[j];
            const double there = lt_loss(&c);
            const double slack = j < 2 ? 1e-15 : 0.0;
            if (!(there > at_best - slack))
                fail_msg("t=%g: loss %.17g at %.9g is below %.17g at logit(t) = %.9g", t,
                         there, (double)around[j], at_best, (double)best);
        }
    }
}

/* ---- generator kinds ------------------------------------------------------------ */

/* Non-saturating is BCE against target 1, minimax is minus BCE against target 0. */
static void test_generator_kinds_are_bce(void **state)
{
    (void)state;
    static const struct {
        int32_t kind;
        float target;
        double scale;
    } kinds[] = {{GAN_GLOSS_NON_SATURATING, 1.0f, 1.0}, {GAN_GLOSS_MINIMAX, 0.0f, -1.0}};
    lt_case bce = lt_draw(0);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        lt_case gen = {.name = "generator", .fn = LT_GENERATOR, .kind = kinds[k].kind,
                       .n = bce.n};
        memcpy(gen.x, bce.x, sizeof gen.x);
        for (int32_t i = 0; i < bce.n; i++)
            bce.t[i] = kinds[k].target;
        double lg, lb;
        float dg[LT_MAX], db[LT_MAX];
        GT_OK(lt_call(&gen, &lg, dg));
        GT_OK(lt_call(&bce, &lb, db));
        lt_expect_close("loss", &gen, 0, lg, kinds[k].scale * lb, LT_LOSS_RTOL, 0.0);
        for (int32_t i = 0; i < bce.n; i++)
            lt_expect_close("dx", &gen, (size_t)i, dg[i], kinds[k].scale * db[i],
                            LT_GRAD_RTOL, LT_GRAD_ATOL);
    }
}

/* ---- errors ----------------------------------------------------------------------- */

/* A valid call of each function, broken in turn by every common mutation. */
static const lt_case lt_bases[] = {
    {.name = "bce", .fn = LT_BCE, .n = 3, .t = {1, 0, 0.5f}},
    {.name = "generator", .fn = LT_GENERATOR, .kind = GAN_GLOSS_MINIMAX, .n = 3},
    {.name = "wasserstein", .fn = LT_WASSERSTEIN, .sign = -1, .n = 3},
    {.name = "hinge", .fn = LT_HINGE, .sign = 1, .n = 3},
    {.name = "least squares", .fn = LT_LEAST_SQUARES, .target = 1, .n = 3},
    {.name = "softmax", .fn = LT_SOFTMAX, .classes = 4, .n = 3, .labels = {3, 0, 1}},
    {.name = "weighted softmax", .fn = LT_SOFTMAX_WEIGHTED, .classes = 4, .n = 3,
     .labels = {3, 0, 1}, .t = {1, 0.5f, -1}},
    {.name = "l1", .fn = LT_L1, .n = 3, .t = {1, 0, -1}},
    {.name = "l2", .fn = LT_L2, .n = 3, .t = {1, 0, -1}},
};

typedef enum lt_mutation {
    LT_NULL_X,
    LT_NULL_LOSS,
    LT_N_ZERO,
    LT_N_NEGATIVE,
    LT_NAN_FIRST,
    LT_INF_MIDDLE,
    LT_NEG_INF_LAST,
    LT_N_MUTATIONS
} lt_mutation;

static const char *const lt_mutation_names[] = {
    [LT_NULL_X] = "NULL scores",
    [LT_NULL_LOSS] = "NULL loss",
    [LT_N_ZERO] = "n = 0",
    [LT_N_NEGATIVE] = "n = -1",
    [LT_NAN_FIRST] = "NaN first score",
    [LT_INF_MIDDLE] = "+inf middle score",
    [LT_NEG_INF_LAST] = "-inf last score",
};

/* One call that must fail with @p status and a message mentioning @p needle. */
typedef struct lt_error {
    lt_case c;
    gan_status status;
    const char *needle;
    bool only_with_gradient; /* succeeds when no gradient is asked for */
} lt_error;

/* Apply mutation @p m to @p e->c and write what the failure must say into @p needle. */
static void lt_mutate(lt_error *e, lt_mutation m, char *needle, size_t size)
{
    lt_case *c = &e->c;
    const char *x = lt_names[c->fn].x;
    const size_t bad[] = {[LT_NAN_FIRST] = 0, [LT_INF_MIDDLE] = lt_count(c) / 2,
                          [LT_NEG_INF_LAST] = lt_count(c) - 1};
    const float value[] = {[LT_NAN_FIRST] = NAN, [LT_INF_MIDDLE] = INFINITY,
                           [LT_NEG_INF_LAST] = -INFINITY};
    e->status = GAN_E_NUMERIC;
    switch (m) {
    case LT_NULL_X:
        c->null_x = true;
        e->status = GAN_E_INVALID_ARG;
        snprintf(needle, size, "%s is NULL", x);
        return;
    case LT_NULL_LOSS:
        c->null_loss = true;
        e->status = GAN_E_INVALID_ARG;
        snprintf(needle, size, "loss is NULL");
        return;
    case LT_N_ZERO:
    case LT_N_NEGATIVE:
        c->n = m == LT_N_ZERO ? 0 : -1;
        e->status = GAN_E_OUT_OF_RANGE;
        snprintf(needle, size, lt_pair(c) ? "count = %d" : "n = %d", (int)c->n);
        return;
    case LT_NAN_FIRST:
    case LT_INF_MIDDLE:
    case LT_NEG_INF_LAST:
        c->x[bad[m]] = value[m];
        /* A row of a (n, classes) matrix is also named by sample and column. */
        if (lt_width(c) > 1)
            snprintf(needle, size, "%s[%zu] (sample %zu, column %zu) is", x, bad[m],
                     bad[m] / lt_width(c), bad[m] % lt_width(c));
        else
            snprintf(needle, size, "%s[%zu] is", x, bad[m]);
        return;
    case LT_N_MUTATIONS:
        break;
    }
    fail_msg("unknown mutation %d", (int)m);
}

static const lt_error lt_errors[] = {
    {.c = {.name = "bce NULL targets", .fn = LT_BCE, .n = 2, .null_t = true},
     .status = GAN_E_INVALID_ARG, .needle = "targets is NULL"},
    {.c = {.name = "bce NaN target", .fn = LT_BCE, .n = 3, .t = {0, 1, NAN}},
     .status = GAN_E_NUMERIC, .needle = "targets[2] is"},
    {.c = {.name = "bce infinite target", .fn = LT_BCE, .n = 3, .t = {INFINITY}},
     .status = GAN_E_NUMERIC, .needle = "targets[0] is inf"},
    {.c = {.name = "generator kind 2", .fn = LT_GENERATOR, .kind = 2, .n = 1},
     .status = GAN_E_INVALID_ARG, .needle = "kind 2"},
    {.c = {.name = "generator kind -1", .fn = LT_GENERATOR, .kind = -1, .n = 1},
     .status = GAN_E_INVALID_ARG, .needle = "kind -1"},
    {.c = {.name = "wasserstein sign 0.5", .fn = LT_WASSERSTEIN, .sign = 0.5f, .n = 1},
     .status = GAN_E_INVALID_ARG, .needle = "sign is 0.5"},
    {.c = {.name = "wasserstein sign 0", .fn = LT_WASSERSTEIN, .sign = 0, .n = 1},
     .status = GAN_E_INVALID_ARG, .needle = "sign is 0,"},
    {.c = {.name = "hinge sign 0.5", .fn = LT_HINGE, .sign = 0.5f, .n = 1},
     .status = GAN_E_INVALID_ARG, .needle = "sign is 0.5"},
    {.c = {.name = "hinge sign 2", .fn = LT_HINGE, .sign = 2, .n = 1},
     .status = GAN_E_INVALID_ARG, .needle = "sign is 2"},
    {.c = {.name = "hinge sign NaN", .fn = LT_HINGE, .sign = NAN, .n = 1},
     .status = GAN_E_INVALID_ARG, .needle = "sign is"},
    {.c = {.name = "least squares NaN target", .fn = LT_LEAST_SQUARES, .target = NAN,
           .n = 1}, .status = GAN_E_NUMERIC, .needle = "target is"},
    {.c = {.name = "least squares -inf target", .fn = LT_LEAST_SQUARES,
           .target = -INFINITY, .n = 1},
     .status = GAN_E_NUMERIC, .needle = "target is -inf"},
    /* |x - target| <= 2 * FLT_MAX, so only a batch of one can overflow. */
    {.c = {.name = "least squares gradient overflows float", .fn = LT_LEAST_SQUARES,
           .target = -FLT_MAX, .n = 1, .x = {FLT_MAX}},
     .status = GAN_E_NUMERIC, .needle = "scores[0]", .only_with_gradient = true},
    {.c = {.name = "softmax label -1 at sample 1", .fn = LT_SOFTMAX, .classes = 3, .n = 3,
           .labels = {0, -1, 2}},
     .status = GAN_E_OUT_OF_RANGE, .needle = "labels[1] is -1"},
    {.c = {.name = "softmax label = classes at sample 2", .fn = LT_SOFTMAX, .classes = 3,
           .n = 3, .labels = {0, 1, 3}},
     .status = GAN_E_OUT_OF_RANGE, .needle = "labels[2] is 3"},
    {.c = {.name = "softmax NULL labels", .fn = LT_SOFTMAX, .classes = 3, .n = 1,
           .null_labels = true}, .status = GAN_E_INVALID_ARG, .needle = "labels is NULL"},
    {.c = {.name = "softmax 1 class", .fn = LT_SOFTMAX, .classes = 1, .n = 1},
     .status = GAN_E_OUT_OF_RANGE, .needle = "classes = 1"},
    {.c = {.name = "softmax 0 classes", .fn = LT_SOFTMAX, .classes = 0, .n = 1},
     .status = GAN_E_OUT_OF_RANGE, .needle = "classes = 0"},
    {.c = {.name = "softmax -3 classes", .fn = LT_SOFTMAX, .classes = -3, .n = 1},
     .status = GAN_E_OUT_OF_RANGE, .needle = "classes = -3"},
    {.c = {.name = "softmax NaN logit of sample 1, class 2", .fn = LT_SOFTMAX,
           .classes = 3, .n = 2, .x = {[5] = NAN}},
     .status = GAN_E_NUMERIC, .needle = "logits[5] (sample 1, column 2) is"},
    {.c = {.name = "weighted softmax label 5 at row 2", .fn = LT_SOFTMAX_WEIGHTED,
           .classes = 5, .n = 4, .labels = {0, 1, 5, 2}, .t = {1, 1, 1, 1}},
     .status = GAN_E_OUT_OF_RANGE, .needle = "labels[2] is 5, outside [0, classes = 5)"},
    {.c = {.name = "weighted softmax label -1 with weight 0", .fn = LT_SOFTMAX_WEIGHTED,
           .classes = 3, .n = 2, .labels = {0, -1}, .t = {1, 0}},
     .status = GAN_E_OUT_OF_RANGE, .needle = "labels[1] is -1"},
    {.c = {.name = "weighted softmax NULL weights", .fn = LT_SOFTMAX_WEIGHTED,
           .classes = 3, .n = 2, .null_t = true},
     .status = GAN_E_INVALID_ARG, .needle = "weights is NULL"},
    {.c = {.name = "weighted softmax NULL labels", .fn = LT_SOFTMAX_WEIGHTED,
           .classes = 3, .n = 2, .null_labels = true, .t = {1, 1}},
     .status = GAN_E_INVALID_ARG, .needle = "labels is NULL"},
    {.c = {.name = "weighted softmax NaN weight of row 1", .fn = LT_SOFTMAX_WEIGHTED,
           .classes = 3, .n = 3, .t = {1, NAN, 1}},
     .status = GAN_E_NUMERIC, .needle = "weights[1] is"},
    {.c = {.name = "weighted softmax 1 class", .fn = LT_SOFTMAX_WEIGHTED, .classes = 1,
           .n = 1, .t = {1}},
     .status = GAN_E_OUT_OF_RANGE, .needle = "classes = 1"},
    {.c = {.name = "l1 NULL target", .fn = LT_L1, .n = 2, .null_t = true},
     .status = GAN_E_INVALID_ARG, .needle = "target is NULL"},
    {.c = {.name = "l1 NULL pred and target", .fn = LT_L1, .n = 2, .null_x = true,
           .null_t = true}, .status = GAN_E_INVALID_ARG, .needle = "pred is NULL"},
    {.c = {.name = "l1 NaN target", .fn = LT_L1, .n = 3, .t = {0, 1, NAN}},
     .status = GAN_E_NUMERIC, .needle = "target[2] is"},
    {.c = {.name = "l1 -inf target, NaN pred: pred first", .fn = LT_L1, .n = 3,
           .x = {0, 0, NAN}, .t = {-INFINITY}},
     .status = GAN_E_NUMERIC, .needle = "pred[2] is"},
    {.c = {.name = "l2 NULL target", .fn = LT_L2, .n = 1, .null_t = true},
     .status = GAN_E_INVALID_ARG, .needle = "target is NULL"},
    {.c = {.name = "l2 infinite target", .fn = LT_L2, .n = 4, .t = {[3] = INFINITY}},
     .status = GAN_E_NUMERIC, .needle = "target[3] is inf"},
    /* |pred - target| <= 2 * FLT_MAX, so only counts below 4 can overflow. */
    {.c = {.name = "l2 gradient overflows float", .fn = LT_L2, .n = 1, .x = {FLT_MAX},
           .t = {-FLT_MAX}},
     .status = GAN_E_NUMERIC, .needle = "pred[0] - target[0]", .only_with_gradient = true},
    {.c = {.name = "l2 gradient of element 2 of 3 overflows float", .fn = LT_L2, .n = 3,
           .x = {1, 2, -FLT_MAX}, .t = {0, 0, FLT_MAX}},
     .status = GAN_E_NUMERIC, .needle = "pred[2] - target[2]", .only_with_gradient = true},
};

#define LT_SENTINEL_LOSS 12345.0
#define LT_SENTINEL_GRAD 777.0f

/* The call fails as @p e says, names the function and leaves both outputs untouched;
 * without a gradient it fails the same way (unless only the gradient is the problem). */
static void lt_expect_error(const lt_error *e)
{
    for (int with_gradient = 1; with_gradient >= 0; with_gradient--) {
        double loss = LT_SENTINEL_LOSS;
        float dx[LT_MAX];
        for (size_t i = 0; i < LT_MAX; i++)
            dx[i] = LT_SENTINEL_GRAD;
        const gan_status st = lt_call(&e->c, &loss, with_gradient ? dx : NULL);
        if (!with_gradient && e->only_with_gradient) {
            GT_OK(st);
            continue;
        }
        char expr[128];
        snprintf(expr, sizeof expr, "%s (%s gradient)", e->c.name,
                 with_gradient ? "with" : "without");
        gt_expect_failure(st, e->status, e->needle, expr);
        if (!strstr(gan_last_error(), lt_names[e->c.fn].fn))
            fail_msg("%s: message \"%s\" does not name %s", expr, gan_last_error(),
                     lt_names[e->c.fn].fn);
        if (loss != LT_SENTINEL_LOSS)
            fail_msg("%s: the loss was written on failure", expr);
        for (size_t i = 0; i < LT_MAX; i++)
            if (dx[i] != LT_SENTINEL_GRAD)
                fail_msg("%s: dx[%zu] was written on failure", expr, i);
    }
}

static void test_common_errors(void **state)
{
    (void)state;
    for (size_t b = 0; b < sizeof lt_bases / sizeof lt_bases[0]; b++) {
        /* The base itself is valid. */
        lt_loss(&lt_bases[b]);
        for (int m = 0; m < LT_N_MUTATIONS; m++) {
            lt_error e = {.c = lt_bases[b]};
            if (lt_pair(&e.c) && m == LT_N_NEGATIVE)
                continue; /* a size_t count cannot be negative */
            char needle[128], name[96];
            lt_mutate(&e, (lt_mutation)m, needle, sizeof needle);
            snprintf(name, sizeof name, "%s, %s", lt_bases[b].name, lt_mutation_names[m]);
            e.c.name = name;
            e.needle = needle;
            lt_expect_error(&e);
        }
    }
}

static void test_specific_errors(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof lt_errors / sizeof lt_errors[0]; k++)
        lt_expect_error(&lt_errors[k]);
}

/* ---- L1 and L2 ------------------------------------------------------------------ */

/* The gradient may be written over pred or target: the same values as into a third
 * array. */
static void test_pair_gradient_in_place(void **state)
{
    (void)state;
    for (lt_fn fn = LT_L1; fn <= LT_L2; fn++) {
        lt_case c = {.name = "in place", .fn = fn, .n = 5, .x = {1, -2, 0.5f, 3, 3},
                     .t = {0, 1, 0.5f, -4, 2}};
        double loss, again;
        float dx[LT_MAX];
        GT_OK(lt_call(&c, &loss, dx));
        for (int over_target = 0; over_target <= 1; over_target++) {
            lt_case d = c;
            float *out = over_target ? d.t : d.x;
            GT_OK((fn == LT_L1 ? gan_loss_l1 : gan_loss_l2)(d.x, d.t, 5, &again, out));
            assert_true(again == loss);
            assert_memory_equal(out, dx, 5 * sizeof *dx);
        }
    }
}

/* L2 is twice the least-squares loss against a constant target, gradient included. */
static void test_l2_is_twice_least_squares(void **state)
{
    (void)state;
    const lt_case ls = lt_draw(10); /* least squares target 0.9 */
    assert_int_equal(ls.fn, LT_LEAST_SQUARES);
    lt_case l2 = {.name = "l2 against 0.9", .fn = LT_L2, .n = ls.n};
    memcpy(l2.x, ls.x, sizeof l2.x);
    for (int32_t i = 0; i < ls.n; i++)
        l2.t[i] = ls.target;
    double a, b;
    float da[LT_MAX], db[LT_MAX];
    GT_OK(lt_call(&ls, &a, da));
    GT_OK(lt_call(&l2, &b, db));
    lt_expect_close("loss", &l2, 0, b, 2.0 * a, LT_LOSS_RTOL, 0.0);
    for (int32_t i = 0; i < ls.n; i++)
        lt_expect_close("dx", &l2, (size_t)i, db[i], 2.0 * da[i], LT_GRAD_RTOL, 0.0);
}

/* ---- weighted softmax ----------------------------------------------------------- */

/* All weights 1 give the unweighted loss and gradient bit for bit; a weight scales its
 * row's gradient exactly (a power of two) and its loss term linearly. */
static void test_weighted_softmax_all_ones_is_softmax(void **state)
{
    (void)state;
    for (size_t k = 0; k < LT_N_RANDOM; k++) {
        if (lt_randoms[k].c.fn != LT_SOFTMAX)
            continue;
        lt_case plain = lt_draw(k), ones = plain;
        ones.fn = LT_SOFTMAX_WEIGHTED;
        for (int32_t i = 0; i < ones.n; i++)
            ones.t[i] = 1.0f;
        double a, b;
        float da[LT_MAX], db[LT_MAX];
        GT_OK(lt_call(&plain, &a, da));
        GT_OK(lt_call(&ones, &b, db));
        assert_memory_equal(&a, &b, sizeof a);
        assert_memory_equal(da, db, lt_count(&plain) * sizeof *da);

        /* Row 0 weighted 4, the last 0: the gradient 4x and 0 exactly, the rest as is. */
        const size_t w = lt_width(&ones), last = (size_t)ones.n - 1;
        ones.t[0] = 4.0f;
        ones.t[last] = 0.0f;
        GT_OK(lt_call(&ones, &b, db));
        for (size_t i = 0; i < lt_count(&ones); i++) {
            const float want = i < w ? 4.0f * da[i] : i >= last * w ? 0.0f : da[i];
            if (db[i] != want)
                fail_msg("%s: weighted dx[%zu] is %.9g, want %.9g", plain.name, i,
                         (double)db[i], (double)want);
        }
        double row0, row_last;
        lt_case one_row = plain;
        one_row.n = 1;
        row0 = lt_loss(&one_row);
        memcpy(one_row.x, plain.x + last * w, w * sizeof *one_row.x);
        one_row.labels[0] = plain.labels[last];
        row_last = lt_loss(&one_row);
        lt_expect_close("loss", &ones, 0, b, a + (3.0 * row0 - row_last) / plain.n, 1e-12,
                        0.0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_computed_values),
        cmocka_unit_test(test_loss_matches_double_reference),
        cmocka_unit_test(test_gradient_matches_finite_differences),
        cmocka_unit_test(test_bce_extreme_logits_stay_finite),
        cmocka_unit_test(test_bce_minimum_at_logit_of_target),
        cmocka_unit_test(test_generator_kinds_are_bce),
        cmocka_unit_test(test_common_errors),
        cmocka_unit_test(test_specific_errors),
        cmocka_unit_test(test_pair_gradient_in_place),
        cmocka_unit_test(test_l2_is_twice_least_squares),
        cmocka_unit_test(test_weighted_softmax_all_ones_is_softmax),
    };
    return cmocka_run_group_tests_name("loss", tests, NULL, NULL);
}
