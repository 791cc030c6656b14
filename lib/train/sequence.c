/* Token sequences: checking whole-sequence and one-token generators, teacher-forcing
 * inputs, sampling with a carried recurrent state, and the standalone sampling and
 * log-likelihood calls (gan_sequence_sample, gan_sequence_nll). */
#include "train/sequence.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "gan/loss.h"
#include "gan/seqgan.h"
#include "kernels/vmath.h"
#include "layers/recurrent.h"
#include "model.h"

static gan_status gan__seq_check_model(const gan_model_t *m, const char *role,
                                       const char *who)
{
    if (!m->built)
        return gan__fail(GAN_E_STATE, "%s: %s '%s' is not built", who, role, m->name);
    if (m->n_inputs > 1 || gan__model_classes(m))
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s '%s' has %d inputs%s; a sequence "
                         "model reads one (T) input of token ids", who, role, m->name,
                         (int)m->n_inputs, gan__model_classes(m) ? " and class labels" : "");
    return GAN_OK;
}

gan_status gan__seq_check_whole(const gan_model_t *m, const char *role, const char *who,
                                int32_t *T, int32_t *V)
{
    gan_status st = gan__seq_check_model(m, role, who);
    if (st != GAN_OK)
        return st;
    const gan__shape *out = &gan__model_output(m, 0)->out;
    if (m->in.ndim != 1 || out->ndim != 2 || out->d[0] != m->in.d[0] || out->d[1] < 2)
        return gan__fail(GAN_E_SHAPE, "%s: %s '%s' maps %s to %s; a sequence generator "
                         "maps (T) token ids to (T, V) logits, V >= 2", who, role, m->name,
                         gan__shape_str(&m->in).s, gan__shape_str(out).s);
    *T = m->in.d[0];
    *V = out->d[1];
    return GAN_OK;
}

gan_status gan__seq_check_step(gan_model_t *m, int32_t T, const char *role,
                               const char *who, gan__seq_sampler *s)
{
    gan_status st = gan__seq_check_model(m, role, who);
    if (st != GAN_OK)
        return st;
    const gan__shape *out = &gan__model_output(m, 0)->out;
    if (m->in.ndim != 1 || m->in.d[0] != 1 || out->ndim != 2 || out->d[0] != 1 ||
        out->d[1] < 2)
        return gan__fail(GAN_E_SHAPE, "%s: %s '%s' maps %s to %s; a one-token sampler "
                         "maps (1) to (1, V), V >= 2", who, role, m->name,
                         gan__shape_str(&m->in).s, gan__shape_str(out).s);
    memset(s, 0, sizeof *s);
    s->m = m;
    s->vocab = out->d[1];
    s->batch = m->batch;
    for (int32_t i = 0; i < m->n_layers; i++) {
        const gan_layer_t *l = m->layers[i];
        if (!l->ops->recurrent)
            continue;
        const gan__rnn *r = (const gan__rnn *)l;
        if (!r->stateful)
            return gan__fail(GAN_E_INVALID_ARG, "%s: %s '%s' layer %d '%s' is not stateful; "
                             "a one-token sampler carries its state from token to token",
                             who, role, m->name, (int)i, l->name);
        if (r->max_steps > 0 && r->max_steps < T)
            return gan__fail(GAN_E_SHAPE, "%s: %s '%s' layer %d '%s' runs at most %d steps, "
                             "the sequences have %d", who, role, m->name, (int)i, l->name,
                             (int)r->max_steps, (int)T);
        if (s->n_rnn == GAN__SEQ_MAX_RNN)
            return gan__fail(GAN_E_INVALID_ARG, "%s: %s '%s' has more than %d recurrent "
                             "layers", who, role, m->name, GAN__SEQ_MAX_RNN);
        s->rnn[s->n_rnn] = i;
        s->hidden[s->n_rnn] = r->hidden;
        s->cell[s->n_rnn++] = r->cell;
    }
    if (s->n_rnn == 0)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s '%s' has no recurrent layer, so it "
                         "cannot carry a sequence from one token to the next", who, role,
                         m->name);
    return GAN_OK;
}

int32_t gan__seq_embedded_vocab(const gan_model_t *m)
{
    const gan_layer_t *l = m->n_layers ? m->layers[0] : NULL;
    if (l && strcmp(l->ops->kind, "embedding_sequence") == 0 && l->out.ndim == 2)
        return (int32_t)(l->param[GAN_PARAM_WEIGHT].count / (size_t)l->out.d[1]);
    if (l && strcmp(l->ops->kind, "bag_of_words") == 0 && l->out.ndim == 1)
        return (int32_t)(l->param[GAN_PARAM_WEIGHT].count / (size_t)l->out.d[0]);
    return 0;
}

gan_status gan__seq_check_ids(const int32_t *ids, int32_t n, int32_t T, int32_t V,
                              const char *what, const char *who)
{
    for (int32_t r = 0; r < n; r++)
        for (int32_t t = 0; t < T; t++) {
            const int32_t id = ids[(size_t)r * (size_t)T + (size_t)t];
            if (id < 0 || id >= V)
                return gan__fail(GAN_E_OUT_OF_RANGE, "%s: %s: token id %d at position %d "
                                 "of sequence %d is outside [0, %d) (the vocabulary)", who,
                                 what, (int)id, (int)t, (int)r, (int)V);
        }
    return GAN_OK;
}

void gan__seq_shift(float *in, const int32_t *ids, int32_t rows, int32_t T, int32_t start)
{
    for (int32_t r = 0; r < rows; r++) {
        float *x = in + (size_t)r * (size_t)T;
        const int32_t *y = ids + (size_t)r * (size_t)T;
        x[0] = (float)start;
        for (int32_t t = 1; t < T; t++)
            x[t] = (float)y[t - 1];
    }
}

gan_status gan__seq_reset(const gan__seq_sampler *s)
{
    for (int32_t k = 0; k < s->n_rnn; k++) {
        gan_status st = gan_model_reset_recurrent_state(s->m, s->rnn[k]);
        if (st != GAN_OK)
            return st;
    }
    return GAN_OK;
}

gan_status gan__seq_draw(const gan__seq_sampler *s, gan__rng *rng, const float *logits,
                         int32_t rows, double temperature, int32_t *ids, size_t stride,
                         const char *who)
{
    const int32_t V = s->vocab;
    for (int64_t i = 0; i < s->skip_before; i++)
        (void)gan__rng_next(rng);
    for (int32_t r = 0; r < rows; r++) {
        const float *x = logits + (size_t)r * (size_t)V;
        const size_t j = gan__vfind_nonfinite(x, (size_t)V);
        if (j < (size_t)V)
            return gan__fail(GAN_E_NUMERIC, "%s: model '%s' gave logit %g for token %zu "
                             "of row %d", who, s->m->name, (double)x[j], j, (int)r);
        /* One draw per row, 53 bits, as gan_categorical_sample(). */
        const double u = (double)(gan__rng_next(rng) >> 11) * 0x1.0p-53;
        ids[(size_t)r * stride] = gan__categorical_row(x, V, temperature, u, s->w);
    }
    for (int64_t i = 0; i < s->skip_after; i++)
        (void)gan__rng_next(rng);
    return GAN_OK;
}

gan_status gan__seq_feed(const gan__seq_sampler *s, const float **logits)
{
    return gan_model_forward(s->m, s->in, NULL, s->batch, logits);
}

gan_status gan__seq_sample_batch(const gan__seq_sampler *s, gan__rng *rng, int32_t start,
                                 double temperature, int32_t T, int32_t *ids,
                                 const char *who)
{
    gan_status st = gan__seq_reset(s);
    for (int32_t r = 0; r < s->batch; r++)
        s->in[r] = (float)start;
    for (int32_t t = 0; st == GAN_OK && t < T; t++) {
        const float *logits;
        st = gan__seq_feed(s, &logits);
        if (st == GAN_OK)
            st = gan__seq_draw(s, rng, logits, s->batch, temperature, ids + t, (size_t)T, who);
        for (int32_t r = 0; st == GAN_OK && r < s->batch; r++)
            s->in[r] = (float)ids[(size_t)r * (size_t)T + (size_t)t];
    }
    return st;
}

gan_status gan_sequence_sample(gan_model_t *model, gan_rng_t *rng, int32_t start_token,
                               float temperature, int32_t steps, int32_t n, int32_t *ids)
{
    static const char who[] = "gan_sequence_sample";
    if (!model || !rng || !ids)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !model ? "model" : !rng ? "rng" : "ids");
    if (steps < 1 || n < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: steps %d and n %d must be >= 1", who,
                         (int)steps, (int)n);
    if (!(temperature > 0.0f) || !isfinite(temperature))
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: temperature %g must be finite and > 0",
                         who, (double)temperature);
    gan__seq_sampler s;
    gan_status st = gan__seq_check_step(model, steps, "model", who, &s);
    if (st != GAN_OK)
        return st;
    if (start_token < 0 || start_token >= s.vocab)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: start token %d is outside [0, %d)", who,
                         (int)start_token, (int)s.vocab);
    size_t bytes = ((size_t)s.batch + (size_t)s.vocab) * sizeof(float);
    size_t tokens;
    if (!gan__mul_size((size_t)s.batch, (size_t)steps * sizeof(int32_t), &tokens))
        return gan__fail(GAN_E_NO_MEMORY, "%s: batch too large", who);
    char *block = gan__alloc(&model->alloc, bytes + tokens);
    if (!block)
        return gan__fail(GAN_E_NO_MEMORY, "%s: cannot allocate a batch of %d sequences",
                         who, (int)s.batch);
    s.w = (float *)block;
    s.in = s.w + s.vocab;
    int32_t *batch_ids = (int32_t *)(block + bytes);
    const bool training = model->training;
    model->training = false;
    for (int32_t n0 = 0; st == GAN_OK && n0 < n; n0 += s.batch) {
        const int32_t nb = n - n0 < s.batch ? n - n0 : s.batch;
        st = gan__seq_sample_batch(&s, &rng->r, start_token, temperature, steps, batch_ids,
                                   who);
        if (st == GAN_OK)
            memcpy(ids + (size_t)n0 * (size_t)steps, batch_ids,
                   (size_t)nb * (size_t)steps * sizeof *ids);
    }
    model->training = training;
    gan__free(&model->alloc, block);
    return st;
}

gan_status gan_sequence_nll(gan_model_t *model, int32_t start_token, const int32_t *ids,
                            int32_t n, double *nll)
{
    static const char who[] = "gan_sequence_nll";
    if (!model || !ids || !nll)
        return gan__fail(GAN_E_INVALID_ARG, "%s: %s is NULL", who,
                         !model ? "model" : !ids ? "ids" : "nll");
    if (n < 1)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: n %d must be >= 1", who, (int)n);
    int32_t T, V;
    gan_status st = gan__seq_check_whole(model, "model", who, &T, &V);
    if (st != GAN_OK)
        return st;
    if (start_token < 0 || start_token >= V)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: start token %d is outside [0, %d)", who,
                         (int)start_token, (int)V);
    if ((st = gan__seq_check_ids(ids, n, T, V, "ids", who)) != GAN_OK)
        return st;
    const int32_t B = model->batch;
    size_t rows;
    if (!gan__mul_size((size_t)B, (size_t)T, &rows) || rows > (size_t)INT32_MAX)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: a batch of %d sequences of %d tokens has "
                         "more than %d tokens", who, (int)B, (int)T, INT32_MAX);
    float *in = gan__alloc(&model->alloc, rows * (sizeof(float) + sizeof(int32_t)));
    if (!in)
        return gan__fail(GAN_E_NO_MEMORY, "%s: cannot allocate a batch of %d sequences",
                         who, (int)B);
    const bool training = model->training;
    model->training = false;
    double sum = 0.0;
    for (int32_t n0 = 0; st == GAN_OK && n0 < n; n0 += B) {
        const int32_t nb = n - n0 < B ? n - n0 : B;
        const int32_t *y = ids + (size_t)n0 * (size_t)T;
        gan__seq_shift(in, y, nb, T, start_token);
        /* Rows past nb repeat the start token; their logits are not read. */
        for (size_t i = (size_t)nb * (size_t)T; i < rows; i++)
            in[i] = (float)start_token;
        const float *logits;
        double loss = 0.0;
        st = gan_model_forward(model, in, NULL, B, &logits);
        if (st == GAN_OK)
            st = gan_loss_softmax_cross_entropy(logits, y, nb * T, V, &loss, NULL);
        sum += loss * (double)nb * (double)T;
    }
    model->training = training;
    gan__free(&model->alloc, in);
    if (st != GAN_OK)
        return st;
    *nll = sum / ((double)n * (double)T);
    if (!isfinite(*nll))
        return gan__fail(GAN_E_NUMERIC, "%s: model '%s' gives a non-finite likelihood", who,
                         model->name);
    return GAN_OK;
}
