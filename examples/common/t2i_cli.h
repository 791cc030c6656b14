/* mnist_text2img's flags and its two modes besides training: drawing a sentence
 * (--caption) and writing scored samples (--samples). */
#ifndef GAN_EXAMPLE_T2I_CLI_H
#define GAN_EXAMPLE_T2I_CLI_H

#include <stdint.h>

#include <gan/gan.h>

#define T2I_PROGRAM "mnist_text2img"
#define T2I_TOKENS 24 /* token ids per caption: the longest of 28,000 drawn captions has 17 */

typedef struct t2i_config {
    const char *data, *out, *resume;
    const char *caption, *samples_png;
    const char *samples_out, *captions_out, *meanings_out, *labels_out, *classifier;
    int32_t mode;  /* EX_T2I_WORDS or EX_T2I_LABEL */
    int32_t split; /* --samples: EX_SPLIT_HELD_OUT or EX_SPLIT_TRAIN */
    int32_t steps, stop_after, batch, threads, sample_every, samples;
    int32_t g_channels, d_channels;
    double lr, lr_e, kl_weight, wrong_weight, interp;
    uint64_t seed;
} t2i_config;

/* Parse argv; 0 to go on, -1 after --help, otherwise the exit status (2). */
int t2i_parse(t2i_config *c, int argc, char **argv);

/* --caption: a grid of the sentence (rows of 8 samples, the sentence beside the first)
 * into c->samples_png. Unknown words are reported on stderr and left out; a caption that
 * cannot be read (empty, too long, not UTF-8, no known word) is an error with exit
 * status 2. Returns the exit status. */
int t2i_draw_caption(gan_text2img_t *t, const gan_tokenizer_t *tok, const t2i_config *c,
                     int32_t latent);

/* --samples: c->samples images for captions drawn from c->split, written as IDX with
 * their captions (one a line), their meanings and measured bins (TSV) and their digits
 * (IDX, for gan_score --labels); prints the share of each asked attribute that is
 * measured in its image, and with c->classifier (a gan_score classifier file) the share
 * read as the digit named and the attribute shares over those images only, overall and
 * for each held-out rule. Returns the exit status. */
int t2i_samples(gan_text2img_t *t, const gan_tokenizer_t *tok, const t2i_config *c);

#endif
