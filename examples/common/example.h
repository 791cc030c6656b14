/* What the MNIST examples share: their flags, the training loop and its outputs.
 * Uses only the public headers, like any program built on libgan. */
#ifndef GAN_EXAMPLE_H
#define GAN_EXAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include <gan/gan.h>
#include <gan/io.h>

typedef struct ex_config {
    const char *program;
    const char *data_dir;
    int32_t epochs, batch, threads, parts, sample_every;
    uint64_t seed;
    const char *out_dir;
    const char *resume;
    int32_t samples;
    const char *samples_out, *labels_out;
    float lr_g, lr_d, beta1, beta2;
    bool rmsprop;       /* RMSProp for both models (the WGAN with clipping) */
    bool spectral_norm; /* on D's weight layers */
    bool conditional;   /* the models take class labels */
    bool mpi;           /* --mpi: data-parallel under mpirun (built with EX_MPI) */
    bool sync_bn;       /* --sync-bn: BatchNorm statistics over all ranks */
    gan_hacks_t *hacks;
} ex_config;

/* Builds G and D, unbuilt (the loop builds them for the batch size). */
typedef gan_status (*ex_build_fn)(const ex_config *c, int32_t classes, gan_model_t **g,
                                  gan_model_t **d);

/* Defaults for the DCGAN setting; the example may change them before parsing. */
int ex_config_init(ex_config *c, const char *program);
void ex_config_free(ex_config *c);

/* Parse argv; 0 to go on, otherwise the exit status (0 after --help). */
int ex_parse(ex_config *c, int argc, char **argv, const char *description);

/* Train and write every output; returns the process exit status. */
int ex_run(ex_config *c, ex_build_fn build);

/* A whole example: defaults, the example's own settings (may be NULL; nonzero fails),
 * flags, the run. Returns the process exit status. */
int ex_main(int argc, char **argv, const char *program, const char *description,
            int (*settings)(ex_config *c), ex_build_fn build);

/* Append a layer just created, freeing it if the add fails. Use it as
 * EX_ADD(m, gan_layer_x_create(&l, ...), l): the layer is read after the call. */
gan_status ex_add(gan_model_t *m, gan_status created, gan_layer_t *const *layer);
#define EX_ADD(m, created, layer) ex_add((m), (created), &(layer))

/* A model with the given input shape, named and seeded. */
gan_status ex_model(gan_model_t **out, const int32_t *dims, int32_t ndim, const char *name,
                    uint64_t seed);

#endif
