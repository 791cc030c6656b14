/* The sample-quality statistics of gan_score: Fréchet distance between feature sets,
 * the classifier (Inception-style) score and the count of classes present. */
#ifndef GAN_EXAMPLE_SCORE_H
#define GAN_EXAMPLE_SCORE_H

#include <stdint.h>

/* Fréchet distance between Gaussians fitted to two feature sets (Heusel et al. 2017):
 * |mu1 - mu2|^2 + Tr(C1) + Tr(C2) - 2 Tr sqrt(C1^1/2 C2 C1^1/2), in double, with the
 * unbiased covariances. a is (na, dim), b is (nb, dim), row-major; na, nb >= 2.
 * Returns a negative value when memory runs out. */
double score_frechet(const float *a, int32_t na, const float *b, int32_t nb, int32_t dim);

/* Eigenvalues (w, n) and eigenvectors (the columns of v, (n, n)) of the symmetric
 * matrix a (n, n), which is destroyed: cyclic Jacobi rotations. */
void score_jacobi(double *a, int32_t n, double *w, double *v);

/* From (n, classes) logits: exp(mean KL(p(y|x) || p(y))) (Salimans et al. 2016's
 * Inception Score formula, between 1 and classes), and counts[k], how many samples
 * have class k as their most probable one. */
double score_classifier(const float *logits, int32_t n, int32_t classes, int32_t *counts);

#endif
