/* libgan: GAN stabilisation tricks ("GAN hacks") and the utilities behind them. */
#ifndef GAN_HACKS_H
#define GAN_HACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gan/export.h>
#include <gan/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A GAN training configuration: which losses, and every stabilisation trick, each one
 * setting away. Create it with defaults, change what you need with gan_hacks_set(), and
 * hand it to gan_trainer_create(), which copies it.
 * Thread safety: one thread at a time per object.
 */
typedef struct gan_hacks gan_hacks_t;

/** Loss families (GAN_HACK_LOSS). */
enum {
    GAN_LOSS_BCE = 0,           /**< binary cross-entropy on logits (default) */
    GAN_LOSS_WASSERSTEIN = 1,   /**< WGAN critic (Arjovsky et al. 2017) */
    GAN_LOSS_HINGE = 2,         /**< hinge (Lim & Ye 2017) */
    GAN_LOSS_LEAST_SQUARES = 3  /**< LSGAN, targets 0/1 (Mao et al. 2017) */
};

/** Latent distributions (GAN_HACK_LATENT). */
enum {
    GAN_LATENT_GAUSSIAN = 0, /**< N(0, 1) per coordinate (default; "sample from a
                                  Gaussian, not a uniform", Chintala's GAN hacks #3) */
    GAN_LATENT_UNIFORM = 1   /**< U[-1, 1) per coordinate */
};

/**
 * Keys of gan_hacks_set()/gan_hacks_get(). Each lists its default, its range and where
 * the trick comes from. Integer keys take integral values. Label ranges are set with
 * gan_hacks_set_labels().
 */
enum {
    /** GAN_LOSS_*; default GAN_LOSS_BCE. */
    GAN_HACK_LOSS = 0,
    /** BCE only: GAN_GLOSS_NON_SATURATING (default) or GAN_GLOSS_MINIMAX. */
    GAN_HACK_GENERATOR_LOSS = 1,
    /** GAN_LATENT_*; default Gaussian. */
    GAN_HACK_LATENT = 2,
    /** 1 (default): the discriminator sees all-real and all-fake batches separately
     *  (Chintala's hack #4: never mix them in one BatchNorm batch); 0: one combined batch
     *  of 2*batch (the discriminator is resized to it). */
    GAN_HACK_SEPARATE_BATCHES = 3,
    /** Probability of flipping each discriminator label (t -> 1 - t); default 0,
     *  range [0, 0.5]; e.g. 0.05 (Chintala's hack #6, "noisy labels"). */
    GAN_HACK_FLIP_PROB = 4,
    /** Std of Gaussian noise added to every discriminator input, real and fake
     *  (instance noise, Sønderby et al. 2016); default 0 (off), range [0, 10]. */
    GAN_HACK_INSTANCE_NOISE = 5,
    /** Steps over which the instance noise anneals linearly to 0; 0 (default) keeps it
     *  constant; range [0, 1e9]. */
    GAN_HACK_INSTANCE_NOISE_STEPS = 6,
    /** Discriminator (critic) updates per generator update, n_critic; default 1, WGAN
     *  uses 5; range [1, 100]. */
    GAN_HACK_D_STEPS = 7,
    /** Generator updates per generator turn; default 1; range [1, 100]. */
    GAN_HACK_G_STEPS = 8,
    /** Images kept in the experience-replay pool of past fakes (Shrivastava et al. 2017);
     *  0 (default) turns replay off; range [0, 1e7]. */
    GAN_HACK_REPLAY_SIZE = 9,
    /** Fraction of each fake batch drawn from the replay pool once it holds a batch;
     *  default 0.5; range [0, 1]. */
    GAN_HACK_REPLAY_FRACTION = 10,
    /** Index of the discriminator layer whose batch-mean output the generator matches
     *  (feature matching, Salimans et al. 2016): G loss = ||mean f(x) - mean f(G(z))||^2;
     *  -1 (default) off. */
    GAN_HACK_FEATURE_MATCHING_LAYER = 11,
    /** Decay of the exponential moving average of the generator's weights used for
     *  sampling (Yazıcı et al. 2019), e.g. 0.999; 0 (default) off; range [0, 0.999999]. */
    GAN_HACK_EMA_DECAY = 12,
    /** WGAN-GP gradient-penalty weight lambda (Gulrajani et al. 2017 use 10); 0
     *  (default) off; range [0, 1e6]. */
    GAN_HACK_GP_WEIGHT = 13,
    /** WGAN weight clipping: after each critic update every critic parameter is clipped
     *  to [-c, c] (c = 0.01 in Arjovsky et al.); 0 (default) off; range [0, 1e6]. */
    GAN_HACK_CLIP = 14,
    /** Seed of the trainer's generator (latents, label noise, flips, instance noise,
     *  replay, penalty interpolation); default 42. */
    GAN_HACK_SEED = 15,
    /** 1: every generator update draws fresh latents and runs G again (Algorithm 1 of
     *  Goodfellow et al. 2014); 0 (default): the first generator update after a
     *  discriminator update reuses that update's fakes, as the PyTorch and TensorFlow
     *  DCGAN tutorials do, saving one generator forward pass per step. Further updates
     *  of one turn (g_steps > 1) always draw fresh latents. */
    GAN_HACK_FRESH_G_LATENT = 16,
    /** The secondary loss family mixed in by GAN_HACK_MIX_WEIGHT, a GAN_LOSS_* value;
     *  default GAN_LOSS_WASSERSTEIN. A BCE secondary uses the label settings and
     *  GAN_HACK_GENERATOR_LOSS as the primary would. */
    GAN_HACK_MIX_LOSS = 17,
    /** Weight w of the mixed adversarial loss: both the discriminator's and the
     *  generator's loss become (1 - w) * primary + w * secondary (primary: GAN_HACK_LOSS,
     *  secondary: GAN_HACK_MIX_LOSS), gradients alike; e.g. BCE with some Wasserstein
     *  against mode collapse. 0 (default) is off: exactly the primary loss. 1 uses only
     *  the secondary, which then also decides the statistics, as GAN_HACK_LOSS would.
     *  Range [0, 1]. With feature matching the generator's loss stays unmixed. */
    GAN_HACK_MIX_WEIGHT = 18,
    /** AC-GAN (auxiliary-classifier GAN, Odena et al. 2017): weight of the softmax
     *  cross-entropy of the discriminator's class logits (its output 1, of shape
     *  (classes)) on the real batch against the real labels, added to the
     *  discriminator's loss. 0 (default) off; range [0, 1000]. When this or
     *  GAN_HACK_AUX_WEIGHT_FAKE is > 0, AC-GAN is on: gan_trainer_create() then needs a
     *  conditional generator, a discriminator with a second output of class logits for
     *  as many classes (the discriminator itself may be unconditional), and no feature
     *  matching; doc/TRAINING.md, "AC-GAN". */
    GAN_HACK_AUX_WEIGHT_REAL = 19,
    /** AC-GAN: weight of the cross-entropy of the class logits on the generated batch
     *  against the class labels the fakes were generated with; added to the
     *  discriminator's loss and to the generator's (both maximise the log-likelihood of
     *  the right class, as in the original AC-GAN). 0 (default) off; range [0, 1000]. */
    GAN_HACK_AUX_WEIGHT_FAKE = 20
};

/** @brief Create a configuration with every default.
 *  @param out receives the configuration; free it with gan_hacks_destroy().
 *  @return GAN_OK; GAN_E_INVALID_ARG; GAN_E_NO_MEMORY. */
GAN_API gan_status gan_hacks_create(gan_hacks_t **out);

/** @brief Free a configuration; NULL is a no-op. */
GAN_API void gan_hacks_destroy(gan_hacks_t *hacks);

/** @brief Copy every setting of @p src into @p dst.
 *  @param dst the configuration to overwrite.
 *  @param src the configuration to copy, read only.
 *  @return GAN_OK; GAN_E_INVALID_ARG. */
GAN_API gan_status gan_hacks_copy(gan_hacks_t *dst, const gan_hacks_t *src);

/**
 * @brief Change one setting.
 * @param key a GAN_HACK_* key.
 * @param value the new value, within the key's range (integral for an integer key).
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, unknown key); GAN_E_OUT_OF_RANGE (the value is
 *         outside the key's range, NaN, or not integral for an integer key; nothing is
 *         clamped and the old value stays).
 */
GAN_API gan_status gan_hacks_set(gan_hacks_t *hacks, int32_t key, double value);

/** @brief Read one setting.
 *  @param key a GAN_HACK_* key.
 *  @param value receives the value.
 *  @return GAN_OK; GAN_E_INVALID_ARG (NULL, unknown key). */
GAN_API gan_status gan_hacks_get(const gan_hacks_t *hacks, int32_t key, double *value);

/**
 * @brief Label smoothing: discriminator targets for real (@p real true) or fake images
 *        are drawn uniformly from [lo, hi] (Salimans et al. 2016; Chintala's hack #6).
 *        Defaults: real [0.9, 0.9], fake [0, 0]: one-sided smoothing, the recommended
 *        setting. [0.7, 1.2] and [0.0, 0.3] are the classic two-sided ranges.
 * @param real true for the targets of real images, false for those of fakes.
 * @param lo, hi the range, lo <= hi, both in [-1, 2].
 * @return GAN_OK; GAN_E_INVALID_ARG; GAN_E_OUT_OF_RANGE (lo > hi, outside [-1, 2], NaN).
 */
GAN_API gan_status gan_hacks_set_labels(gan_hacks_t *hacks, bool real, float lo, float hi);

/** @brief Read a label range.
 *  @param real true for the range of real images' targets, false for fakes'.
 *  @param lo, hi receive the range.
 *  @return GAN_OK; GAN_E_INVALID_ARG. */
GAN_API gan_status gan_hacks_get_labels(const gan_hacks_t *hacks, bool real, float *lo,
                                        float *hi);

/**
 * @brief Describe the configuration, one "name = value (default ...)" line per setting
 *        that differs from its default, then the others; snprintf semantics.
 * @param buf receives the NUL-terminated text, truncated to @p size bytes (may be NULL
 *        when size is 0).
 * @param size the size of @p buf in bytes.
 * @param length if not NULL, receives the full length without the NUL.
 * @return GAN_OK; GAN_E_INVALID_ARG (hacks NULL, or buf NULL with size > 0).
 */
GAN_API gan_status gan_hacks_describe(const gan_hacks_t *hacks, char *buf, size_t size,
                                      size_t *length);

/**
 * A seeded random generator for the utilities below (xoshiro256** seeded through
 * splitmix64, the library's one documented generator).
 *
 * Thread safety: one thread at a time per generator; distinct generators may be used
 * from different threads at once.
 */
typedef struct gan_rng gan_rng_t;

/** @brief Create a generator from a seed.
 *  @param out receives the generator; free it with gan_rng_destroy().
 *  @param seed any value; the same seed gives the same draws.
 *  @return GAN_OK; GAN_E_INVALID_ARG; GAN_E_NO_MEMORY. */
GAN_API gan_status gan_rng_create(gan_rng_t **out, uint64_t seed);

/** @brief Free a generator; NULL is a no-op. */
GAN_API void gan_rng_destroy(gan_rng_t *rng);

/** @brief Restart a generator from a seed. @param seed any value, as for gan_rng_create().
 *  @return GAN_OK; GAN_E_INVALID_ARG. */
GAN_API gan_status gan_rng_seed(gan_rng_t *rng, uint64_t seed);

/**
 * @brief Draw @p n latent vectors of @p dim coordinates (e.g. 500 x 100) into @p z.
 * @param distribution GAN_LATENT_GAUSSIAN or GAN_LATENT_UNIFORM.
 * @param n number of vectors, >= 1.
 * @param dim coordinates per vector, >= 1.
 * @param z receives (n, dim) floats.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL, unknown distribution); GAN_E_OUT_OF_RANGE
 *         (n or dim < 1).
 */
GAN_API gan_status gan_latent_sample(gan_rng_t *rng, int32_t distribution, int32_t n,
                                     int32_t dim, float *z);

/**
 * @brief Spherical linear interpolation between two latent points (White 2016): the
 *        path a Gaussian latent space prefers over a straight line. t = 0 gives a,
 *        t = 1 gives b; nearly parallel or opposite points fall back to linear
 *        interpolation (for opposite points the midpoint is then the origin).
 * @param a, b the end points, @p dim floats each.
 * @param dim coordinates per point, >= 1.
 * @param t the position on the path, finite (0 gives a, 1 gives b).
 * @param out receives @p dim floats.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL); GAN_E_OUT_OF_RANGE (dim < 1, t not finite).
 *         Thread-safe (no state).
 */
GAN_API gan_status gan_latent_slerp(const float *a, const float *b, int32_t dim, float t,
                                    float *out);

/**
 * @brief Draw one class id per row from softmax(logits / temperature): the next token
 *        of a sequence generator (SeqGAN's samples and rollouts). Row i gives
 *        ids[i] = j with probability p_j = e^(x_j / T) / sum_k e^(x_k / T).
 *        Algorithm (reproducible bit for bit for a seed, on every CPU: the exp is the
 *        library's own): per row, float weights w_j = e^((x_j - max_k x_k) / T) (the
 *        exponent in float, a Cephes-style expf within 2 ulp, 0 below e^-87.3); the
 *        classes in chunks of 256, each chunk's weights summed in double in a fixed
 *        order, S the sum of the chunk sums in chunk order; one draw
 *        u = (next 64-bit output >> 11) * 2^-53 in [0, 1) from @p rng; the id is in the
 *        first chunk whose sum takes the running sum of chunk sums past u * S, at the
 *        first j there where that running sum plus w of the chunk up to j passes u * S
 *        (the chunk's last j with w_j > 0 if rounding leaves none). Exactly one draw per
 *        row, whatever the class count, so n rows at once give the same ids as n calls
 *        of one row. T = 1 samples the model's softmax;
 *        T -> 0 tends to the argmax (a tiny T such as 1e-6 gives it, ties shared between
 *        the tied classes); a large T tends to uniform.
 * @param rng the generator (gan_rng_create()); advanced by n draws on success.
 * @param logits (n, classes) row-major, finite (else GAN_E_NUMERIC naming the row and
 *        column).
 * @param n rows, >= 1.
 * @param classes >= 1.
 * @param temperature T, finite and > 0.
 * @param ids receives n ids in [0, classes); untouched on failure.
 * @return GAN_OK; GAN_E_INVALID_ARG (rng, logits or ids NULL), GAN_E_OUT_OF_RANGE (n or
 *         classes < 1, temperature not finite and > 0), GAN_E_NUMERIC. Not thread-safe
 *         for one generator.
 */
GAN_API gan_status gan_categorical_sample(gan_rng_t *rng, const float *logits, int32_t n,
                                          int32_t classes, float temperature, int32_t *ids);

/**
 * @brief Fill @p n labels uniformly from [lo, hi] (smoothed targets; lo == hi gives
 *        constant labels).
 * @param labels receives @p n floats.
 * @param n number of labels, >= 1.
 * @param lo, hi the range, lo <= hi, finite.
 * @return GAN_OK; GAN_E_INVALID_ARG; GAN_E_OUT_OF_RANGE (n < 1, lo > hi, not finite).
 */
GAN_API gan_status gan_labels_fill(gan_rng_t *rng, float *labels, int32_t n, float lo,
                                   float hi);

/**
 * @brief Flip each label (t -> 1 - t) with probability @p p.
 * @param labels @p n labels, flipped in place.
 * @param n number of labels, >= 1.
 * @param p the probability, in [0, 1].
 * @param flipped if not NULL, receives how many were flipped.
 * @return GAN_OK; GAN_E_INVALID_ARG; GAN_E_OUT_OF_RANGE (n < 1, p outside [0, 1]).
 */
GAN_API gan_status gan_labels_flip(gan_rng_t *rng, float *labels, int32_t n, float p,
                                   int32_t *flipped);

/**
 * @brief Scale 8-bit pixels [0, 255] to [-1, 1] for a tanh generator: x = p/127.5 - 1.
 * @param pixels @p n bytes.
 * @param n number of values.
 * @param out receives @p n floats.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL). Thread-safe (no state).
 */
GAN_API gan_status gan_images_from_u8(const uint8_t *pixels, size_t n, float *out);

/**
 * @brief Scale generated values in [-1, 1] back to 8-bit pixels:
 *        round((x + 1) * 127.5), clipped to [0, 255]; NaN becomes 0.
 * @param values @p n floats.
 * @param n number of values.
 * @param out receives @p n bytes.
 * @return GAN_OK; GAN_E_INVALID_ARG (NULL). Thread-safe (no state).
 */
GAN_API gan_status gan_images_to_u8(const float *values, size_t n, uint8_t *out);

#ifdef __cplusplus
}
#endif

#endif /* GAN_HACKS_H */
