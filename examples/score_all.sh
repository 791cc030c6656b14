#!/bin/sh
# Train every MNIST example for its default budget, draw 2000 samples from each and score
# them with gan_score: the figures of doc/EXAMPLES.md ("Quality after the default
# budget"). Took about half an hour on 2 cores before mnist_resgan, which is budgeted to
# train in about mnist_dcgan's time.
#
#   examples/score_all.sh BUILD_DIR OUT_DIR [EXAMPLE...]
set -eu
build=${1:?usage: score_all.sh BUILD_DIR OUT_DIR [EXAMPLE...]}
out=${2:?usage: score_all.sh BUILD_DIR OUT_DIR [EXAMPLE...]}
shift 2
examples=${*:-mnist_gan mnist_dcgan mnist_cgan mnist_wgan mnist_resgan}
mkdir -p "$out"
classifier="$out/classifier.gan"
if [ ! -f "$classifier" ]; then
    "$build/examples/gan_score" train --out "$classifier" > "$out/classifier.log"
fi
for name in $examples; do
    labels=""
    [ "$name" = mnist_cgan ] && labels="--labels-out $out/$name-labels.idx"
    start=$(date +%s)
    # shellcheck disable=SC2086 # $labels is two words or none
    "$build/examples/$name" --out "$out/$name" --samples 2000 \
        --samples-out "$out/$name-samples.idx" $labels > "$out/$name.log" 2>&1
    end=$(date +%s)
    echo "== $name: trained in $((end - start)) s"
    score_labels=""
    [ "$name" = mnist_cgan ] && score_labels="--labels $out/$name-labels.idx"
    # shellcheck disable=SC2086
    "$build/examples/gan_score" score --classifier "$classifier" \
        --samples "$out/$name-samples.idx" --n 2000 $score_labels | tee "$out/$name.score"
done
