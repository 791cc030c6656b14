// consumer.cpp: libgan and libgan-io from C++17, built against the INSTALLED libraries:
//     c++ -std=c++17 consumer.cpp $(pkg-config --cflags --libs libgan-io)
// Handles live in std::unique_ptr with the library's destroy functions; a failing status
// becomes an exception carrying gan_last_error(). It builds a small DCGAN generator,
// prints its summary, samples a grid of (untrained) images and writes it as a PNG.
#include <gan/gan.h>
#include <gan/io.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct gan_error : std::runtime_error {
    gan_status status;
    explicit gan_error(gan_status s)
        : std::runtime_error(std::string(gan_status_string(s)) + ": " + gan_last_error()),
          status(s)
    {
    }
};

void check(gan_status s)
{
    if (s != GAN_OK)
        throw gan_error(s);
}

using model_ptr = std::unique_ptr<gan_model_t, decltype(&gan_model_destroy)>;

// A layer belongs to the model once the add succeeds; until then the caller frees it.
// The layer is passed by address: argument evaluation order is unspecified, so
// add(m, create(&l), l) could read l before create has set it.
void add(gan_model_t *m, gan_status created, gan_layer_t *const *layer)
{
    check(created);
    std::unique_ptr<gan_layer_t, decltype(&gan_layer_destroy)> owned(*layer, gan_layer_destroy);
    check(gan_model_add(m, *layer));
    owned.release();
}

model_ptr generator(int32_t batch)
{
    const int32_t latent[1] = {64}, planes[3] = {32, 7, 7};
    gan_model_t *raw = nullptr;
    check(gan_model_create(&raw, latent, 1, nullptr));
    model_ptr g(raw, gan_model_destroy);
    gan_layer_t *l = nullptr;
    add(g.get(), gan_layer_dense_create(&l, 32 * 7 * 7, false), &l);
    add(g.get(), gan_layer_batchnorm_create(&l, 0.1f, 1e-5f), &l);
    add(g.get(), gan_layer_relu_create(&l), &l);
    add(g.get(), gan_layer_reshape_create(&l, planes, 3), &l);
    add(g.get(), gan_layer_conv2d_transpose_create(&l, 16, 4, 2, GAN_PADDING_SAME), &l);
    add(g.get(), gan_layer_relu_create(&l), &l);
    add(g.get(), gan_layer_conv2d_transpose_create(&l, 1, 4, 2, GAN_PADDING_SAME), &l);
    add(g.get(), gan_layer_tanh_create(&l), &l);
    check(gan_model_build(g.get(), batch));
    return g;
}

} // namespace

int main(int argc, char **argv)
{
    try {
        const int32_t batch = 16;
        model_ptr g = generator(batch);
        size_t length = 0;
        check(gan_model_summary(g.get(), nullptr, 0, &length));
        std::string text(length + 1, '\0');
        check(gan_model_summary(g.get(), text.data(), text.size(), nullptr));
        std::fputs(text.c_str(), stdout);

        std::unique_ptr<gan_rng_t, decltype(&gan_rng_destroy)> rng(nullptr, gan_rng_destroy);
        gan_rng_t *raw_rng = nullptr;
        check(gan_rng_create(&raw_rng, 7));
        rng.reset(raw_rng);
        std::vector<float> z(static_cast<size_t>(batch) * 64);
        check(gan_latent_sample(rng.get(), GAN_LATENT_GAUSSIAN, batch, 64, z.data()));
        check(gan_model_set_training(g.get(), false));
        const float *images = nullptr;
        check(gan_model_forward(g.get(), z.data(), nullptr, batch, &images));
        const char *path = argc > 1 ? argv[1] : "consumer-grid.png";
        check(gan_png_write_grid(path, images, batch, 1, 28, 28, 4, 2));
        std::printf("wrote %s: %d generated 28x28 images\n", path, batch);
    } catch (const gan_error &e) {
        std::fprintf(stderr, "consumer: %s\n", e.what());
        return 1;
    }
    return 0;
}
