/* gan_score: a small CNN digit classifier trained with libgan, and the sample-quality
 * scores computed from it: Fréchet distance of its features, classifier score and the
 * classes present. See doc/EXAMPLES.md. */
#define _POSIX_C_SOURCE 200809L
#include "common/augment.h"
#include "common/classifier.h"
#include "common/flags.h"
#include "common/models.h"
#include "common/rng.h"
#include "common/score.h"

#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef EX_DEFAULT_DATA
#define EX_DEFAULT_DATA "examples/data/mnist-10k"
#endif

#define SC_BATCH 64
#define SC_ORDER_SEED 0 /* the fixed order in which real images are taken */
#define SC_PRESENT 0.02 /* a class is present with >= 2% of the argmax predictions */

static const char *program = "gan_score";

typedef struct sc_args {
    const char *data, *out, *classifier, *samples, *labels, *labels_out, *original;
    int32_t epochs, threads, n, offset, class_only;
    uint64_t seed;
    int noise, augment;
} sc_args;

/* Print libgan's message for a failed call; 1 on failure, 0 on success. */
static int sc_failed(gan_status st)
{
    if (st != GAN_OK)
        fprintf(stderr, "%s: %s\n", program, gan_last_error());
    return st != GAN_OK;
}

/* In a command: on failure print libgan's message and clean up. */
#define SC_CHECK(call)                                                                 \
    do {                                                                               \
        if (sc_failed(call))                                                           \
            goto done;                                                                 \
    } while (0)
#define SC_CHECK_MEMORY(ok)                                                            \
    do {                                                                               \
        if (!(ok)) {                                                                   \
            fprintf(stderr, "%s: out of memory\n", program);                           \
            goto done;                                                                 \
        }                                                                              \
    } while (0)

/* ------------------------------------------------------------------ data */

/* The first n images (n, 1, 28, 28) and labels (if y) of a dataset's first epoch. */
static gan_status sc_read(gan_dataset_t *ds, int32_t n, float *x, int32_t *y)
{
    gan_status st = GAN_OK;
    for (int32_t i = 0; i < n && st == GAN_OK; i += EX_CLASSIFIER_EVAL_BATCH) {
        int32_t b = n - i < EX_CLASSIFIER_EVAL_BATCH ? n - i : EX_CLASSIFIER_EVAL_BATCH;
        st = gan_dataset_next_batch(ds, b, x + (size_t)i * 784, y ? y + i : NULL);
    }
    return st;
}

/* Open an IDX set of 28x28 single-channel images; *count receives its size. Returns 0,
 * or 1 after printing why not. */
static int sc_open(gan_dataset_t **ds, const char *dir, const char *images,
                   const char *labels, int64_t *count)
{
    int32_t c, h, w, classes;
    const char *name = dir ? dir : images;
    if (sc_failed(dir ? gan_dataset_open_dir(ds, dir, SC_ORDER_SEED)
                      : gan_dataset_open_idx(ds, images, labels, SC_ORDER_SEED)) ||
        sc_failed(gan_dataset_get_info(*ds, count, &c, &h, &w, &classes)))
        return 1;
    if (c != 1 || h != 28 || w != 28) {
        fprintf(stderr, "%s: %s: images are %dx%dx%d, not 1x28x28\n", program, name,
                (int)c, (int)h, (int)w);
        return 1;
    }
    if (*count > INT32_MAX / 784) {
        fprintf(stderr, "%s: %s: too many images\n", program, name);
        return 1;
    }
    if (classes > EX_CLASSIFIER_CLASSES) {
        fprintf(stderr, "%s: %s: labels go up to %d, not 9\n", program,
                labels ? labels : name, (int)classes - 1);
        return 1;
    }
    return 0;
}

/* Labelled images: x (n, 1, 28, 28), y (n). */
typedef struct sc_set {
    int32_t n;
    float *x;
    int32_t *y;
} sc_set;

static void sc_set_free(sc_set *s)
{
    free(s->x);
    free(s->y);
}

/* The real images of dir in the fixed order (the first epoch of seed 0): all of them,
 * with their labels. Returns 0, or 1 after printing why not. */
static int sc_real(const char *dir, sc_set *s)
{
    gan_dataset_t *ds = NULL;
    int64_t count;
    int rc = sc_open(&ds, dir, NULL, NULL, &count);
    if (rc == 0) {
        s->n = (int32_t)count;
        s->x = malloc(sizeof *s->x * (size_t)count * 784);
        s->y = malloc(sizeof *s->y * (size_t)count);
        rc = !s->x || !s->y ? (fprintf(stderr, "%s: out of memory\n", program), 1)
                            : sc_failed(sc_read(ds, s->n, s->x, s->y));
    }
    gan_dataset_destroy(ds);
    return rc;
}

/* A translation's cycle error: the mean |x - original| over the n samples (in [-1, 1]
 * units) and the same n images of the original file, which has @p count images and so
 * is read in the same fixed order. Returns 0, or 1 after printing why not. */
static int sc_distance(const char *original, const float *x, int32_t n, int64_t count)
{
    gan_dataset_t *ds = NULL;
    int64_t other;
    float *o = NULL;
    int rc = sc_open(&ds, NULL, original, NULL, &other);
    if (rc == 0 && other != count) {
        fprintf(stderr, "%s: %s has %lld images, the samples %lld\n", program, original,
                (long long)other, (long long)count);
        rc = 1;
    }
    if (rc == 0 && !(o = malloc(sizeof *o * (size_t)n * 784)))
        rc = (fprintf(stderr, "%s: out of memory\n", program), 1);
    if (rc == 0)
        rc = sc_failed(sc_read(ds, n, o, NULL));
    if (rc == 0) {
        double sum = 0;
        for (size_t i = 0; i < (size_t)n * 784; i++)
            sum += fabs((double)x[i] - o[i]);
        printf("mean_abs_diff_to_original: %.4f\n", sum / ((double)n * 784));
    }
    free(o);
    gan_dataset_destroy(ds);
    return rc;
}

/* ------------------------------------------------------------------ commands */

static int sc_train(const sc_args *a)
{
    int rc = 1;
    gan_dataset_t *ds = NULL;
    gan_model_t *m = NULL;
    gan_optimizer_t *opt = NULL;
    float *x = NULL, *logits = NULL, dlogits[SC_BATCH * EX_CLASSIFIER_CLASSES], scratch[2 * 784];
    int32_t y[SC_BATCH], classes;
    sc_set real = {0};
    int64_t count;
    SC_CHECK(gan_set_num_threads(a->threads));
    SC_CHECK(gan_dataset_open_dir(&ds, a->data, a->seed));
    SC_CHECK(gan_dataset_get_info(ds, &count, NULL, NULL, NULL, &classes));
    if (classes < 2 || classes > EX_CLASSIFIER_CLASSES || count < SC_BATCH) {
        fprintf(stderr, "%s: %s needs labels 0..9 and %d images at least\n", program,
                a->data, SC_BATCH);
        goto done;
    }
    SC_CHECK(ex_classifier_create(&m, a->seed, SC_BATCH));
    SC_CHECK(gan_optimizer_adam_create(&opt, m, 1e-3f, 0.9f, 0.999f, 1e-8f));
    x = malloc(sizeof *x * SC_BATCH * 784);
    SC_CHECK_MEMORY(x);
    int64_t steps = count / SC_BATCH;
    uint64_t rng = a->seed;
    for (int32_t e = 1; e <= a->epochs; e++) {
        double loss_sum = 0;
        int64_t right = 0;
        for (int64_t s = 0; s < steps; s++) {
            const float *out;
            double loss;
            SC_CHECK(gan_dataset_next_batch(ds, SC_BATCH, x, y));
            if (a->augment)
                ex_augment_digits(x, SC_BATCH, 28, 28, &rng, scratch);
            SC_CHECK(gan_model_zero_grad(m));
            SC_CHECK(gan_model_forward(m, x, NULL, SC_BATCH, &out));
            SC_CHECK(gan_loss_softmax_cross_entropy(out, y, SC_BATCH, EX_CLASSIFIER_CLASSES, &loss,
                                                    dlogits));
            right += (int64_t)(ex_classifier_accuracy(out, y, SC_BATCH) * SC_BATCH + 0.5);
            SC_CHECK(gan_model_backward(m, dlogits, NULL));
            SC_CHECK(gan_optimizer_step(opt));
            loss_sum += loss;
        }
        printf("epoch %d: loss %.4f running_accuracy %.4f\n", (int)e, loss_sum / steps,
               (double)right / (double)(steps * SC_BATCH));
        fflush(stdout);
    }
    /* Accuracy on every training image, and on the first 1000 in the fixed order (the
     * set is not split: neither is a held-out test). */
    if (sc_real(a->data, &real))
        goto done;
    logits = malloc(sizeof *logits * (size_t)real.n * EX_CLASSIFIER_CLASSES);
    SC_CHECK_MEMORY(logits);
    SC_CHECK(ex_classifier_run(m, real.x, real.n, logits, NULL));
    printf("train_accuracy: %.4f\n", ex_classifier_accuracy(logits, real.y, real.n));
    printf("first1000_accuracy: %.4f\n",
           ex_classifier_accuracy(logits, real.y, real.n < 1000 ? real.n : 1000));
    if (ex_classifier_save(m, a->out, program) == 0) {
        printf("classifier: %s\n", a->out);
        rc = 0;
    }
done:
    free(x);
    sc_set_free(&real);
    free(logits);
    gan_optimizer_destroy(opt);
    gan_model_destroy(m);
    gan_dataset_destroy(ds);
    return rc;
}

static void sc_print_classes(const char *prefix, const float *logits, int32_t n)
{
    int32_t counts[EX_CLASSIFIER_CLASSES], present = 0;
    double score = score_classifier(logits, n, EX_CLASSIFIER_CLASSES, counts);
    printf("%sclassifier_score: %.4f\n", prefix, score);
    printf("%sclass_counts:", prefix);
    for (int32_t k = 0; k < EX_CLASSIFIER_CLASSES; k++) {
        printf(" %d", (int)counts[k]);
        present += counts[k] >= SC_PRESENT * n;
    }
    printf("\n%sclasses_present: %d\n", prefix, (int)present);
}

static int sc_score(const sc_args *a)
{
    int rc = 1;
    gan_dataset_t *ds = NULL;
    gan_model_t *m = NULL;
    float *x = NULL, *feats = NULL, *logits = NULL;
    int32_t *y = NULL;
    sc_set real = {0};
    int64_t count;
    SC_CHECK(gan_set_num_threads(a->threads));
    SC_CHECK(ex_classifier_create(&m, 0, EX_CLASSIFIER_EVAL_BATCH));
    if (ex_classifier_load(m, a->classifier, program) != 0)
        goto done;
    if (sc_open(&ds, NULL, a->samples, a->labels, &count))
        goto done;
    int32_t n = count < a->n ? (int32_t)count : a->n;
    x = malloc(sizeof *x * (size_t)n * 784);
    y = malloc(sizeof *y * (size_t)n);
    SC_CHECK_MEMORY(x && y);
    SC_CHECK(sc_read(ds, n, x, a->labels ? y : NULL));
    if (sc_real(a->data, &real))
        goto done;
    if (n < 2 || 2 * (int64_t)n > real.n) {
        fprintf(stderr, "%s: %d samples need 2 to %d real images in %s, which has %d\n",
                program, (int)n, 2 * (int)n, a->data, (int)real.n);
        goto done;
    }
    /* Features and logits of three sets of n: the samples, real [0, n), real [n, 2n). */
    feats = malloc(sizeof *feats * 3 * (size_t)n * EX_CLASSIFIER_FEATURES);
    logits = malloc(sizeof *logits * 3 * (size_t)n * EX_CLASSIFIER_CLASSES);
    SC_CHECK_MEMORY(feats && logits);
    SC_CHECK(ex_classifier_run(m, x, n, logits, feats));
    SC_CHECK(ex_classifier_run(m, real.x, 2 * n, logits + (size_t)n * EX_CLASSIFIER_CLASSES,
                    feats + (size_t)n * EX_CLASSIFIER_FEATURES));
    float *fs = feats, *fr = fs + (size_t)n * EX_CLASSIFIER_FEATURES, *fb = fr + (size_t)n * EX_CLASSIFIER_FEATURES;
    float *ls = logits, *lr = ls + (size_t)n * EX_CLASSIFIER_CLASSES;
    printf("samples: %d\n", (int)n);
    printf("fd: %.4f\n", score_frechet(fs, n, fr, n, EX_CLASSIFIER_FEATURES));
    printf("fd_real_baseline: %.4f\n", score_frechet(fb, n, fr, n, EX_CLASSIFIER_FEATURES));
    sc_print_classes("", ls, n);
    sc_print_classes("real_", lr, n);
    if (a->labels)
        printf("accuracy: %.4f\n", ex_classifier_accuracy(ls, y, n));
    if (a->original && sc_distance(a->original, x, n, count) != 0)
        goto done;
    rc = 0;
done:
    free(x);
    free(y);
    sc_set_free(&real);
    free(feats);
    free(logits);
    gan_model_destroy(m);
    gan_dataset_destroy(ds);
    return rc;
}

static int sc_export(const sc_args *a)
{
    int rc = 1;
    int32_t n = 0;
    sc_set real = {0};
    uint8_t *pixels = malloc((size_t)a->n * 784), *labels = malloc((size_t)a->n);
    SC_CHECK_MEMORY(pixels && labels);
    if (a->noise) {
        uint64_t s = a->seed;
        for (size_t i = 0; i < (size_t)a->n * 784; i++)
            pixels[i] = (uint8_t)(ex_splitmix64(&s) >> 56);
        n = a->n;
    } else {
        if (sc_real(a->data, &real))
            goto done;
        for (int32_t i = a->offset; i < real.n && n < a->n; i++) {
            if (a->class_only >= 0 && real.y[i] != a->class_only)
                continue;
            SC_CHECK(gan_images_to_u8(real.x + (size_t)i * 784, 784, pixels + (size_t)n * 784));
            labels[n++] = (uint8_t)real.y[i];
        }
        if (n < a->n) {
            fprintf(stderr, "%s: only %d such images from %d on in %s\n", program, (int)n,
                    (int)a->offset, a->data);
            goto done;
        }
    }
    const int32_t dims[3] = {n, 28, 28};
    SC_CHECK(gan_idx_write_u8(a->out, pixels, 3, dims));
    if (a->labels_out && !a->noise)
        SC_CHECK(gan_idx_write_u8(a->labels_out, labels, 1, &n));
    printf("exported: %d\n", (int)n);
    rc = 0;
done:
    free(pixels);
    free(labels);
    sc_set_free(&real);
    return rc;
}

/* ------------------------------------------------------------------ flags */

static void sc_usage(FILE *f)
{
    fprintf(f,
        "usage: gan_score train [--data DIR] --out FILE [--epochs N] [--seed N] [--threads N]\n"
        "                       [--augment]\n"
        "       gan_score score --classifier FILE --samples FILE.idx [--labels FILE.idx]\n"
        "                       [--original FILE.idx] [--data DIR] [--n N] [--threads N]\n"
        "       gan_score export [--data DIR] --out FILE.idx [--n N] [--labels-out FILE.idx]\n"
        "                        [--offset K] [--class C | --noise [--seed N]]\n"
        "Train a digit classifier, then score generated digits with it: Frechet distance\n"
        "of its 128 penultimate features to real ones, classifier score exp(E KL(p(y|x)||p(y))),\n"
        "classes present (>= 2%% of the argmax predictions). Real images are taken in a\n"
        "fixed order (the first epoch of seed 0). --data defaults to %s.\n"
        "--augment trains on randomly slanted, rotated, scaled, shifted, thickened and\n"
        "thinned digits: a classifier that also reads digits of another style.\n",
        EX_DEFAULT_DATA);
}

int main(int argc, char **argv)
{
    enum { O_DATA = 256, O_OUT, O_EPOCHS, O_SEED, O_THREADS, O_CLASSIFIER, O_SAMPLES,
           O_LABELS, O_N, O_LABELS_OUT, O_OFFSET, O_CLASS, O_NOISE, O_HELP, O_ORIGINAL,
           O_AUGMENT };
    static const struct option options[] = {
        {"data", required_argument, NULL, O_DATA},
        {"out", required_argument, NULL, O_OUT},
        {"epochs", required_argument, NULL, O_EPOCHS},
        {"seed", required_argument, NULL, O_SEED},
        {"threads", required_argument, NULL, O_THREADS},
        {"classifier", required_argument, NULL, O_CLASSIFIER},
        {"samples", required_argument, NULL, O_SAMPLES},
        {"labels", required_argument, NULL, O_LABELS},
        {"n", required_argument, NULL, O_N},
        {"labels-out", required_argument, NULL, O_LABELS_OUT},
        {"offset", required_argument, NULL, O_OFFSET},
        {"class", required_argument, NULL, O_CLASS},
        {"noise", no_argument, NULL, O_NOISE},
        {"help", no_argument, NULL, O_HELP},
        {"original", required_argument, NULL, O_ORIGINAL},
        {"augment", no_argument, NULL, O_AUGMENT},
        {NULL, 0, NULL, 0},
    };
    sc_args a = {.data = EX_DEFAULT_DATA, .epochs = 3, .threads = 2, .n = 2000,
                 .class_only = -1, .seed = 1};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        sc_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    for (int opt; (opt = getopt_long(argc - 1, argv + 1, "h", options, NULL)) != -1;) {
        int ok = 1;
        char *end;
        switch (opt) {
        case O_DATA: a.data = optarg; break;
        case O_OUT: a.out = optarg; break;
        case O_CLASSIFIER: a.classifier = optarg; break;
        case O_SAMPLES: a.samples = optarg; break;
        case O_LABELS: a.labels = optarg; break;
        case O_ORIGINAL: a.original = optarg; break;
        case O_LABELS_OUT: a.labels_out = optarg; break;
        case O_NOISE: a.noise = 1; break;
        case O_AUGMENT: a.augment = 1; break;
        case O_EPOCHS: ok = ex_parse_int(optarg, 1, 100000, &a.epochs); break;
        case O_THREADS: ok = ex_parse_int(optarg, 1, 1024, &a.threads); break;
        case O_N: ok = ex_parse_int(optarg, 2, 1000000, &a.n); break;
        case O_OFFSET: ok = ex_parse_int(optarg, 0, INT32_MAX, &a.offset); break;
        case O_CLASS: ok = ex_parse_int(optarg, 0, EX_CLASSIFIER_CLASSES - 1, &a.class_only); break;
        case O_SEED:
            errno = 0;
            a.seed = strtoull(optarg, &end, 10);
            ok = !errno && end != optarg && !*end;
            break;
        case O_HELP: case 'h': sc_usage(stdout); return 0;
        default: ok = 0;
        }
        if (!ok) {
            if (opt != '?')
                fprintf(stderr, "%s: bad value '%s' for --%s\n", program, optarg,
                        options[opt - O_DATA].name);
            fprintf(stderr, "Try '%s --help'.\n", program);
            return 2;
        }
    }
    if (optind + 1 < argc) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", program, argv[optind + 1]);
        return 2;
    }
    if (strcmp(cmd, "train") == 0 && a.out)
        return sc_train(&a);
    if (strcmp(cmd, "score") == 0 && a.classifier && a.samples)
        return sc_score(&a);
    if (strcmp(cmd, "export") == 0 && a.out && !(a.noise && a.class_only >= 0))
        return sc_export(&a);
    fprintf(stderr, "%s: unknown command or missing flags\n", program);
    sc_usage(stderr);
    return 2;
}
