#!/usr/bin/python3
"""PyTorch twin of bench_lstm: the same LSTM passes, SeqGAN rollouts and SeqGAN
maximum-likelihood step, timed the same way.

LSTM throughput: nn.LSTM(E, H, batch_first=True) on (batch, T, E) floats of N(0, 1).
  * forward: under torch.no_grad() (PyTorch's cheapest forward; libgan's forward always
    keeps what backward needs);
  * forward+backward: x.requires_grad_(True), y, _ = lstm(x); y.backward(dy): parameter
    gradients (accumulated in .grad, never cleared, as libgan's arena) and the input
    gradient, as bench_lstm's gan_model_backward(m, dy, &dx).
tokens/s = batch * T * passes / seconds; the two measurements alternate repeat by repeat.

Rollouts (under torch.no_grad()): the generator nn.Embedding(V, E) -> nn.LSTMCell(E, H)
-> nn.Linear(H, V), stepped one token at a time; a token is drawn by
torch.multinomial(torch.softmax(logits, -1), 1). The batch of sequences y (batch, T) is
sampled from the generator first, untimed. Step 0's input is the start token 0, step k's
y_{k-1}. Prefix pass: start, y_0 .. y_{T-3} (T - 1 steps), keeping the state after each,
S_1 .. S_{T-1}. For every prefix length t = 1 .. T-1 and every rollout: from S_t feed
y_{t-1} and draw y_t, feed it, ... up to y_{T-1} (T - t steps and draws). Layout branch:
the batch's rows, the rollouts one after another; wide: the R rollouts of a prefix
together, batch * R rows (each state row repeated R times). The same counts as
bench_lstm's. The generator's parameters and forward FLOP per token are printed as
bench_lstm prints them (G_step).

Maximum-likelihood step (--part mle, as words_seqgan pre-trains, and libgan's
gan_seqgan_mle_step): nn.Embedding(27, 32) -> nn.LSTM(32, 128, batch_first=True) ->
nn.Linear(128, 27) on (batch, 11) ids (words of up to 10 letters and the end token);
input the start token 0 and x_0 .. x_{T-2}, the mean cross-entropy against x_0 .. x_{T-1},
backward, gradients clipped to norm 5, Adam(0.01, 0.9, 0.999). The real batch is uniform
ids. sequences/s = batch * passes / seconds. The parameters and forward FLOP per sequence
are printed as bench_lstm prints them (G).

  /usr/bin/python3 examples/bench/bench_lstm.py [--part lstm|rollout|mle|all] [--threads N]
      [--blas-threads N] [--repeats N] [--warmup N] [--passes N] [--seed N] [--batch N]
      [--steps T] [--embed E] [--hidden H[,H...]] [--vocab V] [--gen-hidden H]
      [--rollouts R] [--layout branch|wide]
"""
import argparse
import os
import statistics
import sys
import time

import twin

torch = nn = None  # imported by main() through twin.load_torch()

# words_seqgan's defaults (EX_WORDS_* in examples/common/seqgan_models.h, VOCAB in
# word_list.h): T = max_len + 1.
WORDS_VOCAB, WORDS_T, WORDS_EMBED, WORDS_HIDDEN, WORDS_G_LR = 27, 11, 32, 128, 0.01


def summary(values):
    return statistics.median(values), min(values), max(values)


def bench_layer(o, hidden):
    torch.manual_seed(o.seed)
    lstm = nn.LSTM(o.embed, hidden, batch_first=True)
    x = torch.randn(o.batch, o.steps, o.embed)
    dy = torch.randn(o.batch, o.steps, hidden)
    xg = x.clone().requires_grad_(True)

    def forward():
        with torch.no_grad():
            lstm(x)

    def both():
        y, _ = lstm(xg)
        y.backward(dy)

    for _ in range(o.warmup):
        forward()
        both()
    tokens = o.batch * o.steps * o.passes
    fwd, fb = [], []
    for _ in range(o.repeats):
        start = time.perf_counter()
        for _ in range(o.passes):
            forward()
        fwd.append(tokens / (time.perf_counter() - start))
        start = time.perf_counter()
        for _ in range(o.passes):
            both()
        fb.append(tokens / (time.perf_counter() - start))
    for name, rates in (("forward", fwd), ("forward+backward", fb)):
        med, lo, hi = summary(rates)
        print(f"lstm hidden {hidden} {name}: {med:.0f} tokens/s (median of {o.repeats} "
              f"repeats of {o.passes} passes; min {lo:.0f}, max {hi:.0f})")


class Clock:
    def __init__(self):
        self.forward = self.sample = self.state = 0.0


def bench_rollout(o):
    torch.manual_seed(o.seed)
    N, T, V, H, R = o.batch, o.steps, o.vocab, o.gen_hidden, o.rollouts
    emb = nn.Embedding(V, o.embed)            # N(0, 1), as libgan's
    cell = nn.LSTMCell(o.embed, H)            # U(-1/sqrt(H), 1/sqrt(H)), as libgan's
    lin = nn.Linear(H, V)
    nn.init.normal_(lin.weight, 0.0, 0.02)    # libgan's Dense: N(0, 0.02), bias 0
    nn.init.zeros_(lin.bias)
    wide = o.layout == "wide"
    twin.print_model("G_step", nn.Sequential(emb, cell_output(cell), lin),
                     torch.zeros(N, dtype=torch.long))

    def step(ids, state, clk):
        t0 = time.perf_counter()
        h, c = cell(emb(ids), state)
        logits = lin(h)
        t1 = time.perf_counter()
        ids = torch.multinomial(torch.softmax(logits, -1), 1).squeeze(1)
        clk.forward += t1 - t0
        clk.sample += time.perf_counter() - t1
        return ids, (h, c)

    def rollout_batch(y, clk):
        t0 = time.perf_counter()
        zero = torch.zeros(N, H)
        states = [(zero, zero)]  # states[t] = S_t, the state after t inputs
        clk.state += time.perf_counter() - t0
        ids = torch.zeros(N, dtype=torch.long)
        for k in range(T - 1):
            t0 = time.perf_counter()
            if k:
                ids = y[:, k - 1]
            states.append(cell(emb(ids), states[-1]))
            clk.forward += time.perf_counter() - t0
        for t in range(1, T):
            h, c = states[t]
            if wide:
                t0 = time.perf_counter()
                state = (h.repeat_interleave(R, 0), c.repeat_interleave(R, 0))
                ids = y[:, t - 1].repeat_interleave(R, 0)
                clk.state += time.perf_counter() - t0
                for _ in range(t, T):
                    ids, state = step(ids, state, clk)
                continue
            for _ in range(R):
                state, ids = (h, c), y[:, t - 1]
                for _ in range(t, T):
                    ids, state = step(ids, state, clk)

    with torch.no_grad():
        # The batch to roll out: N sequences sampled from the generator.
        clk = Clock()
        ids, state = torch.zeros(N, dtype=torch.long), (torch.zeros(N, H), torch.zeros(N, H))
        cols = []
        for _ in range(T):
            ids, state = step(ids, state, clk)
            cols.append(ids)
        y = torch.stack(cols, 1)
        half = T * (T - 1) // 2
        rows = N * R if wide else N
        count = half if wide else R * half
        print(f"rollout {o.layout}: batch {N}, T {T}, V {V}, E {o.embed}, H {H}, {R} rollouts "
              f"per prefix: {T - 1} forwards of {N} rows and {count} of {rows}, {count} draws "
              f"of {rows} rows")
        for _ in range(o.warmup):
            rollout_batch(y, Clock())
        ms, fwd, smp, sta = [], [], [], []
        for _ in range(o.repeats):
            clk = Clock()
            start = time.perf_counter()
            rollout_batch(y, clk)
            ms.append(1e3 * (time.perf_counter() - start))
            fwd.append(1e3 * clk.forward)
            smp.append(1e3 * clk.sample)
            sta.append(1e3 * clk.state)
    med, lo, hi = summary(ms)
    print(f"rollout {o.layout}: {med:.1f} ms per batch of {N} sequences (median of "
          f"{o.repeats} repeats; min {lo:.1f}, max {hi:.1f})")
    # The parts of the repeat whose time is the median (the upper middle one for an even
    # count), as bench_lstm.
    mid = sorted(range(o.repeats), key=lambda r: (ms[r], r))[o.repeats // 2]
    whole, mf, ms_, mst = ms[mid], fwd[mid], smp[mid], sta[mid]
    print(f"rollout {o.layout} parts (the median repeat, {whole:.1f} ms): generator forward "
          f"{mf:.1f} ms, sampling {ms_:.1f} ms, state copies {mst:.1f} ms, rest "
          f"{whole - mf - ms_ - mst:.1f} ms")


def cell_output(cell):
    """The cell as a module of one input whose output is h (for print_model)."""
    class Output(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = cell

        def forward(self, x):
            return self.cell(x)[0]
    return Output()


def bench_mle(o):
    torch.manual_seed(o.seed)
    B, T, V = o.batch, WORDS_T, WORDS_VOCAB

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(V, WORDS_EMBED)                      # N(0, 1)
            self.lstm = nn.LSTM(WORDS_EMBED, WORDS_HIDDEN, batch_first=True)
            self.lin = nn.Linear(WORDS_HIDDEN, V)

        def forward(self, ids):
            return self.lin(self.lstm(self.emb(ids))[0])

    g = Generator()
    nn.init.normal_(g.lin.weight, 0.0, 0.02)  # libgan's Dense: N(0, 0.02), bias 0
    nn.init.zeros_(g.lin.bias)
    opt = torch.optim.Adam(g.parameters(), lr=WORDS_G_LR, betas=(0.9, 0.999), eps=1e-8)
    real = torch.randint(0, V, (B, T))
    start = torch.zeros(B, 1, dtype=torch.long)
    print(f"mle: words_seqgan's generator, batch {B}, T {T}, V {V}, E {WORDS_EMBED}, "
          f"H {WORDS_HIDDEN}, Adam {WORDS_G_LR:g}, clip 5")
    twin.print_model("G", g, real)

    def step():
        opt.zero_grad(set_to_none=False)
        logits = g(torch.cat([start, real[:, :-1]], 1))
        nn.functional.cross_entropy(logits.reshape(-1, V), real.reshape(-1)).backward()
        nn.utils.clip_grad_norm_(g.parameters(), 5.0)
        opt.step()

    med, lo, hi = twin.median_rates(step, B, o.passes, o.repeats, o.warmup)
    print(f"mle: {med:.0f} sequences/s (median of {o.repeats} repeats of {o.passes} steps; "
          f"min {lo:.0f}, max {hi:.0f})")


def sizes(text):
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a list of sizes") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a list of sizes >= 1")
    return values


def main():
    p = argparse.ArgumentParser(description="Time the LSTM's passes and SeqGAN's rollouts "
                                "in PyTorch (the twin of libgan's bench_lstm).")
    p.add_argument("--part", choices=("lstm", "rollout", "mle", "all"), default="all")
    twin.add_thread_options(p)
    p.add_argument("--repeats", type=twin.positive, default=5, help="timed repeats (default 5)")
    p.add_argument("--warmup", type=int, default=2, help="untimed passes first (default 2)")
    p.add_argument("--passes", type=twin.positive, default=20,
                   help="LSTM passes (MLE steps) per timed repeat (default 20)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--batch", type=twin.positive, default=64)
    p.add_argument("--steps", type=int, default=20, help="sequence length T (default 20)")
    p.add_argument("--embed", type=twin.positive, default=32)
    p.add_argument("--hidden", type=sizes, default=[32, 256],
                   help="LSTM sizes to time (default 32,256)")
    p.add_argument("--vocab", type=twin.positive, default=5000)
    p.add_argument("--gen-hidden", type=twin.positive, default=32)
    p.add_argument("--rollouts", type=twin.positive, default=16)
    p.add_argument("--layout", choices=("branch", "wide"), default="branch")
    o = p.parse_args()
    if o.warmup < 0 or o.steps < 2:
        p.error("--warmup must be >= 0 and --steps >= 2")

    global torch, nn
    torch = twin.load_torch(o)
    nn = torch.nn
    print(f"PyTorch {torch.__version__}, torch threads {torch.get_num_threads()}, "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, "
          f"mkldnn available: {torch.backends.mkldnn.is_available()}")
    if o.part in ("lstm", "all"):
        for hidden in o.hidden:
            bench_layer(o, hidden)
    if o.part in ("rollout", "all"):
        bench_rollout(o)
    if o.part in ("mle", "all"):
        bench_mle(o)
    return 0


if __name__ == "__main__":
    sys.exit(main())
