/* A 5x7 bitmap font for the examples' pictures: captions written beside rows of digits.
 * Lower-case letters (upper case is drawn as lower case), digits 0-9, space, comma,
 * hyphen, period and asterisk; any other byte is drawn as '?'. Glyphs are 5 wide and 7 high, and
 * a character advances 6 pixels (one blank column) times the scale. Nothing here keeps
 * state, allocates or prints: thread-safe. */
#ifndef GAN_EXAMPLE_FONT5X7_H
#define GAN_EXAMPLE_FONT5X7_H

#include <stdbool.h>
#include <stdint.h>

#define EX_FONT_W 5
#define EX_FONT_H 7
#define EX_FONT_ADVANCE 6

/* Whether the font has a glyph of its own for byte c (else it draws '?'). */
bool ex_font_has_glyph(unsigned char c);

/* Row r (0 the top, < EX_FONT_H) of c's glyph: bit 4 is the leftmost column. */
uint8_t ex_font_row(unsigned char c, int r);

/* The width in pixels of @p text drawn at @p scale (>= 1): advance * scale per byte,
 * without the last character's blank column; 0 for "" or NULL. */
int32_t ex_font_text_width(const char *text, int32_t scale);

/* Write @p text into a (height, width) row-major float canvas with its top-left corner at
 * (x, y), each glyph pixel a scale x scale block of value @p ink; pixels falling outside
 * the canvas are skipped (clipped). Returns the x just past the text. */
int32_t ex_font_draw(float *canvas, int32_t width, int32_t height, int32_t x, int32_t y,
                     const char *text, int32_t scale, float ink);

#endif
