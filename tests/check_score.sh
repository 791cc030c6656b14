#!/bin/sh
# gan_score is calibrated: scored with a classifier trained for 2 epochs, 2000 real digits
# (disjoint from the real reference sets) are close to the real features, classified
# well and spread over the ten classes; uniform noise is far away and concentrated;
# one class alone is one class present with a score near 1.
# (1 epoch is not enough: its classifier puts 3% of the 3s on 5, a second class present.)
# usage: check_score.sh GAN_SCORE_BINARY
set -eu
score=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() { # run NAME ARGS...: run gan_score, keep its output in $work/NAME.log
    name=$1
    shift
    "$score" "$@" > "$work/$name.log" 2>&1 || { cat "$work/$name.log"; exit 1; }
}
value() { # value NAME KEY: the value of "KEY: value" in $work/NAME.log
    awk -v k="$2:" '$1 == k { print $2; found = 1 } END { exit !found }' "$work/$1.log" ||
        { echo "no $2 in $1:"; cat "$work/$1.log"; exit 1; }
}
check() { # check DESCRIPTION AWK-CONDITION
    awk "BEGIN { exit !($2) }" || { echo "FAILED: $1 ($2)"; exit 1; }
    echo "ok: $1 ($2)"
}

run train train --epochs 2 --seed 1 --threads 1 --out "$work/classifier.bin"
run export_real export --n 2000 --offset 4000 --out "$work/real.idx" \
    --labels-out "$work/real_labels.idx"
run export_noise export --noise --n 2000 --out "$work/noise.idx"
run export_three export --class 3 --n 500 --offset 4000 --out "$work/three.idx"
sc="score --classifier $work/classifier.bin --threads 1"
run real $sc --samples "$work/real.idx" --labels "$work/real_labels.idx"
run noise $sc --samples "$work/noise.idx"
run three $sc --samples "$work/three.idx"
# --original: a set against itself is at distance 0, against noise far from it.
run same $sc --samples "$work/real.idx" --original "$work/real.idx"
run apart $sc --samples "$work/real.idx" --original "$work/noise.idx"
cat "$work/train.log" "$work/real.log" "$work/noise.log" "$work/three.log"

fd_real=$(value real fd)
fd_base=$(value real fd_real_baseline)
fd_noise=$(value noise fd)
fd_three=$(value three fd)
check "real digits: FD small" "$fd_real < 5 && $fd_base < 5"
check "real digits: accuracy > 0.9" "$(value real accuracy) > 0.9"
check "real digits: 10 classes present" "$(value real classes_present) == 10"
check "real digits: classifier score > 5" "$(value real classifier_score) > 5"
check "noise: FD much larger" "$fd_noise > 20 * $fd_real"
check "noise: fewer classes, low score" \
    "$(value noise classes_present) < 10 && $(value noise classifier_score) < 3"
check "only 3s: FD much larger" "$fd_three > 20 * $fd_real"
check "only 3s: one class present" "$(value three classes_present) == 1"
check "--original: a set against itself" "$(value same mean_abs_diff_to_original) == 0"
check "--original: real against noise" "$(value apart mean_abs_diff_to_original) > 0.5"
check "only 3s: classifier score < 2" "$(value three classifier_score) < 2"
