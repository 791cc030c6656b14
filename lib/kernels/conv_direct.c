/* Direct stride-1 convolutions (conv_direct.h): padding, packing and cropping here, the
 * micro-kernels in conv_direct_body.inc, compiled for AVX-512 and for AVX2. */
#include "kernels/conv_direct.h"

/* The rows copied here are 7 to 28 floats: GCC would turn their loops into memmove
 * calls, each costing more than the copy. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#endif

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu.h"
#include "kernels/transpose.h"

/* Wide points are computed in steps of this many (a whole number of either ISA's
 * forward tiles), so the wide grid is rounded up to it. */
#define GAN__DC_QSTEP 48
/* The weight gradient's images per call: inputs and gradients within this many floats. */
#define GAN__DC_GROUP_FLOATS ((size_t)96 * 1024)

enum gan__dc_isa { GAN__DC_NONE, GAN__DC_AVX2, GAN__DC_AVX512 };

/* A set of taps: r = g*stride + [lo, hi) for each group g < groups. */
typedef struct gan__dc_taps {
    int32_t groups, stride, lo, hi;
} gan__dc_taps;

/* The rows of a pass's padded input: the image's `height` rows start at row `top`;
 * taps (c, i, j) come in `groups` channels of kh x kw. */
typedef struct gan__dc_rows {
    int32_t top, height, groups, kh, kw;
} gan__dc_rows;

/* The taps of output row y whose kernel row i reads an image row, top <= y + i <
 * top + height: the others multiply zeros of the padding. Skipping them leaves every
 * sum the same, the remaining taps keeping their order. */
static inline gan__dc_taps gan__dc_row_taps(const gan__dc_rows *rs, int32_t y)
{
    const int32_t kk = rs->kh * rs->kw;
    int32_t i0 = rs->top - y, i1 = rs->top + rs->height - y;
    i0 = i0 < 0 ? 0 : i0;
    i1 = i1 > rs->kh ? rs->kh : i1;
    if (i0 == 0 && i1 == rs->kh) /* every tap: one run */
        return (gan__dc_taps){.groups = 1, .stride = 0, .lo = 0, .hi = rs->groups * kk};
    if (i1 < i0)
        i1 = i0;
    return (gan__dc_taps){.groups = rs->groups, .stride = kk, .lo = i0 * rs->kw,
                          .hi = i1 * rs->kw};
}

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
#define GAN__NV1 6
#define GAN__WR1 12
#define GAN__WF 4
#define GAN__WR 6
#define GAN__FV 2
#define GAN__QB 12
#define GAN__ADD(a, b) _mm512_add_ps(a, b)
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
#undef GAN__NV1
#undef GAN__WR1
#undef GAN__WF
#undef GAN__WR
#undef GAN__FV
#undef GAN__QB
#undef GAN__ADD
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
#define GAN__NV1 12
#define GAN__WR1 12
#define GAN__WF 3
#define GAN__WR 4
#define GAN__FV 2
#define GAN__QB 6
#define GAN__ADD(a, b) _mm256_add_ps(a, b)
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

/* Outputs per tile of the kernels vectorised over outputs. */
static size_t gan__dc_out_tile(enum gan__dc_isa isa)
{
    return isa == GAN__DC_AVX512 ? 32 : 16;
}

/* Whether a pass producing @p outs outputs at @p valid points runs vectorised over the
 * outputs (computing the valid points only, in whole vectors of outputs) rather than
 * over the points (computing `qpad` wide points for every output): whichever wastes
 * less of its lanes. */
static bool gan__dc_over_outputs(enum gan__dc_isa isa, int32_t outs, size_t valid,
                                 size_t qpad)
{
    const size_t tile = gan__dc_out_tile(isa);
    return (double)outs / (double)gan__dc_round((size_t)outs, tile) >
           (double)valid / (double)qpad;
}

/* Scratch regions, in floats from the start, each on a 64-byte line. Sized for either
 * ISA and either family: rounding a count up to any tile adds less than 32. */
typedef struct gan__dc_layout {
    size_t off, points, xpad, wide, dwt, total;
} gan__dc_layout;

static size_t gan__dc_max(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* Floats past the last padded plane that a rounded-up wide grid may read: the last
 * tile of up to GAN__DC_QSTEP points, shifted by up to kernel_w - 1. Zeroed. */
static size_t gan__dc_slack(const gan__conv_geom *g)
{
    return gan__dc_max(64, gan__dc_round((size_t)g->kernel_w + GAN__DC_QSTEP, 16));
}

static gan__dc_layout gan__dc_layout_of(const gan__conv_geom *g, int32_t filters,
                                        int32_t images)
{
    const gan__dc_grid f = gan__dc_forward_grid(g), b = gan__dc_input_grad_grid(g);
    const size_t kk = (size_t)g->kernel_h * g->kernel_w;
    const size_t C = (size_t)g->channels, F = (size_t)filters;
    const size_t n = images > 1 ? (size_t)images : 1;
    const size_t valid = (size_t)g->out_h * g->out_w;
    const size_t fwd_points = (size_t)g->out_h * f.wp, bwd_points = (size_t)g->in_h * b.wp;
    /* forward and weight gradient: images padded; input gradient: the output gradient */
    const size_t xpad = gan__dc_max(n * C * f.plane, F * b.plane) + gan__dc_slack(g);
    const size_t wide_fwd = gan__dc_max((F + 8) * f.qpad, fwd_points * (F + 32));
    const size_t wide_wg = n * gan__dc_max((F + 8) * f.qpad, valid * (F + 32));
    const size_t wide_bwd = gan__dc_max((C + 8) * b.qpad, bwd_points * (C + 32));
    gan__dc_layout l = {.off = 0};
    l.points = gan__dc_round(l.off + gan__dc_max(C, F) * kk, 16);
    l.xpad = gan__dc_round(l.points + gan__dc_max(valid, (size_t)g->in_h * g->in_w), 16);
    l.wide = gan__dc_round(l.xpad + xpad, 16);
    l.dwt = gan__dc_round(l.wide + gan__dc_max(gan__dc_max(wide_fwd, wide_wg), wide_bwd), 16);
    l.total = gan__dc_round(l.dwt + C * kk * (F + 32), 16);
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

/* Rows here are short (7 to 28 values): a loop, not a memcpy call per row. */
static inline void gan__dc_copy(float *restrict to, const float *restrict from, int32_t n)
{
    for (int32_t i = 0; i < n; i++)
        to[i] = from[i];
}

/* dst: channels planes of the grid, zero but for src (channels, h, w) at top/left. */
static void gan__dc_pad(float *dst, const float *src, int32_t channels, int32_t h,
                        int32_t w, const gan__dc_grid *d)
{
    memset(dst, 0, (size_t)channels * d->plane * sizeof *dst);
    for (int32_t c = 0; c < channels; c++)
        for (int32_t y = 0; y < h; y++)
            gan__dc_copy(dst + (size_t)c * d->plane + (size_t)(y + d->top) * d->wp + d->left,
                         src + ((size_t)c * h + y) * w, w);
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

/* One convolution pass as the kernels see it: `outs` outputs from `ins` padded input
 * planes through `taps` = ins*kh*kw taps. Tap r of output o is weight
 * w[o*o_stride + base(r)]: base(r) = r for the forward pass; for the input gradient,
 * the adjoint's w'[c][f][i][j] = w[f][c][kh-1-i][kw-1-j]. */
typedef struct gan__dc_pass {
    int32_t ins, outs, taps, kh, kw;
    int32_t in_h, in_w, out_h, out_w; /* the pass's own input and output */
    gan__dc_grid d;
    bool adjoint;
} gan__dc_pass;

/* Taps [begin, end) of wpack <- the pass's weights: over points, tiles of `tile`
 * outputs, each taps x tile; over outputs (tile = outs), taps x ld. Zeros past the last
 * output either way. */
static void gan__dc_pack(float *wpack, const gan__dc_pass *ps, const float *w, int32_t tile,
                         size_t ld, size_t begin, size_t end)
{
    enum { BLOCK = 16 }; /* taps at a time: the reads of one output stay on a line */
    const int32_t kk = ps->kh * ps->kw;
    const size_t o_stride = ps->adjoint ? (size_t)kk : (size_t)ps->taps;
    const size_t outs = (size_t)((ps->outs + tile - 1) / tile) * (size_t)tile;
    const size_t row = outs > ld ? ld : outs; /* the columns of a row the loop writes */
    for (size_t r0 = begin; r0 < end; r0 += BLOCK) {
        const size_t nr = end - r0 < BLOCK ? end - r0 : BLOCK;
        size_t base[BLOCK];
        for (size_t k = 0; k < nr; k++) {
            const size_t r = r0 + k, f = r / (size_t)kk, i = r % (size_t)kk / (size_t)ps->kw,
                         j = r % (size_t)ps->kw;
            base[k] = ps->adjoint ? f * (size_t)ps->outs * kk +
                                        (ps->kh - 1 - i) * (size_t)ps->kw + (ps->kw - 1 - j)
                                  : r;
        }
        for (size_t o = 0; o < outs; o++) {
            float *dst = wpack + ((o / (size_t)tile) * ps->taps + r0) * ld + o % (size_t)tile;
            const float *src = w + o * o_stride;
            for (size_t k = 0; k < nr; k++)
                dst[k * ld] = o < (size_t)ps->outs ? src[base[k]] : 0.0f;
        }
        for (size_t k = 0; k < nr && row < ld; k++) /* over outputs: the rows' ends */
            memset(wpack + (r0 + k) * ld + row, 0, (ld - row) * sizeof *wpack);
    }
}

/* Whether the pass runs vectorised over its outputs, and the row length of its packed
 * weights: over points, tiles of `tile` outputs, each taps x tile; over outputs, taps x
 * ld. Both depend only on the geometry and the ISA, so packing and running agree. */
typedef struct gan__dc_plan {
    enum gan__dc_isa isa;
    bool over_outputs;
    int32_t tile;
    size_t ld, valid;
} gan__dc_plan;

static gan__dc_plan gan__dc_plan_of(const gan__dc_pass *ps)
{
    gan__dc_plan pl = {.isa = gan__dc_isa()};
    pl.valid = (size_t)ps->out_h * ps->out_w;
    pl.over_outputs = gan__dc_over_outputs(pl.isa, ps->outs, pl.valid, ps->d.qpad);
    pl.tile = pl.over_outputs ? ps->outs : gan__dc_fwd_tile(pl.isa);
    pl.ld = pl.over_outputs ? gan__dc_round((size_t)ps->outs, gan__dc_out_tile(pl.isa))
                            : (size_t)pl.tile;
    return pl;
}

/* q[p]: the wide grid's point (rows of wp) of valid point p (rows of out_w). */
static void gan__dc_points(int32_t *q, int32_t out_h, int32_t out_w, int32_t wp)
{
    for (int32_t oh = 0; oh < out_h; oh++)
        for (int32_t ow = 0; ow < out_w; ow++)
            q[(size_t)oh * out_w + ow] = oh * wp + ow;
}

/* y (images, outs, out_h, out_w) = the pass over x (images, ins, in_h, in_w). */
static void gan__dc_run(const gan__dc_pass *ps, float *y, const float *x, const float *wpack,
                        const gan__conv_geom *g, int32_t filters, int32_t images,
                        float *scratch)
{
    const gan__dc_plan pl = gan__dc_plan_of(ps);
    const gan__dc_layout l = gan__dc_layout_of(g, filters, 1);
    const gan__dc_grid *d = &ps->d;
    float *xpad = scratch + l.xpad, *wide = scratch + l.wide;
    int32_t *off = (int32_t *)(void *)(scratch + l.off);
    int32_t *q = (int32_t *)(void *)(scratch + l.points);
    gan__dc_offsets(off, ps->ins, ps->kh, ps->kw, d);
    if (pl.over_outputs)
        gan__dc_points(q, ps->out_h, ps->out_w, d->wp);
    memset(xpad + (size_t)ps->ins * d->plane, 0, gan__dc_slack(g) * sizeof *xpad);
    const size_t in_size = (size_t)ps->ins * ps->in_h * ps->in_w, ld = pl.ld;
    const gan__dc_rows rows = {
        .top = d->top, .height = ps->in_h, .groups = ps->ins, .kh = ps->kh, .kw = ps->kw};
    for (int32_t n = 0; n < images; n++) {
        float *yn = y + (size_t)n * ps->outs * pl.valid;
        gan__dc_pad(xpad, x + (size_t)n * in_size, ps->ins, ps->in_h, ps->in_w, d);
#ifdef GAN__DC_X86
        if (pl.over_outputs && pl.isa == GAN__DC_AVX512)
            gan__dc512_fv_conv(wide, ld, ps->out_h, ps->out_w, d->wp, xpad, off, &rows, wpack);
        else if (pl.over_outputs)
            gan__dc256_fv_conv(wide, ld, ps->out_h, ps->out_w, d->wp, xpad, off, &rows, wpack);
        else if (pl.isa == GAN__DC_AVX512)
            gan__dc512_conv(wide, d->qpad, xpad, off, ps->taps, wpack, ps->outs);
        else
            gan__dc256_conv(wide, d->qpad, xpad, off, ps->taps, wpack, ps->outs);
#endif
        /* the first out_w points of each wide row: wide (outs, qpad) or (points, ld) */
        if (pl.over_outputs)
            gan__transpose(yn, pl.valid, wide, ld, q, pl.valid, (size_t)ps->outs, false);
        else
            for (int32_t o = 0; o < ps->outs; o++)
                for (int32_t oh = 0; oh < ps->out_h; oh++)
                    gan__dc_copy(yn + ((size_t)o * ps->out_h + oh) * ps->out_w,
                                 wide + (size_t)o * d->qpad + (size_t)oh * d->wp, ps->out_w);
    }
}

static gan__dc_pass gan__dc_forward_pass(const gan__conv_geom *g, int32_t filters)
{
    return (gan__dc_pass){
        .ins = g->channels, .outs = filters,
        .taps = g->channels * g->kernel_h * g->kernel_w,
        .kh = g->kernel_h, .kw = g->kernel_w,
        .in_h = g->in_h, .in_w = g->in_w, .out_h = g->out_h, .out_w = g->out_w,
        .d = gan__dc_forward_grid(g),
    };
}

static gan__dc_pass gan__dc_input_grad_pass(const gan__conv_geom *g, int32_t filters)
{
    return (gan__dc_pass){
        .ins = filters, .outs = g->channels,
        .taps = filters * g->kernel_h * g->kernel_w,
        .kh = g->kernel_h, .kw = g->kernel_w,
        .in_h = g->out_h, .in_w = g->out_w, .out_h = g->in_h, .out_w = g->in_w,
        .d = gan__dc_input_grad_grid(g),
        .adjoint = true,
    };
}

size_t gan__dconv_pack_floats(const gan__conv_geom *g, int32_t filters)
{
    const size_t kk = (size_t)g->kernel_h * g->kernel_w;
    const size_t C = (size_t)g->channels, F = (size_t)filters;
    return gan__dc_max((F + 32) * C * kk, (C + 32) * F * kk);
}

static gan__dc_pass gan__dc_pass_of(const gan__conv_geom *g, int32_t filters, bool input_grad)
{
    return input_grad ? gan__dc_input_grad_pass(g, filters) : gan__dc_forward_pass(g, filters);
}

size_t gan__dconv_pack_taps(const gan__conv_geom *g, int32_t filters, bool input_grad)
{
    return (size_t)gan__dc_pass_of(g, filters, input_grad).taps;
}

void gan__dconv_pack(float *wpack, const float *w, const gan__conv_geom *g, int32_t filters,
                     bool input_grad, size_t begin, size_t end)
{
    const gan__dc_pass ps = gan__dc_pass_of(g, filters, input_grad);
    const gan__dc_plan pl = gan__dc_plan_of(&ps);
    gan__dc_pack(wpack, &ps, w, pl.tile, pl.ld, begin, end);
}

void gan__dconv_forward(float *y, const float *x, const float *wpack,
                        const gan__conv_geom *g, int32_t filters, int32_t images,
                        float *scratch)
{
    const gan__dc_pass ps = gan__dc_forward_pass(g, filters);
    gan__dc_run(&ps, y, x, wpack, g, filters, images, scratch);
}

void gan__dconv_input_grad(float *dx, const float *dy, const float *wpack,
                           const gan__conv_geom *g, int32_t filters, int32_t images,
                           float *scratch)
{
    const gan__dc_pass ps = gan__dc_input_grad_pass(g, filters);
    gan__dc_run(&ps, dx, dy, wpack, g, filters, images, scratch);
}

void gan__dconv_weight_grad(float *dw, const float *dy, const float *x,
                            const gan__conv_geom *g, int32_t filters, int32_t images,
                            float *scratch)
{
    const enum gan__dc_isa isa = gan__dc_isa();
    const gan__dc_layout l = gan__dc_layout_of(g, filters, images);
    const gan__dc_grid d = gan__dc_forward_grid(g);
    const int32_t taps = g->channels * g->kernel_h * g->kernel_w;
    const size_t valid = (size_t)g->out_h * g->out_w;
    const bool over_outputs = gan__dc_over_outputs(isa, filters, valid, d.qpad);
    /* over outputs: each image's dy transposed, (valid points, ld); over points: dy on
     * the wide grid, (rows, qpad), zeros in the dropped points and past the filters */
    const size_t ld = gan__dc_round((size_t)filters, over_outputs ? gan__dc_out_tile(isa)
                                                                  : (size_t)gan__dc_wg_tile(isa));
    const size_t dy_image = over_outputs ? valid * ld : ld * d.qpad;
    float *xpad = scratch + l.xpad, *wide = scratch + l.wide, *dwt = scratch + l.dwt;
    int32_t *off = (int32_t *)(void *)(scratch + l.off);
    int32_t *q = (int32_t *)(void *)(scratch + l.points);
    gan__dc_offsets(off, g->channels, g->kernel_h, g->kernel_w, &d);
    gan__dc_points(q, g->out_h, g->out_w, d.wp);
    const size_t x_image = (size_t)g->channels * d.plane;
    const size_t in_size = (size_t)g->channels * g->in_h * g->in_w;
    const size_t out_size = (size_t)filters * valid;
    memset(xpad + (size_t)images * x_image, 0, gan__dc_slack(g) * sizeof *xpad);
    for (int32_t n = 0; n < images; n++) {
        gan__dc_pad(xpad + (size_t)n * x_image, x + (size_t)n * in_size, g->channels,
                    g->in_h, g->in_w, &d);
        float *wn = wide + (size_t)n * dy_image;
        const float *dyn = dy + (size_t)n * out_size;
        memset(wn, 0, dy_image * sizeof *wn);
        if (over_outputs)
            gan__transpose(wn, ld, dyn, valid, NULL, (size_t)filters, valid, false);
        else
            for (int32_t f = 0; f < filters; f++)
                for (int32_t oh = 0; oh < g->out_h; oh++)
                    gan__dc_copy(wn + (size_t)f * d.qpad + (size_t)oh * d.wp,
                                 dyn + (size_t)f * valid + (size_t)oh * g->out_w, g->out_w);
    }
#ifdef GAN__DC_X86
    if (over_outputs) {
        memset(dwt, 0, (size_t)taps * ld * sizeof *dwt);
        if (isa == GAN__DC_AVX512)
            gan__dc512_fv_weight_grad(dwt, ld, taps, wide, dy_image, xpad, x_image, off, q,
                                      (int32_t)valid, images);
        else
            gan__dc256_fv_weight_grad(dwt, ld, taps, wide, dy_image, xpad, x_image, off, q,
                                      (int32_t)valid, images);
        gan__transpose(dw, (size_t)taps, dwt, ld, NULL, (size_t)taps, (size_t)filters, true);
    } else if (isa == GAN__DC_AVX512) {
        gan__dc512_weight_grad(dw, filters, taps, wide, d.qpad, dy_image, xpad, x_image, off,
                               images);
    } else {
        gan__dc256_weight_grad(dw, filters, taps, wide, d.qpad, dy_image, xpad, x_image, off,
                               images);
    }
#else
    (void)dw, (void)dwt, (void)taps;
#endif
}
