/* Captions for MNIST digits: the phrase and template tables, the maker, the held-out
 * rules and the reader (the bins are in captions_bins.c). */
#include "common/captions.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"

/* ------------------------------------------------------------------ tables */

/* Where a phrase can stand: before the digit ("a bold seven"), after it in a list ("7,
 * bold and ..."), after "that is" and after "written". */
enum { PRE = 1, POST = 2, IS = 4, WR = 8 };
enum { SYNONYMS = 6 };

typedef struct phrase {
    const char *text;
    unsigned slots;
} phrase;

/* Every phrase has POST, so every phrase fits the list templates. A bare "slanted" means
 * to the right, as italics do. */
static const phrase phrases[EX_CAPTION_ATTRS][EX_CAPTION_BINS][SYNONYMS] = {
    [EX_ATTR_THICKNESS] = {
        {{"thin", PRE | POST | IS | WR}, {"light", PRE | POST | IS}, {"fine", PRE | POST | IS},
         {"with a thin stroke", POST | WR}, {"in a fine line", POST | WR}},
        {{"of medium thickness", POST | IS}, {"of normal weight", POST | IS},
         {"with a medium stroke", POST | WR}, {"with a regular stroke", POST | WR}},
        {{"thick", PRE | POST | IS | WR}, {"bold", PRE | POST | IS | WR},
         {"heavy", PRE | POST | IS}, {"with a thick stroke", POST | WR},
         {"in heavy strokes", POST | WR}},
    },
    [EX_ATTR_SLANT] = {
        {{"leaning left", POST | IS | WR}, {"slanted to the left", POST | IS | WR},
         {"tilted left", POST | IS | WR}, {"backslanted", PRE | POST | IS | WR},
         {"left leaning", PRE | POST | IS}},
        {{"upright", PRE | POST | IS | WR}, {"straight", PRE | POST | IS | WR},
         {"vertical", PRE | POST | IS}, {"standing straight", POST | IS}},
        {{"leaning right", POST | IS | WR}, {"slanted to the right", POST | IS | WR},
         {"tilted right", POST | IS | WR}, {"italic", PRE | POST | IS},
         {"right leaning", PRE | POST | IS}, {"slanted", PRE | POST | IS | WR}},
    },
    [EX_ATTR_WIDTH] = {
        {{"narrow", PRE | POST | IS | WR}, {"condensed", PRE | POST | IS | WR},
         {"squeezed", PRE | POST | IS}, {"with a narrow shape", POST | WR}},
        {{"of medium width", POST | IS}, {"of average width", POST | IS},
         {"of normal width", POST | IS}, {"with an average width", POST | WR},
         {"with a normal width", POST | WR}},
        {{"wide", PRE | POST | IS | WR}, {"broad", PRE | POST | IS},
         {"stretched wide", POST | IS | WR}, {"with a wide shape", POST | WR}},
    },
};

static const char *const bin_names[EX_CAPTION_ATTRS][EX_CAPTION_BINS] = {
    {"thin", "medium", "thick"}, {"left", "upright", "right"}, {"narrow", "medium", "wide"}};
static const char *const attr_names[EX_CAPTION_ATTRS] = {"thickness", "slant", "width"};
static const char *const number_words[EX_CAPTION_DIGITS] = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
static const char *const numerals[EX_CAPTION_DIGITS] = {"0", "1", "2", "3", "4",
                                                        "5", "6", "7", "8", "9"};

/* A caption is [article] opening [prenominal phrases] digit [lead, the other phrases]. */
typedef struct template {
    const char *name;
    bool article;         /* "a" or "an", chosen by the word after it */
    const char *opening;  /* words before the digit (or its adjectives) */
    const char *pre_join; /* separator of prenominal phrases; NULL: no such slot */
    const char *lead;     /* before the list of the other phrases */
    unsigned slot;        /* what those phrases must allow */
} template;

static const template templates[EX_CAPTION_TEMPLATES] = {
    {"a X N X", true, "", ", ", " ", POST},
    {"N, X", false, "", NULL, ", ", POST},
    {"the number N written X", false, "the number ", NULL, " written ", WR},
    {"a N that is X", true, "", NULL, " that is ", IS},
    {"the digit N, X", false, "the digit ", NULL, ", ", POST},
    {"X N X", false, "", " ", " ", POST},
    {"a handwritten N, X", true, "handwritten ", NULL, ", ", POST},
};

/* The template words that are neither digits nor phrases, for the reader. */
static const char *const fillers[] = {"a", "an", "the", "number", "digit", "that",
                                      "is", "written", "and", "handwritten"};

/* Held-out rules: a meaning rule holds out digit d with attribute a in bin b (EX_BIN_ANY:
 * in any bin); a form rule holds out one phrase in one template. */
typedef struct rule {
    const char *name;
    int digit, attr, bin;   /* meaning rules (template < 0) */
    int template_id;        /* form rules */
    const char *phrase;
} rule;

static const rule rules[EX_CAPTION_RULES] = {
    {"M0: digit 4 with any thickness", 4, EX_ATTR_THICKNESS, EX_BIN_ANY, -1, NULL},
    {"M1: digit 7 slanted left", 7, EX_ATTR_SLANT, EX_BIN_LOW, -1, NULL},
    {"M2: digit 1 wide", 1, EX_ATTR_WIDTH, EX_BIN_HIGH, -1, NULL},
    {"F0: \"bold\" in \"the number N written X\"", -1, EX_ATTR_THICKNESS, EX_BIN_HIGH, 2,
     "bold"},
    {"F1: \"italic\" in \"a N that is X\"", -1, EX_ATTR_SLANT, EX_BIN_HIGH, 3, "italic"},
    {"F2: \"broad\" in \"N, X\"", -1, EX_ATTR_WIDTH, EX_BIN_HIGH, 1, "broad"},
};

static bool bin_ok(int attr, int bin)
{
    return attr >= 0 && attr < EX_CAPTION_ATTRS && bin >= 0 && bin < EX_CAPTION_BINS;
}

const char *ex_caption_attr_name(int attr)
{
    return attr >= 0 && attr < EX_CAPTION_ATTRS ? attr_names[attr] : NULL;
}

const char *ex_caption_bin_name(int attr, int bin)
{
    if (attr >= 0 && attr < EX_CAPTION_ATTRS && bin == EX_BIN_ANY)
        return "any";
    return bin_ok(attr, bin) ? bin_names[attr][bin] : NULL;
}

int ex_caption_phrase_count(int attr, int bin)
{
    int n = 0;
    while (bin_ok(attr, bin) && n < SYNONYMS && phrases[attr][bin][n].text)
        n++;
    return n;
}

const char *ex_caption_phrase(int attr, int bin, int i)
{
    return i >= 0 && i < ex_caption_phrase_count(attr, bin) ? phrases[attr][bin][i].text
                                                             : NULL;
}

const char *ex_caption_template_name(int template_id)
{
    return template_id >= 0 && template_id < EX_CAPTION_TEMPLATES
               ? templates[template_id].name
               : NULL;
}

const char *ex_caption_rule_name(int r)
{
    return r >= 0 && r < EX_CAPTION_RULES ? rules[r].name : NULL;
}

bool ex_caption_phrase_fits(int template_id, int attr, int bin, int i)
{
    if (!ex_caption_phrase(attr, bin, i) || !ex_caption_template_name(template_id))
        return false;
    const template *t = &templates[template_id];
    unsigned slots = phrases[attr][bin][i].slots;
    return (slots & t->slot) || (t->pre_join && (slots & PRE));
}

/* ------------------------------------------------------------------ held out */

static bool meaning_ok(const ex_caption_meaning *m)
{
    if (!m || m->digit < 0 || m->digit >= EX_CAPTION_DIGITS)
        return false;
    for (int a = 0; a < EX_CAPTION_ATTRS; a++)
        if (m->bin[a] != EX_BIN_ANY && !bin_ok(a, m->bin[a]))
            return false;
    return true;
}

static bool rule_matches(const rule *r, const ex_caption_meaning *m, const ex_caption_form *f)
{
    const int b = m->bin[r->attr];
    if (r->template_id < 0)
        return m->digit == r->digit && b != EX_BIN_ANY && (r->bin == EX_BIN_ANY || b == r->bin);
    return f && b == r->bin && f->template_id == r->template_id &&
           ex_caption_phrase(r->attr, b, f->phrase[r->attr]) &&
           strcmp(ex_caption_phrase(r->attr, b, f->phrase[r->attr]), r->phrase) == 0;
}

int ex_caption_held_out_rule(const ex_caption_meaning *m, const ex_caption_form *form)
{
    if (!meaning_ok(m))
        return -1;
    for (int r = 0; r < EX_CAPTION_RULES; r++)
        if (rule_matches(&rules[r], m, form))
            return r;
    return -1;
}

bool ex_caption_meaning_held_out(const ex_caption_meaning *m)
{
    return ex_caption_held_out_rule(m, NULL) >= 0;
}

bool ex_caption_is_held_out(const ex_caption_meaning *m, const ex_caption_form *form)
{
    return ex_caption_held_out_rule(m, form) >= 0;
}

/* ------------------------------------------------------------------ rendering */

/* Appends to a fixed buffer, remembering an overflow instead of writing past it. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
    bool full;
} sbuf;

static void put(sbuf *b, const char *text)
{
    size_t n = strlen(text);
    if (b->len + n >= b->cap) {
        b->full = true;
        return;
    }
    memcpy(b->s + b->len, text, n + 1);
    b->len += n;
}

/* "a" or "an" before a word: by its first letter, but "a one" and "an 8". */
static const char *article(const char *next)
{
    if (strncmp(next, "one", 3) == 0)
        return "a ";
    return strchr("aeiou8", next[0]) ? "an " : "a ";
}

/* Join items as "p", "p and q", "p, q and r". */
static void put_list(sbuf *b, const char *const *items, int n)
{
    for (int i = 0; i < n; i++) {
        if (i > 0)
            put(b, i == n - 1 ? " and " : ", ");
        put(b, items[i]);
    }
}

static bool form_ok(const ex_caption_meaning *m, const ex_caption_form *f)
{
    if (!f || f->template_id < 0 || f->template_id >= EX_CAPTION_TEMPLATES ||
        (f->numeral != 0 && f->numeral != 1))
        return false;
    bool seen[EX_CAPTION_ATTRS] = {false};
    for (int k = 0; k < EX_CAPTION_ATTRS; k++) {
        int a = f->order[k];
        if (a < 0 || a >= EX_CAPTION_ATTRS || seen[a])
            return false;
        seen[a] = true;
        if (m->bin[a] == EX_BIN_ANY ? f->phrase[a] != -1
                                    : !ex_caption_phrase_fits(f->template_id, a, m->bin[a],
                                                              f->phrase[a]))
            return false;
    }
    return true;
}

int ex_caption_render(ex_caption *out, const ex_caption_meaning *m,
                      const ex_caption_form *form)
{
    if (!out || !meaning_ok(m) || !form_ok(m, form))
        return EX_CAPTION_E_ARG;
    const template *t = &templates[form->template_id];
    const char *pre[EX_CAPTION_ATTRS], *post[EX_CAPTION_ATTRS];
    int n_pre = 0, n_post = 0;
    for (int k = 0; k < EX_CAPTION_ATTRS; k++) {
        int a = form->order[k], b = m->bin[a];
        if (b == EX_BIN_ANY)
            continue;
        const phrase *p = &phrases[a][b][form->phrase[a]];
        if (t->pre_join && (p->slots & PRE))
            pre[n_pre++] = p->text;
        else
            post[n_post++] = p->text;
    }
    const char *digit = form->numeral ? numerals[m->digit] : number_words[m->digit];
    char body[EX_CAPTION_MAX];
    sbuf b = {body, 0, sizeof body, false};
    body[0] = 0;
    put(&b, t->opening);
    for (int i = 0; i < n_pre; i++) {
        put(&b, pre[i]);
        put(&b, i < n_pre - 1 ? t->pre_join : " ");
    }
    put(&b, digit);
    if (n_post > 0) {
        put(&b, t->lead);
        put_list(&b, post, n_post);
    }
    sbuf o = {out->text, 0, sizeof out->text, false};
    out->text[0] = 0;
    if (t->article)
        put(&o, article(body));
    put(&o, body);
    /* The longest caption the tables make is shorter than the limit (a test checks all). */
    if (b.full || o.full)
        return EX_CAPTION_E_ARG;
    out->meaning = *m;
    out->form = *form;
    return EX_CAPTION_OK;
}

/* ------------------------------------------------------------------ making */

static int pick(uint64_t *rng, int n)
{
    return (int)((ex_splitmix64(rng) >> 33) % (uint64_t)n);
}

static bool forbidden(int template_id, int attr, int bin, int i)
{
    for (int r = 0; r < EX_CAPTION_RULES; r++)
        if (rules[r].template_id == template_id && rules[r].attr == attr &&
            rules[r].bin == bin && strcmp(rules[r].phrase, phrases[attr][bin][i].text) == 0)
            return true;
    return false;
}

/* A uniform phrase of (attr, bin) that fits the template (and, if avoid, is not held out
 * with it); every template has at least two for each bin, so one always exists. */
static int pick_phrase(uint64_t *rng, int template_id, int attr, int bin, bool avoid)
{
    int ok[SYNONYMS], n = 0;
    for (int i = 0; i < ex_caption_phrase_count(attr, bin); i++)
        if (ex_caption_phrase_fits(template_id, attr, bin, i) &&
            !(avoid && forbidden(template_id, attr, bin, i)))
            ok[n++] = i;
    return n > 0 ? ok[pick(rng, n)] : -1;
}

static int phrase_index(int attr, int bin, const char *text)
{
    for (int i = 0; i < ex_caption_phrase_count(attr, bin); i++)
        if (strcmp(phrases[attr][bin][i].text, text) == 0)
            return i;
    return -1;
}

/* Make a caption of m; forced >= 0 names a form rule to use (m must allow it). */
static int make(ex_caption *out, const ex_caption_meaning *m, int split, int forced,
                uint64_t *rng)
{
    const bool avoid = split == EX_SPLIT_TRAIN;
    ex_caption_form f;
    f.template_id = forced >= 0 ? rules[forced].template_id : pick(rng, EX_CAPTION_TEMPLATES);
    f.numeral = pick(rng, 2);
    for (int a = 0; a < EX_CAPTION_ATTRS; a++) {
        f.order[a] = a;
        f.phrase[a] = m->bin[a] == EX_BIN_ANY ? -1
                                              : pick_phrase(rng, f.template_id, a, m->bin[a],
                                                            avoid);
    }
    if (forced >= 0)
        f.phrase[rules[forced].attr] =
            phrase_index(rules[forced].attr, rules[forced].bin, rules[forced].phrase);
    for (int k = EX_CAPTION_ATTRS - 1; k > 0; k--) { /* Fisher-Yates */
        int j = pick(rng, k + 1), tmp = f.order[k];
        f.order[k] = f.order[j];
        f.order[j] = tmp;
    }
    return ex_caption_render(out, m, &f);
}

int ex_caption_make(ex_caption *out, const ex_caption_meaning *m, int split,
                    uint64_t *rng)
{
    if (!out || !rng || !meaning_ok(m) || split < EX_SPLIT_TRAIN || split > EX_SPLIT_ANY)
        return EX_CAPTION_E_ARG;
    const bool held = ex_caption_meaning_held_out(m);
    if (split == EX_SPLIT_TRAIN && held)
        return EX_CAPTION_E_SPLIT;
    if (split != EX_SPLIT_HELD_OUT || held)
        return make(out, m, split, -1, rng);
    int applicable[EX_CAPTION_RULES], n = 0;
    for (int r = 0; r < EX_CAPTION_RULES; r++)
        if (rules[r].template_id >= 0 && m->bin[rules[r].attr] == rules[r].bin)
            applicable[n++] = r;
    if (n == 0)
        return EX_CAPTION_E_SPLIT;
    return make(out, m, split, applicable[pick(rng, n)], rng);
}

/* Mention each attribute with probability p in bin[a] (random bins if bin is NULL), then
 * drop what a meaning rule holds out. */
static void random_meaning(ex_caption_meaning *m, int digit, const int *bin, double p,
                           uint64_t *rng)
{
    m->digit = digit;
    for (int a = 0; a < EX_CAPTION_ATTRS; a++) {
        bool mention = ex_uniform(rng, 0, 1) < p;
        int b = bin ? bin[a] : pick(rng, EX_CAPTION_BINS);
        m->bin[a] = mention ? b : EX_BIN_ANY;
    }
    for (int r = 0; r < EX_CAPTION_RULES; r++)
        if (rules[r].template_id < 0 && rule_matches(&rules[r], m, NULL))
            m->bin[rules[r].attr] = EX_BIN_ANY;
}

int ex_caption_for_image(ex_caption *out, int digit, const int bin[EX_CAPTION_ATTRS],
                         double p_mention, uint64_t *rng)
{
    if (!out || !bin || !rng || !(p_mention >= 0 && p_mention <= 1) || digit < 0 ||
        digit >= EX_CAPTION_DIGITS)
        return EX_CAPTION_E_ARG;
    for (int a = 0; a < EX_CAPTION_ATTRS; a++)
        if (!bin_ok(a, bin[a]))
            return EX_CAPTION_E_ARG;
    ex_caption_meaning m;
    random_meaning(&m, digit, bin, p_mention, rng);
    return ex_caption_make(out, &m, EX_SPLIT_TRAIN, rng);
}

int ex_caption_draw(ex_caption *out, int split, double p_mention, uint64_t *rng)
{
    if (!out || !rng || !(p_mention >= 0 && p_mention <= 1) ||
        (split != EX_SPLIT_TRAIN && split != EX_SPLIT_HELD_OUT))
        return EX_CAPTION_E_ARG;
    ex_caption_meaning m;
    random_meaning(&m, pick(rng, EX_CAPTION_DIGITS), NULL, p_mention, rng);
    if (split == EX_SPLIT_TRAIN)
        return make(out, &m, split, -1, rng);
    const int r = pick(rng, EX_CAPTION_RULES);
    const rule *h = &rules[r];
    m.bin[h->attr] = h->bin == EX_BIN_ANY ? pick(rng, EX_CAPTION_BINS) : h->bin;
    if (h->template_id < 0) {
        m.digit = h->digit;
        return make(out, &m, split, -1, rng);
    }
    return make(out, &m, split, r, rng);
}

/* ------------------------------------------------------------------ reading */

typedef struct token {
    const char *s;
    size_t n;
} token;

static bool word_is(const token *t, const char *w, size_t n)
{
    if (t->n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)t->s[i]) != w[i])
            return false;
    return true;
}

/* How many tokens from tok[i] the words of text match, all of them; else 0. */
static int match(const char *text, const token *tok, int n, int i)
{
    int k = 0;
    for (const char *w = text; *w; k++) {
        size_t len = strcspn(w, " ");
        if (i + k >= n || !word_is(&tok[i + k], w, len))
            return 0;
        w += len + (w[len] == ' ');
    }
    return k;
}

static int parse_fail(int *bad, size_t offset)
{
    if (bad)
        *bad = (int)offset;
    return EX_CAPTION_E_PARSE;
}

int ex_caption_parse(ex_caption_meaning *m, const char *text, int *bad)
{
    if (!m || !text)
        return EX_CAPTION_E_ARG;
    const size_t len = strlen(text);
    if (len >= EX_CAPTION_MAX)
        return parse_fail(bad, EX_CAPTION_MAX - 1);
    token tok[EX_CAPTION_MAX / 2];
    int n = 0;
    for (const char *p = text; *p;) {
        p += strspn(p, " ,");
        size_t k = strcspn(p, " ,");
        if (k > 0)
            tok[n++] = (token){p, k};
        p += k;
    }
    ex_caption_meaning r = {-1, {EX_BIN_ANY, EX_BIN_ANY, EX_BIN_ANY}};
    for (int i = 0; i < n;) {
        const size_t at = (size_t)(tok[i].s - text);
        int best = 0, ba = 0, bb = 0;
        for (int a = 0; a < EX_CAPTION_ATTRS; a++)
            for (int b = 0; b < EX_CAPTION_BINS; b++)
                for (int p = 0; p < ex_caption_phrase_count(a, b); p++) {
                    int k = match(phrases[a][b][p].text, tok, n, i);
                    if (k > best) {
                        best = k;
                        ba = a;
                        bb = b;
                    }
                }
        if (best > 0) {
            if (r.bin[ba] != EX_BIN_ANY && r.bin[ba] != bb)
                return parse_fail(bad, at);
            r.bin[ba] = bb;
            i += best;
            continue;
        }
        int digit = -1;
        for (int d = 0; d < EX_CAPTION_DIGITS; d++)
            if (match(number_words[d], tok, n, i) || match(numerals[d], tok, n, i))
                digit = d;
        bool filler = false;
        for (size_t f = 0; f < sizeof fillers / sizeof *fillers; f++)
            filler |= match(fillers[f], tok, n, i) > 0;
        if ((digit >= 0 && r.digit >= 0) || (digit < 0 && !filler))
            return parse_fail(bad, at);
        if (digit >= 0)
            r.digit = digit;
        i++;
    }
    if (r.digit < 0)
        return parse_fail(bad, len);
    *m = r;
    return EX_CAPTION_OK;
}
