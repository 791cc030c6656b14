/* mnist_text2img's networks (issue 15): the caption encoder E, the generator G with
 * conditioning augmentation, and the matching-aware discriminator D, for libgan's
 * text-to-image trainer (include/gan/text2img.h). */
#ifndef GAN_EXAMPLE_T2I_MODELS_H
#define GAN_EXAMPLE_T2I_MODELS_H

#include <stdint.h>

#include <gan/gan.h>

typedef struct ex_t2i_sizes {
    int32_t tokens;     /* T: token ids per caption (padding included) */
    int32_t vocab;      /* V: the tokenizer's vocabulary */
    int32_t embed;      /* E's word embeddings */
    int32_t text;       /* K: the caption vector */
    int32_t ca;         /* C: the conditioning augmentation's sample */
    int32_t latent;     /* Z */
    int32_t g_channels; /* G's 14x14 map; its 7x7 map has twice as many */
    int32_t d_channels; /* D's 14x14 map; its 7x7 map has twice as many */
    int32_t d_text;     /* H: D's image features and caption projection */
    float kl_weight;    /* CondAugment's KL weight */
} ex_t2i_sizes;

/* The example's defaults (tokens and vocab left 0: set them from the tokenizer). */
void ex_t2i_sizes_default(ex_t2i_sizes *s);

/* E: (T) ids -> BagOfWords(V, embed, pad 0) -> Dense(K). */
gan_status ex_t2i_encoder(const ex_t2i_sizes *s, int32_t batch, uint64_t seed,
                          gan_model_t **out);

/* G: z (Z) and t (K). t -> Dense(2C) -> CondAugment(C) = c; [z, c] -> Dense(7*7*2F, no
 * bias) -> BN -> ReLU -> Reshape(2F,7,7); with c tiled over 7x7 concatenated ->
 * ConvT(F,5,2) -> BN -> ReLU -> ConvT(1,5,2) -> Tanh: (1,28,28). *ca_layer receives
 * the CondAugment layer's index (for its KL). */
gan_status ex_t2i_generator(const ex_t2i_sizes *s, int32_t batch, uint64_t seed,
                            gan_model_t **out, int32_t *ca_layer);

/* D: x (1,28,28) and t (K). x -> Conv(F,5,2) -> LeakyReLU -> Conv(2F,5,2) -> LeakyReLU
 * -> Flatten -> Dense(H) -> LeakyReLU = h; t -> Dense(H, no bias) = p; [h, h * p] ->
 * Dense(1): one logit, w.h + v.(h * p), a learnt bilinear form of the image's features
 * and the caption (the projection discriminator of Miyato & Koyama 2018, with a
 * caption's vector for the class embedding). H = d_text. No normalisation: the trainer
 * runs D on batches of one kind (real, wrong, fake) at a time. */
gan_status ex_t2i_discriminator(const ex_t2i_sizes *s, int32_t batch, uint64_t seed,
                                gan_model_t **out);

#endif
