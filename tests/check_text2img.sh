#!/bin/sh
# mnist_text2img end to end on a tiny budget: a run writes its captioned picture; a run
# stopped after step 3 of 6 and resumed ends exactly where the straight run ends
# (checkpoint, picture and metrics.csv byte for byte); --caption draws a sentence and
# reports unknown words; bad captions exit 2 with a message; --samples writes N images,
# N captions and N meanings, and with a gan_score classifier (one epoch) reads them as
# gan_score does.
# usage: check_text2img.sh MNIST_TEXT2IMG GAN_SCORE
set -eu
t2i=$1
score=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common="--steps 6 --sample-every 3 --batch 8 --g-channels 8 --d-channels 8 --seed 3"
run() { # run LOG ARGS...: must succeed
    log=$1
    shift
    "$t2i" "$@" > "$work/$log.log" 2>&1 || { cat "$work/$log.log"; exit 1; }
}
fails() { # fails LOG ARGS...: must exit 2 with a message
    log=$1
    shift
    status=0
    "$t2i" "$@" > "$work/$log.log" 2>&1 || status=$?
    [ "$status" = 2 ] || { echo "$log: exit status $status, expected 2"; cat "$work/$log.log"; exit 1; }
    grep -q "mnist_text2img: " "$work/$log.log" || { echo "$log: no message"; exit 1; }
}
run straight $common --out "$work/straight"
for f in samples.png samples_000003.png checkpoint.gan checkpoint.gan.vocab metrics.csv; do
    [ -s "$work/straight/$f" ] || { echo "no $f"; exit 1; }
done
run first $common --out "$work/resumed" --stop-after 3
run resumed $common --out "$work/resumed" --resume "$work/resumed/checkpoint.gan"
for f in checkpoint.gan samples.png metrics.csv; do
    cmp "$work/straight/$f" "$work/resumed/$f" || { echo "$f differs after a resume"; exit 1; }
done
ckpt="$work/straight/checkpoint.gan"
draw="$common --resume $ckpt --samples-png $work/drawn.png"
run caption $draw --caption "a thick slanted seven"
[ -s "$work/drawn.png" ] || { echo "--caption wrote no picture"; exit 1; }
run unknown $draw --caption "a purple seven, very thick"
grep -q "unknown words, left out: purple" "$work/unknown.log" ||
    { echo "unknown words not reported:"; cat "$work/unknown.log"; exit 1; }
fails empty $draw --caption ""
fails blank $draw --caption " , "
long="a"
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do long="$long thick"; done
fails long $draw --caption "$long seven"
fails utf8 $draw --caption "$(printf 'a thick \377 seven')"
fails none_known $draw --caption "purple bananas"
run samples $common --resume "$ckpt" --samples 5 --samples-out "$work/s.idx" \
    --captions-out "$work/s.txt" --meanings-out "$work/s.tsv" --labels-out "$work/l.idx"
[ "$(wc -c < "$work/s.idx")" = 3936 ] || { echo "s.idx is not 16 + 5 x 784 bytes"; exit 1; }
[ "$(wc -c < "$work/l.idx")" = 13 ] || { echo "l.idx is not 8 + 5 bytes"; exit 1; }
[ "$(wc -l < "$work/s.txt")" = 5 ] || { echo "not 5 captions"; exit 1; }
[ "$(wc -l < "$work/s.tsv")" = 6 ] || { echo "not a header and 5 meanings"; exit 1; }
grep -q "^thickness: " "$work/samples.log" || { echo "no attribute score"; exit 1; }
"$score" train --epochs 1 --out "$work/classifier.gan" > "$work/classifier.log"
run classified $common --resume "$ckpt" --samples 300 --samples-out "$work/c.idx" \
    --captions-out "$work/c.txt" --meanings-out "$work/c.tsv" --labels-out "$work/cl.idx" \
    --classifier "$work/classifier.gan"
"$score" score --classifier "$work/classifier.gan" --samples "$work/c.idx" \
    --labels "$work/cl.idx" --n 300 > "$work/score.log"
ours=$(sed -n 's/^digit: \([^ ]*\).*/\1/p' "$work/classified.log")
theirs=$(sed -n 's/^accuracy: //p' "$work/score.log")
[ -n "$ours" ] && [ "$ours" = "$theirs" ] ||
    { echo "digit share '$ours', gan_score's accuracy '$theirs'"; exit 1; }
grep -q "^rule 0: .* | digit " "$work/classified.log" || { echo "no digit share by rule"; exit 1; }
# the TSV's last column is the digit read: its match with the first gives the same share
right=$(awk -F'\t' 'NR > 1 && $1 == $9 { n++ } END { printf "%.4f", n / 300 }' "$work/c.tsv")
[ "$right" = "$ours" ] || { echo "TSV says $right, the program $ours"; exit 1; }
printf 'GANCLS00' > "$work/bad.gan"
status=0
"$t2i" $common --resume "$ckpt" --samples 5 --samples-out "$work/b.idx" \
    --captions-out "$work/b.txt" --classifier "$work/bad.gan" > "$work/bad.log" 2>&1 || status=$?
[ "$status" != 0 ] && grep -q "is not a gan_score classifier" "$work/bad.log" ||
    { echo "a bad classifier file: status $status"; cat "$work/bad.log"; exit 1; }
fails no_resume $common --samples 5 --samples-out "$work/x.idx" --captions-out "$work/x.txt"
echo "text2img: trains, resumes exactly, draws sentences, refuses bad ones, writes and reads samples"
