/* Softmax cross-entropy on rows of up to a generator's vocabulary, wider than the chunks
 * the library computes them in: against a double reference, the same loss with and
 * without a gradient, and the gradient written over the logits. (test_loss.c covers the
 * small rows, the hand-computed values and the errors.) */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Float weights within 2 ulps summed in double (test_loss.c says why). */
#define SM_LOSS_RTOL 0x1p-22
#define SM_GRAD_RTOL 0x1p-21
#define SM_ROWS 3

static void sm_close(const char *what, int32_t classes, size_t i, double got, double want,
                     double rtol)
{
    if (!(fabs(got - want) <= rtol * fabs(want) + 1e-37))
        fail_msg("classes %d: %s[%zu] is %.17g, expected %.17g", (int)classes, what, i, got,
                 want);
}

/* Logits on a 2^-12 grid in [-20, 20], so every x_j - x_top is exact in float; row 1 has
 * its top in the last column, row 2 two tied tops. */
static void sm_draw(gt_rng *g, float *x, int32_t *labels, int32_t classes)
{
    const size_t count = (size_t)SM_ROWS * (size_t)classes;
    gt_fill(g, x, count, -20.0f, 20.0f);
    for (size_t i = 0; i < count; i++)
        x[i] = roundf(x[i] * 4096.0f) / 4096.0f;
    x[2 * classes - 1] = 25.0f;
    x[2 * classes + classes / 3] = 24.0f;
    x[3 * classes - 2] = 24.0f;
    for (int32_t r = 0; r < SM_ROWS; r++)
        labels[r] = (int32_t)(gt_uniform(g) * classes);
    labels[1] = classes - 1; /* the top itself */
}

static void test_wide_rows_match_double(void **state)
{
    (void)state;
    static const int32_t widths[] = {255, 256, 257, 1000, 5003};
    gt_rng g;
    gt_seed(&g, 77);
    for (size_t k = 0; k < sizeof widths / sizeof widths[0]; k++) {
        const int32_t V = widths[k];
        const size_t count = (size_t)SM_ROWS * (size_t)V;
        float *x = malloc(count * sizeof *x), *dx = malloc(count * sizeof *dx);
        float *in_place = malloc(count * sizeof *in_place);
        double *p = malloc((size_t)V * sizeof *p);
        int32_t labels[SM_ROWS];
        assert_true(x && dx && in_place && p);
        sm_draw(&g, x, labels, V);
        double loss, bare, again;
        GT_OK(gan_loss_softmax_cross_entropy(x, labels, SM_ROWS, V, &loss, dx));
        GT_OK(gan_loss_softmax_cross_entropy(x, labels, SM_ROWS, V, &bare, NULL));
        memcpy(in_place, x, count * sizeof *x);
        GT_OK(gan_loss_softmax_cross_entropy(in_place, labels, SM_ROWS, V, &again,
                                             in_place));
        assert_memory_equal(&bare, &loss, sizeof loss);
        assert_memory_equal(&again, &loss, sizeof loss);
        assert_memory_equal(in_place, dx, count * sizeof *dx);
        double want = 0.0;
        for (int32_t r = 0; r < SM_ROWS; r++) {
            const float *row = x + (size_t)r * (size_t)V;
            double top = row[0], z = 0.0;
            for (int32_t j = 1; j < V; j++)
                top = fmax(top, row[j]);
            for (int32_t j = 0; j < V; j++)
                z += p[j] = exp(row[j] - top);
            want += log(z) - (row[labels[r]] - top);
            for (int32_t j = 0; j < V; j++) {
                const double d = (p[j] / z - (j == labels[r])) / SM_ROWS;
                sm_close("dx", V, (size_t)r * (size_t)V + (size_t)j,
                         dx[(size_t)r * (size_t)V + (size_t)j], d, SM_GRAD_RTOL);
            }
        }
        sm_close("loss", V, 0, loss, want / SM_ROWS, SM_LOSS_RTOL);
        free(p);
        free(in_place);
        free(dx);
        free(x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wide_rows_match_double),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
