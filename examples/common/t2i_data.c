/* mnist_text2img's data: measured digits, a step's captions, the captioned pictures. */
#include "common/t2i_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gan/io.h>

#include "common/font5x7.h"
#include "common/rng.h"

#define SCALE 2   /* the pictures' text: 10x14-pixel glyphs beside 28-pixel digits */
#define CELL 30   /* a digit and its padding */

int ex_t2i_data_load(ex_t2i_data *d, const char *dir, uint64_t seed, const char *program)
{
    gan_dataset_t *ds = NULL;
    int64_t count = 0;
    int32_t ch = 0, h = 0, w = 0;
    *d = (ex_t2i_data){.seed = seed, .perm_epoch = UINT64_MAX};
    gan_status st = gan_dataset_open_dir(&ds, dir, seed);
    if (st == GAN_OK)
        st = gan_dataset_get_info(ds, &count, &ch, &h, &w, NULL);
    if (st == GAN_OK && (ch != 1 || h != 28 || w != 28 || count < 30 || count > INT32_MAX)) {
        fprintf(stderr, "%s: %s holds %lld images of (%d,%d,%d); 28x28 gray ones are "
                "needed, at least 30\n", program, dir, (long long)count, ch, h, w);
        gan_dataset_destroy(ds);
        return 1;
    }
    ex_morpho *m = NULL;
    if (st == GAN_OK) {
        d->n = (int32_t)count;
        d->x = malloc(sizeof *d->x * 784 * (size_t)count);
        d->digit = malloc(sizeof *d->digit * (size_t)count);
        d->bin = malloc(sizeof *d->bin * (size_t)count);
        d->perm = malloc(sizeof *d->perm * (size_t)count);
        m = calloc((size_t)count, sizeof *m);
        if (!d->x || !d->digit || !d->bin || !d->perm || !m)
            st = GAN_E_NO_MEMORY;
    }
    if (st == GAN_OK) /* one epoch-0 batch of everything: a fixed order */
        st = gan_dataset_next_batch(ds, d->n, d->x, d->digit);
    gan_dataset_destroy(ds);
    if (st != GAN_OK) {
        fprintf(stderr, "%s: %s: %s\n", program, dir,
                st == GAN_E_NO_MEMORY ? "out of memory" : gan_last_error());
        free(m);
        return 1;
    }
    for (int32_t i = 0; i < d->n; i++)
        ex_morpho_measure(d->x + (size_t)i * 784, &m[i]); /* an empty image measures 0 */
    int rc = ex_caption_cuts_fit(&d->cuts, m, d->digit, d->n);
    for (int32_t i = 0; rc == EX_CAPTION_OK && i < d->n; i++)
        rc = ex_caption_bins(d->bin[i], &d->cuts, d->digit[i], &m[i]);
    free(m);
    if (rc != EX_CAPTION_OK) {
        fprintf(stderr, "%s: %s: cannot bin the digits' measures (%d); labels 0-9 and at "
                "least 3 images of each digit are needed\n", program, dir, rc);
        return 1;
    }
    return 0;
}

void ex_t2i_data_free(ex_t2i_data *d)
{
    free(d->x);
    free(d->digit);
    free(d->bin);
    free(d->perm);
    *d = (ex_t2i_data){0};
}

/* d->perm = the order of @p epoch: a Fisher-Yates shuffle seeded by (seed, epoch). */
static void order(ex_t2i_data *d, uint64_t epoch)
{
    if (d->perm_epoch == epoch)
        return;
    uint64_t s = d->seed * 0x9E3779B97F4A7C15ull ^ (epoch + 1) * 0xD1B54A32D192ED03ull;
    for (int32_t i = 0; i < d->n; i++)
        d->perm[i] = (uint32_t)i;
    for (int32_t i = d->n - 1; i > 0; i--) {
        const uint32_t j = (uint32_t)(ex_splitmix64(&s) % (uint64_t)(i + 1)), t = d->perm[i];
        d->perm[i] = d->perm[j];
        d->perm[j] = t;
    }
    d->perm_epoch = epoch;
}

static int pick(uint64_t *rng, int n)
{
    return (int)(ex_splitmix64(rng) % (uint64_t)n);
}

/* A training caption of a digit other than @p digit, with random bins. */
static void other_digit(ex_caption *c, int mode, int digit, uint64_t *rng)
{
    const int other = (digit + 1 + pick(rng, EX_CAPTION_DIGITS - 1)) % EX_CAPTION_DIGITS;
    int bin[EX_CAPTION_ATTRS];
    for (int a = 0; a < EX_CAPTION_ATTRS; a++)
        bin[a] = pick(rng, EX_CAPTION_BINS);
    ex_caption_for_image(c, other, bin, mode == EX_T2I_LABEL ? 0.0 : EX_T2I_P_MENTION, rng);
}

/* A training caption of @p digit that contradicts one of its bins (and may state the
 * others); another digit's when that contradiction is held out. */
static void other_bin(ex_caption *c, int digit, const int *bin, uint64_t *rng)
{
    ex_caption_meaning m = {.digit = digit, .bin = {EX_BIN_ANY, EX_BIN_ANY, EX_BIN_ANY}};
    const int a = pick(rng, EX_CAPTION_ATTRS);
    for (int k = 0; k < EX_CAPTION_ATTRS; k++)
        if (k != a && ex_uniform(rng, 0, 1) < 0.5)
            m.bin[k] = bin[k];
    m.bin[a] = (bin[a] + 1 + pick(rng, EX_CAPTION_BINS - 1)) % EX_CAPTION_BINS;
    if (ex_caption_meaning_held_out(&m) || ex_caption_make(c, &m, EX_SPLIT_TRAIN, rng) != 0)
        other_digit(c, EX_T2I_WORDS, digit, rng);
}

void ex_t2i_batch(ex_t2i_data *d, int mode, uint64_t step, int32_t batch, float *images,
                  char (*captions)[EX_CAPTION_MAX], char (*wrong)[EX_CAPTION_MAX])
{
    uint64_t rng = d->seed ^ (step + 1) * 0xA24BAED4963EE407ull;
    const double p = mode == EX_T2I_LABEL ? 0.0 : EX_T2I_P_MENTION;
    for (int32_t i = 0; i < batch; i++) {
        const uint64_t g = step * (uint64_t)batch + (uint64_t)i;
        order(d, g / (uint64_t)d->n);
        const uint32_t k = d->perm[g % (uint64_t)d->n];
        memcpy(images + (size_t)i * 784, d->x + (size_t)k * 784, sizeof(float) * 784);
        ex_caption c;
        ex_caption_for_image(&c, d->digit[k], d->bin[k], p, &rng);
        memcpy(captions[i], c.text, EX_CAPTION_MAX);
        if (mode == EX_T2I_WORDS && ex_uniform(&rng, 0, 1) < 0.5)
            other_bin(&c, d->digit[k], d->bin[k], &rng);
        else
            other_digit(&c, mode, d->digit[k], &rng);
        memcpy(wrong[i], c.text, EX_CAPTION_MAX);
    }
}

int ex_t2i_caption_for(ex_caption *out, int mode, const ex_caption_meaning *m, int split,
                       uint64_t *rng)
{
    if (mode == EX_T2I_LABEL) {
        const ex_caption_meaning label = {.digit = m->digit,
                                          .bin = {EX_BIN_ANY, EX_BIN_ANY, EX_BIN_ANY}};
        return ex_caption_make(out, &label, EX_SPLIT_TRAIN, rng);
    }
    return ex_caption_make(out, m, split, rng);
}

void ex_t2i_tokenizer_texts(int mode, uint64_t seed, int32_t n, char (*storage)[EX_CAPTION_MAX],
                            const char **texts)
{
    uint64_t rng = seed ^ 0x5851F42D4C957F2Dull;
    for (int32_t i = 0; i < n; i++) {
        ex_caption c;
        ex_caption_draw(&c, EX_SPLIT_TRAIN, mode == EX_T2I_LABEL ? 0.0 : EX_T2I_P_MENTION,
                        &rng);
        memcpy(storage[i], c.text, EX_CAPTION_MAX);
        texts[i] = storage[i];
    }
}

void ex_t2i_picture_captions(int mode, char (*text)[EX_CAPTION_MAX], bool *held_out)
{
    enum { A = EX_BIN_ANY, L = EX_BIN_LOW, H = EX_BIN_HIGH };
    static const ex_caption_meaning rows[EX_T2I_ROWS] = {
        {7, {H, A, A}}, {7, {L, A, A}}, {7, {A, L, A}}, {4, {H, A, A}}, {4, {A, H, A}},
        {1, {A, A, H}}, {1, {A, A, L}}, {0, {H, A, H}}, {0, {L, A, L}}, {2, {A, L, A}}};
    uint64_t rng = 1;
    for (int r = 0; r < EX_T2I_ROWS; r++) {
        ex_caption c;
        held_out[r] = mode == EX_T2I_WORDS && ex_caption_meaning_held_out(&rows[r]);
        ex_t2i_caption_for(&c, mode, &rows[r], held_out[r] ? EX_SPLIT_HELD_OUT
                                                           : EX_SPLIT_TRAIN, &rng);
        memcpy(text[r], c.text, EX_CAPTION_MAX);
    }
}

int ex_t2i_write_captioned(const char *path, const float *images, int32_t rows,
                           int32_t columns, const char *const *texts, const char *program)
{
    int32_t text_w = 0;
    for (int32_t r = 0; r < rows; r++) {
        const int32_t w = texts && texts[r] ? ex_font_text_width(texts[r], SCALE) : 0;
        text_w = w > text_w ? w : text_w;
    }
    text_w += text_w ? 4 * SCALE : 0;
    const int32_t width = text_w + columns * CELL + 2, height = rows * CELL + 2;
    float *canvas = malloc(sizeof *canvas * (size_t)width * (size_t)height);
    if (!canvas)
        return fprintf(stderr, "%s: out of memory\n", program), 1;
    for (size_t i = 0; i < (size_t)width * (size_t)height; i++)
        canvas[i] = -1.0f;
    for (int32_t r = 0; r < rows; r++) {
        const int32_t y = 2 + r * CELL;
        if (texts && texts[r])
            ex_font_draw(canvas, width, height, 2 * SCALE, y + (28 - EX_FONT_H * SCALE) / 2,
                         texts[r], SCALE, 1.0f);
        for (int32_t c = 0; c < columns; c++) {
            const float *im = images + ((size_t)r * (size_t)columns + (size_t)c) * 784;
            float *to = canvas + (size_t)y * (size_t)width + (size_t)(text_w + 2 + c * CELL);
            for (int i = 0; i < 28; i++)
                memcpy(to + (size_t)i * (size_t)width, im + i * 28, sizeof(float) * 28);
        }
    }
    gan_status st = gan_png_write_grid(path, canvas, 1, 1, height, width, 1, 0);
    free(canvas);
    if (st != GAN_OK)
        return fprintf(stderr, "%s: %s\n", program, gan_last_error()), 1;
    return 0;
}

void ex_t2i_gaussian(float *z, int64_t n, uint64_t seed)
{
    uint64_t s = seed;
    for (int64_t i = 0; i < n; i += 2) {
        const double u = ex_uniform(&s, 0x1p-53, 1.0), v = ex_uniform(&s, 0, 1);
        const double r = sqrt(-2.0 * log(u));
        z[i] = (float)(r * cos(6.283185307179586 * v));
        if (i + 1 < n)
            z[i + 1] = (float)(r * sin(6.283185307179586 * v));
    }
}
