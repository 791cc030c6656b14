/* Direct stride-1 convolutions (conv_direct.h): padding, packing and cropping here, the
 * micro-kernels in conv_direct_body.inc, compiled for AVX-512 and for AVX2. */
#include "kernels/conv_direct.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu.h"

/* Wide points are computed in steps of this many (a whole number of either ISA's
 * forward tiles), so the wide grid is rounded up to it. */
#define GAN__DC_QSTEP 48
/* Floats past the last padded plane that a rounded-up wide grid may read. */
#define GAN__DC_SLACK 64
/* The weight gradient's images per call: inputs and gradients within this many floats. */
#define GAN__DC_GROUP_FLOATS ((size_t)96 * 1024)

enum gan__dc_isa { GAN__DC_NONE, GAN__DC_AVX2, GAN__DC_AVX512 };

#if defined(__x86_64__) &&                                                              \
    ((defined(__clang__) && __clang_major__ >= 9) ||                                     \
     (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 10))
#define GAN__DC_X86 1
#include <immintrin.h>

#define GAN__T __attribute__((target("avx512f,avx512bw,fma")))
#define GAN__S(name) gan__dc512_##name
#define GAN__V __m512
#define GAN__VW 16
#define GAN__FB 8
#define GAN__NV 3
#define GAN__WF 4
#define GAN__WR 6
#define GAN__ZERO() _mm512_setzero_ps()
#define GAN__LOADU(p) _mm512_loadu_ps(p)
#define GAN__SET1(x) _mm512_set1_ps(x)
#define GAN__FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define GAN__STOREU(p, v) _mm512_storeu_ps(p, v)
#define GAN__HSUM(v) _mm512_reduce_add_ps(v)
#include "kernels/conv_direct_body.inc"
#undef GAN__T
#undef GAN__S
#undef GAN__V
#undef GAN__VW
#undef GAN__FB
#undef GAN__NV
#undef GAN__WF
#undef GAN__WR
#undef GAN__ZERO
#undef GAN__LOADU
#undef GAN__SET1
#undef GAN__FMA
#undef GAN__STOREU
#undef GAN__HSUM

__attribute__((target("avx2,fma"))) static inline float gan__dc_hsum256(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

#define GAN__T __attribute__((target("avx2,fma")))
#define GAN__S(name) gan__dc256_##name
#define GAN__V __m256
#define GAN__VW 8
#define GAN__FB 4
#define GAN__NV 3
#define GAN__WF 3
#define GAN__WR 4
#define GAN__ZERO() _mm256_setzero_ps()
#define GAN__LOADU(p) _mm256_loadu_ps(p)
#define GAN__SET1(x) _mm256_set1_ps(x)
#define GAN__FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define GAN__STOREU(p, v) _mm256_storeu_ps(p, v)
#define GAN__HSUM(v) gan__dc_hsum256(v)
#include "kernels/conv_direct_body.inc"
#endif

/* The instruction set the kernels run with: the CPU's best; GAN_CONV_DIRECT=0 turns
 * them off, GAN_CONV_DIRECT=avx2 keeps to AVX2 (so the tests reach both). */
static enum gan__dc_isa gan__dc_isa(void)
{
    static atomic_int cached = -1;
    int isa = atomic_load_explicit(&cached, memory_order_relaxed);
    if (isa >= 0)
        return (enum gan__dc_isa)isa;
    isa = GAN__DC_NONE;
#ifdef GAN__DC_X86
    const char *env = getenv("GAN_CONV_DIRECT");
    if (env && strcmp(env, "avx2") == 0)
        isa = gan__cpu_avx2() ? GAN__DC_AVX2 : GAN__DC_NONE;
    else if (!(env && strcmp(env, "0") == 0))
        isa = gan__cpu_avx512() ? GAN__DC_AVX512 : gan__cpu_avx2() ? GAN__DC_AVX2 : GAN__DC_NONE;
#endif
    atomic_store_explicit(&cached, isa, memory_order_relaxed);
    return (enum gan__dc_isa)isa;
}

/* Forward tile outputs and weight-gradient tile filters of an instruction set. */
static int32_t gan__dc_fwd_tile(enum gan__dc_isa isa)
{
    return isa == GAN__DC_AVX512 ? 8 : 4;
}

static int32_t gan__dc_wg_tile(enum gan__dc_isa isa)
{
    return isa == GAN__DC_AVX512 ? 4 : 3;
}

static size_t gan__dc_round(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

/* A padded image of planes hp x wp and the wide grid of `rows` rows read from it. */
typedef struct gan__dc_grid {
    int32_t hp, wp, top, left;
    size_t plane, qpad;
} gan__dc_grid;

/* The forward pass's: the input padded as the convolution pads it. */
static gan__dc_grid gan__dc_forward_grid(const gan__conv_geom *g)
{
    gan__dc_grid d = {
        .hp = g->out_h + g->kernel_h - 1,
        .wp = g->out_w + g->kernel_w - 1,
        .top = g->pad_top,
        .left = g->pad_left,
    };
    d.plane = (size_t)d.hp * d.wp;
    d.qpad = gan__dc_round((size_t)g->out_h * d.wp, GAN__DC_QSTEP);
    return d;
}

/* The input gradient's: the output gradient padded by kernel - 1 - pad. */
static gan__dc_grid gan__dc_input_grad_grid(const gan__conv_geom *g)
{
    gan__dc_grid d = {
        .hp = g->in_h + g->kernel_h - 1,
        .wp = g->in_w + g->kernel_w - 1,
        .top = g->kernel_h - 1 - g->pad_top,
        .left = g->kernel_w - 1 - g->pad_left,
    };
    d.plane = (size_t)d.hp * d.wp;
    d.qpad = gan__dc_round((size_t)g->in_h * d.wp, GAN__DC_QSTEP);
    return d;
}

bool gan__dconv_applies(const gan__conv_geom *g, int32_t filters)
{
    if (g->stride_h != 1 || g->stride_w != 1 || gan__dc_isa() == GAN__DC_NONE)
        return false;
    /* pads beyond kernel - 1 would read only padding; the input gradient needs them so */
    const int32_t pad_bottom = g->out_h - 1 + g->kernel_h - g->in_h - g->pad_top;
    const int32_t pad_right = g->out_w - 1 + g->kernel_w - g->in_w - g->pad_left;
    if (g->pad_top >= g->kernel_h || pad_bottom >= g->kernel_h || pad_bottom < 0 ||
        g->pad_left >= g->kernel_w || pad_right >= g->kernel_w || pad_right < 0)
        return false;
    const gan__dc_grid f = gan__dc_forward_grid(g), b = gan__dc_input_grad_grid(g);
    const size_t limit = (size_t)1 << 30;
    return (size_t)g->channels * f.plane < limit && (size_t)filters * b.plane < limit &&
           (size_t)g->channels * g->kernel_h * g->kernel_w * (size_t)filters < limit;
}

/* Scratch regions, in floats from the start, each on a 64-byte line. */
typedef struct gan__dc_layout {
    size_t wpack, off, xpad, wide, total;
} gan__dc_layout;

static gan__dc_layout gan__dc_layout_of(const gan__conv_geom *g, int32_t filters,
                                        int32_t images)
{
    const gan__dc_grid f = gan__dc_forward_grid(g), b = gan__dc_input_grad_grid(g);
    const size_t kk = (size_t)g->kernel_h * g->kernel_w;
    const size_t C = (size_t)g->channels, F = (size_t)filters;
    const size_t n = images > 1 ? (size_t)images : 1;
    /* Sized for either ISA's tiles: rounding up to 8 (or 3) adds at most 8 rows. */
    const size_t wpack_fwd = (F + 8) * C * kk, wpack_bwd = (C + 8) * F * kk;
    const size_t wpack = wpack_fwd > wpack_bwd ? wpack_fwd : wpack_bwd;
    const size_t off = C * kk > F * kk ? C * kk : F * kk;
    /* forward and weight gradient: images padded; input gradient: the output gradient */
    const size_t xpad_fwd = n * C * f.plane, xpad_bwd = F * b.plane;
    const size_t xpad = (xpad_fwd > xpad_bwd ? xpad_fwd : xpad_bwd) + GAN__DC_SLACK;
    const size_t wide_fwd = (F + 8) * f.qpad, wide_wg = n * (F + 8) * f.qpad,
                 wide_bwd = (C + 8) * b.qpad;
    size_t wide = wide_fwd > wide_wg ? wide_fwd : wide_wg;
    wide = wide > wide_bwd ? wide : wide_bwd;
    gan__dc_layout l = {.wpack = 0};
    l.off = gan__dc_round(l.wpack + wpack, 16);
    l.xpad = gan__dc_round(l.off + off, 16);
    l.wide = gan__dc_round(l.xpad + xpad, 16);
    l.total = gan__dc_round(l.wide + wide, 16);
    return l;
}

size_t gan__dconv_scratch_floats(const gan__conv_geom *g, int32_t filters, int32_t images)
{
    return gan__dc_layout_of(g, filters, images).total;
}

int32_t gan__dconv_group(const gan__conv_geom *g, int32_t filters, int32_t most)
{
    const gan__dc_grid f = gan__dc_forward_grid(g);
    const size_t per_image = (size_t)g->channels * f.plane + (size_t)(filters + 8) * f.qpad;
    size_t n = GAN__DC_GROUP_FLOATS / (per_image ? per_image : 1);
    if (n < 1)
        n = 1;
    return n < (size_t)most ? (int32_t)n : most;
}

/* dst: channels planes of the grid, zero but for src (channels, h, w) at top/left. */
static void gan__dc_pad(float *dst, const float *src, int32_t channels, int32_t h,
                        int32_t w, const gan__dc_grid *d)
{
    memset(dst, 0, (size_t)channels * d->plane * sizeof *dst);
    for (int32_t c = 0; c < channels; c++)
        for (int32_t y = 0; y < h; y++)
            memcpy(dst + (size_t)c * d->plane + (size_t)(y + d->top) * d->wp + d->left,
                   src + ((size_t)c * h + y) * w, (size_t)w * sizeof *dst);
}

/* dst (channels, h, w) <- the first w points of each of the h wide rows per channel. */
static void gan__dc_crop(float *dst, const float *wide, size_t qpad, int32_t wp,
                         int32_t channels, int32_t h, int32_t w)
{
    for (int32_t c = 0; c < channels; c++)
        for (int32_t y = 0; y < h; y++)
            memcpy(dst + ((size_t)c * h + y) * w, wide + (size_t)c * qpad + (size_t)y * wp,
                   (size_t)w * sizeof *dst);
}

/* off[c, i, j] = c*plane + i*wp + j for `channels` planes of a kh x kw kernel. */
static void gan__dc_offsets(int32_t *off, int32_t channels, int32_t kh, int32_t kw,
                            const gan__dc_grid *d)
{
    for (int32_t c = 0; c < channels; c++)
        for (int32_t i = 0; i < kh; i++)
            for (int32_t j = 0; j < kw; j++)
                *off++ = (int32_t)((size_t)c * d->plane + (size_t)i * d->wp + (size_t)j);
}

static void gan__dc_run_conv(enum gan__dc_isa isa, float *wide, size_t qpad,
                             const float *in, const int32_t *off, int32_t taps,
                             const float *wpack, int32_t outs)
{
#ifdef GAN__DC_X86
    if (isa == GAN__DC_AVX512)
        gan__dc512_conv(wide, qpad, in, off, taps, wpack, outs);
    else
        gan__dc256_conv(wide, qpad, in, off, taps, wpack, outs);
#else
    (void)isa, (void)wide, (void)qpad, (void)in, (void)off, (void)taps, (void)wpack;
    (void)outs;
#endif
}

void gan__dconv_forward(float *y, const float *x, const float *w, const gan__conv_geom *g,
                        int32_t filters, int32_t images, float *scratch)
{
    const enum gan__dc_isa isa = gan__dc_isa();
    const gan__dc_layout l = gan__dc_layout_of(g, filters, 1);
    const gan__dc_grid d = gan__dc_forward_grid(g);
    const int32_t tile = gan__dc_fwd_tile(isa);
    const int32_t taps = g->channels * g->kernel_h * g->kernel_w;
    float *wpack = scratch + l.wpack, *xpad = scratch + l.xpad, *wide = scratch + l.wide;
    int32_t *off = (int32_t *)(void *)(scratch + l.off);
    /* tiles of `tile` filters, each taps x tile, zero past the last filter */
    for (int32_t t = 0; t * tile < filters; t++)
        for (int32_t r = 0; r < taps; r++)
            for (int32_t j = 0; j < tile; j++) {
                const int32_t f = t * tile + j;
                wpack[((size_t)t * taps + r) * tile + j] =
                    f < filters ? w[(size_t)f * taps + r] : 0.0f;
            }
    gan__dc_offsets(off, g->channels, g->kernel_h, g->kernel_w, &d);
    memset(xpad + (size_t)g->channels * d.plane, 0, GAN__DC_SLACK * sizeof *xpad);
    const size_t in_size = (size_t)g->channels * g->in_h * g->in_w;
    const size_t out_size = (size_t)filters * g->out_h * g->out_w;
    for (int32_t n = 0; n < images; n++) {
        gan__dc_pad(xpad, x + (size_t)n * in_size, g->channels, g->in_h, g->in_w, &d);
        gan__dc_run_conv(isa, wide, d.qpad, xpad, off, taps, wpack, filters);
        gan__dc_crop(y + (size_t)n * out_size, wide, d.qpad, d.wp, filters, g->out_h,
                     g->out_w);
    }
}

void gan__dconv_input_grad(float *dx, const float *dy, const float *w,
                           const gan__conv_geom *g, int32_t filters, int32_t images,
                           float *scratch)
{
    const enum gan__dc_isa isa = gan__dc_isa();
    const gan__dc_layout l = gan__dc_layout_of(g, filters, 1);
    const gan__dc_grid d = gan__dc_input_grad_grid(g);
    const int32_t tile = gan__dc_fwd_tile(isa);
    const int32_t kh = g->kernel_h, kw = g->kernel_w, C = g->channels;
    const int32_t taps = filters * kh * kw;
    float *wpack = scratch + l.wpack, *dypad = scratch + l.xpad, *wide = scratch + l.wide;
    int32_t *off = (int32_t *)(void *)(scratch + l.off);
    /* the adjoint's weights: w'[c][f][i][j] = w[f][c][kh-1-i][kw-1-j], tiled over c */
    for (int32_t t = 0; t * tile < C; t++)
        for (int32_t f = 0; f < filters; f++)
            for (int32_t i = 0; i < kh; i++)
                for (int32_t j = 0; j < kw; j++)
                    for (int32_t jj = 0; jj < tile; jj++) {
                        const int32_t c = t * tile + jj;
                        const size_t r = ((size_t)f * kh + i) * kw + j;
                        wpack[((size_t)t * taps + r) * tile + jj] =
                            c < C ? w[(((size_t)f * C + c) * kh + (kh - 1 - i)) * kw +
                                      (kw - 1 - j)]
                                  : 0.0f;
                    }
    gan__dc_offsets(off, filters, kh, kw, &d);
    memset(dypad + (size_t)filters * d.plane, 0, GAN__DC_SLACK * sizeof *dypad);
    const size_t in_size = (size_t)C * g->in_h * g->in_w;
    const size_t out_size = (size_t)filters * g->out_h * g->out_w;
    for (int32_t n = 0; n < images; n++) {
        gan__dc_pad(dypad, dy + (size_t)n * out_size, filters, g->out_h, g->out_w, &d);
        gan__dc_run_conv(isa, wide, d.qpad, dypad, off, taps, wpack, C);
        gan__dc_crop(dx + (size_t)n * in_size, wide, d.qpad, d.wp, C, g->in_h, g->in_w);
    }
}

void gan__dconv_weight_grad(float *dw, const float *dy, const float *x,
                            const gan__conv_geom *g, int32_t filters, int32_t images,
                            float *scratch)
{
    const enum gan__dc_isa isa = gan__dc_isa();
    const gan__dc_layout l = gan__dc_layout_of(g, filters, images);
    const gan__dc_grid d = gan__dc_forward_grid(g);
    const int32_t rows = (int32_t)gan__dc_round((size_t)filters, (size_t)gan__dc_wg_tile(isa));
    const int32_t taps = g->channels * g->kernel_h * g->kernel_w;
    float *xpad = scratch + l.xpad, *wide = scratch + l.wide;
    int32_t *off = (int32_t *)(void *)(scratch + l.off);
    gan__dc_offsets(off, g->channels, g->kernel_h, g->kernel_w, &d);
    const size_t x_image = (size_t)g->channels * d.plane, dy_image = (size_t)rows * d.qpad;
    const size_t in_size = (size_t)g->channels * g->in_h * g->in_w;
    const size_t out_size = (size_t)filters * g->out_h * g->out_w;
    memset(xpad + (size_t)images * x_image, 0, GAN__DC_SLACK * sizeof *xpad);
    for (int32_t n = 0; n < images; n++) {
        gan__dc_pad(xpad + (size_t)n * x_image, x + (size_t)n * in_size, g->channels,
                    g->in_h, g->in_w, &d);
        /* dy on the wide grid: zeros in the dropped points and the rows past filters */
        float *wn = wide + (size_t)n * dy_image;
        memset(wn, 0, dy_image * sizeof *wn);
        for (int32_t f = 0; f < filters; f++)
            for (int32_t y = 0; y < g->out_h; y++)
                memcpy(wn + (size_t)f * d.qpad + (size_t)y * d.wp,
                       dy + (size_t)n * out_size + ((size_t)f * g->out_h + y) * g->out_w,
                       (size_t)g->out_w * sizeof *wn);
    }
#ifdef GAN__DC_X86
    if (isa == GAN__DC_AVX512)
        gan__dc512_weight_grad(dw, filters, taps, wide, d.qpad, dy_image, xpad, x_image, off,
                               images);
    else
        gan__dc256_weight_grad(dw, filters, taps, wide, d.qpad, dy_image, xpad, x_image, off,
                               images);
#else
    (void)dw, (void)dy_image, (void)x_image, (void)taps;
#endif
}
