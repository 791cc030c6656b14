/* The 5x7 bitmap font that writes text into plots. */
#ifndef GAN_IO_FONT_H
#define GAN_IO_FONT_H

#include <stdint.h>

#define GAN__FONT_WIDTH 5
#define GAN__FONT_HEIGHT 7

/* The GAN__FONT_HEIGHT rows of character @p c, top row first; bit 4 of a row is its
 * leftmost pixel. Bytes outside printable ASCII (32..126) get the glyph of '?'. */
const uint8_t *gan__font_glyph(unsigned char c);

#endif
