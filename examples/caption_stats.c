/* caption_stats: measures every digit of an IDX set as Morpho-MNIST does (thickness,
 * slant, width, height; common/morpho.h), prints their distributions, the per-digit
 * tertile cuts the captions use and their bins' shares, draws a few digits as text with
 * their measures, and prints sample captions of the training and the held-out kinds
 * (common/captions.h). See doc/EXAMPLES.md, "Captions for MNIST". */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gan/gan.h>
#include <gan/io.h>

#include "common/captions.h"
#include "common/flags.h"
#include "common/rng.h"

#ifndef EX_DEFAULT_DATA
#define EX_DEFAULT_DATA "examples/data/mnist-10k"
#endif

enum { BATCH = 500, MEASURES = 5 };
static const double DEG = 57.29577951308232;
static const char *const measure_names[MEASURES] = {"thickness", "slant_deg", "width",
                                                    "box_width", "height"};

typedef struct config {
    const char *data;
    uint64_t seed;
    int32_t show, captions;
} config;

static void usage(void)
{
    fprintf(stderr, "usage: caption_stats [--data DIR] [--seed S] [--show N] [--captions N]\n"
                    "  --data DIR    an IDX set of 28x28 digits with labels (default %s)\n"
                    "  --seed S      seeds the sample captions (default 1)\n"
                    "  --show N      draw the first N digits as text (default 4)\n"
                    "  --captions N  sample captions of each kind (default 10)\n",
            EX_DEFAULT_DATA);
    exit(2);
}

static config parse(int argc, char **argv)
{
    config c = {.data = EX_DEFAULT_DATA, .seed = 1, .show = 4, .captions = 10};
    static const struct option opts[] = {{"data", 1, 0, 'd'},     {"seed", 1, 0, 's'},
                                         {"show", 1, 0, 'w'},     {"captions", 1, 0, 'c'},
                                         {"help", 0, 0, 'h'},     {0, 0, 0, 0}};
    int32_t seed = 1;
    for (int ch; (ch = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        bool ok = true;
        switch (ch) {
        case 'd': c.data = optarg; break;
        case 's': ok = ex_parse_int(optarg, 0, INT32_MAX, &seed); break;
        case 'w': ok = ex_parse_int(optarg, 0, 1000, &c.show); break;
        case 'c': ok = ex_parse_int(optarg, 0, 100000, &c.captions); break;
        default: usage();
        }
        if (!ok)
            usage();
    }
    if (optind != argc)
        usage();
    c.seed = (uint64_t)seed;
    return c;
}

static float measure_value(const ex_morpho *m, int k)
{
    const float v[MEASURES] = {m->thickness, m->slant * (float)DEG, m->width, m->box_width,
                               m->height};
    return v[k];
}

static int cmp_float(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The value at quantile q of n sorted values (nearest rank). */
static float quantile(const float *s, int32_t n, double q)
{
    return s[(size_t)((n - 1) * q + 0.5)];
}

static void print_distributions(const ex_morpho *m, const int32_t *y, int32_t n, float *s)
{
    printf("\n%-10s %7s %7s %7s %7s %7s %7s\n", "measure", "min", "q1", "median", "q3", "max",
           "mean");
    for (int k = 0; k < MEASURES; k++) {
        double sum = 0;
        for (int32_t i = 0; i < n; i++)
            sum += s[i] = measure_value(&m[i], k);
        qsort(s, (size_t)n, sizeof *s, cmp_float);
        printf("%-10s %7.2f %7.2f %7.2f %7.2f %7.2f %7.2f\n", measure_names[k], s[0],
               quantile(s, n, 0.25), quantile(s, n, 0.5), quantile(s, n, 0.75), s[n - 1],
               sum / n);
    }
    int32_t tall = 0;
    for (int32_t i = 0; i < n; i++)
        tall += m[i].height >= 20;
    printf("height of 20 rows (the size-normalised box): %.1f %% of the digits\n",
           100.0 * tall / n);

    printf("\nper-digit means\ndigit %6s", "count");
    for (int k = 0; k < MEASURES; k++)
        printf(" %10s", measure_names[k]);
    printf("\n");
    for (int d = 0; d < EX_CAPTION_DIGITS; d++) {
        double sum[MEASURES] = {0};
        int32_t count = 0;
        for (int32_t i = 0; i < n; i++)
            if (y[i] == d) {
                count++;
                for (int k = 0; k < MEASURES; k++)
                    sum[k] += measure_value(&m[i], k);
            }
        printf("%5d %6d", d, (int)count);
        for (int k = 0; k < MEASURES; k++)
            printf(" %10.2f", count ? sum[k] / count : 0.0);
        printf("\n");
    }
}

/* Pearson correlation of measures a and b over the digits of one class, averaged over the
 * classes: how much leaning shows up as width, with the shapes of the digits left out. */
static double within_class_correlation(const ex_morpho *m, const int32_t *y, int32_t n, int a,
                                       int b)
{
    double total = 0;
    for (int d = 0; d < EX_CAPTION_DIGITS; d++) {
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, k = 0;
        for (int32_t i = 0; i < n; i++)
            if (y[i] == d) {
                double u = measure_value(&m[i], a), v = measure_value(&m[i], b);
                sa += u, sb += v, saa += u * u, sbb += v * v, sab += u * v, k++;
            }
        double cov = sab / k - sa * sb / (k * k);
        total += cov / sqrt((saa / k - sa * sa / (k * k)) * (sbb / k - sb * sb / (k * k)));
    }
    return total / EX_CAPTION_DIGITS;
}

static void print_cuts(const ex_caption_cuts *cuts, const ex_morpho *m, const int32_t *y,
                       int32_t n)
{
    printf("\nper-digit tertile cuts (bin 0 below the first, 2 from the second on)\n"
           "digit %-16s %-16s %-16s\n", "thickness px", "slant deg", "width px");
    for (int d = 0; d < EX_CAPTION_DIGITS; d++) {
        const float(*c)[2] = cuts->cut[d];
        printf("%5d %7.2f %7.2f  %7.2f %7.2f  %7.2f %7.2f\n", d, c[0][0], c[0][1],
               c[1][0] * DEG, c[1][1] * DEG, c[2][0], c[2][1]);
    }
    /* For comparison, the cuts of all digits together, which the captions do not use. */
    float *v = malloc(sizeof *v * (size_t)n), all[EX_CAPTION_ATTRS][2] = {{0}};
    for (int a = 0; a < EX_CAPTION_ATTRS && v; a++) {
        for (int32_t i = 0; i < n; i++)
            v[i] = ex_caption_attr_value(&m[i], a);
        ex_tertiles_fit(all[a], v, n);
    }
    free(v);
    printf("  all %7.2f %7.2f  %7.2f %7.2f  %7.2f %7.2f\n", all[0][0], all[0][1],
           all[1][0] * DEG, all[1][1] * DEG, all[2][0], all[2][1]);
    int32_t share[EX_CAPTION_ATTRS][EX_CAPTION_BINS] = {{0}};
    for (int32_t i = 0; i < n; i++) {
        int bin[EX_CAPTION_ATTRS];
        ex_caption_bins(bin, cuts, y[i], &m[i]);
        for (int a = 0; a < EX_CAPTION_ATTRS; a++)
            share[a][bin[a]]++;
    }
    for (int a = 0; a < EX_CAPTION_ATTRS; a++) {
        printf("%-9s bins:", ex_caption_attr_name(a));
        for (int b = 0; b < EX_CAPTION_BINS; b++)
            printf(" %s %.1f %%", ex_caption_bin_name(a, b), 100.0 * share[a][b] / n);
        printf("\n");
    }
    printf("within-digit correlation with the slant: width %.2f, box width %.2f\n",
           within_class_correlation(m, y, n, 1, 2), within_class_correlation(m, y, n, 1, 3));
}

/* The digit as text: '#' foreground, '.' faint ink, 'o' its skeleton. */
static void draw(const float *x, const ex_morpho *m, int label, const int *bin)
{
    uint8_t skeleton[EX_MORPHO_PIXELS];
    ex_morpho_binarise(skeleton, x);
    ex_morpho_thin(skeleton);
    printf("\nlabel %d: thickness %.2f (%s), slant %+.1f deg (%s), width %.1f (%s), box %gx%g\n",
           label, m->thickness, ex_caption_bin_name(0, bin[0]), m->slant * DEG,
           ex_caption_bin_name(1, bin[1]), m->width, ex_caption_bin_name(2, bin[2]),
           m->box_width, m->height);
    for (int r = 0; r < EX_MORPHO_SIDE; r++) {
        char line[EX_MORPHO_SIDE + 1] = {0};
        for (int c = 0; c < EX_MORPHO_SIDE; c++) {
            float p = x[r * EX_MORPHO_SIDE + c];
            line[c] = skeleton[r * EX_MORPHO_SIDE + c] ? 'o' : p > 0 ? '#' : p > -1 ? '.' : ' ';
        }
        if (strspn(line, " ") < EX_MORPHO_SIDE)
            printf("  |%s|\n", line);
    }
}

static void print_caption(const char *kind, const ex_caption *c)
{
    const ex_caption_meaning *m = &c->meaning;
    int rule = ex_caption_held_out_rule(m, &c->form);
    printf("%-5s %-72s  [%d %s %s %s; T%d%s%s]\n", kind, c->text, m->digit,
           ex_caption_bin_name(0, m->bin[0]), ex_caption_bin_name(1, m->bin[1]),
           ex_caption_bin_name(2, m->bin[2]), c->form.template_id, rule >= 0 ? "; " : "",
           rule >= 0 ? ex_caption_rule_name(rule) : "");
}

int main(int argc, char **argv)
{
    const config c = parse(argc, argv);
    gan_dataset_t *ds = NULL;
    int64_t count = 0;
    int32_t ch = 0, h = 0, w = 0, classes = 0;
    gan_status st = gan_dataset_open_dir(&ds, c.data, 0);
    if (st == GAN_OK)
        st = gan_dataset_get_info(ds, &count, &ch, &h, &w, &classes);
    if (st != GAN_OK) {
        fprintf(stderr, "caption_stats: %s (%s)\n", gan_last_error(), gan_status_string(st));
        gan_dataset_destroy(ds);
        return 1;
    }
    if (ch != 1 || h != EX_MORPHO_SIDE || w != EX_MORPHO_SIDE || classes < 1 ||
        classes > EX_CAPTION_DIGITS || count > INT32_MAX) {
        fprintf(stderr, "caption_stats: %s: want labelled 1x28x28 digits 0-9, found %dx%dx%d "
                        "with %d classes\n", c.data, (int)ch, (int)h, (int)w, (int)classes);
        gan_dataset_destroy(ds);
        return 1;
    }
    const int32_t n = (int32_t)count;
    float *x = malloc(sizeof *x * EX_MORPHO_PIXELS * BATCH), *shown = NULL, *s = NULL;
    ex_morpho *m = malloc(sizeof *m * (size_t)n);
    int32_t *y = malloc(sizeof *y * (size_t)n), kept = 0, empty = 0;
    s = malloc(sizeof *s * (size_t)n);
    shown = calloc((size_t)c.show + 1, sizeof *shown * EX_MORPHO_PIXELS);
    int rc = 1;
    if (!x || !m || !y || !s || !shown) {
        fprintf(stderr, "caption_stats: out of memory\n");
        goto done;
    }
    /* Measure batch by batch, keeping the measured digits (an empty image is skipped). */
    for (int32_t i = 0; i < n; i += BATCH) {
        int32_t b = n - i < BATCH ? n - i : BATCH, labels[BATCH];
        if ((st = gan_dataset_next_batch(ds, b, x, labels)) != GAN_OK) {
            fprintf(stderr, "caption_stats: %s\n", gan_last_error());
            goto done;
        }
        for (int32_t j = 0; j < b; j++) {
            const float *img = x + (size_t)j * EX_MORPHO_PIXELS;
            if (ex_morpho_measure(img, &m[kept]) != EX_MORPHO_OK) {
                empty++;
                continue;
            }
            if (kept < c.show)
                memcpy(shown + (size_t)kept * EX_MORPHO_PIXELS, img,
                       sizeof *img * EX_MORPHO_PIXELS);
            y[kept++] = labels[j];
        }
    }
    printf("data: %s: %d digits measured, %d empty skipped; binarised at byte >= 128\n",
           c.data, (int)kept, (int)empty);
    ex_caption_cuts cuts;
    if (kept < 3 || ex_caption_cuts_fit(&cuts, m, y, kept) != EX_CAPTION_OK) {
        fprintf(stderr, "caption_stats: fewer than 3 digits of some class: no cuts\n");
        goto done;
    }
    print_distributions(m, y, kept, s);
    print_cuts(&cuts, m, y, kept);

    uint64_t rng = c.seed;
    for (int32_t i = 0; i < c.show && i < kept; i++) {
        int bin[EX_CAPTION_ATTRS];
        ex_caption cap;
        ex_caption_bins(bin, &cuts, y[i], &m[i]);
        draw(shown + (size_t)i * EX_MORPHO_PIXELS, &m[i], y[i], bin);
        if (ex_caption_for_image(&cap, y[i], bin, 1.0, &rng) == EX_CAPTION_OK)
            printf("  \"%s\"\n", cap.text);
    }
    printf("\nsample captions (bins: thickness slant width; T: template)\n");
    for (int32_t i = 0; i < c.captions; i++) {
        int32_t k = (int32_t)(ex_splitmix64(&rng) % (uint64_t)kept);
        int bin[EX_CAPTION_ATTRS];
        ex_caption cap;
        ex_caption_bins(bin, &cuts, y[k], &m[k]);
        if (ex_caption_for_image(&cap, y[k], bin, 0.75, &rng) == EX_CAPTION_OK)
            print_caption("train", &cap);
    }
    for (int32_t i = 0; i < c.captions; i++) {
        ex_caption cap;
        if (ex_caption_draw(&cap, EX_SPLIT_HELD_OUT, 0.5, &rng) == EX_CAPTION_OK)
            print_caption("held", &cap);
    }
    rc = 0;
done:
    free(x);
    free(shown);
    free(s);
    free(m);
    free(y);
    gan_dataset_destroy(ds);
    return rc;
}
