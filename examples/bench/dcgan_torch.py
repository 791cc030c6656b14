#!/usr/bin/python3
"""PyTorch twin of bench_dcgan: the same full DCGAN training step, timed the same way.

The networks are those of examples/common/models.c (mnist_dcgan), the step that of
lib/train/step.c with the trainer's defaults:
  * D update: D on the real batch (BCE on logits against 0.9, one-sided label smoothing),
    backward; D on a fake batch from fresh N(0, 1) latents (BCE against 0), backward;
    Adam step. Real and fake batches go through D separately (separate_batches = 1).
  * G update: the fakes of the D update are reused (fresh_g_latent = 0); D on them with
    the non-saturating loss (BCE against 1), backward through D (input gradients only: D's
    parameters are frozen) into G; Adam step.
Both models stay in training mode (batch statistics, dropout). The "real" batch is fixed
noise in [-1, 1], which costs exactly what digits cost.

  /usr/bin/python3 examples/bench/dcgan_torch.py [--batch N] [--threads N] [--blas-threads N]
                                                 [--steps N] [--repeats N] [--warmup N]
                                                 [--seed N]
"""
import argparse
import os
import resource
import statistics
import sys
import time

LATENT = 100
torch = nn = F = None  # imported by main(), once the BLAS thread count is set


def generator():
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


def discriminator():
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


def init_weights(m):
    # libgan: every weight N(0, 0.02), biases 0; BatchNorm gamma 1, beta 0.
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)
    elif isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not >= 1")
    return value


def main():
    p = argparse.ArgumentParser(description="Time full DCGAN training steps in PyTorch "
                                "(the twin of libgan's bench_dcgan) and print images/s.")
    p.add_argument("--batch", type=positive, default=64, help="batch size (default 64)")
    p.add_argument("--threads", type=positive, default=1,
                   help="torch.set_num_threads (default 1)")
    p.add_argument("--blas-threads", type=positive, default=None,
                   help="OPENBLAS_NUM_THREADS, set before torch loads (default: as "
                   "--threads, unless the environment sets it)")
    p.add_argument("--steps", type=positive, default=20,
                   help="steps per timed repeat (default 20)")
    p.add_argument("--repeats", type=positive, default=5, help="timed repeats (default 5)")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first (default 3)")
    p.add_argument("--seed", type=int, default=42, help="seed (default 42)")
    o = p.parse_args()
    if o.warmup < 0:
        p.error("--warmup must be >= 0")

    # PyTorch's Linear layers (and some convolutions) call the system BLAS (OpenBLAS on
    # Debian), whose thread pool torch.set_num_threads does not size: set it before the
    # library loads. Hence torch is imported here, into the module's globals.
    if o.blas_threads is not None:
        os.environ["OPENBLAS_NUM_THREADS"] = str(o.blas_threads)
    else:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", str(o.threads))
    global torch, nn, F
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(o.threads)
    torch.manual_seed(o.seed)
    print(f"PyTorch {torch.__version__}, {o.threads} thread{'' if o.threads == 1 else 's'}, "
          f"mkldnn available: {torch.backends.mkldnn.is_available()}, "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")

    g, d = generator(), discriminator()
    g.apply(init_weights)
    d.apply(init_weights)
    g.train()
    d.train()
    g_opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    d_opt = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    d_params = list(d.parameters())

    b = o.batch
    real = torch.rand(b, 1, 28, 28) * 2.0 - 1.0
    real_targets = torch.full((b, 1), 0.9)
    fake_targets = torch.zeros(b, 1)
    g_targets = torch.ones(b, 1)

    def step():
        # D update: reals, then the fakes of fresh latents, in separate passes.
        d_opt.zero_grad(set_to_none=False)
        z = torch.randn(b, LATENT)
        fake = g(z)
        F.binary_cross_entropy_with_logits(d(real), real_targets).backward()
        F.binary_cross_entropy_with_logits(d(fake.detach()), fake_targets).backward()
        d_opt.step()
        # G update on the same fakes; D frozen, so only its input gradients are computed.
        g_opt.zero_grad(set_to_none=False)
        for q in d_params:
            q.requires_grad_(False)
        F.binary_cross_entropy_with_logits(d(fake), g_targets).backward()
        for q in d_params:
            q.requires_grad_(True)
        g_opt.step()

    for _ in range(o.warmup):
        step()
    rates = []
    for _ in range(o.repeats):
        start = time.perf_counter()
        for _ in range(o.steps):
            step()
        rates.append(b * o.steps / (time.perf_counter() - start))
    print(f"batch {b}: {statistics.median(rates):.1f} images/s (median of {o.repeats} "
          f"repeats of {o.steps} steps; min {min(rates):.1f}, max {max(rates):.1f})")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
