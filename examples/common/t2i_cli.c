/* mnist_text2img's flags, --caption and --samples. */
#include "common/t2i_cli.h"

#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gan/extend.h>
#include <gan/io.h>

#include "common/classifier.h"
#include "common/flags.h"
#include "common/morpho.h"
#include "common/t2i_data.h"
#include "common/t2i_models.h"

#ifndef EX_DEFAULT_DATA
#define EX_DEFAULT_DATA "examples/data/mnist-10k"
#endif

#define COLUMNS 8
#define CAPTION_ROWS 4
#define CHUNK 250 /* --samples: images generated per call */

static void usage(FILE *f)
{
    fprintf(f,
        "usage: " T2I_PROGRAM " [options]\n"
        "Train a text-to-image GAN (GAN-CLS, GAN-INT, conditioning augmentation) on captioned\n"
        "MNIST digits and write pictures, metrics.csv, checkpoint.gan and its tokenizer\n"
        "(checkpoint.gan.vocab) to --out.\n"
        "  --out DIR           outputs (default out-t2i)\n"
        "  --data DIR          MNIST-format training files (default mnist-10k)\n"
        "  --captions words|label  captions with attributes (default), or naming the digit\n"
        "                      only: the class-conditional baseline\n"
        "  --steps N           training steps (default 6000)\n"
        "  --stop-after N      stop (with a checkpoint) after step N of the run\n"
        "  --batch N           (default 64)\n"
        "  --lr X              Adam's rate for G and D (default 0.0002, beta1 0.5)\n"
        "  --lr-e X            Adam's rate for the caption encoder E (default 0.003)\n"
        "  --kl X              conditioning augmentation's KL weight (default 0.03125 = 1/C)\n"
        "  --wrong-weight X    D's real-image/wrong-caption term (default 0.5)\n"
        "  --interp X          share of G's batch with interpolated captions (default 0.5)\n"
        "  --g-channels N --d-channels N   network widths (defaults 64, 32)\n"
        "  --sample-every N    a picture every N steps (default 500)\n"
        "  --seed N            (default 42)\n"
        "  --threads N         libgan's threads (default 2)\n"
        "  --resume FILE       continue from a checkpoint (its tokenizer is FILE.vocab)\n"
        "  --caption TEXT --samples-png FILE   with --resume: draw a sentence\n"
        "  --samples N --samples-out FILE --captions-out FILE [--meanings-out FILE]\n"
        "      [--labels-out FILE] [--split held-out|train] [--classifier FILE]\n"
        "                      with --resume: N images for captions of the held-out\n"
        "                      combinations (default) or of training, and the share of\n"
        "                      asked attributes measured; with a gan_score classifier,\n"
        "                      the share read as the digit named too, and the\n"
        "                      attributes over those images only\n");
}

int t2i_parse(t2i_config *c, int argc, char **argv)
{
    enum { DATA = 1000, OUT, CAPTIONS, STEPS, STOP, BATCH, LR, LR_E, KL, WRONG, INTERP, GC, DC,
           SAMPLE, SEED, THREADS, RESUME, CAPTION, SAMPLES_PNG, SAMPLES, SAMPLES_OUT,
           CAPTIONS_OUT, MEANINGS_OUT, LABELS_OUT, SPLIT, CLASSIFIER, HELP };
    static const struct option opts[] = {
        {"data", 1, NULL, DATA}, {"out", 1, NULL, OUT}, {"captions", 1, NULL, CAPTIONS},
        {"steps", 1, NULL, STEPS}, {"stop-after", 1, NULL, STOP}, {"batch", 1, NULL, BATCH},
        {"lr", 1, NULL, LR}, {"lr-e", 1, NULL, LR_E}, {"kl", 1, NULL, KL}, {"wrong-weight", 1, NULL, WRONG},
        {"interp", 1, NULL, INTERP}, {"g-channels", 1, NULL, GC}, {"d-channels", 1, NULL, DC},
        {"sample-every", 1, NULL, SAMPLE}, {"seed", 1, NULL, SEED},
        {"threads", 1, NULL, THREADS}, {"resume", 1, NULL, RESUME},
        {"caption", 1, NULL, CAPTION}, {"samples-png", 1, NULL, SAMPLES_PNG},
        {"samples", 1, NULL, SAMPLES}, {"samples-out", 1, NULL, SAMPLES_OUT},
        {"captions-out", 1, NULL, CAPTIONS_OUT}, {"meanings-out", 1, NULL, MEANINGS_OUT},
        {"labels-out", 1, NULL, LABELS_OUT}, {"split", 1, NULL, SPLIT},
        {"classifier", 1, NULL, CLASSIFIER},
        {"help", 0, NULL, HELP}, {NULL, 0, NULL, 0}};
    *c = (t2i_config){.data = EX_DEFAULT_DATA, .out = "out-t2i", .mode = EX_T2I_WORDS,
                      .split = EX_SPLIT_HELD_OUT, .steps = 6000, .batch = 64, .threads = 2,
                      .sample_every = 500, .g_channels = 64, .d_channels = 32, .lr = 2e-4, .lr_e = 3e-3,
                      .kl_weight = 1.0 / 32, .wrong_weight = 0.5, .interp = 0.5, .seed = 42};
    for (int opt; (opt = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        bool ok = true;
        int32_t seed = 0;
        switch (opt) {
        case DATA: c->data = optarg; break;
        case OUT: c->out = optarg; break;
        case CAPTIONS:
            c->mode = !strcmp(optarg, "words") ? EX_T2I_WORDS
                      : !strcmp(optarg, "label") ? EX_T2I_LABEL : -1;
            ok = c->mode >= 0;
            break;
        case STEPS: ok = ex_parse_int(optarg, 1, 100000000, &c->steps); break;
        case STOP: ok = ex_parse_int(optarg, 1, 100000000, &c->stop_after); break;
        case BATCH: ok = ex_parse_int(optarg, 2, 4096, &c->batch); break;
        case LR: ok = ex_parse_double(optarg, 1e-8, 1, &c->lr); break;
        case LR_E: ok = ex_parse_double(optarg, 1e-8, 1, &c->lr_e); break;
        case KL: ok = ex_parse_double(optarg, 0, 1e6, &c->kl_weight); break;
        case WRONG: ok = ex_parse_double(optarg, 0, 1, &c->wrong_weight); break;
        case INTERP: ok = ex_parse_double(optarg, 0, 1, &c->interp); break;
        case GC: ok = ex_parse_int(optarg, 1, 1024, &c->g_channels); break;
        case DC: ok = ex_parse_int(optarg, 1, 1024, &c->d_channels); break;
        case SAMPLE: ok = ex_parse_int(optarg, 1, 100000000, &c->sample_every); break;
        case SEED: ok = ex_parse_int(optarg, 0, 2147483647, &seed); c->seed = (uint64_t)seed; break;
        case THREADS: ok = ex_parse_int(optarg, 1, 256, &c->threads); break;
        case RESUME: c->resume = optarg; break;
        case CAPTION: c->caption = optarg; break;
        case SAMPLES_PNG: c->samples_png = optarg; break;
        case SAMPLES: ok = ex_parse_int(optarg, 1, 1000000, &c->samples); break;
        case SAMPLES_OUT: c->samples_out = optarg; break;
        case CAPTIONS_OUT: c->captions_out = optarg; break;
        case MEANINGS_OUT: c->meanings_out = optarg; break;
        case LABELS_OUT: c->labels_out = optarg; break;
        case CLASSIFIER: c->classifier = optarg; break;
        case SPLIT:
            c->split = !strcmp(optarg, "held-out") ? EX_SPLIT_HELD_OUT
                       : !strcmp(optarg, "train") ? EX_SPLIT_TRAIN : -1;
            ok = c->split >= 0;
            break;
        case HELP: case 'h': usage(stdout); return -1;
        default: ok = false; break;
        }
        if (!ok) {
            fprintf(stderr, T2I_PROGRAM ": bad value '%s'\n", optarg ? optarg : "");
            usage(stderr);
            return 2;
        }
    }
    const char *need = NULL;
    if (optind < argc)
        need = "no arguments besides the options";
    else if (c->caption && (!c->resume || !c->samples_png))
        need = "--caption needs --resume and --samples-png";
    else if (c->samples && (!c->resume || !c->samples_out || !c->captions_out))
        need = "--samples needs --resume, --samples-out and --captions-out";
    else if (c->caption && c->samples)
        need = "--caption or --samples, not both";
    if (need) {
        fprintf(stderr, T2I_PROGRAM ": %s\n", need);
        return 2;
    }
    return 0;
}

/* ids (T2I_TOKENS) of a user's sentence, unknown words left out and reported; 0, or the
 * exit status 2 after a message. */
static int read_sentence(const gan_tokenizer_t *tok, const char *text, int32_t *ids)
{
    int32_t n = 0, unknown = 0;
    gan_status st = gan_tokenizer_encode(tok, text, T2I_TOKENS, ids, &n, &unknown);
    if (st != GAN_OK) {
        fprintf(stderr, T2I_PROGRAM ": cannot read the caption: %s\n", gan_last_error());
        return 2;
    }
    if (unknown) {
        char words[512];
        size_t len = 0;
        if (gan_tokenizer_unknown_words(tok, text, words, sizeof words, &len) != GAN_OK)
            snprintf(words, sizeof words, "(%d words)", (int)unknown);
        fprintf(stderr, T2I_PROGRAM ": unknown word%s, left out: %s\n",
                unknown > 1 ? "s" : "", words);
        if (unknown == n) {
            fprintf(stderr, T2I_PROGRAM ": no known word in the caption: nothing to draw\n");
            return 2;
        }
        int32_t k = 0; /* the known ids first, then padding */
        for (int32_t i = 0; i < T2I_TOKENS; i++)
            if (ids[i] != GAN_TOKEN_UNKNOWN)
                ids[k++] = ids[i];
        while (k < T2I_TOKENS)
            ids[k++] = GAN_TOKEN_PAD;
    }
    return 0;
}

int t2i_draw_caption(gan_text2img_t *t, const gan_tokenizer_t *tok, const t2i_config *c,
                     int32_t latent)
{
    enum { N = CAPTION_ROWS * COLUMNS };
    int32_t ids[N * T2I_TOKENS];
    int rc = read_sentence(tok, c->caption, ids);
    if (rc)
        return rc;
    for (int i = 1; i < N; i++)
        memcpy(ids + i * T2I_TOKENS, ids, sizeof(int32_t) * T2I_TOKENS);
    float *z = malloc(sizeof *z * N * (size_t)latent), *images = malloc(sizeof *images * N * 784);
    const char *texts[CAPTION_ROWS] = {c->caption};
    rc = 1;
    if (z && images) {
        ex_t2i_gaussian(z, (int64_t)N * latent, c->seed);
        gan_status st = gan_text2img_generate(t, ids, N, z, images);
        if (st != GAN_OK)
            fprintf(stderr, T2I_PROGRAM ": %s\n", gan_last_error());
        else
            rc = ex_t2i_write_captioned(c->samples_png, images, CAPTION_ROWS, COLUMNS, texts,
                                        T2I_PROGRAM);
    }
    free(z);
    free(images);
    if (!rc)
        printf("drew \"%s\" into %s\n", c->caption, c->samples_png);
    return rc;
}

/* The images x (n, 1, 28, 28) in [-1, 1] written as one IDX of bytes; x then holds
 * what a reader of the file sees (the bytes scaled back), so that they are measured and
 * classified as gan_score would. */
static gan_status write_images(const char *path, float *x, int32_t n)
{
    uint8_t *bytes = malloc((size_t)n * 784);
    if (!bytes)
        return gan_set_error(GAN_E_NO_MEMORY, "no memory for %d images", (int)n);
    const int32_t dims[3] = {n, 28, 28};
    gan_status st = gan_images_to_u8(x, (size_t)n * 784, bytes);
    if (st == GAN_OK)
        st = gan_idx_write_u8(path, bytes, 3, dims);
    if (st == GAN_OK)
        st = gan_images_from_u8(bytes, (size_t)n * 784, x);
    free(bytes);
    return st;
}

/* The classifier's digit for each image (n, 1, 28, 28). Returns 0, or 1 after printing
 * why not. */
static int classify(const char *path, const float *x, int32_t n, uint8_t *predicted)
{
    gan_model_t *m = NULL;
    float *logits = malloc(sizeof *logits * (size_t)n * EX_CLASSIFIER_CLASSES);
    if (!logits) {
        fprintf(stderr, T2I_PROGRAM ": out of memory\n");
        return 1;
    }
    gan_status st = ex_classifier_create(&m, 0, EX_CLASSIFIER_EVAL_BATCH);
    int rc = st == GAN_OK ? ex_classifier_load(m, path, T2I_PROGRAM) : 1;
    if (rc == 0 && (st = ex_classifier_run(m, x, n, logits, NULL)) != GAN_OK)
        rc = 1;
    if (st != GAN_OK)
        fprintf(stderr, T2I_PROGRAM ": %s\n", gan_last_error());
    for (int32_t i = 0; rc == 0 && i < n; i++)
        predicted[i] = (uint8_t)ex_classifier_argmax(logits + (size_t)i * EX_CLASSIFIER_CLASSES);
    free(logits);
    gan_model_destroy(m);
    return rc;
}

/* One group of --samples' images (all, or one held-out rule): how many there are, how
 * many the classifier reads as the digit named, and for each attribute how many ask for
 * it and how many measure the bin asked, over all images and over those read right. */
typedef struct shares {
    int n, digit_right;
    int asked[EX_CAPTION_ATTRS], hits[EX_CAPTION_ATTRS];
    int asked_right[EX_CAPTION_ATTRS], hits_right[EX_CAPTION_ATTRS];
} shares;

static double share(int hits, int n)
{
    return n ? (double)hits / n : NAN;
}

static void print_shares(const char *name, const shares *g, bool classified)
{
    printf("%s:", name);
    for (int a = 0; a < EX_CAPTION_ATTRS; a++)
        printf(" %s %.4f (%d)", ex_caption_attr_name(a), share(g->hits[a], g->asked[a]),
               g->asked[a]);
    if (classified) {
        printf(" | digit %.4f (%d) | if right:", share(g->digit_right, g->n), g->n);
        for (int a = 0; a < EX_CAPTION_ATTRS; a++)
            printf(" %s %.4f (%d)", ex_caption_attr_name(a),
                   share(g->hits_right[a], g->asked_right[a]), g->asked_right[a]);
    }
}

int t2i_samples(gan_text2img_t *t, const gan_tokenizer_t *tok, const t2i_config *c)
{
    const int32_t n = c->samples;
    ex_t2i_data data;
    if (ex_t2i_data_load(&data, c->data, c->seed, T2I_PROGRAM) != 0)
        return 1;
    ex_caption *asked = malloc(sizeof *asked * (size_t)n);
    int32_t *ids = malloc(sizeof *ids * (size_t)n * T2I_TOKENS);
    float *x = malloc(sizeof *x * (size_t)n * 784);
    uint8_t *digits = malloc((size_t)n), *predicted = malloc((size_t)n);
    int (*measured)[EX_CAPTION_ATTRS] = malloc(sizeof *measured * (size_t)n);
    FILE *caps = fopen(c->captions_out, "w");
    FILE *tsv = c->meanings_out ? fopen(c->meanings_out, "w") : NULL;
    int rc = 1;
    gan_status st = GAN_OK;
    if (!asked || !ids || !x || !digits || !predicted || !measured || !caps ||
        (c->meanings_out && !tsv)) {
        fprintf(stderr, T2I_PROGRAM ": cannot write %s or %s, or out of memory\n",
                c->captions_out, c->meanings_out ? c->meanings_out : "");
        goto done;
    }
    uint64_t rng = c->seed ^ 0x2545F4914F6CDD1Dull;
    for (int32_t i = 0; i < n && st == GAN_OK; i++) {
        ex_caption given;
        ex_caption_draw(&asked[i], c->split, EX_T2I_P_MENTION, &rng);
        ex_t2i_caption_for(&given, c->mode, &asked[i].meaning, c->split, &rng);
        if (c->mode == EX_T2I_WORDS)
            given = asked[i]; /* the words model reads the caption itself */
        st = gan_tokenizer_encode(tok, given.text, T2I_TOKENS, ids + (size_t)i * T2I_TOKENS,
                                  NULL, NULL);
        digits[i] = (uint8_t)asked[i].meaning.digit;
    }
    for (int32_t i = 0; i < n && st == GAN_OK; i += CHUNK)
        st = gan_text2img_generate(t, ids + (size_t)i * T2I_TOKENS, n - i < CHUNK ? n - i : CHUNK,
                                   NULL, x + (size_t)i * 784);
    if (st == GAN_OK)
        st = write_images(c->samples_out, x, n);
    const int32_t label_dims[1] = {n};
    if (st == GAN_OK && c->labels_out)
        st = gan_idx_write_u8(c->labels_out, digits, 1, label_dims);
    if (st != GAN_OK) {
        fprintf(stderr, T2I_PROGRAM ": %s\n", gan_last_error());
        goto done;
    }
    if (c->classifier && classify(c->classifier, x, n, predicted) != 0)
        goto done;
    shares groups[1 + EX_CAPTION_RULES] = {{0}}; /* [0] all, [1 + r] held-out rule r */
    if (tsv)
        fprintf(tsv, "digit\tthickness\tslant\twidth\tmeasured_thickness\tmeasured_slant\t"
                     "measured_width\trule%s\n", c->classifier ? "\tread_as" : "");
    for (int32_t i = 0; i < n; i++) {
        const ex_caption_meaning *m = &asked[i].meaning;
        ex_morpho mo;
        ex_morpho_measure(x + (size_t)i * 784, &mo); /* a blank image measures 0 */
        ex_caption_bins(measured[i], &data.cuts, m->digit, &mo);
        const int rule = ex_caption_held_out_rule(m, &asked[i].form);
        const bool right = c->classifier && predicted[i] == m->digit;
        for (int k = 0; k < 2; k++) {
            if (k == 1 && rule < 0)
                break;
            shares *g = &groups[k == 0 ? 0 : 1 + rule];
            g->n++;
            g->digit_right += right;
            for (int a = 0; a < EX_CAPTION_ATTRS; a++) {
                if (m->bin[a] == EX_BIN_ANY)
                    continue;
                const int hit = measured[i][a] == m->bin[a];
                g->asked[a]++;
                g->hits[a] += hit;
                g->asked_right[a] += right;
                g->hits_right[a] += right && hit;
            }
        }
        fprintf(caps, "%s\n", asked[i].text);
        if (tsv) {
            fprintf(tsv, "%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d", m->digit, m->bin[0], m->bin[1],
                    m->bin[2], measured[i][0], measured[i][1], measured[i][2], rule);
            fprintf(tsv, c->classifier ? "\t%d\n" : "\n", predicted[i]);
        }
    }
    printf("split: %s\nsamples: %d\n", c->split == EX_SPLIT_TRAIN ? "train" : "held-out",
           (int)n);
    for (int a = 0; a < EX_CAPTION_ATTRS; a++)
        printf("%s: %.4f (%d asked)\n", ex_caption_attr_name(a),
               share(groups[0].hits[a], groups[0].asked[a]), groups[0].asked[a]);
    if (c->classifier) {
        printf("digit: %.4f (read by %s)\n", share(groups[0].digit_right, n), c->classifier);
        for (int a = 0; a < EX_CAPTION_ATTRS; a++)
            printf("%s_if_digit_right: %.4f (%d asked)\n", ex_caption_attr_name(a),
                   share(groups[0].hits_right[a], groups[0].asked_right[a]),
                   groups[0].asked_right[a]);
    }
    for (int r = 0; r < EX_CAPTION_RULES; r++) { /* the held-out captions by rule */
        char name[16];
        if (groups[1 + r].n == 0)
            continue;
        snprintf(name, sizeof name, "rule %d", r);
        print_shares(name, &groups[1 + r], c->classifier != NULL);
        printf("  [%s]\n", ex_caption_rule_name(r));
    }
    rc = 0;
done:
    if (caps && fclose(caps) != 0 && !rc)
        rc = 1;
    if (tsv && fclose(tsv) != 0 && !rc)
        rc = 1;
    free(asked);
    free(ids);
    free(x);
    free(digits);
    free(predicted);
    free(measured);
    ex_t2i_data_free(&data);
    return rc;
}
