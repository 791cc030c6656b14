/* The examples' 5x7 font (examples/common/font5x7.c): widths, a glyph drawn where it
 * should be, clipping at the canvas's edges, and the fallbacks (upper case drawn as lower
 * case, bytes without a glyph as '?'). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/font5x7.h"

enum { W = 40, H = 20 };

static void clear(float *canvas)
{
    for (int i = 0; i < W * H; i++)
        canvas[i] = -1.0f;
}

static void test_width(void **state)
{
    (void)state;
    assert_int_equal(ex_font_text_width("", 1), 0);
    assert_int_equal(ex_font_text_width(NULL, 1), 0);
    assert_int_equal(ex_font_text_width("a", 1), 5);
    assert_int_equal(ex_font_text_width("seven", 1), 29);
    assert_int_equal(ex_font_text_width("seven", 2), 58);
}

static void test_glyphs_present(void **state)
{
    (void)state;
    const char *needed = "abcdefghijklmnopqrstuvwxyz0123456789 ,-.*?";
    for (const char *p = needed; *p; p++) {
        assert_true(ex_font_has_glyph((unsigned char)*p));
        int ink = 0;
        for (int r = 0; r < EX_FONT_H; r++) {
            assert_int_equal(ex_font_row((unsigned char)*p, r) & ~0x1f, 0); /* 5 columns */
            ink += ex_font_row((unsigned char)*p, r) != 0;
        }
        assert_true(*p == ' ' ? ink == 0 : ink > 0);
    }
    assert_false(ex_font_has_glyph('~'));
    assert_false(ex_font_has_glyph(0xff));
}

/* '1' at (3, 2): its rows 0x04 0x0c 0x04 ... 0x0e, so the stem is column 2 of the glyph. */
static void test_draw_one(void **state)
{
    (void)state;
    float canvas[W * H];
    clear(canvas);
    assert_int_equal(ex_font_draw(canvas, W, H, 3, 2, "1", 1, 1.0f), 3 + EX_FONT_ADVANCE);
    int lit = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            const int gx = x - 3, gy = y - 2;
            const int want = gx >= 0 && gx < 5 && gy >= 0 && gy < 7 &&
                             (ex_font_row('1', gy) >> (4 - gx) & 1);
            assert_float_equal(canvas[y * W + x], want ? 1.0f : -1.0f, 0);
            lit += want;
        }
    assert_int_equal(lit, 1 + 2 + 1 + 1 + 1 + 1 + 3);
    for (int y = 2; y < 9; y++) /* the stem */
        assert_float_equal(canvas[y * W + 5], 1.0f, 0);
}

static void test_scale_and_clip(void **state)
{
    (void)state;
    float canvas[W * H];
    clear(canvas);
    /* At scale 2 a '.' (rows 5-6, columns 1-2) is a 4x4 block. */
    ex_font_draw(canvas, W, H, 0, 0, ".", 2, 0.5f);
    int lit = 0;
    for (int i = 0; i < W * H; i++)
        lit += canvas[i] == 0.5f;
    assert_int_equal(lit, 16);
    assert_float_equal(canvas[10 * W + 2], 0.5f, 0);
    assert_float_equal(canvas[13 * W + 5], 0.5f, 0);
    /* Off every edge: nothing outside the canvas is touched, nothing crashes. */
    clear(canvas);
    ex_font_draw(canvas, W, H, -3, -4, "8888888888", 3, 1.0f);
    ex_font_draw(canvas, W, H, 1000, 1000, "8", 1, 1.0f);
    clear(canvas);
    ex_font_draw(canvas, W, H, W - 4, H - 4, "8", 1, 1.0f); /* cut at the bottom right */
    assert_float_equal(canvas[(H - 4) * W + W - 1], 1.0f, 0); /* its top bar's end */
    assert_float_equal(canvas[(H - 3) * W + W - 4], 1.0f, 0); /* its left side */
    assert_float_equal(canvas[(H - 4) * W + W - 4], -1.0f, 0);
}

static void test_fallbacks(void **state)
{
    (void)state;
    for (int r = 0; r < EX_FONT_H; r++) {
        assert_int_equal(ex_font_row('A', r), ex_font_row('a', r));
        assert_int_equal(ex_font_row('~', r), ex_font_row('?', r));
        assert_int_equal(ex_font_row(0xc3, r), ex_font_row('?', r));
    }
    assert_int_equal(ex_font_row('a', -1), 0);
    assert_int_equal(ex_font_row('a', EX_FONT_H), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_glyphs_present),
        cmocka_unit_test(test_draw_one),
        cmocka_unit_test(test_scale_and_clip),
        cmocka_unit_test(test_fallbacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
