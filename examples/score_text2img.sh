#!/bin/sh
# Score a trained mnist_text2img checkpoint (issue 15): for 2000 images drawn for
# held-out captions and 2000 for training captions, reported apart, the share that
# gan_score's classifier (trained on mnist-10k, as score_all.sh does) reads as the digit
# named, and for each attribute the share whose measured bin (Morpho-MNIST measures and
# the training set's per-digit tertile cuts, for the digit asked) is the bin asked, over
# the captions that ask for it (chance: a third), and the same over the images read as
# the digit named only. mnist_text2img --samples measures the images it wrote and reads
# them with the classifier itself (as gan_score score would: the same file, the same
# network), so no caption text is parsed.
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
printf '%-9s %8s %10s %10s %10s   %s\n' captions digit thickness slant width \
    "(then: the attributes over the images read as the digit named)"
for split in train held-out; do
    "$t2i" "$@" --resume "$ckpt" --samples "$n" --split "$split" \
        --samples-out "$out/$split.idx" --captions-out "$out/$split-captions.txt" \
        --meanings-out "$out/$split-meanings.tsv" --labels-out "$out/$split-labels.idx" \
        --classifier "$classifier" > "$out/$split.attrs"
    printf '%-9s %8s %10s %10s %10s   %10s %10s %10s\n' "$split" \
        "$(value digit "$out/$split.attrs")" "$(value thickness "$out/$split.attrs")" \
        "$(value slant "$out/$split.attrs")" "$(value width "$out/$split.attrs")" \
        "$(value thickness_if_digit_right "$out/$split.attrs")" \
        "$(value slant_if_digit_right "$out/$split.attrs")" \
        "$(value width_if_digit_right "$out/$split.attrs")"
done
echo "held-out captions by rule (each rule's composed attribute is the one to read):"
grep '^rule' "$out/held-out.attrs"
