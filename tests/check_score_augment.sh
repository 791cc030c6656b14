#!/bin/sh
# gan_score train --augment: a classifier trained on printed digits with the random
# distortions reads handwritten digits better than one trained without, and still reads
# the printed ones.
# usage: check_score_augment.sh GAN_SCORE_BINARY PRINTED_DIR HANDWRITTEN_DIR
set -eu
score=$1 printed=$2 handwritten=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

accuracy() { # accuracy CLASSIFIER DIR: its accuracy on DIR's first 2000 images
    "$score" score --classifier "$1" --threads 1 --data "$2" \
        --samples "$2/train-images-idx3-ubyte.gz" --labels "$2/train-labels-idx1-ubyte.gz" |
        awk '$1 == "accuracy:" { print $2 }'
}
for kind in plain augment; do
    flag=; [ "$kind" = augment ] && flag=--augment
    "$score" train --data "$printed" --epochs 3 --seed 1 --threads 1 $flag \
        --out "$work/$kind.bin" > "$work/$kind.log"
done
plain=$(accuracy "$work/plain.bin" "$handwritten")
augmented=$(accuracy "$work/augment.bin" "$handwritten")
own=$(accuracy "$work/augment.bin" "$printed")
echo "handwritten read by a printed classifier: plain $plain, augmented $augmented;" \
    "printed read by the augmented one: $own"
awk "BEGIN { exit !($augmented > $plain + 0.05 && $own > 0.95) }" ||
    { echo "FAILED: augment should add 5 points on handwritten and keep 95% on printed"; exit 1; }
