/* The trainer kinds libgan-mpi attaches to (the GAN, CycleGAN, SeqGAN and text-to-image
 * trainers): their models, hooks, shards and checkpoints behind one handle. */
#include "mpi_internal.h"

gan_status gan__mpi_kind_models(gan_mpi_t *m)
{
    static const char *const pair[2] = {"generator", "discriminator"};
    static const char *const cycle[4] = {"G", "F", "D_A", "D_B"};
    static const char *const text[3] = {"G", "D", "E"};
    gan_model_t **net = m->models;
    switch (m->kind) {
    case GAN__MPI_CYCLEGAN:
        m->roles = cycle;
        m->n_models = 4;
        return gan_cyclegan_get_models(m->trainer, &net[0], &net[1], &net[2], &net[3]);
    case GAN__MPI_TEXT2IMG:
        m->roles = text;
        m->n_models = 3;
        return gan_text2img_get_models(m->trainer, &net[0], &net[1], &net[2]);
    case GAN__MPI_SEQGAN:
        m->roles = pair;
        m->n_models = 2;
        return gan_seqgan_get_models(m->trainer, &net[0], &net[1]);
    default:
        m->roles = pair;
        m->n_models = 2;
        return gan_trainer_get_models(m->trainer, &net[0], &net[1]);
    }
}

/* The shard first: a hook on a trainer that is not sharded would average wrong draws. */
gan_status gan__mpi_kind_attach(gan_mpi_t *m, gan_grad_hook_fn hook, int32_t index,
                                int32_t count)
{
    void *t = m->trainer;
    gan_status st;
    switch (m->kind) {
    case GAN__MPI_CYCLEGAN:
        st = gan_cyclegan_set_shard(t, index, count);
        return st != GAN_OK ? st : gan_cyclegan_set_grad_hook(t, hook, m);
    case GAN__MPI_SEQGAN:
        st = gan_seqgan_set_shard(t, index, count);
        return st != GAN_OK ? st : gan_seqgan_set_grad_hook(t, hook, m);
    case GAN__MPI_TEXT2IMG:
        st = gan_text2img_set_shard(t, index, count);
        return st != GAN_OK ? st : gan_text2img_set_grad_hook(t, hook, m);
    default:
        st = gan_trainer_set_shard(t, index, count);
        return st != GAN_OK ? st : gan_trainer_set_grad_hook(t, hook, m);
    }
}

gan_status gan__mpi_trainer_file(gan_mpi_t *m, bool save, const char *path)
{
    void *t = m->trainer;
    switch (m->kind) {
    case GAN__MPI_CYCLEGAN:
        return save ? gan_cyclegan_save(t, path) : gan_cyclegan_load(t, path);
    case GAN__MPI_SEQGAN:
        return save ? gan_seqgan_save(t, path) : gan_seqgan_load(t, path);
    case GAN__MPI_TEXT2IMG:
        return save ? gan_text2img_save(t, path) : gan_text2img_load(t, path);
    default:
        return save ? gan_trainer_save(t, path) : gan_trainer_load(t, path);
    }
}
