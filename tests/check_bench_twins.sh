#!/bin/sh
# The PyTorch twins in examples/bench/ run the networks libgan's benchmarks run: for the
# DCGAN, residual GAN and CycleGAN steps (bench_dcgan, dcgan_torch.py), SeqGAN's
# maximum-likelihood step and its rollout generator (bench_lstm, bench_lstm.py), each
# network's parameter count, per layer, and its forward matrix-product FLOP per sample
# must be equal on both sides, and one timed step of each must give a figure. Skipped
# (77) when /usr/bin/python3 has no torch.
#
#   check_bench_twins.sh BENCH_DCGAN BENCH_LSTM TWINS_DIR
set -eu
bench_dcgan=$1 bench_lstm=$2 twins=$3
python=/usr/bin/python3
if ! "$python" -c 'import torch' > /dev/null 2>&1; then
    echo "SKIP: $python cannot import torch"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# compare NAME FIGURE_PATTERN: the network lines and a positive figure on both sides.
compare() {
    for side in c py; do
        grep -E '^(parameters|forward FLOP per sample) ' "$tmp/$side" > "$tmp/$side.nets" || true
        figure=$(sed -n "s|$2|\\1|p" "$tmp/$side" | head -n 1)
        if ! awk -v x="${figure:-0}" 'BEGIN { exit !(x > 0) }'; then
            echo "FAIL $1: no figure from the $side side"
            cat "$tmp/$side"
            failed=1
        fi
    done
    if [ ! -s "$tmp/c.nets" ] || ! diff -u "$tmp/c.nets" "$tmp/py.nets"; then
        echo "FAIL $1: the twin's networks differ from libgan's (above: - libgan, + PyTorch)"
        failed=1
    else
        echo "ok $1:"
        sed 's/^/    /' "$tmp/c.nets"
    fi
}

export OPENBLAS_NUM_THREADS=1
# Small batches: the lines compared do not depend on the batch, and the test stays cheap.
one="--batch 8 --steps 1 --repeats 1 --warmup 0"
images='^batch [0-9]*: \([0-9.]*\) images/s.*'
for model in dcgan resgan cyclegan; do
    # shellcheck disable=SC2086 # $one is words
    "$bench_dcgan" --model "$model" --threads 1 --no-peak $one > "$tmp/c"
    # shellcheck disable=SC2086
    "$python" "$twins/dcgan_torch.py" --model "$model" --threads 1 $one > "$tmp/py"
    compare "$model step" "$images"
done

short="--batch 8 --repeats 1 --warmup 0 --passes 1"
# shellcheck disable=SC2086
"$bench_lstm" --part mle $short > "$tmp/c"
# shellcheck disable=SC2086
"$python" "$twins/bench_lstm.py" --part mle $short > "$tmp/py"
compare "SeqGAN MLE step" '^mle: \([0-9.]*\) sequences/s.*'

rollout="--batch 8 --repeats 1 --warmup 0 --rollouts 1 --steps 4"
# shellcheck disable=SC2086
"$bench_lstm" --part rollout $rollout > "$tmp/c"
# shellcheck disable=SC2086
"$python" "$twins/bench_lstm.py" --part rollout $rollout > "$tmp/py"
compare "SeqGAN rollout" '^rollout branch: \([0-9.]*\) ms per batch.*'

[ "$failed" = 0 ] && echo "all twins match"
exit "$failed"
