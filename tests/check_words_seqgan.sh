#!/bin/sh
# words_seqgan on a tiny built-in list of 295 common words with tiny sizes and a few
# steps: it writes --samples-out with the asked number of lines of a-z words, the MLE
# phase learns (held-out NLL per token well below the uniform log 27 = 3.2958, and a
# good share of the generated words real), a run of 10 adversarial rounds resumed to 20
# ends byte for byte where a straight 20-round run ends, and bad input ends with a
# message and a nonzero status, never a crash.
# usage: check_words_seqgan.sh WORDS_SEQGAN
set -eu
example=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for w in the and for are but not you all any can had her was one our out day get has \
    him his how man new now old see two way who boy did its let put say she too use \
    able back been call came come could each even find first from give good great have \
    here home into just know last like line long look made make many more most much \
    must name near need next only open over part play read right said same show side \
    some such take tell than that them then there these they thing think this time \
    turn very want well went were what when where which while white with word work \
    world would write year your about after again below cold cool dark deep door down \
    draw each east easy face fall farm fast fear fill fine fire fish five food foot \
    form four free full game girl gold gone grow hair half hand hard head hear heat \
    help high hold hope hour idea keep kind king land late lead left less life light \
    list live love main mark mean meet mile mind miss moon move near note once page \
    pair pass past pick plan rain rest rich ride ring rise road rock room rule safe \
    sail salt sand seat seed sell send ship shop shot sing size skin slow snow soft \
    soil song soon sort star stay step stop sure tail talk tall team test tree trip \
    true unit vast wait walk wall warm wash wave weak wear west wide wife wild will \
    wind wine wing wise wish wood yard able act add age ago air arm art ask bad bag \
    bed big bit box bus buy car cat cut dog dry ear eat egg end eye far fat few fly; do
    echo "$w"
done > "$work/words.txt"
tiny="--words $work/words.txt --max-len 6 --embed 8 --hidden 32 --batch 16 --mle-epochs 40
      --d-pretrain 5 --adv-rounds 2 --d-steps 1 --rollouts 2 --d-embed 8
      --d-filter-scale 0.05 --eval 500 --baseline-steps 5 --threads 1 --seed 3"
# shellcheck disable=SC2086
"$example" $tiny --out "$work/out" --samples 37 --samples-out "$work/samples.txt" \
    > "$work/log" 2>&1 || { cat "$work/log"; exit 1; }
lines=$(wc -l < "$work/samples.txt")
[ "$lines" = 37 ] || { cat "$work/log"; echo "samples.txt has $lines lines, not 37"; exit 1; }
if grep -qv '^[a-z]*$' "$work/samples.txt"; then
    echo "samples.txt holds something else than a-z words:"; cat "$work/samples.txt"; exit 1
fi
for f in metrics.csv pretrained.gan checkpoint.gan baseline.gan results.csv; do
    [ -s "$work/out/$f" ] || { echo "no $f written"; exit 1; }
done
# After MLE: held-out NLL below 2.0 nats a token (uniform: 3.2958), a quarter real.
awk -F, '$1 == "after MLE" {
    if ($4 >= 2.0 || $2 < 0.25) { print "MLE did not learn: NLL " $4 ", real " $2; exit 1 }
    print "after MLE: held-out NLL " $4 " a token, " 100 * $2 " % real words" }' \
    "$work/out/results.csv"
grep -q '^after MLE,' "$work/out/results.csv" || { echo "no after-MLE row"; exit 1; }

# Resume: 10 rounds, then on to 20 from the checkpoint, against 20 straight.
short="$tiny --mle-epochs 3"
# shellcheck disable=SC2086
"$example" $short --adv-rounds 20 --out "$work/straight" > "$work/log" 2>&1 ||
    { cat "$work/log"; exit 1; }
# shellcheck disable=SC2086
"$example" $short --adv-rounds 10 --out "$work/resumed" > "$work/log" 2>&1 ||
    { cat "$work/log"; exit 1; }
# shellcheck disable=SC2086
"$example" $short --adv-rounds 20 --out "$work/resumed" \
    --resume "$work/resumed/checkpoint.gan" > "$work/log" 2>&1 || { cat "$work/log"; exit 1; }
for f in checkpoint.gan baseline.gan results.csv; do
    cmp "$work/straight/$f" "$work/resumed/$f" || { echo "resumed $f differs"; exit 1; }
done

# Bad input: a message on stderr and status 1 (data) or 2 (flags), never a crash.
bad() {
    want=$1
    shift
    set +e
    "$example" "$@" --out "$work/bad" > "$work/bad.log" 2>&1
    got=$?
    set -e
    if [ "$got" != "$want" ] || ! grep -q '^words_seqgan: ' "$work/bad.log"; then
        cat "$work/bad.log"; echo "$* gave status $got, expected $want and a message"; exit 1
    fi
}
bad 1 --words "$work/missing.txt"
: > "$work/empty.txt"
bad 1 --words "$work/empty.txt"
printf "Capital\nit's\n\xc3\xa9t\xc3\xa9\nx\n\n" > "$work/unusable.txt"
bad 1 --words "$work/unusable.txt"
bad 1 --words "$work/words.txt" --batch 4000
bad 1 --words "$work"
bad 2 --samples 5
bad 2 --max-len 40
echo "samples, learning, exact resume and bad input as expected"
