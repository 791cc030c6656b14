/* gan_score's digit classifier (see classifier.h). */
#include "common/classifier.h"

#include "common/example.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CL_FEATURE_LAYER 6 /* the LeakyReLU after Dense(128) */
#define CL_MAGIC "GANCLS01"

/* A weight layer with He-normal weights (the LeakyReLUs after them). */
static gan_status cl_weight(gan_model_t *m, gan_status created, gan_layer_t **l)
{
    if (created == GAN_OK &&
        (created = gan_layer_set_init(*l, GAN_PARAM_WEIGHT, GAN_INIT_HE_NORMAL, 0, 0)) !=
            GAN_OK)
        gan_layer_destroy(*l);
    return ex_add(m, created, l);
}

gan_status ex_classifier_create(gan_model_t **out, uint64_t seed, int32_t batch)
{
    const int32_t image[3] = {1, 28, 28};
    gan_model_t *m = NULL;
    gan_layer_t *l;
    gan_status st = ex_model(&m, image, 3, "classifier", seed);
    for (int32_t filters = 32; filters <= 64 && st == GAN_OK; filters *= 2) {
        st = cl_weight(m, gan_layer_conv2d_create(&l, filters, 3, 2, GAN_PADDING_SAME), &l);
        if (st == GAN_OK)
            st = EX_ADD(m, gan_layer_leaky_relu_create(&l, 0.2f), l);
    }
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_flatten_create(&l), l);
    if (st == GAN_OK)
        st = cl_weight(m, gan_layer_dense_create(&l, EX_CLASSIFIER_FEATURES, true), &l);
    if (st == GAN_OK)
        st = EX_ADD(m, gan_layer_leaky_relu_create(&l, 0.2f), l);
    if (st == GAN_OK)
        st = cl_weight(m, gan_layer_dense_create(&l, EX_CLASSIFIER_CLASSES, true), &l);
    if (st == GAN_OK)
        st = gan_model_keep_layer_output(m, CL_FEATURE_LAYER);
    if (st == GAN_OK)
        st = gan_model_build(m, batch);
    if (st != GAN_OK)
        gan_model_destroy(m);
    else
        *out = m;
    return st;
}

gan_status ex_classifier_run(gan_model_t *m, const float *x, int32_t n, float *logits,
                             float *feats)
{
    gan_status st = gan_model_set_training(m, false);
    for (int32_t i = 0; i < n && st == GAN_OK; i += EX_CLASSIFIER_EVAL_BATCH) {
        int32_t b = n - i < EX_CLASSIFIER_EVAL_BATCH ? n - i : EX_CLASSIFIER_EVAL_BATCH;
        const float *y, *f;
        if ((st = gan_model_set_batch_size(m, b)) != GAN_OK ||
            (st = gan_model_forward(m, x + (size_t)i * 784, NULL, b, &y)) != GAN_OK ||
            (st = gan_model_get_layer_output(m, CL_FEATURE_LAYER, &f)) != GAN_OK)
            break;
        memcpy(logits + (size_t)i * EX_CLASSIFIER_CLASSES, y,
               sizeof *y * (size_t)b * EX_CLASSIFIER_CLASSES);
        if (feats)
            memcpy(feats + (size_t)i * EX_CLASSIFIER_FEATURES, f,
                   sizeof *f * (size_t)b * EX_CLASSIFIER_FEATURES);
    }
    return st;
}

int32_t ex_classifier_argmax(const float *logits)
{
    int32_t best = 0;
    for (int32_t k = 1; k < EX_CLASSIFIER_CLASSES; k++)
        if (logits[k] > logits[best])
            best = k;
    return best;
}

double ex_classifier_accuracy(const float *logits, const int32_t *labels, int32_t n)
{
    int32_t right = 0;
    for (int32_t i = 0; i < n; i++)
        right += ex_classifier_argmax(logits + (size_t)i * EX_CLASSIFIER_CLASSES) == labels[i];
    return n ? (double)right / n : 0;
}

/* The model's parameters and the classifier file opened in @p mode, or NULL after
 * printing why not. */
static FILE *cl_file(gan_model_t *m, const char *path, const char *mode, float **p,
                     size_t *count, const char *program)
{
    if (gan_model_get_params(m, p, count) != GAN_OK) {
        fprintf(stderr, "%s: %s\n", program, gan_last_error());
        return NULL;
    }
    FILE *f = fopen(path, mode);
    if (!f)
        fprintf(stderr, "%s: cannot open %s: %s\n", program, path, strerror(errno));
    return f;
}

int ex_classifier_save(gan_model_t *m, const char *path, const char *program)
{
    float *p;
    size_t count;
    FILE *f = cl_file(m, path, "wb", &p, &count, program);
    if (!f)
        return 1;
    uint8_t b[4];
    uint32_t u = (uint32_t)count;
    fwrite(CL_MAGIC, 1, 8, f);
    for (size_t i = 0; i <= count; i++) {
        if (i > 0)
            memcpy(&u, &p[i - 1], 4);
        for (int k = 0; k < 4; k++)
            b[k] = (uint8_t)(u >> (8 * k));
        fwrite(b, 1, 4, f);
    }
    if (ferror(f) | fclose(f)) {
        fprintf(stderr, "%s: cannot write %s\n", program, path);
        return 1;
    }
    return 0;
}

int ex_classifier_load(gan_model_t *m, const char *path, const char *program)
{
    float *p;
    size_t count;
    FILE *f = cl_file(m, path, "rb", &p, &count, program);
    if (!f)
        return 1;
    char magic[8];
    uint8_t b[4];
    int bad = fread(magic, 1, 8, f) != 8 || memcmp(magic, CL_MAGIC, 8) != 0;
    if (bad) {
        fprintf(stderr, "%s: %s is not a gan_score classifier (no %s magic)\n", program,
                path, CL_MAGIC);
    }
    for (size_t i = 0; !bad && i <= count; i++) {
        if (fread(b, 1, 4, f) != 4) {
            fprintf(stderr, "%s: %s is truncated: %zu of %zu parameters\n", program, path,
                    i ? i - 1 : 0, count);
            bad = 1;
            break;
        }
        uint32_t u = b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        if (i == 0 && u != count) {
            fprintf(stderr, "%s: %s holds %lu parameters, this classifier has %zu\n",
                    program, path, (unsigned long)u, count);
            bad = 1;
        } else if (i > 0) {
            memcpy(&p[i - 1], &u, 4);
        }
    }
    if (!bad && fgetc(f) != EOF) {
        fprintf(stderr, "%s: %s has trailing bytes after %zu parameters\n", program, path,
                count);
        bad = 1;
    }
    fclose(f);
    return bad;
}
