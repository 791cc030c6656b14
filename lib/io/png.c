/* PNG output: image grids and line plots, through libpng's simplified write API. */
#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gan/extend.h"
#include "gan/hacks.h"
#include "gan/io.h"
#include "core/file.h"
#include "io/font.h"

#define GAN__PNG_MAX_SIDE 1000000 /* libpng's default limit on either side */
#define GAN__PLOT_MIN_WIDTH 160
#define GAN__PLOT_MIN_HEIGHT 120
#define GAN__PLOT_MAX_SIDE 8192
#define GAN__PLOT_MAX_SERIES 256
#define GAN__PLOT_PALETTE 10

/* Write 8-bit gray or RGB pixels, rows top to bottom, as @p path, atomically. */
static gan_status gan__png_save(const char *fn, const char *path, const uint8_t *pixels,
                                int32_t width, int32_t height, int32_t channels)
{
    gan__afile af;
    gan_status st = gan__afile_open(&af, fn, path);
    if (st != GAN_OK)
        return st;
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    errno = 0;
    if (!png_image_write_to_stdio(&image, af.file, 0, pixels, width * channels, NULL)) {
        /* libpng's message says only "Write Error"; the system's reason is in errno. */
        const int err = errno;
        const gan__errtext why = gan__io_strerror(err);
        st = gan_set_error(GAN_E_IO, "%s: %s: libpng cannot write it: %s%s%s", fn, path,
                           image.message, err ? ": " : "", err ? why.s : "");
    }
    png_image_free(&image);
    return gan__afile_close(&af, st);
}

/* A pixel buffer of 8-bit channels, with drawing clipped to it. */
static uint8_t *gan__pixels_alloc(const char *fn, const char *path, int64_t width,
                                  int64_t height, int32_t channels, int fill)
{
    const uint64_t bytes = (uint64_t)width * (uint64_t)height * (uint64_t)channels;
    uint8_t *p = bytes <= SIZE_MAX ? malloc((size_t)bytes) : NULL;
    if (!p)
        gan_set_error(GAN_E_NO_MEMORY, "%s: %s: cannot allocate a %lldx%lld image", fn,
                      path, (long long)width, (long long)height);
    else
        memset(p, fill, (size_t)bytes);
    return p;
}

gan_status gan_png_write_grid(const char *path, const float *images, int32_t n,
                              int32_t channels, int32_t height, int32_t width,
                              int32_t columns, int32_t padding)
{
    static const char fn[] = "gan_png_write_grid";
    if (!path || !images)
        return gan_set_error(GAN_E_INVALID_ARG, "%s: %s is NULL", fn,
                             !path ? "path" : "images");
    if (n < 1 || columns < 1 || height < 1 || width < 1 || padding < 0)
        return gan_set_error(GAN_E_OUT_OF_RANGE, "%s: %s: n %ld, columns %ld, height %ld "
                             "and width %ld must be >= 1 and padding %ld >= 0", fn, path,
                             (long)n, (long)columns, (long)height, (long)width,
                             (long)padding);
    if (channels != 1 && channels != 3)
        return gan_set_error(GAN_E_OUT_OF_RANGE, "%s: %s: channels %ld; expected 1 (gray) "
                             "or 3 (RGB)", fn, path, (long)channels);
    const int64_t rows = ((int64_t)n + columns - 1) / columns;
    const int64_t gw = (int64_t)columns * ((int64_t)width + padding) + padding;
    const int64_t gh = rows * ((int64_t)height + padding) + padding;
    if (gw > GAN__PNG_MAX_SIDE || gh > GAN__PNG_MAX_SIDE)
        return gan_set_error(GAN_E_OUT_OF_RANGE, "%s: %s: the grid would be %lldx%lld "
                             "pixels; each side must be at most %d", fn, path,
                             (long long)gw, (long long)gh, GAN__PNG_MAX_SIDE);
    const size_t plane = (size_t)height * (size_t)width, tile_size = plane * channels;
    uint8_t *grid = gan__pixels_alloc(fn, path, gw, gh, channels, 0);
    uint8_t *tile = grid ? gan__pixels_alloc(fn, path, width, height, channels, 0) : NULL;
    gan_status st = tile ? GAN_OK : GAN_E_NO_MEMORY;
    for (int32_t i = 0; st == GAN_OK && i < n; i++) {
        st = gan_images_to_u8(images + (size_t)i * tile_size, tile_size, tile);
        const size_t x0 = (size_t)(padding + (int64_t)(i % columns) * (width + padding));
        const size_t y0 = (size_t)(padding + (int64_t)(i / columns) * (height + padding));
        /* (C, H, W) planes into interleaved rows. */
        for (size_t y = 0; y < (size_t)height; y++)
            for (size_t x = 0; x < (size_t)width; x++)
                for (size_t c = 0; c < (size_t)channels; c++)
                    grid[((y0 + y) * (size_t)gw + x0 + x) * channels + c] =
                        tile[c * plane + y * width + x];
    }
    if (st == GAN_OK)
        st = gan__png_save(fn, path, grid, (int32_t)gw, (int32_t)gh, channels);
    free(tile);
    free(grid);
    return st;
}

/* ---- Plots ---- */

typedef struct gan__rgb {
    uint8_t r, g, b;
} gan__rgb;

typedef struct gan__canvas {
    uint8_t *rgb;
    int width, height;
} gan__canvas;

static const gan__rgb gan__black = {0, 0, 0};
static const gan__rgb gan__white = {255, 255, 255};
static const gan__rgb gan__frame = {200, 200, 200};

static void gan__fill(gan__canvas *c, int x, int y, int w, int h, gan__rgb col)
{
    const int x_end = x + w < c->width ? x + w : c->width;
    const int y_end = y + h < c->height ? y + h : c->height;
    for (int yy = y < 0 ? 0 : y; yy < y_end; yy++)
        for (int xx = x < 0 ? 0 : x; xx < x_end; xx++) {
            uint8_t *p = c->rgb + ((size_t)yy * (size_t)c->width + (size_t)xx) * 3;
            p[0] = col.r;
            p[1] = col.g;
            p[2] = col.b;
        }
}

/* Bresenham's line with square pens of side @p pen. */
static void gan__line(gan__canvas *c, int x0, int y0, int x1, int y1, int pen,
                      gan__rgb col)
{
    const int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    const int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        gan__fill(c, x0 - pen / 2, y0 - pen / 2, pen, pen, col);
        if (x0 == x1 && y0 == y1)
            break;
        const int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

static int gan__text_width(const char *s, int scale)
{
    const size_t n = s ? strlen(s) : 0;
    const size_t w = n ? (n * (GAN__FONT_WIDTH + 1) - 1) * (size_t)scale : 0;
    return w < (size_t)GAN__PLOT_MAX_SIDE * 2 ? (int)w : GAN__PLOT_MAX_SIDE * 2;
}

static void gan__text(gan__canvas *c, int x, int y, int scale, const char *s, gan__rgb col)
{
    for (; s && *s && x < c->width; s++, x += (GAN__FONT_WIDTH + 1) * scale) {
        const uint8_t *glyph = gan__font_glyph((unsigned char)*s);
        for (int row = 0; row < GAN__FONT_HEIGHT; row++)
            for (int bit = 0; bit < GAN__FONT_WIDTH; bit++)
                if (glyph[row] >> (GAN__FONT_WIDTH - 1 - bit) & 1)
                    gan__fill(c, x + bit * scale, y + row * scale, scale, scale, col);
    }
}

/* Series i's colour: ten fixed ones (Tableau 10 with navy for its gray), then hues a
 * golden angle apart at two brightnesses; a colour already taken is nudged in blue. */
static void gan__series_colours(gan__rgb *out, int32_t n)
{
    static const gan__rgb palette[GAN__PLOT_PALETTE] = {
        {31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},  {148, 103, 189},
        {140, 86, 75},  {227, 119, 194}, {0, 0, 128},   {188, 189, 34}, {23, 190, 207}};
    for (int32_t i = 0; i < n; i++) {
        gan__rgb c;
        if (i < GAN__PLOT_PALETTE) {
            c = palette[i];
        } else {
            const double h = fmod((i - GAN__PLOT_PALETTE) * 0.6180339887498949, 1.0) * 6.0;
            const double v = i % 2 ? 0.85 : 0.6, s = 0.7, f = h - floor(h);
            const double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
            const double rgb[6][3] = {{v, t, p}, {q, v, p}, {p, v, t},
                                      {p, q, v}, {t, p, v}, {v, p, q}};
            const double *k = rgb[(int)h % 6];
            c = (gan__rgb){(uint8_t)lround(k[0] * 255), (uint8_t)lround(k[1] * 255),
                           (uint8_t)lround(k[2] * 255)};
        }
        for (int32_t j = 0; j < i; j++)
            if (out[j].r == c.r && out[j].g == c.g && out[j].b == c.b) {
                c.b = (uint8_t)(c.b + 7);
                j = -1;
            }
        out[i] = c;
    }
}

/* Where things go, from the image size and the text to fit. */
typedef struct gan__plot_layout {
    int scale, pen, gap, tick, line;
    int left, right, top, bottom; /* the axes */
    int x0, x1, y0, y1;           /* the data: point 0 .. last, max .. min */
    double lo, hi;                /* the y range */
} gan__plot_layout;

static void gan__plot_range(gan__plot_layout *l, const float *series, size_t count)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < count; i++)
        if (isfinite(series[i])) {
            lo = series[i] < lo ? series[i] : lo;
            hi = series[i] > hi ? series[i] : hi;
        }
    if (lo > hi) { /* nothing finite: an empty chart over [0, 1] */
        lo = 0;
        hi = 1;
    } else if (lo == hi) { /* a flat line sits mid-height */
        const double d = lo != 0 ? fabs(lo) * 0.5 : 0.5;
        lo -= d;
        hi += d;
    }
    l->lo = lo;
    l->hi = hi;
}

static void gan__plot_axes(gan__canvas *c, gan__plot_layout *l, int32_t n_points,
                           const char *title)
{
    char lo_txt[32], hi_txt[32], last_txt[16];
    snprintf(lo_txt, sizeof lo_txt, "%.4g", l->lo);
    snprintf(hi_txt, sizeof hi_txt, "%.4g", l->hi);
    snprintf(last_txt, sizeof last_txt, "%ld", (long)n_points - 1);
    const int s = l->scale, lo_w = gan__text_width(lo_txt, s);
    const int hi_w = gan__text_width(hi_txt, s);
    l->top = l->gap + (title ? l->line + l->gap : 0) + l->line / 2;
    l->left = l->gap + (lo_w > hi_w ? lo_w : hi_w) + l->gap + l->tick;
    l->right = c->width - 1 - 2 * l->gap;
    l->bottom = c->height - 1 - 2 * l->gap - l->line - l->tick;
    l->x0 = l->left + s + l->pen;
    l->x1 = l->right - l->pen;
    l->y0 = l->top;
    l->y1 = l->bottom - s - l->pen;

    if (title)
        gan__text(c, (c->width - gan__text_width(title, s)) / 2, l->gap, s, title,
                  gan__black);
    gan__fill(c, l->left, l->top, s, l->bottom - l->top + s, gan__black);
    gan__fill(c, l->left, l->bottom, l->right - l->left + 1, s, gan__black);
    const int y_ticks[2] = {l->y0, l->y1}, x_ticks[2] = {l->x0, l->x1};
    const char *y_txt[2] = {hi_txt, lo_txt}, *x_txt[2] = {"0", last_txt};
    for (int k = 0; k < 2; k++) {
        gan__fill(c, l->left - l->tick, y_ticks[k], l->tick, s, gan__black);
        gan__text(c, l->left - l->tick - l->gap / 2 - gan__text_width(y_txt[k], s),
                  y_ticks[k] - l->line / 2, s, y_txt[k], gan__black);
        gan__fill(c, x_ticks[k], l->bottom, s, l->tick, gan__black);
        const int w = gan__text_width(x_txt[k], s), x = x_ticks[k] - w / 2;
        gan__text(c, x + w < c->width ? x : c->width - w, l->bottom + l->tick + l->gap, s,
                  x_txt[k], gan__black);
    }
}

static void gan__plot_series(gan__canvas *c, const gan__plot_layout *l, const float *v,
                             int32_t n_points, gan__rgb col)
{
    int px = 0, py = 0;
    bool joined = false; /* the previous point was drawn */
    for (int32_t i = 0; i < n_points; i++) {
        if (!isfinite(v[i])) {
            joined = false;
            continue;
        }
        const double fx = n_points > 1
                              ? l->x0 + (double)i * (l->x1 - l->x0) / (n_points - 1)
                              : (l->x0 + l->x1) / 2.0;
        const double fy = l->y1 - (v[i] - l->lo) / (l->hi - l->lo) * (l->y1 - l->y0);
        const int x = (int)lround(fx), y = (int)lround(fy);
        if (joined)
            gan__line(c, px, py, x, y, l->pen, col);
        else
            gan__fill(c, x - l->pen / 2, y - l->pen / 2, l->pen, l->pen, col);
        px = x;
        py = y;
        joined = true;
    }
}

static void gan__plot_legend(gan__canvas *c, const gan__plot_layout *l,
                             const char *const *names, const gan__rgb *colours, int32_t n)
{
    const int s = l->scale, swatch = 12 * s, step = l->line + l->gap;
    int name_w = 0;
    for (int32_t k = 0; k < n; k++) {
        const int w = gan__text_width(names[k], s);
        name_w = w > name_w ? w : name_w;
    }
    const int w = l->gap * 3 + swatch + name_w, h = l->gap + n * step;
    const int x = l->right - w - l->gap, y = l->top + l->gap;
    gan__fill(c, x, y, w, h, gan__frame);
    gan__fill(c, x + s, y + s, w - 2 * s, h - 2 * s, gan__white);
    for (int32_t k = 0; k < n; k++) {
        const int ty = y + l->gap + k * step;
        gan__fill(c, x + l->gap, ty + l->line / 2 - l->pen / 2, swatch, l->pen, colours[k]);
        gan__text(c, x + 2 * l->gap + swatch, ty, s, names[k], gan__black);
    }
}

gan_status gan_png_write_plot(const char *path, int32_t width, int32_t height,
                              const float *series, int32_t n_series, int32_t n_points,
                              const char *const *names, const char *title)
{
    static const char fn[] = "gan_png_write_plot";
    if (!path || !series)
        return gan_set_error(GAN_E_INVALID_ARG, "%s: %s is NULL", fn,
                             !path ? "path" : "series");
    if (width < GAN__PLOT_MIN_WIDTH || width > GAN__PLOT_MAX_SIDE ||
        height < GAN__PLOT_MIN_HEIGHT || height > GAN__PLOT_MAX_SIDE)
        return gan_set_error(GAN_E_OUT_OF_RANGE, "%s: %s: %ldx%ld pixels; the width must "
                             "be in [%d, %d] and the height in [%d, %d]", fn, path,
                             (long)width, (long)height, GAN__PLOT_MIN_WIDTH,
                             GAN__PLOT_MAX_SIDE, GAN__PLOT_MIN_HEIGHT, GAN__PLOT_MAX_SIDE);
    if (n_series < 1 || n_series > GAN__PLOT_MAX_SERIES || n_points < 1)
        return gan_set_error(GAN_E_OUT_OF_RANGE, "%s: %s: %ld series of %ld points; "
                             "expected 1 to %d series of at least 1 point", fn, path,
                             (long)n_series, (long)n_points, GAN__PLOT_MAX_SERIES);
    gan__canvas c = {gan__pixels_alloc(fn, path, width, height, 3, 255), width, height};
    if (!c.rgb)
        return GAN_E_NO_MEMORY;
    const int small = width < height ? width : height;
    gan__plot_layout l = {.scale = small / 400 >= 2 ? small / 400 : 1};
    l.pen = l.scale + 1;
    l.gap = 4 * l.scale;
    l.tick = 3 * l.scale;
    l.line = GAN__FONT_HEIGHT * l.scale;
    gan__plot_range(&l, series, (size_t)n_series * (size_t)n_points);
    gan__plot_axes(&c, &l, n_points, title);
    gan__rgb colours[GAN__PLOT_MAX_SERIES];
    gan__series_colours(colours, n_series);
    for (int32_t k = 0; k < n_series; k++)
        gan__plot_series(&c, &l, series + (size_t)k * (size_t)n_points, n_points,
                         colours[k]);
    if (names)
        gan__plot_legend(&c, &l, names, colours, n_series);
    gan_status st = gan__png_save(fn, path, c.rgb, width, height, 3);
    free(c.rgb);
    return st;
}
