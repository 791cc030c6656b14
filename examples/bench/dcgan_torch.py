#!/usr/bin/python3
"""PyTorch twin of bench_dcgan: the same training steps, timed the same way.

--model dcgan (default): the networks of examples/common/models.c (mnist_dcgan), the
step that of lib/train/step.c with the trainer's defaults:
  * D update: D on the real batch (BCE on logits against 0.9, one-sided label smoothing),
    backward; D on a fake batch from fresh N(0, 1) latents (BCE against 0), backward;
    Adam step. Real and fake batches go through D separately (separate_batches = 1).
  * G update: the fakes of the D update are reused (fresh_g_latent = 0); D on them with
    the non-saturating loss (BCE against 1), backward through D (input gradients only: D's
    parameters are frozen) into G; Adam step.
--model resgan: mnist_resgan's residual networks (ex_resgan_* in common/models.c, the
default widths: latent 128, G 48 channels, D 16), Glorot-uniform weights, spectral norm
on every weight layer of D (one power iteration per training forward, as libgan's), the
same step with the hinge loss (D: mean relu(1 - D(real)) + mean relu(1 + D(fake)); G:
-mean D(fake)) and, after G's update, the EMA (0.995) of G's parameters.
--model cyclegan: mnist_cyclegan's four networks (common/cyclegan_models.c: ResNet
generators G and F, PatchGAN discriminators D_A and D_B, weights N(0, 0.02)), Adam(2e-4,
0.5, 0.999), batch 8, and one step of lib/train/cyclegan_step.c, which is the reference's
(cycle_gan_model.py optimize_parameters): G(a) judged by frozen D_B and cycled back by F,
F(b) judged by D_A and cycled back by G, the identity terms if --identity > 0, one
update of G and F; then D_B, then D_A, each on its reals and on its pool of 50 past
fakes (least squares, halved), one update of both. images/s counts domain A's images.
All models stay in training mode. The "real" batches are fixed noise in [-1, 1], which
costs exactly what digits cost.

Before the timing the script prints, for every network, its trainable parameters per
module and the matrix products of one forward per sample, the lines bench_dcgan prints
for its networks (tests/check_bench_twins.sh compares them).

  /usr/bin/python3 examples/bench/dcgan_torch.py [--model dcgan|resgan|cyclegan]
      [--batch N] [--threads N] [--blas-threads N] [--steps N] [--repeats N]
      [--warmup N] [--seed N] [--identity W]
"""
import argparse
import os
import resource
import sys

import twin

torch = nn = F = None  # imported by main() through twin.load_torch()

LATENT = 100               # mnist_dcgan's z (EX_LATENT)
RESGAN_LATENT = 128        # ex_resgan_widths_default
RESGAN_G, RESGAN_D = 48, 16
CYCLE_G_FILTERS, CYCLE_G_BLOCKS, CYCLE_G_DOWN = 16, 3, 2    # EX_CYCLEGAN_*
CYCLE_D_FILTERS, CYCLE_D_LAYERS = 16, 2
CYCLE_BATCH, CYCLE_LR, CYCLE_WEIGHT, CYCLE_POOL = 8, 2e-4, 10.0, 50


# ---------------------------------------------------------------------- DCGAN

def dcgan_generator():
    # Dense without bias, then BN/LeakyReLU; three "same" transposed convolutions with
    # bias (libgan's default), strides 1, 2, 2: 7x7 -> 7x7 -> 14x14 -> 28x28.
    return nn.Sequential(
        nn.Linear(LATENT, 7 * 7 * 256, bias=False),
        nn.BatchNorm1d(7 * 7 * 256, eps=1e-5, momentum=0.1),
        nn.LeakyReLU(0.2),
        nn.Unflatten(1, (256, 7, 7)),
        nn.ConvTranspose2d(256, 128, 5, stride=1, padding=2, bias=True),
        nn.BatchNorm2d(128, eps=1e-5, momentum=0.1),
        nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(128, 64, 5, stride=2, padding=2, output_padding=1, bias=True),
        nn.BatchNorm2d(64, eps=1e-5, momentum=0.1),
        nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(64, 1, 5, stride=2, padding=2, output_padding=1, bias=True),
        nn.Tanh(),
    )


def dcgan_discriminator():
    # "same" stride-2 convolutions with bias: 28x28 -> 14x14 -> 7x7, then Dense(1).
    return nn.Sequential(
        nn.Conv2d(1, 64, 5, stride=2, padding=2, bias=True),
        nn.LeakyReLU(0.2),
        nn.Dropout(0.3),
        nn.Conv2d(64, 128, 5, stride=2, padding=2, bias=True),
        nn.LeakyReLU(0.2),
        nn.Dropout(0.3),
        nn.Flatten(),
        nn.Linear(128 * 7 * 7, 1, bias=True),
    )


def init_normal(m):
    # libgan's defaults: every weight N(0, 0.02), biases 0; BatchNorm gamma 1, beta 0.
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)
    elif isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)


def gan_step(o, g, d, latent, d_loss, g_loss, after_g=None):
    """The step of lib/train/step.c (separate real and fake batches, the fakes of the D
    update reused by the G update, D frozen there) with the given losses: d_loss(scores,
    real) and g_loss(scores) on D's logits."""
    b = o.batch
    g_opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    d_opt = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    d_params = list(d.parameters())
    real = torch.rand(b, 1, 28, 28) * 2.0 - 1.0

    def step():
        # D update: reals, then the fakes of fresh latents, in separate passes.
        d_opt.zero_grad(set_to_none=False)
        fake = g(torch.randn(b, latent))
        d_loss(d(real), True).backward()
        d_loss(d(fake.detach()), False).backward()
        d_opt.step()
        # G update on the same fakes; D frozen, so only its input gradients are computed.
        g_opt.zero_grad(set_to_none=False)
        for q in d_params:
            q.requires_grad_(False)
        g_loss(d(fake)).backward()
        for q in d_params:
            q.requires_grad_(True)
        g_opt.step()
        if after_g:
            after_g()
    return step


def dcgan(o):
    g, d = dcgan_generator(), dcgan_discriminator()
    g.apply(init_normal)
    d.apply(init_normal)
    twin.print_model("G", g, torch.zeros(o.batch, LATENT))
    twin.print_model("D", d, torch.zeros(o.batch, 1, 28, 28))
    b = o.batch
    targets = {True: torch.full((b, 1), 0.9), False: torch.zeros(b, 1)}
    ones = torch.ones(b, 1)
    return gan_step(o, g, d, LATENT,
                    lambda s, real: F.binary_cross_entropy_with_logits(s, targets[real]),
                    lambda s: F.binary_cross_entropy_with_logits(s, ones))


# ---------------------------------------------------------------------- residual GAN

def glorot(layer, spectral=False):
    # ex_graph_weights: Glorot-uniform weights, zero biases, spectral norm in D.
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return nn.utils.spectral_norm(layer) if spectral else layer


def conv(cin, cout, k, spectral=False):
    return glorot(nn.Conv2d(cin, cout, k, padding=k // 2), spectral)


def up(x):
    return F.interpolate(x, scale_factor=2, mode="nearest")


def resgan_networks():
    """mnist_resgan's G and D (ex_resgan_generator, ex_resgan_discriminator) at the
    default widths. The classes are defined here, once torch is loaded."""
    class UpBlock(nn.Module):
        """G's block: BN, ReLU, Upsample, Conv3x3, BN, ReLU, Conv3x3, plus the shortcut
        Upsample (after a 1x1 convolution when the channels change)."""

        def __init__(self, cin, cout):
            super().__init__()
            self.bn1, self.conv1 = nn.BatchNorm2d(cin), conv(cin, cout, 3)
            self.bn2, self.conv2 = nn.BatchNorm2d(cout), conv(cout, cout, 3)
            self.skip = conv(cin, cout, 1) if cin != cout else None

        def forward(self, x):
            h = self.conv1(up(F.relu(self.bn1(x))))
            h = self.conv2(F.relu(self.bn2(h)))
            return h + up(self.skip(x) if self.skip else x)

    class DownBlock(nn.Module):
        """D's block: [ReLU,] Conv3x3, ReLU, Conv3x3 [, AvgPool 2], plus the shortcut
        [AvgPool 2,] [Conv1x1]; the first block reads the image without a ReLU."""

        def __init__(self, cin, cout, first, down):
            super().__init__()
            self.first, self.down = first, down
            self.conv1, self.conv2 = conv(cin, cout, 3, True), conv(cout, cout, 3, True)
            self.skip = conv(cin, cout, 1, True) if cin != cout or down else None

        def forward(self, x):
            h = self.conv2(F.relu(self.conv1(x if self.first else F.relu(x))))
            s = x
            if self.down:
                h, s = F.avg_pool2d(h, 2), F.avg_pool2d(s, 2)
            return h + (self.skip(s) if self.skip else s)

    class ResGenerator(nn.Module):
        def __init__(self, latent, c):
            super().__init__()
            self.c = c
            self.dense = glorot(nn.Linear(latent, 7 * 7 * c))
            self.blocks = nn.Sequential(UpBlock(c, c), UpBlock(c, c // 2))
            self.bn, self.out = nn.BatchNorm2d(c // 2), conv(c // 2, 1, 3)

        def forward(self, z):
            h = self.blocks(self.dense(z).view(-1, self.c, 7, 7))
            return torch.tanh(self.out(F.relu(self.bn(h))))

    class ResDiscriminator(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.blocks = nn.Sequential(DownBlock(1, c, True, True),          # 14x14
                                        DownBlock(c, 2 * c, False, True),     # 7x7
                                        DownBlock(2 * c, 2 * c, False, False))
            self.dense = glorot(nn.Linear(2 * c, 1), True)

        def forward(self, x):
            # SNGAN's sum over positions: the mean times the 7x7 positions.
            h = F.relu(self.blocks(x)).mean((2, 3)) * (7.0 * 7.0)
            return self.dense(h)

    return ResGenerator(RESGAN_LATENT, RESGAN_G), ResDiscriminator(RESGAN_D)


def resgan(o):
    g, d = resgan_networks()
    twin.print_model("G", g, torch.zeros(o.batch, RESGAN_LATENT))
    twin.print_model("D", d, torch.zeros(o.batch, 1, 28, 28))
    params = list(g.parameters())
    ema = [p.detach().clone() for p in params]
    decay = 0.995  # ex_resgan_settings

    def ema_update():
        with torch.no_grad():
            torch._foreach_mul_(ema, decay)
            torch._foreach_add_(ema, params, alpha=1.0 - decay)

    return gan_step(o, g, d, RESGAN_LATENT,
                    lambda s, real: F.relu(1.0 - s if real else 1.0 + s).mean(),
                    lambda s: -s.mean(), ema_update)


# ---------------------------------------------------------------------- CycleGAN

def resnet_generator(filters, blocks, downsamplings):
    """ex_resnet_generator for 1-channel 28x28 images."""
    class Residual(nn.Module):
        def __init__(self, f):
            super().__init__()
            self.body = nn.Sequential(
                nn.ReflectionPad2d(1), nn.Conv2d(f, f, 3), nn.InstanceNorm2d(f), nn.ReLU(),
                nn.ReflectionPad2d(1), nn.Conv2d(f, f, 3), nn.InstanceNorm2d(f))

        def forward(self, x):
            return x + self.body(x)

    layers = [nn.ReflectionPad2d(3), nn.Conv2d(1, filters, 7), nn.InstanceNorm2d(filters),
              nn.ReLU()]
    f = filters
    for _ in range(downsamplings):
        layers += [nn.Conv2d(f, 2 * f, 3, stride=2, padding=1), nn.InstanceNorm2d(2 * f),
                   nn.ReLU()]
        f *= 2
    layers += [Residual(f) for _ in range(blocks)]
    for _ in range(downsamplings):
        layers += [nn.ConvTranspose2d(f, f // 2, 3, stride=2, padding=1, output_padding=1),
                   nn.InstanceNorm2d(f // 2), nn.ReLU()]
        f //= 2
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(f, 1, 7), nn.Tanh()]
    return nn.Sequential(*layers)


def patchgan_discriminator(filters, n_layers):
    """ex_patchgan_discriminator for 1-channel images."""
    layers, cin, mult = [], 1, 1
    for k in range(n_layers + 1):
        if k > 0:
            mult = min(2 * mult, 8)
        layers.append(nn.Conv2d(cin, filters * mult, 4, stride=2 if k < n_layers else 1,
                                padding=1))
        if k > 0:
            layers.append(nn.InstanceNorm2d(filters * mult))
        layers.append(nn.LeakyReLU(0.2))
        cin = filters * mult
    layers.append(nn.Conv2d(cin, 1, 4, stride=1, padding=1))
    return nn.Sequential(*layers)


class ImagePool:
    """The reference's ImagePool.query, as lib/train/image_pool.c."""

    def __init__(self, size):
        self.size, self.images = size, []

    def query(self, images):
        out = []
        for x in images.detach():
            x = x.unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(x)
                out.append(x)
            elif torch.rand(()) < 0.5:
                k = int(torch.randint(0, self.size, ()))
                out.append(self.images[k].clone())
                self.images[k] = x
            else:
                out.append(x)
        return torch.cat(out, 0)


def cyclegan(o):
    gens = [resnet_generator(CYCLE_G_FILTERS, CYCLE_G_BLOCKS, CYCLE_G_DOWN) for _ in range(2)]
    discs = [patchgan_discriminator(CYCLE_D_FILTERS, CYCLE_D_LAYERS) for _ in range(2)]
    g, f = gens
    d_a, d_b = discs
    image = torch.zeros(o.batch, 1, 28, 28)
    for name, m in zip(("G", "F", "D_A", "D_B"), gens + discs):
        m.apply(init_normal)
        twin.print_model(name, m, image)
    # One Adam over both generators and one over both discriminators, as the reference
    # (the same updates as libgan's one Adam per model, stepped together).
    g_opt = torch.optim.Adam(list(g.parameters()) + list(f.parameters()), lr=CYCLE_LR,
                             betas=(0.5, 0.999), eps=1e-8)
    d_opt = torch.optim.Adam(list(d_a.parameters()) + list(d_b.parameters()), lr=CYCLE_LR,
                             betas=(0.5, 0.999), eps=1e-8)
    d_params = [p for m in discs for p in m.parameters()]
    pool_a, pool_b = ImagePool(CYCLE_POOL), ImagePool(CYCLE_POOL)
    a = torch.rand(o.batch, 1, 28, 28) * 2.0 - 1.0
    b = torch.rand(o.batch, 1, 28, 28) * 2.0 - 1.0

    def mse(x, target):
        return F.mse_loss(x, torch.full_like(x, target))

    def d_loss(d, real, pool, fake):
        return 0.5 * (mse(d(real), 1.0) + mse(d(pool.query(fake)), 0.0))

    def step():
        # Generators: D frozen, one backward of the summed loss.
        for q in d_params:
            q.requires_grad_(False)
        g_opt.zero_grad(set_to_none=False)
        fake_b = g(a)
        loss = mse(d_b(fake_b), 1.0) + CYCLE_WEIGHT * F.l1_loss(f(fake_b), a)
        fake_a = f(b)
        loss = loss + mse(d_a(fake_a), 1.0) + CYCLE_WEIGHT * F.l1_loss(g(fake_a), b)
        if o.identity > 0:
            loss = loss + o.identity * (F.l1_loss(g(b), b) + F.l1_loss(f(a), a))
        loss.backward()
        g_opt.step()
        # Discriminators: D_B on b and pooled G(a), then D_A on a and pooled F(b).
        for q in d_params:
            q.requires_grad_(True)
        d_opt.zero_grad(set_to_none=False)
        d_loss(d_b, b, pool_b, fake_b).backward()
        d_loss(d_a, a, pool_a, fake_a).backward()
        d_opt.step()
    return step


def main():
    p = argparse.ArgumentParser(description="Time full GAN training steps in PyTorch "
                                "(the twin of libgan's bench_dcgan) and print images/s.")
    p.add_argument("--model", choices=("dcgan", "resgan", "cyclegan"), default="dcgan")
    p.add_argument("--batch", type=twin.positive, default=None,
                   help=f"batch size (default 64; cyclegan {CYCLE_BATCH})")
    twin.add_thread_options(p)
    p.add_argument("--steps", type=twin.positive, default=20,
                   help="steps per timed repeat (default 20)")
    p.add_argument("--repeats", type=twin.positive, default=5,
                   help="timed repeats (default 5)")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first (default 3)")
    p.add_argument("--seed", type=int, default=42, help="seed (default 42)")
    p.add_argument("--identity", type=float, default=0.0,
                   help="cyclegan: the identity weight (default 0, mnist_cyclegan's)")
    o = p.parse_args()
    if o.warmup < 0 or o.identity < 0:
        p.error("--warmup and --identity must be >= 0")
    if o.batch is None:
        o.batch = CYCLE_BATCH if o.model == "cyclegan" else 64

    global torch, nn, F
    torch = twin.load_torch(o)
    nn, F = torch.nn, torch.nn.functional
    torch.manual_seed(o.seed)
    print(f"PyTorch {torch.__version__}, {o.threads} thread{'' if o.threads == 1 else 's'}, "
          f"mkldnn available: {torch.backends.mkldnn.is_available()}, "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    if o.model == "cyclegan":
        print(f"model mnist_cyclegan (G, F, D_A, D_B; least squares, cycle {CYCLE_WEIGHT:g}, "
              f"identity {o.identity:g}, pools of {CYCLE_POOL})")
    elif o.model == "resgan":
        print("model mnist_resgan (hinge loss, EMA of G, spectral norm in D)")
    step = {"dcgan": dcgan, "resgan": resgan, "cyclegan": cyclegan}[o.model](o)
    rate, lo, hi = twin.median_rates(step, o.batch, o.steps, o.repeats, o.warmup)
    print(f"batch {o.batch}: {rate:.1f} images/s (median of {o.repeats} repeats of "
          f"{o.steps} steps; min {lo:.1f}, max {hi:.1f})")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
