/* The tokenizer behind gan/text.h, shared by its building (tokenizer.c) and its file
 * (tokenizer_file.c). */
#ifndef GAN_TEXT_TOKENIZER_H
#define GAN_TEXT_TOKENIZER_H

#include "gan/text.h"
#include "text/vocab.h"

/* Word i of the vocabulary is id i: "<pad>", "<unk>", then the words. */
struct gan_tokenizer {
    gan__vocab vocab;
};

/* A tokenizer holding only the two reserved words, for the caller to add the others. */
gan_status gan__tokenizer_new(gan_tokenizer_t **out);

#endif
