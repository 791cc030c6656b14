#!/bin/sh
# Score a trained mnist_text2img checkpoint (issue 15): for 2000 images drawn for
# held-out captions and 2000 for training captions, reported apart, the share that
# gan_score's classifier (trained on mnist-10k, as score_all.sh does) reads as the digit
# named, and for each attribute the share whose measured bin (Morpho-MNIST measures and
# the training set's per-digit tertile cuts, for the digit asked) is the bin asked, over
# the captions that ask for it (chance: a third). mnist_text2img --samples writes the
# meanings it drew as TSV and measures the images itself: no text is parsed.
#
#   examples/score_text2img.sh BUILD_DIR CHECKPOINT OUT_DIR [MNIST_TEXT2IMG_FLAGS...]
# (pass --captions label for a checkpoint of the label-only baseline, and the network
# sizes it was trained with)
set -eu
usage="usage: score_text2img.sh BUILD_DIR CHECKPOINT OUT_DIR [FLAGS...]"
build=${1:?$usage}
ckpt=${2:?$usage}
out=${3:?$usage}
shift 3
n=${T2I_SAMPLES:-2000}
t2i="$build/examples/mnist_text2img"
score="$build/examples/gan_score"
mkdir -p "$out"
classifier="$out/classifier.gan"
[ -f "$classifier" ] || "$score" train --out "$classifier" > "$out/classifier.log"
value() { sed -n "s/^$1: \([^ ]*\).*/\1/p" "$2"; }
printf '%-9s %8s %10s %10s %10s\n' captions digit thickness slant width
for split in train held-out; do
    "$t2i" "$@" --resume "$ckpt" --samples "$n" --split "$split" \
        --samples-out "$out/$split.idx" --captions-out "$out/$split-captions.txt" \
        --meanings-out "$out/$split-meanings.tsv" --labels-out "$out/$split-labels.idx" \
        > "$out/$split.attrs"
    "$score" score --classifier "$classifier" --samples "$out/$split.idx" \
        --labels "$out/$split-labels.idx" --n "$n" > "$out/$split.score"
    printf '%-9s %8s %10s %10s %10s\n' "$split" "$(value accuracy "$out/$split.score")" \
        "$(value thickness "$out/$split.attrs")" "$(value slant "$out/$split.attrs")" \
        "$(value width "$out/$split.attrs")"
done
echo "held-out captions by rule (each rule's composed attribute is the one to read):"
grep '^rule' "$out/held-out.attrs"
