/* mnist_text2img: a GAN that draws the digit a sentence describes (issue 15). GAN-CLS
 * with GAN-INT (Reed et al. 2016) and conditioning augmentation (StackGAN), with
 * libgan's text-to-image trainer, on mnist-10k captioned from Morpho-MNIST measures
 * (common/captions.h). Trains and writes pictures (a fixed list of captions, one row
 * each, the caption beside its row), metrics.csv, a checkpoint and its tokenizer to
 * --out; with --resume and --caption draws any sentence; with --samples writes images
 * for held-out (or training) captions, their captions and meanings, and scores how
 * often each asked attribute is measured in the image. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <gan/gan.h>
#include <gan/io.h>

#include "common/t2i_cli.h"
#include "common/t2i_data.h"
#include "common/t2i_models.h"

#define COLUMNS 8   /* samples per row of the pictures */
#define CAPTION_ROWS 4 /* rows of a --caption grid */

typedef struct run {
    t2i_config c;
    ex_t2i_sizes sizes;
    gan_tokenizer_t *tok;
    gan_model_t *m[3]; /* G, D, E */
    gan_optimizer_t *o[3];
    gan_text2img_t *t;
    int32_t ca_layer;
    ex_t2i_data data;
    float *z;          /* the pictures' latents, (EX_T2I_ROWS * COLUMNS, Z) */
} run;

#define CHECK(call)                                                                 \
    do {                                                                            \
        gan_status st_ = (call);                                                    \
        if (st_ != GAN_OK) {                                                        \
            fprintf(stderr, "%s: %s (%s)\n", T2I_PROGRAM, gan_last_error(),         \
                    gan_status_string(st_));                                        \
            return 1;                                                               \
        }                                                                           \
    } while (0)

static char *path_in(const char *dir, const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

/* The tokenizer of a checkpoint: loaded from beside it, or built from training captions
 * (for a new run) and checked against held-out ones. */
static int tokenizer(run *r)
{
    const t2i_config *c = &r->c;
    char path[4096];
    if (c->resume) {
        snprintf(path, sizeof path, "%s.vocab", c->resume);
        CHECK(gan_tokenizer_load(&r->tok, path));
    } else {
        enum { N = 20000 };
        char (*storage)[EX_CAPTION_MAX] = malloc(sizeof *storage * N);
        const char **texts = malloc(sizeof *texts * N);
        if (!storage || !texts)
            return fprintf(stderr, "%s: out of memory\n", T2I_PROGRAM), 1;
        ex_t2i_tokenizer_texts(c->mode, c->seed, N, storage, texts);
        gan_status st = gan_tokenizer_create(&r->tok, texts, N, 1, 0);
        free(storage);
        free(texts);
        CHECK(st);
    }
    CHECK(gan_tokenizer_get_vocab_size(r->tok, &r->sizes.vocab));
    if (c->mode == EX_T2I_WORDS && !c->resume) {
        /* Held-out captions recombine words seen apart: none should be unknown. */
        uint64_t rng = c->seed ^ 77;
        int unknown = 0;
        for (int i = 0; i < 5000; i++) {
            ex_caption cap;
            int32_t n_unknown = 0;
            ex_caption_draw(&cap, EX_SPLIT_HELD_OUT, EX_T2I_P_MENTION, &rng);
            CHECK(gan_tokenizer_encode(r->tok, cap.text, r->sizes.tokens, NULL, NULL,
                                       &n_unknown));
            unknown += n_unknown > 0;
        }
        printf("vocabulary: %d ids; held-out captions with an unknown word: %d of 5000\n",
               (int)r->sizes.vocab, unknown);
    }
    return 0;
}

static int build(run *r)
{
    const t2i_config *c = &r->c;
    ex_t2i_sizes_default(&r->sizes);
    r->sizes.tokens = T2I_TOKENS;
    r->sizes.g_channels = c->g_channels;
    r->sizes.d_channels = c->d_channels;
    r->sizes.kl_weight = (float)c->kl_weight;
    if (tokenizer(r) != 0)
        return 1;
    CHECK(ex_t2i_generator(&r->sizes, c->batch, c->seed + 1, &r->m[0], &r->ca_layer));
    CHECK(ex_t2i_discriminator(&r->sizes, c->batch, c->seed + 2, &r->m[1]));
    CHECK(ex_t2i_encoder(&r->sizes, c->batch, c->seed + 3, &r->m[2]));
    for (int i = 0; i < 3; i++)
        CHECK(gan_optimizer_adam_create(&r->o[i], r->m[i], (float)(i == 2 ? c->lr_e : c->lr),
                                        0.5f, 0.999f, 1e-8f));
    gan_text2img_options_t o;
    CHECK(gan_text2img_options_init(&o, sizeof o));
    o.wrong_weight = c->wrong_weight;
    o.interp_share = c->interp;
    o.seed = c->seed;
    CHECK(gan_text2img_create(&r->t, r->m[0], r->m[1], r->m[2], r->o[0], r->o[1], r->o[2], &o));
    if (c->resume)
        CHECK(gan_text2img_load(r->t, c->resume));
    return 0;
}

/* ids (n, T) of n texts (a stride of EX_CAPTION_MAX). Training captions always fit. */
static int encode(run *r, const char (*texts)[EX_CAPTION_MAX], int32_t n, int32_t *ids)
{
    for (int32_t i = 0; i < n; i++)
        CHECK(gan_tokenizer_encode(r->tok, texts[i], T2I_TOKENS, ids + (size_t)i * T2I_TOKENS,
                                   NULL, NULL));
    return 0;
}

/* The fixed captions, COLUMNS samples each with the same latents down every column;
 * held-out rows are marked with a star. */
static int picture(run *r, const char *path)
{
    char text[EX_T2I_ROWS][EX_CAPTION_MAX], shown[EX_T2I_ROWS][EX_CAPTION_MAX + 2];
    bool held[EX_T2I_ROWS];
    const char *labels[EX_T2I_ROWS];
    static int32_t ids[EX_T2I_ROWS * COLUMNS * T2I_TOKENS];
    static float images[EX_T2I_ROWS * COLUMNS * 784];
    ex_t2i_picture_captions(r->c.mode, text, held);
    for (int i = 0; i < EX_T2I_ROWS; i++) {
        snprintf(shown[i], sizeof shown[i], "%.*s%s", EX_CAPTION_MAX - 1, text[i],
                 held[i] ? " *" : "");
        labels[i] = shown[i];
        for (int j = 0; j < COLUMNS; j++)
            if (encode(r, (const char (*)[EX_CAPTION_MAX])text[i], 1,
                       ids + (size_t)(i * COLUMNS + j) * T2I_TOKENS) != 0)
                return 1;
    }
    CHECK(gan_text2img_generate(r->t, ids, EX_T2I_ROWS * COLUMNS, r->z, images));
    return ex_t2i_write_captioned(path, images, EX_T2I_ROWS, COLUMNS, labels, T2I_PROGRAM);
}

static int train(run *r)
{
    const t2i_config *c = &r->c;
    const int32_t b = c->batch;
    uint64_t done = 0;
    CHECK(gan_text2img_get_data_position(r->t, &done));
    if (ex_t2i_data_load(&r->data, c->data, c->seed, T2I_PROGRAM) != 0)
        return 1;
    if (mkdir(c->out, 0777) != 0 && errno != EEXIST)
        return fprintf(stderr, "%s: cannot create %s\n", T2I_PROGRAM, c->out), 1;
    char ckpt[4096], vocab[4096 + 8];
    snprintf(ckpt, sizeof ckpt, "%s", path_in(c->out, "checkpoint.gan"));
    snprintf(vocab, sizeof vocab, "%s.vocab", ckpt);
    CHECK(gan_tokenizer_save(r->tok, vocab));
    FILE *metrics = fopen(path_in(c->out, "metrics.csv"), done ? "a" : "w");
    float *x = malloc(sizeof *x * 784 * (size_t)b);
    char (*cap)[EX_CAPTION_MAX] = malloc(sizeof *cap * 2 * (size_t)b);
    int32_t *ids = malloc(sizeof *ids * 2 * (size_t)b * T2I_TOKENS);
    int rc = 1;
    if (!metrics || !x || !cap || !ids) {
        fprintf(stderr, "%s: cannot open %s/metrics.csv or out of memory\n", T2I_PROGRAM,
                c->out);
        goto done;
    }
    if (!done)
        fprintf(metrics, "step,d_loss,d_loss_real,d_loss_wrong,d_loss_fake,d_real,d_wrong,"
                         "d_fake,g_loss,g_fake,kl,d_grad_norm,e_grad_norm,g_grad_norm\n");
    const clock_t t0 = clock();
    const time_t w0 = time(NULL);
    gan_text2img_stats_t s = {.struct_size = sizeof s};
    const uint64_t end = c->stop_after && c->stop_after < c->steps ? (uint64_t)c->stop_after
                                                                   : (uint64_t)c->steps;
    gan_layer_t *ca = NULL;
    if (gan_model_get_layer(r->m[0], r->ca_layer, &ca) != GAN_OK)
        goto fail;
    for (uint64_t k = done; k < end; k++) {
        ex_t2i_batch(&r->data, c->mode, k, b, x, cap, cap + b);
        if (encode(r, (const char (*)[EX_CAPTION_MAX])cap, 2 * b, ids) != 0)
            goto done;
        gan_status st = gan_text2img_step(r->t, x, ids, ids + (size_t)b * T2I_TOKENS, b, &s);
        if (st == GAN_OK)
            st = gan_text2img_set_data_position(r->t, k + 1);
        double kl = 0;
        if (st == GAN_OK)
            st = gan_layer_cond_augment_get_kl(ca, &kl);
        if (st != GAN_OK)
            goto fail;
        fprintf(metrics, "%llu,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n",
                (unsigned long long)(k + 1), s.d_loss, s.d_loss_real, s.d_loss_wrong,
                s.d_loss_fake, s.d_real, s.d_wrong, s.d_fake, s.g_loss, s.g_fake, kl,
                s.d_grad_norm, s.e_grad_norm, s.g_grad_norm);
        if ((k + 1) % (uint64_t)c->sample_every == 0 || k + 1 == end) {
            char name[64];
            snprintf(name, sizeof name, "samples_%06llu.png", (unsigned long long)(k + 1));
            const double cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;
            printf("step %llu/%d  D %.3f (real %.2f wrong %.2f fake %.2f)  G %.3f  KL %.3f  "
                   "%.3f CPU s/step, %lld s wall\n", (unsigned long long)(k + 1), c->steps,
                   s.d_loss, s.d_real, s.d_wrong, s.d_fake, s.g_loss, kl,
                   cpu / (double)(k + 1 - done), (long long)(time(NULL) - w0));
            fflush(stdout);
            fflush(metrics);
            if (picture(r, path_in(c->out, name)) != 0)
                goto done;
            if ((st = gan_text2img_save(r->t, ckpt)) != GAN_OK)
                goto fail;
        }
    }
    rc = end < (uint64_t)c->steps ? 0 : picture(r, path_in(c->out, "samples.png"));
    if (!rc)
        printf("trained %llu steps: %.1f s CPU, %lld s wall\n",
               (unsigned long long)(end - done), (double)(clock() - t0) / CLOCKS_PER_SEC,
               (long long)(time(NULL) - w0));
    goto done;
fail:
    fprintf(stderr, "%s: %s\n", T2I_PROGRAM, gan_last_error());
done:
    if (metrics)
        fclose(metrics);
    free(x);
    free(cap);
    free(ids);
    return rc;
}

int main(int argc, char **argv)
{
    run r = {0};
    int status = t2i_parse(&r.c, argc, argv);
    if (status)
        return status < 0 ? 0 : status;
    if (gan_set_num_threads(r.c.threads) != GAN_OK)
        return fprintf(stderr, "%s: %s\n", T2I_PROGRAM, gan_last_error()), 1;
    status = build(&r);
    if (!status) {
        r.z = malloc(sizeof *r.z * EX_T2I_ROWS * COLUMNS * (size_t)r.sizes.latent);
        status = !r.z;
    }
    if (!status) {
        /* the same latent down each column: rows differ by their captions only */
        for (int i = 0; i < EX_T2I_ROWS; i++)
            ex_t2i_gaussian(r.z + (size_t)i * COLUMNS * (size_t)r.sizes.latent,
                            (int64_t)COLUMNS * r.sizes.latent, 7);
        if (r.c.caption)
            status = t2i_draw_caption(r.t, r.tok, &r.c, r.sizes.latent);
        else if (r.c.samples)
            status = t2i_samples(r.t, r.tok, &r.c);
        else
            status = train(&r);
    }
    gan_text2img_destroy(r.t);
    for (int i = 0; i < 3; i++) {
        gan_optimizer_destroy(r.o[i]);
        gan_model_destroy(r.m[i]);
    }
    gan_tokenizer_destroy(r.tok);
    ex_t2i_data_free(&r.data);
    free(r.z);
    return status;
}
