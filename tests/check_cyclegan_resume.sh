#!/bin/sh
# mnist_cyclegan stopped after step 15 of a 30-step run and resumed ends exactly where
# the uninterrupted run ends: checkpoint, final picture and metrics.csv byte for byte;
# then --translate writes an IDX file of every image of a domain.
# usage: check_cyclegan_resume.sh MNIST_CYCLEGAN DATA_A_IMAGES
set -eu
example=$1
images=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common="--steps 30 --sample-every 10 --batch 4 --g-filters 8 --g-blocks 1 --d-filters 8 --seed 3"
run() {
    log=$1
    shift
    "$example" $common "$@" > "$work/$log.log" 2>&1 || { cat "$work/$log.log"; exit 1; }
}
run straight --out "$work/straight"
run first --out "$work/resumed" --stop-after 15
run resumed --out "$work/resumed" --resume "$work/resumed/checkpoint.gan"
for f in checkpoint.gan samples.png metrics.csv; do
    cmp "$work/straight/$f" "$work/resumed/$f" || { echo "$f differs"; exit 1; }
done
run translate --resume "$work/straight/checkpoint.gan" --translate "$images" \
    --direction a2b --translate-out "$work/a2b.idx"
size=$(wc -c < "$work/a2b.idx")
[ "$size" = 7840016 ] || { echo "a2b.idx has $size bytes, expected 16 + 10000 x 784"; exit 1; }
if "$example" $common --translate "$images" --direction sideways \
    --resume "$work/straight/checkpoint.gan" --translate-out "$work/x.idx" 2> "$work/bad.log"; then
    echo "a wrong direction was accepted"
    exit 1
fi
echo "resume is exact (checkpoint, samples.png, metrics.csv identical); translation written"
