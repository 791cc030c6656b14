/* English captions for MNIST digits from their label and binned Morpho-MNIST measures
 * (issue 15): tertile bins, a caption maker with many surfaces per meaning, a caption
 * reader, and the combinations held out of training to test composition.
 *
 * Attributes. Captions use three: stroke thickness, slant and width (common/morpho.h).
 * Height is left out: MNIST digits are size-normalised into a 20-pixel box, and on
 * mnist-10k the bounding box is 20 rows high for 86 % of the digits (the quartiles are
 * 20, 20, 20), so a "short" or "tall" bin would be noise.
 *
 * Bins. Each attribute has three bins, the tertiles of the training set, fitted per digit:
 * a "wide one" is wide for a one. Per-digit cuts are needed because the measures depend
 * on the digit's shape as much as on the hand: a one is 5 pixels wide on average and a two
 * 17; the moments of a two or a five lean right (+7 and +14 degrees on average) and a
 * nine's do not (0.5 degrees). With per-digit cuts every digit has each bin a third of the
 * time, so a model that ignores the words scores a third on every attribute.
 *
 * Captions. A caption names the digit (a number word or a numeral) and 0 to 3 attributes,
 * with one of EX_CAPTION_TEMPLATES templates and, per attribute and bin, one of several
 * synonym phrases: "a thick seven", "7, thin and slanted to the right", "the number seven
 * written upright", "a wide, bold zero". Words are lower-case ASCII, numerals 0-9, commas;
 * at most EX_CAPTION_MAX - 1 bytes. The maker returns the meaning with the text, so
 * scoring never parses; ex_caption_parse() reads a caption back when needed.
 *
 * Held out of training (ex_caption_is_held_out()), to test that a model composes words it
 * saw apart; a training caption never matches a rule and a held-out one always matches one:
 *   M0  digit 4 with any thickness ("a bold four", "4 of medium thickness");
 *   M1  digit 7 slanted left ("a seven leaning left");
 *   M2  digit 1 wide ("a wide one");
 *   F0  the phrase "bold" in the template "the number N written ..." (T2);
 *   F1  the phrase "italic" in the template "a N that is ..." (T3);
 *   F2  the phrase "broad" in the template "N, ..." (T1).
 * M0-M2 remove meanings (a training image of such a kind gets a caption that does not
 * mention the attribute); F0-F2 remove only surfaces (the meaning is still trained with
 * other templates or words).
 *
 * Random choices draw from a caller's splitmix64 state (common/rng.h), so a seed
 * reproduces the captions. Nothing here keeps state or prints: thread-safe.
 * Functions return EX_CAPTION_OK or a negative EX_CAPTION_E_* status.
 */
#ifndef GAN_EXAMPLE_CAPTIONS_H
#define GAN_EXAMPLE_CAPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/morpho.h"

#define EX_CAPTION_MAX 96  /* bytes of a caption with its terminating 0 */
#define EX_CAPTION_DIGITS 10
#define EX_CAPTION_ATTRS 3
#define EX_CAPTION_BINS 3
#define EX_CAPTION_TEMPLATES 7
#define EX_CAPTION_RULES 6 /* held-out rules: M0-M2, then F0-F2 */

enum { EX_ATTR_THICKNESS, EX_ATTR_SLANT, EX_ATTR_WIDTH };

/* Bins: the low, middle and high tertile (thin, medium, thick; left, upright, right;
 * narrow, medium, wide). EX_BIN_ANY: the caption does not mention the attribute. */
enum { EX_BIN_ANY = -1, EX_BIN_LOW = 0, EX_BIN_MID = 1, EX_BIN_HIGH = 2 };

/* Which captions a maker may produce. */
enum { EX_SPLIT_TRAIN, EX_SPLIT_HELD_OUT, EX_SPLIT_ANY };

enum {
    EX_CAPTION_OK = 0,
    EX_CAPTION_E_ARG = -1,       /* NULL, or a digit, bin, split or form out of range */
    EX_CAPTION_E_SPLIT = -2,     /* no caption of this meaning in this split */
    EX_CAPTION_E_PARSE = -3,     /* not a caption: see ex_caption_parse() */
    EX_CAPTION_E_DATA = -4,      /* fewer than 3 values to cut, or one not finite */
    EX_CAPTION_E_NO_MEMORY = -5,
};

/* What a caption says: the digit 0-9 and a bin (or EX_BIN_ANY) per attribute. */
typedef struct ex_caption_meaning {
    int digit;
    int bin[EX_CAPTION_ATTRS];
} ex_caption_meaning;

/* How it is said. */
typedef struct ex_caption_form {
    int template_id; /* 0 .. EX_CAPTION_TEMPLATES - 1 */
    int numeral;     /* 1: "7", 0: "seven" */
    /* Per attribute: the phrase's index among its bin's synonyms
     * (ex_caption_phrase()), -1 where the attribute is not mentioned. */
    int phrase[EX_CAPTION_ATTRS];
    /* The attributes in the order they are spoken (a permutation of 0, 1, 2; those not
     * mentioned are skipped). Prenominal phrases still come before the digit. */
    int order[EX_CAPTION_ATTRS];
} ex_caption_form;

typedef struct ex_caption {
    char text[EX_CAPTION_MAX];
    ex_caption_meaning meaning;
    ex_caption_form form;
} ex_caption;

/* Per-digit tertile cuts: bin = 0 below cut[d][a][0], 1 below cut[d][a][1], else 2. */
typedef struct ex_caption_cuts {
    float cut[EX_CAPTION_DIGITS][EX_CAPTION_ATTRS][2];
} ex_caption_cuts;

/* ------------------------------------------------------------------ bins */

/* The tertile cuts of n values: with s the values sorted, cut k (k = 1, 2) is the
 * midpoint of s[i - 1] and s[i] for i = round(k n / 3), so 1..9 cut at 3.5 and 6.5.
 * values is not changed (a sorted copy is made). EX_CAPTION_E_ARG (NULL),
 * EX_CAPTION_E_DATA (n < 3, a value not finite), EX_CAPTION_E_NO_MEMORY. */
int ex_tertiles_fit(float cuts[2], const float *values, int32_t n);

/* The bin of v: EX_BIN_LOW if v < cuts[0], EX_BIN_MID if v < cuts[1], else EX_BIN_HIGH. */
int ex_tertile_bin(const float cuts[2], float v);

/* The measure attribute @p attr reads: thickness, slant (radians) or width; NaN for an
 * attribute out of range. */
float ex_caption_attr_value(const ex_morpho *m, int attr);

/* Fit every digit's cuts on n measured digits (m[i] is digit digits[i]). Digits outside
 * 0-9 are skipped. EX_CAPTION_E_ARG (NULL, n < 0), EX_CAPTION_E_DATA (a digit with fewer
 * than 3 samples, or a value not finite), EX_CAPTION_E_NO_MEMORY. */
int ex_caption_cuts_fit(ex_caption_cuts *cuts, const ex_morpho *m, const int32_t *digits,
                        int32_t n);

/* bin[a] = the bin of m's attribute a under @p digit's cuts. EX_CAPTION_E_ARG (NULL,
 * digit out of range). */
int ex_caption_bins(int bin[EX_CAPTION_ATTRS], const ex_caption_cuts *cuts, int digit,
                    const ex_morpho *m);

/* ------------------------------------------------------------------ names */

/* "thickness", "slant", "width"; NULL out of range. */
const char *ex_caption_attr_name(int attr);

/* The bin's plain name: "thin" "medium" "thick", "left" "upright" "right", "narrow"
 * "medium" "wide"; "any" for EX_BIN_ANY; NULL out of range. */
const char *ex_caption_bin_name(int attr, int bin);

/* The number of synonym phrases of (attr, bin), and phrase i of them (NULL out of
 * range); 0 / NULL for EX_BIN_ANY. */
int ex_caption_phrase_count(int attr, int bin);
const char *ex_caption_phrase(int attr, int bin, int i);

/* A template's shape with N for the digit and X for its attributes, e.g. "a X N X";
 * NULL out of range. */
const char *ex_caption_template_name(int template_id);

/* A held-out rule in words (see the top of this header); NULL out of range. */
const char *ex_caption_rule_name(int rule);

/* ------------------------------------------------------------------ held out */

/* Whether the meaning alone is held out (rules M0-M2, whatever the wording). */
bool ex_caption_meaning_held_out(const ex_caption_meaning *m);

/* The first held-out rule (0 .. EX_CAPTION_RULES - 1) that the meaning and form match,
 * or -1 if none: a caption is held out iff this is >= 0. form may be NULL for the meaning
 * rules alone. */
int ex_caption_held_out_rule(const ex_caption_meaning *m, const ex_caption_form *form);

/* ex_caption_held_out_rule(m, form) >= 0. */
bool ex_caption_is_held_out(const ex_caption_meaning *m, const ex_caption_form *form);

/* ------------------------------------------------------------------ making captions */

/* Write the caption of a meaning said in a given form into out (text, meaning and form;
 * deterministic). EX_CAPTION_E_ARG (NULL; digit or bin out of range; a template, phrase
 * or order out of range; a phrase given for an attribute not mentioned or none for one
 * mentioned; a phrase the template cannot use). */
int ex_caption_render(ex_caption *out, const ex_caption_meaning *m,
                      const ex_caption_form *form);

/* Whether phrase i of (attr, bin) fits template t (each template has its own slots:
 * "that is ..." needs an adjective or participle, "written ..." an adverbial). */
bool ex_caption_phrase_fits(int template_id, int attr, int bin, int i);

/* A random caption of meaning m in a split: a template, number form, synonyms and order
 * drawn uniformly among those the split allows. For EX_SPLIT_TRAIN the meaning must not
 * be held out and the wording avoids F0-F2; for EX_SPLIT_HELD_OUT either the meaning is
 * held out (any wording) or one of F0-F2 that applies to it is used. EX_CAPTION_E_ARG,
 * EX_CAPTION_E_SPLIT (a held-out meaning asked for training; a meaning for which no
 * held-out wording exists asked as held out). */
int ex_caption_make(ex_caption *out, const ex_caption_meaning *m, int split,
                    uint64_t *rng);

/* A training caption for an image of @p digit with measured bins bin (none EX_BIN_ANY):
 * each attribute is mentioned with probability p_mention, except those a meaning rule
 * holds out for this image (a four's thickness is never mentioned). EX_CAPTION_E_ARG. */
int ex_caption_for_image(ex_caption *out, int digit, const int bin[EX_CAPTION_ATTRS],
                         double p_mention, uint64_t *rng);

/* A random caption of a split. Training: a uniform digit, each attribute mentioned with
 * probability p_mention in a uniform bin, held-out attributes dropped. Held out: a
 * uniform rule, a meaning that it applies to (other attributes as for training) and a
 * wording that matches it. EX_CAPTION_E_ARG (NULL, p_mention outside [0, 1], split). */
int ex_caption_draw(ex_caption *out, int split, double p_mention, uint64_t *rng);

/* ------------------------------------------------------------------ reading captions */

/* Read a caption back into its meaning. Words are split at spaces and commas and matched
 * against the phrases (longest first), the number words and numerals, and the templates'
 * other words (a an the number digit that is written and handwritten). Exactly one digit
 * must be named; an attribute named twice must be named with one bin. Returns
 * EX_CAPTION_OK, EX_CAPTION_E_ARG (NULL), or EX_CAPTION_E_PARSE (an unknown word, no or
 * two digits, two bins of one attribute); on EX_CAPTION_E_PARSE *bad (if not NULL)
 * receives the byte offset of the word at fault (of the end for a missing digit). */
int ex_caption_parse(ex_caption_meaning *m, const char *text, int *bad);

#endif
