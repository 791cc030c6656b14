/* Sample-quality statistics for gan_score: Fréchet distance and classifier score. */
#include "common/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void score_jacobi(double *a, int32_t n, double *w, double *v)
{
    for (int32_t i = 0; i < n; i++)
        for (int32_t j = 0; j < n; j++)
            v[i * n + j] = i == j;
    /* Sweep every off-diagonal pair, zeroing it with a rotation, until what is left
     * off the diagonal is negligible next to the matrix's size (Golub & Van Loan 8.5). */
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, all = 0;
        for (int32_t i = 0; i < n; i++)
            for (int32_t j = 0; j < n; j++) {
                double x = a[i * n + j] * a[i * n + j];
                all += x;
                if (i != j)
                    off += x;
            }
        if (off <= 1e-30 * all || off == 0)
            break;
        for (int32_t p = 0; p < n - 1; p++)
            for (int32_t q = p + 1; q < n; q++) {
                double apq = a[p * n + q];
                if (apq == 0)
                    continue;
                double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int32_t k = 0; k < n; k++) { /* columns p and q: A J */
                    double akp = a[k * n + p], akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for (int32_t k = 0; k < n; k++) { /* rows p and q: J^T (A J) */
                    double apk = a[p * n + k], aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for (int32_t k = 0; k < n; k++) {
                    double vkp = v[k * n + p], vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
    }
    for (int32_t i = 0; i < n; i++)
        w[i] = a[i * n + i];
}

/* Mean (dim) and unbiased covariance (dim, dim) of x (n, dim), in double. */
static void score_moments(const float *x, int32_t n, int32_t dim, double *mu, double *cov)
{
    memset(mu, 0, sizeof *mu * (size_t)dim);
    memset(cov, 0, sizeof *cov * (size_t)dim * (size_t)dim);
    for (int32_t i = 0; i < n; i++)
        for (int32_t j = 0; j < dim; j++)
            mu[j] += x[(size_t)i * dim + j];
    for (int32_t j = 0; j < dim; j++)
        mu[j] /= n;
    for (int32_t i = 0; i < n; i++) {
        const float *r = x + (size_t)i * dim;
        for (int32_t j = 0; j < dim; j++) {
            double dj = r[j] - mu[j];
            for (int32_t k = j; k < dim; k++)
                cov[j * dim + k] += dj * (r[k] - mu[k]);
        }
    }
    for (int32_t j = 0; j < dim; j++)
        for (int32_t k = j; k < dim; k++)
            cov[k * dim + j] = cov[j * dim + k] /= n - 1;
}

/* c = a b for (n, n) matrices. */
static void score_matmul(double *c, const double *a, const double *b, int32_t n)
{
    memset(c, 0, sizeof *c * (size_t)n * (size_t)n);
    for (int32_t i = 0; i < n; i++)
        for (int32_t k = 0; k < n; k++) {
            double aik = a[i * n + k];
            for (int32_t j = 0; j < n; j++)
                c[i * n + j] += aik * b[k * n + j];
        }
}

double score_frechet(const float *a, int32_t na, const float *b, int32_t nb, int32_t dim)
{
    size_t d2 = (size_t)dim * (size_t)dim;
    double *buf = malloc(sizeof *buf * (5 * d2 + 3 * (size_t)dim));
    if (!buf)
        return -1;
    double *c1 = buf, *c2 = c1 + d2, *v = c2 + d2, *s = v + d2, *t = s + d2;
    double *mu1 = t + d2, *mu2 = mu1 + dim, *w = mu2 + dim;
    score_moments(a, na, dim, mu1, c1);
    score_moments(b, nb, dim, mu2, c2);
    double fd = 0;
    for (int32_t j = 0; j < dim; j++)
        fd += (mu1[j] - mu2[j]) * (mu1[j] - mu2[j]) + c1[j * dim + j] + c2[j * dim + j];
    /* C1^1/2 = V diag(sqrt(w)) V^T, from C1 = V diag(w) V^T; rounding can leave tiny
     * negative eigenvalues of a positive semi-definite matrix, taken as 0. */
    score_jacobi(c1, dim, w, v);
    for (int32_t i = 0; i < dim; i++)
        for (int32_t j = 0; j < dim; j++)
            t[i * dim + j] = v[i * dim + j] * sqrt(w[j] > 0 ? w[j] : 0);
    for (int32_t i = 0; i < dim; i++)
        for (int32_t j = 0; j < dim; j++) {
            double x = 0;
            for (int32_t k = 0; k < dim; k++)
                x += t[i * dim + k] * v[j * dim + k];
            s[i * dim + j] = x;
        }
    /* Tr sqrt(C1 C2) = Tr sqrt(C1^1/2 C2 C1^1/2), a symmetric PSD matrix whose
     * eigenvalues are those of C1 C2: the sum of their square roots. */
    score_matmul(t, s, c2, dim);
    score_matmul(c1, t, s, dim);
    for (int32_t i = 0; i < dim; i++) /* symmetrise away rounding */
        for (int32_t j = i + 1; j < dim; j++)
            c1[i * dim + j] = c1[j * dim + i] = 0.5 * (c1[i * dim + j] + c1[j * dim + i]);
    score_jacobi(c1, dim, w, v);
    double tr = 0;
    for (int32_t j = 0; j < dim; j++)
        tr += sqrt(w[j] > 0 ? w[j] : 0);
    free(buf);
    fd -= 2 * tr;
    return fd > 0 ? fd : 0;
}

double score_classifier(const float *logits, int32_t n, int32_t classes, int32_t *counts)
{
    double *p = malloc(sizeof *p * (size_t)n * (size_t)classes);
    double *marginal = calloc((size_t)classes, sizeof *marginal);
    if (!p || !marginal) {
        free(p);
        free(marginal);
        return -1;
    }
    memset(counts, 0, sizeof *counts * (size_t)classes);
    for (int32_t i = 0; i < n; i++) {
        const float *x = logits + (size_t)i * classes;
        double *pi = p + (size_t)i * classes, max = x[0], sum = 0;
        int32_t best = 0;
        for (int32_t k = 1; k < classes; k++)
            if (x[k] > max) {
                max = x[k];
                best = k;
            }
        counts[best]++;
        for (int32_t k = 0; k < classes; k++)
            sum += pi[k] = exp(x[k] - max);
        for (int32_t k = 0; k < classes; k++) {
            pi[k] /= sum;
            marginal[k] += pi[k] / n;
        }
    }
    double kl = 0;
    for (int32_t i = 0; i < n; i++)
        for (int32_t k = 0; k < classes; k++) {
            double pk = p[(size_t)i * classes + k];
            if (pk > 0)
                kl += pk * (log(pk) - log(marginal[k]));
        }
    free(p);
    free(marginal);
    return exp(kl / n);
}
