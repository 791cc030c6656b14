/* words_seqgan's command line: its settings, their defaults and --help. */
#ifndef GAN_EXAMPLE_WORDS_FLAGS_H
#define GAN_EXAMPLE_WORDS_FLAGS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ex_words_config {
    const char *words, *out, *resume, *samples_out;
    int32_t max_len, threads, embed, hidden, batch, rollouts, mle_epochs, d_pretrain;
    int32_t adv_rounds, d_steps, d_embed, eval, samples, baseline_steps;
    double d_filter_scale, g_lr, d_lr, pg_lr, temperature;
    uint64_t seed;
    bool reward_baseline, keep_adam;
} ex_words_config;

/* The defaults, then argv over them. 0 to go on, else the exit status (-1: --help was
 * printed). */
int ex_words_parse(ex_words_config *c, int argc, char **argv);

#endif
