#!/bin/sh
# The part count, not the thread count, decides what an example computes: mnist_dcgan
# with --parts 2 trains to the same checkpoint, samples and grid, byte for byte, with
# --threads 1 and --threads 2 (on 512 of the vendored digits, one epoch).
# usage: check_parts.sh EXAMPLE_BINARY GAN_SCORE_BINARY
set -eu
example=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/data"
"$2" export --n 512 --out "$work/data/train-images-idx3-ubyte" > "$work/export.log" 2>&1 ||
    { cat "$work/export.log"; exit 1; }
for threads in 1 2; do
    "$example" --batch 128 --seed 7 --epochs 1 --sample-every 0 --parts 2 \
        --threads "$threads" --data "$work/data" --samples 16 \
        --samples-out "$work/t$threads.idx" --out "$work/t$threads" > "$work/t$threads.log" 2>&1 ||
        { cat "$work/t$threads.log"; exit 1; }
done
for f in checkpoint.gan samples_final.png; do
    cmp "$work/t1/$f" "$work/t2/$f" || { echo "$f differs between 1 and 2 threads"; exit 1; }
done
cmp "$work/t1.idx" "$work/t2.idx" || { echo "the samples differ between 1 and 2 threads"; exit 1; }
echo "--parts 2: the same bits with 1 and 2 threads"
