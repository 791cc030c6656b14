"""What the PyTorch twins of libgan's benchmarks share (dcgan_torch.py, bench_lstm.py).

torch is imported by load_torch() only, once OPENBLAS_NUM_THREADS is set: PyTorch's
matrix products call the system BLAS (OpenBLAS on Debian), whose thread pool
torch.set_num_threads does not size and which reads the variable when it loads.
"""
import argparse
import os
import statistics
import time

torch = None  # set by load_torch()


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not >= 1")
    return value


def add_thread_options(p):
    p.add_argument("--threads", type=positive, default=1,
                   help="torch.set_num_threads (default 1)")
    p.add_argument("--blas-threads", type=positive, default=None,
                   help="OPENBLAS_NUM_THREADS, set before torch loads (default: as "
                   "--threads, unless the environment sets it)")


def load_torch(o):
    """Set OpenBLAS's threads from o.blas_threads (or o.threads), import torch, set its
    threads to o.threads and return the module."""
    if o.blas_threads is not None:
        os.environ["OPENBLAS_NUM_THREADS"] = str(o.blas_threads)
    else:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", str(o.threads))
    global torch
    import torch as loaded
    torch = loaded
    torch.set_num_threads(o.threads)
    return torch


def median_rates(step, work, steps, repeats, warmup):
    """step() warmup times untimed, then repeats times steps calls timed: the median, min
    and max of work * steps / seconds over the repeats."""
    for _ in range(warmup):
        step()
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        rates.append(work * steps / (time.perf_counter() - start))
    return statistics.median(rates), min(rates), max(rates)


def _matmul_flops(module, inputs, output):
    """The multiply-adds (times 2) of a module's matrix products in one forward, as
    libgan's profiler counts them (2 m n k per product); 0 for modules without any."""
    nn = torch.nn
    x = inputs[0]
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        return 2 * output.numel() * module.in_channels // module.groups * kh * kw
    if isinstance(module, nn.ConvTranspose2d):
        kh, kw = module.kernel_size
        return 2 * x.numel() * module.out_channels // module.groups * kh * kw
    if isinstance(module, nn.Linear):
        return 2 * x.numel() * module.out_features
    if isinstance(module, (nn.LSTM, nn.LSTMCell)):
        gates = 4 * module.hidden_size
        return 2 * (x.numel() // module.input_size) * gates * (module.input_size +
                                                               module.hidden_size)
    return 0


def print_model(name, model, *inputs):
    """The lines libgan's benchmarks print for the same network (bench_machine.h):
    'parameters NAME TOTAL: C1 C2 ...', the trainable parameters of each module that
    holds some, largest first, and 'forward FLOP per sample NAME F', the matrix products
    of one forward (no_grad, eval mode) on @p inputs divided by their batch (one sample: an image, a sequence, a token)."""
    counts = [sum(p.numel() for p in m.parameters(recurse=False) if p.requires_grad)
              for m in model.modules()]
    counts = sorted((c for c in counts if c), reverse=True)
    print(f"parameters {name} {sum(counts)}: {' '.join(str(c) for c in counts)}")
    flops = [0]
    hooks = [m.register_forward_hook(
        lambda m, i, o: flops.__setitem__(0, flops[0] + _matmul_flops(m, i, o)))
        for m in model.modules()]
    training = model.training
    model.eval()
    with torch.no_grad():
        model(*inputs)
    model.train(training)
    for h in hooks:
        h.remove()
    print(f"forward FLOP per sample {name} {flops[0] // inputs[0].shape[0]}")
