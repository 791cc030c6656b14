#!/bin/sh
# An example resumed from the end of epoch 1 with --epochs 2 ends exactly where an
# uninterrupted --epochs 2 run with the same seed ends: checkpoint, final sample grid and
# generated samples byte for byte.
# usage: check_resume.sh EXAMPLE_BINARY [THREADS [GAN_SCORE_BINARY]]
# With GAN_SCORE_BINARY the example trains on 512 of the vendored digits (exported by
# `gan_score export`), for the examples whose full epoch takes too long for a test.
set -eu
example=$1
threads=${2:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common="--batch 128 --seed 7 --sample-every 0 --threads $threads --samples 16"
if [ $# -ge 3 ]; then
    mkdir "$work/data"
    "$3" export --n 512 --out "$work/data/train-images-idx3-ubyte" > "$work/export.log" 2>&1 ||
        { cat "$work/export.log"; exit 1; }
    common="$common --data $work/data"
fi
"$example" $common --epochs 2 --out "$work/straight" \
    --samples-out "$work/straight.idx" > "$work/straight.log" 2>&1 ||
    { cat "$work/straight.log"; exit 1; }
"$example" $common --epochs 1 --out "$work/resumed" \
    --samples-out "$work/first.idx" > "$work/first.log" 2>&1 ||
    { cat "$work/first.log"; exit 1; }
"$example" $common --epochs 2 --out "$work/resumed" --resume "$work/resumed/checkpoint.gan" \
    --samples-out "$work/resumed.idx" > "$work/resumed.log" 2>&1 ||
    { cat "$work/resumed.log"; exit 1; }
for f in checkpoint.gan samples_final.png; do
    cmp "$work/straight/$f" "$work/resumed/$f" || { echo "$f differs"; exit 1; }
done
cmp "$work/straight.idx" "$work/resumed.idx" || { echo "generated samples differ"; exit 1; }
if cmp -s "$work/first.idx" "$work/resumed.idx"; then
    echo "the resumed run did not train further"
    exit 1
fi
rows=$(wc -l < "$work/resumed/metrics.csv")
straight_rows=$(wc -l < "$work/straight/metrics.csv")
[ "$rows" = "$straight_rows" ] || { echo "metrics.csv: $rows rows resumed, $straight_rows straight"; exit 1; }
cmp "$work/straight/metrics.csv" "$work/resumed/metrics.csv" ||
    { echo "metrics.csv differs"; exit 1; }
echo "resume is exact: checkpoint, samples_final.png, samples and metrics.csv identical"
