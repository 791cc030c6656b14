/* The examples' captions for MNIST (issue 15, examples/common/morpho.c and captions.c):
 * the measures against hand-made images, the tertile bins, and the caption maker on
 * fixed inputs, its round trip through the reader and its held-out rules. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/captions.h"
#include "common/morpho.h"

enum { SIDE = EX_MORPHO_SIDE, DRAWS = 10000 };

/* ---- hand-made images -------------------------------------------------------------- */

/* A bar w pixels wide over rows top..bottom, its left edge at column x0 + shift(row). A
 * shear of s moves it s pixels right per row upwards (s > 0 leans right). */
static void bar(uint8_t *mask, int w, int top, int bottom, int x0, double s)
{
    memset(mask, 0, EX_MORPHO_PIXELS);
    for (int y = top; y <= bottom; y++) {
        int left = x0 + (int)lround(s * (bottom - y));
        for (int x = left; x < left + w; x++)
            mask[y * SIDE + x] = 1;
    }
}

static ex_morpho measured(const uint8_t *mask)
{
    ex_morpho m;
    assert_int_equal(ex_morpho_measure_mask(mask, &m), EX_MORPHO_OK);
    assert_true(isfinite(m.thickness) && isfinite(m.slant) && isfinite(m.width));
    return m;
}

static void test_vertical_bar(void **state)
{
    (void)state;
    uint8_t mask[EX_MORPHO_PIXELS];
    bar(mask, 3, 4, 23, 12, 0);
    ex_morpho m = measured(mask);
    assert_int_equal(m.area, 60);
    assert_true(fabsf(m.slant) < 1e-6f);
    assert_float_equal(m.width, 3, 1e-5);
    assert_float_equal(m.box_width, 3, 0);
    assert_float_equal(m.height, 20, 0);
    /* 60 pixels over an 18-pixel skeleton (thinning shortens it by the ends). */
    assert_float_equal(m.thickness, 3, 0.5);
}

static void test_sheared_bars_lean_their_way(void **state)
{
    (void)state;
    uint8_t mask[EX_MORPHO_PIXELS];
    bar(mask, 3, 4, 23, 6, 0.5);
    ex_morpho right = measured(mask);
    bar(mask, 3, 4, 23, 18, -0.5);
    ex_morpho left = measured(mask);
    /* A shear of 1/2 is atan(1/2) = 26.6 degrees; rounding the rows blurs it a little. */
    assert_float_equal(right.slant, atan(0.5), 0.03);
    assert_float_equal(left.slant, -right.slant, 1e-6);
    /* Undoing the slant gives the bar's own width; the box counts the lean. */
    assert_float_equal(right.width, 3, 0.8);
    assert_float_equal(right.box_width, 3 + 10, 0);
    /* Thinning is not mirror-symmetric (its two sub-iterations take different sides). */
    assert_float_equal(right.thickness, left.thickness, 0.1);
    assert_true(right.thickness > 2 && right.thickness < 3);
}

static void test_thicker_bars_measure_thicker(void **state)
{
    (void)state;
    uint8_t mask[EX_MORPHO_PIXELS];
    float last = 0;
    for (int w = 1; w <= 6; w++) {
        bar(mask, w, 4, 23, 10, 0);
        ex_morpho m = measured(mask);
        print_message("    bar %d px wide: thickness %.3f, skeleton %.1f\n", w,
                      (double)m.thickness, (double)m.length);
        assert_true(m.thickness > last);
        assert_float_equal(m.thickness, w, 1e-5); /* the ends' correction makes it exact */
        assert_float_equal(m.width, w, 1e-5);
        last = m.thickness;
    }
}

static void test_rectangle_extent(void **state)
{
    (void)state;
    uint8_t mask[EX_MORPHO_PIXELS] = {0};
    for (int y = 8; y < 14; y++)
        for (int x = 5; x < 15; x++)
            mask[y * SIDE + x] = 1;
    ex_morpho m = measured(mask);
    assert_int_equal(m.area, 60);
    assert_float_equal(m.width, 10, 1e-5);
    assert_float_equal(m.box_width, 10, 0);
    assert_float_equal(m.height, 6, 0);
    assert_true(fabsf(m.slant) < 1e-6f);
    /* A single row has no vertical spread: its slant is 0, not NaN. */
    memset(mask, 0, sizeof mask);
    memset(mask + 10 * SIDE + 4, 1, 12);
    m = measured(mask);
    assert_float_equal(m.slant, 0, 0);
    assert_float_equal(m.height, 1, 0);
    assert_float_equal(m.thickness, 1, 1e-6);
}

static void test_empty_image_is_a_status(void **state)
{
    (void)state;
    float image[EX_MORPHO_PIXELS];
    uint8_t mask[EX_MORPHO_PIXELS] = {0};
    for (int i = 0; i < EX_MORPHO_PIXELS; i++)
        image[i] = -1;
    ex_morpho m = {.area = 7, .slant = 1};
    assert_int_equal(ex_morpho_measure(image, &m), EX_MORPHO_E_EMPTY);
    assert_int_equal(m.area, 0);
    assert_float_equal(m.thickness, 0, 0);
    assert_float_equal(m.slant, 0, 0);
    assert_int_equal(ex_morpho_measure_mask(mask, &m), EX_MORPHO_E_EMPTY);
    assert_int_equal(ex_morpho_measure(NULL, &m), EX_MORPHO_E_ARG);
    assert_int_equal(ex_morpho_measure(image, NULL), EX_MORPHO_E_ARG);
    assert_int_equal(ex_morpho_measure_mask(NULL, &m), EX_MORPHO_E_ARG);
    assert_int_equal(ex_morpho_binarise(NULL, image), EX_MORPHO_E_ARG);
    assert_int_equal(ex_morpho_thin(NULL), EX_MORPHO_E_ARG);
    assert_float_equal(ex_morpho_skeleton_length(mask), 0, 0);
}

static void test_binarise_at_byte_128(void **state)
{
    (void)state;
    float image[EX_MORPHO_PIXELS];
    uint8_t mask[EX_MORPHO_PIXELS];
    for (int i = 0; i < EX_MORPHO_PIXELS; i++)
        image[i] = (float)(i % 256) / 127.5f - 1; /* libgan-io's scaling of byte i % 256 */
    int n = ex_morpho_binarise(mask, image);
    int want = 0;
    for (int i = 0; i < EX_MORPHO_PIXELS; i++) {
        assert_int_equal(mask[i], i % 256 >= 128);
        want += i % 256 >= 128;
    }
    assert_int_equal(n, want);
}

static int count(const uint8_t *mask)
{
    int n = 0;
    for (int i = 0; i < EX_MORPHO_PIXELS; i++)
        n += mask[i] != 0;
    return n;
}

static void test_thinning_and_skeleton_length(void **state)
{
    (void)state;
    uint8_t mask[EX_MORPHO_PIXELS] = {0};
    mask[5 * SIDE + 5] = mask[5 * SIDE + 6] = mask[6 * SIDE + 5] = mask[6 * SIDE + 6] = 1;
    assert_int_equal(ex_morpho_thin(mask), EX_MORPHO_OK);
    assert_int_equal(count(mask), 1); /* a 2x2 block keeps one pixel */
    assert_float_equal(ex_morpho_skeleton_length(mask), 1, 0);

    bar(mask, 4, 2, 25, 9, 0);
    ex_morpho_thin(mask);
    for (int y = 0; y < SIDE; y++) {
        int in_row = 0;
        for (int x = 0; x < SIDE; x++)
            in_row += mask[y * SIDE + x];
        assert_true(in_row <= 1); /* one pixel wide */
    }
    assert_true(count(mask) >= 18);
    /* A straight run of n pixels is n long; a diagonal one 1 + (n - 1) sqrt 2. */
    bar(mask, 1, 3, 22, 9, 0);
    assert_float_equal(ex_morpho_skeleton_length(mask), 20, 1e-5);
    memset(mask, 0, sizeof mask);
    for (int i = 0; i < 10; i++)
        mask[(4 + i) * SIDE + 4 + i] = 1;
    assert_float_equal(ex_morpho_skeleton_length(mask), 1 + 9 * sqrt(2.0), 1e-5);
    /* An L-shaped corner: two 4-links, not a diagonal as well. */
    memset(mask, 0, sizeof mask);
    mask[4 * SIDE + 4] = mask[4 * SIDE + 5] = mask[5 * SIDE + 5] = 1;
    assert_float_equal(ex_morpho_skeleton_length(mask), 3, 1e-6);
}

/* ---- bins -------------------------------------------------------------------------- */

static void test_tertiles(void **state)
{
    (void)state;
    const float values[9] = {9, 1, 8, 2, 7, 3, 6, 4, 5};
    float copy[9], cuts[2];
    memcpy(copy, values, sizeof copy);
    assert_int_equal(ex_tertiles_fit(cuts, copy, 9), EX_CAPTION_OK);
    assert_memory_equal(copy, values, sizeof copy); /* not sorted in place */
    assert_float_equal(cuts[0], 3.5f, 0);
    assert_float_equal(cuts[1], 6.5f, 0);
    for (int v = 1; v <= 9; v++)
        assert_int_equal(ex_tertile_bin(cuts, (float)v), (v - 1) / 3);
    const float three[3] = {10, 0, 20};
    assert_int_equal(ex_tertiles_fit(cuts, three, 3), EX_CAPTION_OK);
    assert_float_equal(cuts[0], 5, 0);
    assert_float_equal(cuts[1], 15, 0);
    assert_int_equal(ex_tertiles_fit(cuts, values, 2), EX_CAPTION_E_DATA);
    copy[4] = NAN;
    assert_int_equal(ex_tertiles_fit(cuts, copy, 9), EX_CAPTION_E_DATA);
    assert_int_equal(ex_tertiles_fit(NULL, values, 9), EX_CAPTION_E_ARG);
}

static void test_cuts_per_digit(void **state)
{
    (void)state;
    /* Digit d's samples k = 0..5: thickness d + k, slant -k, width 10 d + k. */
    enum { N = EX_CAPTION_DIGITS * 6 };
    ex_morpho m[N];
    int32_t digits[N];
    for (int i = 0; i < N; i++) {
        int d = i % 10, k = i / 10;
        digits[i] = d;
        m[i] = (ex_morpho){.thickness = (float)(d + k), .slant = (float)-k,
                           .width = (float)(10 * d + k)};
    }
    ex_caption_cuts cuts;
    assert_int_equal(ex_caption_cuts_fit(&cuts, m, digits, N), EX_CAPTION_OK);
    for (int d = 0; d < EX_CAPTION_DIGITS; d++) {
        assert_float_equal(cuts.cut[d][EX_ATTR_THICKNESS][0], d + 1.5f, 1e-6);
        assert_float_equal(cuts.cut[d][EX_ATTR_THICKNESS][1], d + 3.5f, 1e-6);
        assert_float_equal(cuts.cut[d][EX_ATTR_SLANT][0], -3.5f, 1e-6);
        assert_float_equal(cuts.cut[d][EX_ATTR_WIDTH][1], 10 * d + 3.5f, 1e-6);
    }
    int bin[EX_CAPTION_ATTRS];
    assert_int_equal(ex_caption_bins(bin, &cuts, 7, &m[7 + 10 * 5]), EX_CAPTION_OK);
    assert_int_equal(bin[EX_ATTR_THICKNESS], EX_BIN_HIGH);
    assert_int_equal(bin[EX_ATTR_SLANT], EX_BIN_LOW);
    assert_int_equal(bin[EX_ATTR_WIDTH], EX_BIN_HIGH);
    assert_int_equal(ex_caption_bins(bin, &cuts, 10, &m[0]), EX_CAPTION_E_ARG);
    digits[9] = digits[19] = digits[29] = digits[39] = 0; /* nine has 2 samples left */
    assert_int_equal(ex_caption_cuts_fit(&cuts, m, digits, N), EX_CAPTION_E_DATA);
}

/* ---- the caption maker ------------------------------------------------------------- */

static const char *render(int digit, int t, int b0, int b1, int b2, int p0, int p1, int p2,
                          int numeral, int first)
{
    static ex_caption c;
    const ex_caption_meaning m = {digit, {b0, b1, b2}};
    ex_caption_form f = {t, numeral, {p0, p1, p2}, {first, (first + 1) % 3, (first + 2) % 3}};
    assert_int_equal(ex_caption_render(&c, &m, &f), EX_CAPTION_OK);
    assert_memory_equal(&c.meaning, &m, sizeof m);
    return c.text;
}

static void test_render_fixed_forms(void **state)
{
    (void)state;
    const int A = EX_BIN_ANY;
    assert_string_equal(render(7, 0, 2, A, A, 0, -1, -1, 0, 0), "a thick seven");
    assert_string_equal(render(7, 1, 0, 2, A, 0, 1, -1, 1, 0), "7, thin and slanted to the right");
    assert_string_equal(render(7, 2, A, 1, A, -1, 0, -1, 0, 0), "the number seven written upright");
    assert_string_equal(render(0, 0, 2, A, 2, 1, -1, 0, 0, 2), "a wide, bold zero");
    assert_string_equal(render(4, 5, 2, 2, A, 1, 3, -1, 0, 0), "bold italic four");
    assert_string_equal(render(8, 3, 1, 0, 0, 0, 0, 1, 1, 0),
                        "an 8 that is of medium thickness, leaning left and condensed");
    assert_string_equal(render(1, 0, A, 1, A, -1, 0, -1, 0, 0), "an upright one");
    assert_string_equal(render(1, 0, A, A, 1, -1, -1, 0, 0, 0), "a one of medium width");
    assert_string_equal(render(3, 4, 0, A, A, 3, -1, -1, 1, 0), "the digit 3, with a thin stroke");
    assert_string_equal(render(6, 6, A, A, A, -1, -1, -1, 0, 0), "a handwritten six");
    assert_string_equal(render(2, 1, A, A, A, -1, -1, -1, 1, 0), "2");

    ex_caption c;
    ex_caption_meaning m = {7, {0, EX_BIN_ANY, EX_BIN_ANY}};
    ex_caption_form f = {3, 0, {3, -1, -1}, {0, 1, 2}}; /* "that is with a thin stroke" */
    assert_false(ex_caption_phrase_fits(3, 0, 0, 3));
    assert_int_equal(ex_caption_render(&c, &m, &f), EX_CAPTION_E_ARG);
    f = (ex_caption_form){0, 0, {0, 0, -1}, {0, 1, 2}}; /* a phrase for slant, not said */
    assert_int_equal(ex_caption_render(&c, &m, &f), EX_CAPTION_E_ARG);
    f = (ex_caption_form){0, 0, {0, -1, -1}, {0, 0, 2}}; /* not a permutation */
    assert_int_equal(ex_caption_render(&c, &m, &f), EX_CAPTION_E_ARG);
    m.digit = 10;
    f.order[1] = 1;
    assert_int_equal(ex_caption_render(&c, &m, &f), EX_CAPTION_E_ARG);
}

static void test_seeded_captions(void **state)
{
    (void)state;
    static const char *const want[] = {
        "an 8 that is thin and left leaning",
        "a handwritten nine, stretched wide, slanted and with a regular stroke",
        "a handwritten 7, straight, condensed and with a medium stroke",
        "the digit zero, squeezed and with a regular stroke",
        "an upright, light five",
        "a handwritten 4, leaning left",
        "a zero that is italic",                               /* F1 */
        "the number one written wide and thick",               /* M2 */
        "a three that is italic and stretched wide",           /* F1 */
        "the number seven written bold and with a wide shape", /* F0 */
    };
    uint64_t rng = 1;
    ex_caption c;
    for (int i = 0; i < 10; i++) {
        assert_int_equal(ex_caption_draw(&c, i < 6 ? EX_SPLIT_TRAIN : EX_SPLIT_HELD_OUT,
                                         i < 6 ? 0.75 : 0.5, &rng),
                         EX_CAPTION_OK);
        assert_string_equal(c.text, want[i]);
    }
}

/* The meaning read back from the text equals the one the maker returned. */
static void assert_round_trip(const ex_caption *c)
{
    ex_caption_meaning back;
    int bad = -1;
    if (ex_caption_parse(&back, c->text, &bad) != EX_CAPTION_OK)
        fail_msg("\"%s\" does not read back (at %d)", c->text, bad);
    assert_memory_equal(&back, &c->meaning, sizeof back);
    assert_true(strlen(c->text) < EX_CAPTION_MAX);
}

static void test_every_template_and_phrase_is_reachable(void **state)
{
    (void)state;
    bool template_seen[EX_CAPTION_TEMPLATES] = {false}, numeral_seen[2] = {false};
    bool phrase_seen[EX_CAPTION_ATTRS][EX_CAPTION_BINS][8] = {{{false}}};
    uint64_t rng = 7;
    ex_caption c;
    for (int i = 0; i < 2 * DRAWS; i++) {
        assert_int_equal(ex_caption_draw(&c, i % 2 ? EX_SPLIT_HELD_OUT : EX_SPLIT_TRAIN, 0.75,
                                         &rng),
                         EX_CAPTION_OK);
        assert_round_trip(&c);
        template_seen[c.form.template_id] = numeral_seen[c.form.numeral] = true;
        for (int a = 0; a < EX_CAPTION_ATTRS; a++)
            if (c.meaning.bin[a] != EX_BIN_ANY)
                phrase_seen[a][c.meaning.bin[a]][c.form.phrase[a]] = true;
    }
    for (int t = 0; t < EX_CAPTION_TEMPLATES; t++)
        assert_true(template_seen[t]);
    assert_true(numeral_seen[0] && numeral_seen[1]);
    for (int a = 0; a < EX_CAPTION_ATTRS; a++)
        for (int b = 0; b < EX_CAPTION_BINS; b++) {
            assert_true(ex_caption_phrase_count(a, b) >= 4);
            for (int p = 0; p < ex_caption_phrase_count(a, b); p++)
                if (!phrase_seen[a][b][p])
                    fail_msg("never said: \"%s\"", ex_caption_phrase(a, b, p));
        }
}

/* The rules checked on the text alone, independently of ex_caption_held_out_rule(). */
static bool text_is_held_out(const char *text)
{
    ex_caption_meaning m;
    assert_int_equal(ex_caption_parse(&m, text, NULL), EX_CAPTION_OK);
    char padded[EX_CAPTION_MAX + 2];
    snprintf(padded, sizeof padded, " %s ", text);
    const bool bold = strstr(padded, " bold ") || strstr(padded, " bold,");
    const bool italic = strstr(padded, " italic ") || strstr(padded, " italic,");
    const bool broad = strstr(padded, " broad ") || strstr(padded, " broad,");
    const size_t first = strcspn(text, " ,");
    return (m.digit == 4 && m.bin[EX_ATTR_THICKNESS] != EX_BIN_ANY) ||
           (m.digit == 7 && m.bin[EX_ATTR_SLANT] == EX_BIN_LOW) ||
           (m.digit == 1 && m.bin[EX_ATTR_WIDTH] == EX_BIN_HIGH) ||
           (strncmp(text, "the number ", 11) == 0 && bold) ||
           (strstr(text, " that is ") && italic) ||
           (text[first] == ',' && broad); /* only "N, X" has a comma after its first word */
}

static void test_held_out_rules(void **state)
{
    (void)state;
    uint64_t rng = 11;
    ex_caption c;
    int rule_seen[EX_CAPTION_RULES] = {0};
    for (int i = 0; i < DRAWS; i++) {
        /* Training captions of drawn meanings and of measured images (every bin given). */
        const int bin[EX_CAPTION_ATTRS] = {i % 3, i / 3 % 3, i / 9 % 3};
        assert_int_equal(i % 2 ? ex_caption_draw(&c, EX_SPLIT_TRAIN, 0.75, &rng)
                               : ex_caption_for_image(&c, i / 27 % 10, bin, 0.9, &rng),
                         EX_CAPTION_OK);
        assert_false(ex_caption_is_held_out(&c.meaning, &c.form));
        if (text_is_held_out(c.text))
            fail_msg("training caption \"%s\" is held out", c.text);
        assert_int_equal(ex_caption_draw(&c, EX_SPLIT_HELD_OUT, 0.5, &rng), EX_CAPTION_OK);
        int r = ex_caption_held_out_rule(&c.meaning, &c.form);
        assert_true(r >= 0);
        rule_seen[r]++;
        if (!text_is_held_out(c.text))
            fail_msg("held-out caption \"%s\" is not held out", c.text);
        assert_round_trip(&c);
    }
    for (int r = 0; r < EX_CAPTION_RULES; r++) {
        print_message("    rule %s: %d of %d held-out captions\n", ex_caption_rule_name(r),
                      rule_seen[r], DRAWS);
        assert_true(rule_seen[r] > DRAWS / 20);
    }
    /* A held-out meaning has no training caption; a plain one has no held-out caption. */
    const ex_caption_meaning bold_four = {4, {EX_BIN_HIGH, EX_BIN_ANY, EX_BIN_ANY}};
    const ex_caption_meaning plain = {3, {EX_BIN_LOW, EX_BIN_MID, EX_BIN_ANY}};
    assert_int_equal(ex_caption_make(&c, &bold_four, EX_SPLIT_TRAIN, &rng), EX_CAPTION_E_SPLIT);
    assert_int_equal(ex_caption_make(&c, &plain, EX_SPLIT_HELD_OUT, &rng), EX_CAPTION_E_SPLIT);
    /* A thick wide seven: training captions avoid "bold" after "written" and "broad" after
     * "7,"; its held-out captions always use one of them. */
    const ex_caption_meaning seven = {7, {EX_BIN_HIGH, EX_BIN_ANY, EX_BIN_HIGH}};
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(ex_caption_make(&c, &seven, EX_SPLIT_TRAIN, &rng), EX_CAPTION_OK);
        assert_false(text_is_held_out(c.text));
        assert_int_equal(ex_caption_make(&c, &seven, EX_SPLIT_HELD_OUT, &rng), EX_CAPTION_OK);
        assert_true(text_is_held_out(c.text));
        assert_memory_equal(&c.meaning, &seven, sizeof seven);
    }
}

static void test_for_image_drops_held_out_attributes(void **state)
{
    (void)state;
    uint64_t rng = 5;
    ex_caption c;
    const int bin[EX_CAPTION_ATTRS] = {EX_BIN_HIGH, EX_BIN_LOW, EX_BIN_HIGH};
    for (int i = 0; i < 200; i++) {
        assert_int_equal(ex_caption_for_image(&c, 4, bin, 1.0, &rng), EX_CAPTION_OK);
        assert_int_equal(c.meaning.bin[EX_ATTR_THICKNESS], EX_BIN_ANY); /* M0 */
        assert_int_equal(c.meaning.bin[EX_ATTR_SLANT], EX_BIN_LOW);
        assert_int_equal(ex_caption_for_image(&c, 7, bin, 1.0, &rng), EX_CAPTION_OK);
        assert_int_equal(c.meaning.bin[EX_ATTR_SLANT], EX_BIN_ANY); /* M1 */
        assert_int_equal(c.meaning.bin[EX_ATTR_WIDTH], EX_BIN_HIGH);
        assert_int_equal(ex_caption_for_image(&c, 2, bin, 0.0, &rng), EX_CAPTION_OK);
        for (int a = 0; a < EX_CAPTION_ATTRS; a++)
            assert_int_equal(c.meaning.bin[a], EX_BIN_ANY);
    }
    const int bad_bin[EX_CAPTION_ATTRS] = {0, EX_BIN_ANY, 0};
    assert_int_equal(ex_caption_for_image(&c, 2, bad_bin, 0.5, &rng), EX_CAPTION_E_ARG);
    assert_int_equal(ex_caption_for_image(&c, 2, bin, 1.5, &rng), EX_CAPTION_E_ARG);
    assert_int_equal(ex_caption_for_image(&c, -1, bin, 0.5, &rng), EX_CAPTION_E_ARG);
    assert_int_equal(ex_caption_draw(&c, EX_SPLIT_ANY, 0.5, &rng), EX_CAPTION_E_ARG);
    assert_int_equal(ex_caption_draw(NULL, EX_SPLIT_TRAIN, 0.5, &rng), EX_CAPTION_E_ARG);
}

/* Every meaning in every form the tables allow fits EX_CAPTION_MAX. The length does not
 * depend on the order of the attributes, so one order is enough. */
static void test_longest_caption_fits(void **state)
{
    (void)state;
    size_t longest = 0;
    long renders = 0;
    ex_caption c;
    for (int d = 0; d < EX_CAPTION_DIGITS; d++)
        for (int bins = 0; bins < 64; bins++) {
            ex_caption_meaning m = {d, {bins % 4 - 1, bins / 4 % 4 - 1, bins / 16 - 1}};
            int n[EX_CAPTION_ATTRS];
            for (int a = 0; a < EX_CAPTION_ATTRS; a++)
                n[a] = m.bin[a] < 0 ? 1 : ex_caption_phrase_count(a, m.bin[a]);
            for (int t = 0; t < EX_CAPTION_TEMPLATES; t++)
                for (int p = 0; p < n[0] * n[1] * n[2] * 2; p++) {
                    int q = p / 2;
                    ex_caption_form f = {t, p % 2, {-1, -1, -1}, {0, 1, 2}};
                    for (int a = 0; a < EX_CAPTION_ATTRS; a++) {
                        f.phrase[a] = m.bin[a] < 0 ? -1 : q % n[a];
                        q /= n[a];
                    }
                    bool fits = true;
                    for (int a = 0; a < EX_CAPTION_ATTRS; a++)
                        fits &= m.bin[a] < 0 || ex_caption_phrase_fits(t, a, m.bin[a], f.phrase[a]);
                    if (!fits)
                        continue;
                    assert_int_equal(ex_caption_render(&c, &m, &f), EX_CAPTION_OK);
                    longest = strlen(c.text) > longest ? strlen(c.text) : longest;
                    renders++;
                }
        }
    print_message("    %ld captions rendered, the longest %zu bytes (max %d with its 0)\n",
                  renders, longest, EX_CAPTION_MAX);
    assert_true(longest < EX_CAPTION_MAX);
}

static void test_parse_errors(void **state)
{
    (void)state;
    ex_caption_meaning m;
    int bad = -1;
    assert_int_equal(ex_caption_parse(&m, "A Thick,  Slanted SEVEN", &bad), EX_CAPTION_OK);
    assert_int_equal(m.digit, 7);
    assert_int_equal(m.bin[EX_ATTR_THICKNESS], EX_BIN_HIGH);
    assert_int_equal(m.bin[EX_ATTR_SLANT], EX_BIN_HIGH);
    assert_int_equal(m.bin[EX_ATTR_WIDTH], EX_BIN_ANY);
    assert_int_equal(ex_caption_parse(&m, "a thick and bold 7", NULL), EX_CAPTION_OK);
    assert_int_equal(ex_caption_parse(&m, "a purple seven", &bad), EX_CAPTION_E_PARSE);
    assert_int_equal(bad, 2);
    assert_int_equal(ex_caption_parse(&m, "a thick", &bad), EX_CAPTION_E_PARSE);
    assert_int_equal(bad, 7);
    assert_int_equal(ex_caption_parse(&m, "seven 7", &bad), EX_CAPTION_E_PARSE);
    assert_int_equal(bad, 6);
    assert_int_equal(ex_caption_parse(&m, "a thin thick seven", &bad), EX_CAPTION_E_PARSE);
    assert_int_equal(bad, 7);
    assert_int_equal(ex_caption_parse(&m, "a s\xc3\xa9ven", &bad), EX_CAPTION_E_PARSE);
    assert_int_equal(ex_caption_parse(&m, "", &bad), EX_CAPTION_E_PARSE);
    char longer[EX_CAPTION_MAX + 8];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    assert_int_equal(ex_caption_parse(&m, longer, &bad), EX_CAPTION_E_PARSE);
    assert_int_equal(ex_caption_parse(NULL, "seven", &bad), EX_CAPTION_E_ARG);
    assert_int_equal(ex_caption_parse(&m, NULL, &bad), EX_CAPTION_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vertical_bar),
        cmocka_unit_test(test_sheared_bars_lean_their_way),
        cmocka_unit_test(test_thicker_bars_measure_thicker),
        cmocka_unit_test(test_rectangle_extent),
        cmocka_unit_test(test_empty_image_is_a_status),
        cmocka_unit_test(test_binarise_at_byte_128),
        cmocka_unit_test(test_thinning_and_skeleton_length),
        cmocka_unit_test(test_tertiles),
        cmocka_unit_test(test_cuts_per_digit),
        cmocka_unit_test(test_render_fixed_forms),
        cmocka_unit_test(test_seeded_captions),
        cmocka_unit_test(test_every_template_and_phrase_is_reachable),
        cmocka_unit_test(test_held_out_rules),
        cmocka_unit_test(test_for_image_drops_held_out_attributes),
        cmocka_unit_test(test_longest_caption_fits),
        cmocka_unit_test(test_parse_errors),
    };
    return cmocka_run_group_tests_name("captions", tests, NULL, NULL);
}
