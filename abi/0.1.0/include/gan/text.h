/* libgan: text conditioning: captions to token ids (the tokenizer), the caption encoder
 * layer and conditioning augmentation. */
#ifndef GAN_TEXT_H
#define GAN_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include <gan/export.h>
#include <gan/layer.h>
#include <gan/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A tokenizer: a vocabulary built from training texts (captions) and the rules that
 * split a text into tokens and map each to an id.
 *
 * Rules. The text is UTF-8; any invalid sequence (a byte that cannot start one, a
 * truncated sequence, an overlong encoding, a surrogate, a code point above U+10FFFF)
 * fails the call with GAN_E_INVALID_ARG naming its byte offset. A token is a maximal
 * run of letters or a maximal run of ASCII digits (a numeral: "7", "10"), so "7th" is
 * "7" then "th". Letters are the ASCII letters, folded to lower case, and every
 * non-ASCII code point except the separators below, kept as it is (not folded).
 * Everything else separates tokens: ASCII spaces, punctuation, hyphens and controls,
 * and the non-ASCII code points U+0080 to U+00BF (no-break space, Latin-1 punctuation
 * and signs), U+00D7, U+00F7, U+2000 to U+206F (general punctuation: typographic
 * spaces, dashes, quotes), U+3000 to U+303F (CJK punctuation) and U+FEFF.
 *
 * Ids. GAN_TOKEN_PAD (0) pads a caption to its length, GAN_TOKEN_UNKNOWN (1) stands
 * for every word not in the vocabulary, and ids 2, 3, ... are the vocabulary's words
 * by descending count in the training texts, ties by their bytes in ascending order
 * (so the ids depend on the texts, not on their order).
 *
 * Thread safety: a tokenizer does not change after gan_tokenizer_create() or
 * gan_tokenizer_load(): its const functions may run on several threads at once. They
 * allocate nothing.
 */
typedef struct gan_tokenizer gan_tokenizer_t;

/** The two ids that are not words. */
enum {
    GAN_TOKEN_PAD = 0,    /**< after the last token, up to max_tokens; its word "<pad>" */
    GAN_TOKEN_UNKNOWN = 1 /**< a word not in the vocabulary; its word "<unk>" */
};

/**
 * @brief Build a tokenizer's vocabulary from training texts.
 * @param out receives the new tokenizer (free it with gan_tokenizer_destroy()); set
 *        only on success.
 * @param texts @p n NUL-terminated UTF-8 texts, each with at least one token; read
 *        during the call only.
 * @param n the number of texts, >= 1.
 * @param min_count words seen fewer times than this over all texts are left out (they
 *        become GAN_TOKEN_UNKNOWN), >= 1.
 * @param max_vocab the largest vocabulary size, counting the two reserved ids: only the
 *        max_vocab - 2 most frequent words are kept; 0 for no limit, else >= 2.
 * @return GAN_OK; GAN_E_INVALID_ARG (out or texts NULL, a text NULL, a text without a
 *         token or with invalid UTF-8: the message names the text's index and the byte
 *         offset), GAN_E_OUT_OF_RANGE (n, min_count or max_vocab outside its range, more
 *         distinct words than INT32_MAX ids), GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_tokenizer_create(gan_tokenizer_t **out, const char *const *texts,
                                        int32_t n, int32_t min_count, int32_t max_vocab);

/** @brief Free a tokenizer. NULL is a no-op. */
GAN_API void gan_tokenizer_destroy(gan_tokenizer_t *tokenizer);

/**
 * @brief Split @p text into tokens and write their ids, padded with GAN_TOKEN_PAD up
 *        to @p max_tokens: the (T) input of gan_layer_bag_of_words_create() or
 *        gan_layer_embedding_sequence_create() with T = max_tokens (as floats).
 * @param tokenizer the tokenizer.
 * @param text a NUL-terminated UTF-8 text.
 * @param max_tokens the length of @p ids, >= 1 (ignored when ids is NULL).
 * @param ids receives max_tokens ids; NULL to only count the tokens. Unchanged on
 *        failure.
 * @param n_tokens if not NULL, receives the number of tokens (before padding).
 * @param n_unknown if not NULL, receives how many tokens are GAN_TOKEN_UNKNOWN;
 *        gan_tokenizer_unknown_words() lists them.
 * @return GAN_OK; GAN_E_INVALID_ARG (tokenizer or text NULL; "empty caption": a text
 *         without a token, such as "" or "?!"; invalid UTF-8, naming the byte offset),
 *         GAN_E_OUT_OF_RANGE (max_tokens < 1 with ids; more tokens than max_tokens,
 *         or than INT32_MAX without ids: the message says how many). Allocates nothing.
 *         Thread-safe.
 */
GAN_API gan_status gan_tokenizer_encode(const gan_tokenizer_t *tokenizer, const char *text,
                                        int32_t max_tokens, int32_t *ids,
                                        int32_t *n_tokens, int32_t *n_unknown);

/**
 * @brief List the words of @p text that are not in the vocabulary, so that a program
 *        can report them rather than drop them silently: each distinct one once, in
 *        order of first appearance, lower-cased as the tokenizer sees it, separated by
 *        ", ": "squiggly, ish" for "A squiggly seven, bold-ish" when "squiggly" and
 *        "ish" are not in the vocabulary. Numerals count as words. The list is ""
 *        when every word is known (or the text has no token). Quadratic in the number
 *        of tokens: meant for captions, not books.
 * @param tokenizer the tokenizer.
 * @param text a NUL-terminated UTF-8 text.
 * @param buf receives the NUL-terminated list, cut after the last word that fits in
 *        @p size bytes (never inside a word); may be NULL when size is 0.
 * @param size the size of @p buf in bytes.
 * @param length if not NULL, receives the full length without the NUL, so that a caller
 *        can size the buffer with a first call.
 * @return GAN_OK (also when cut); GAN_E_INVALID_ARG (tokenizer or text NULL, buf NULL
 *         with size > 0, invalid UTF-8 naming the byte offset). Allocates nothing.
 *         Thread-safe.
 */
GAN_API gan_status gan_tokenizer_unknown_words(const gan_tokenizer_t *tokenizer,
                                               const char *text, char *buf, size_t size,
                                               size_t *length);

/**
 * @brief The number of ids: the vocabulary's words plus the two reserved ids, the
 *        vocab argument of gan_layer_bag_of_words_create().
 * @param tokenizer the tokenizer.
 * @param size receives the size, >= 2.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL argument). Thread-safe.
 */
GAN_API gan_status gan_tokenizer_get_vocab_size(const gan_tokenizer_t *tokenizer,
                                                int32_t *size);

/**
 * @brief The word of an id: "<pad>" for GAN_TOKEN_PAD, "<unk>" for GAN_TOKEN_UNKNOWN,
 *        else the lower-cased word.
 * @param tokenizer the tokenizer.
 * @param id in [0, vocabulary size).
 * @param word receives a NUL-terminated string owned by the tokenizer, valid until it
 *        is destroyed.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL argument), GAN_E_OUT_OF_RANGE (id).
 *         Thread-safe.
 */
GAN_API gan_status gan_tokenizer_get_word(const gan_tokenizer_t *tokenizer, int32_t id,
                                          const char **word);

/**
 * @brief The id of a word, with the rules of gan_tokenizer_encode(): "Seven" and
 *        " seven." give the id of "seven", a word not in the vocabulary
 *        GAN_TOKEN_UNKNOWN. The reserved words "<pad>" and "<unk>" are not names of
 *        their ids ("<pad>" is the word "pad").
 * @param tokenizer the tokenizer.
 * @param word a NUL-terminated UTF-8 text holding exactly one token.
 * @param id receives the id.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL argument, invalid UTF-8, a text of no token
 *         or of several). Thread-safe.
 */
GAN_API gan_status gan_tokenizer_get_id(const gan_tokenizer_t *tokenizer, const char *word,
                                        int32_t *id);

/**
 * @brief Write the vocabulary to a text file: the line "libgan-tokenizer 1" (magic
 *        and version), the line "words N", then the N words of ids 2 to N + 1, one per
 *        line, each line ending in "\n". The file is written under a temporary name
 *        next to @p path and renamed over it, so a failure leaves an older file whole.
 * @param tokenizer the tokenizer.
 * @param path the file to create or replace.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL argument), GAN_E_IO (the file cannot be
 *         created, written, synced or renamed; the message names it), GAN_E_NO_MEMORY.
 *         Thread-safe (distinct paths).
 */
GAN_API gan_status gan_tokenizer_save(const gan_tokenizer_t *tokenizer, const char *path);

/**
 * @brief Read a tokenizer written by gan_tokenizer_save(). Everything is checked
 *        before the tokenizer is made: the magic line, the version, the word count,
 *        each word (one token in its folded form: lower case, valid UTF-8, no
 *        separator), no word twice, no line missing or extra, nothing after the last.
 * @param out receives the new tokenizer; set only on success.
 * @param path the file.
 * @return GAN_OK; GAN_E_INVALID_ARG (a NULL argument), GAN_E_IO (the file cannot be
 *         opened or read), GAN_E_FORMAT (not a tokenizer file, another version, or a
 *         malformed, truncated or repeated line: the message names the file and the
 *         line), GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_tokenizer_load(gan_tokenizer_t **out, const char *path);

/* ---- Layers: the caption encoder and conditioning augmentation ----------------------- */

/**
 * @brief Bag of words, a caption encoder: (T) token ids -> (dim), the mean of the
 *        embeddings of the sample's tokens whose id is not @p pad_id (a table row per
 *        id, as gan_layer_embedding_sequence_create()). A row of padding only gives
 *        zeros, and its gradient adds nothing to the table. Put a Dense after it to
 *        map the mean to the caption vector; gan_layer_lstm_create() with
 *        return_sequences 0 after an EmbeddingSequence is the order-aware alternative.
 *        The ids are floats with integral values (what gan_tokenizer_encode() gives,
 *        converted); one that is not an integer in [0, vocab) fails the forward pass
 *        with GAN_E_OUT_OF_RANGE, the message naming the model, the layer, the sample,
 *        the position and the id. Weights (vocab, dim), initialised N(0, 1) by default
 *        (gan_layer_set_init() changes it); the row of pad_id is never read. The input
 *        gradient is 0 (ids are not differentiable).
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 * @param vocab the number of ids V, >= 1 (gan_tokenizer_get_vocab_size()).
 * @param dim the embedding size, >= 1.
 * @param pad_id the id that is not a token (GAN_TOKEN_PAD, 0, for the tokenizer's ids),
 *        in [0, vocab), or -1 if every id is a token.
 * An input that is not rank 1 is refused by gan_model_add() with GAN_E_SHAPE.
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_OUT_OF_RANGE (vocab or dim < 1,
 *         pad_id outside [-1, vocab)), GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_bag_of_words_create(gan_layer_t **out, int32_t vocab,
                                                 int32_t dim, int32_t pad_id);

/**
 * @brief Conditioning augmentation (StackGAN, Zhang et al. 2017): (2C) -> (C). The
 *        input is [mu (C), log-variance (C)], as a Dense(2C) before it produces from a
 *        caption vector. In training mode the output is mu + exp(logvar / 2) * eps,
 *        eps ~ N(0, 1) drawn from the layer's own stream, seeded from the model's seed
 *        (the same seed gives the same samples bit for bit; gan_model_reseed() restarts
 *        it; trainer checkpoints keep it, as Dropout's); in inference mode it is mu.
 *
 * Every backward pass (in either mode) adds, besides the chain rule through the
 * output, the gradient of kl_weight * KL, with
 * KL = (1/N) sum_n 0.5 sum_c (mu^2 + exp(logvar) - 1 - logvar) over the batch of N of
 * the forward pass it differentiates: the KL divergence from N(0, 1) that StackGAN adds
 * to the generator's loss. That loss term itself is not part of any output; read it
 * with gan_layer_cond_augment_get_kl(). The term is added by each backward pass that
 * runs through the layer, a zero output gradient included; one that does not reach it
 * (gan_model_backward_multi() with NULL for every output the layer feeds, or
 * gan_model_backward_from() a layer below it) adds nothing. exp() sees the
 * log-variance clamped to [-20, 20] (in the sample and in KL), where the gradient
 * through the log-variance is 0; NaN stays NaN.
 * @param out receives the new layer (caller owns it until gan_model_add succeeds).
 * @param kl_weight the weight of KL in [0, 1e6]; 0 leaves the chain rule alone. The
 *        StackGAN paper's lambda is 1. Its code averages the KL terms over the C
 *        dimensions too (torch.mean), so its coefficient k is kl_weight = k / C here.
 * An input that is not (2C), rank 1 of even size, is refused by gan_model_add() with
 * GAN_E_SHAPE.
 * @return GAN_OK; GAN_E_INVALID_ARG (out NULL), GAN_E_OUT_OF_RANGE (kl_weight outside
 *         [0, 1e6] or NaN), GAN_E_NO_MEMORY. Thread-safe.
 */
GAN_API gan_status gan_layer_cond_augment_create(gan_layer_t **out, float kl_weight);

/**
 * @brief The KL term (unweighted) of the last forward pass of a conditioning
 *        augmentation layer, the mean over that pass's batch (see
 *        gan_layer_cond_augment_create()), for reports and trainers' statistics.
 * @param layer a layer made by gan_layer_cond_augment_create(), free or in a model
 *        (gan_model_get_layer()).
 * @param kl receives KL, >= 0, in nats (NaN if the input held NaN).
 * @return GAN_OK; GAN_E_INVALID_ARG (layer or kl NULL, layer of another kind),
 *         GAN_E_STATE (no forward pass has run through the layer). Not thread-safe
 *         against a forward pass of its model.
 */
GAN_API gan_status gan_layer_cond_augment_get_kl(const gan_layer_t *layer, double *kl);

#ifdef __cplusplus
}
#endif

#endif /* GAN_TEXT_H */
