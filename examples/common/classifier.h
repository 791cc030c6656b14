/* gan_score's digit classifier: the network, inference in batches, and its file. */
#ifndef GAN_EXAMPLE_CLASSIFIER_H
#define GAN_EXAMPLE_CLASSIFIER_H

#include <gan/gan.h>

#include <stdint.h>

#define EX_CLASSIFIER_CLASSES 10
#define EX_CLASSIFIER_FEATURES 128
#define EX_CLASSIFIER_EVAL_BATCH 100

/* Conv(32,3,2) -> LReLU -> Conv(64,3,2) -> LReLU -> Flatten -> Dense(128) -> LReLU
 * [the features] -> Dense(10) logits, He-normal weights, built for @p batch. */
gan_status ex_classifier_create(gan_model_t **out, uint64_t seed, int32_t batch);

/* Logits (n, 10) and, if feats is not NULL, features (n, 128) of x (n, 1, 28, 28), in
 * inference mode, EX_CLASSIFIER_EVAL_BATCH images at a time. */
gan_status ex_classifier_run(gan_model_t *m, const float *x, int32_t n, float *logits,
                             float *feats);

/* The most probable class of one row of logits (the first on a tie). */
int32_t ex_classifier_argmax(const float *logits);

/* Fraction of the rows of logits (n, 10) whose argmax is the label. */
double ex_classifier_accuracy(const float *logits, const int32_t *labels, int32_t n);

/* The parameters to and from a file: "GANCLS01", the parameter count as a
 * little-endian uint32, then the parameters as little-endian IEEE floats. Return 0, or
 * 1 after printing why not (prefixed by @p program) on stderr. */
int ex_classifier_save(gan_model_t *m, const char *path, const char *program);
int ex_classifier_load(gan_model_t *m, const char *path, const char *program);

#endif
