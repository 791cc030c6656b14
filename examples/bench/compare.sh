#!/bin/sh
# libgan against PyTorch at its best on every model libgan trains, under each OpenBLAS
# core type worth trying here (the one OpenBLAS detects, Haswell's AVX2 kernels, and
# SkylakeX on AVX-512 machines), both programs under the same core type in the same
# block:
#   * the training steps of mnist_dcgan and mnist_resgan (batch 64) and mnist_cyclegan
#     (batch 8): bench_dcgan --model dcgan|resgan|cyclegan at 2 threads and 1, then, if
#     /usr/bin/python3 has torch, its twin examples/bench/dcgan_torch.py at every pair
#     of PyTorch's two thread knobs (torch.set_num_threads x OPENBLAS_NUM_THREADS, 1-2
#     each: its convolutions go partly through oneDNN, partly through OpenBLAS); the
#     ratio of each side's best (images/s);
#   * then examples/bench/compare_lstm.sh: the LSTM's passes, SeqGAN's
#     maximum-likelihood step (words_seqgan's generator) and its rollouts against
#     bench_lstm.py, searched the same way;
# and a summary table of every model's figures and ratios, then libgan with OpenBLAS's
# threads instead of its pool and a DCGAN batch sweep. The load average is printed
# before each run: the machine may be shared. About 40 minutes on 2 idle cores; --quick
# runs 3 steps once per measurement under the unset and Haswell core types only, a smoke
# test whose figures mean little. --models takes a comma-separated subset of dcgan,
# resgan, cyclegan and lstm (the LSTM and SeqGAN block) to run only those. --pairs N
# then runs each side's best setting N more times, alternating libgan and PyTorch, and
# reports the medians and the median of the N pairs' ratios: on a shared machine whose
# speed drifts between runs, a ratio measured side by side (the step models only).
#
#   examples/bench/compare.sh BUILD_DIR [--quick] [--models LIST] [--pairs N]
set -eu
usage="usage: examples/bench/compare.sh BUILD_DIR [--quick] [--models dcgan,resgan,cyclegan,lstm] [--pairs N]"
if [ $# -lt 1 ]; then echo "$usage" >&2; exit 2; fi
build=$1
shift
runs=""
quick=""
models="dcgan,resgan,cyclegan,lstm"
pairs=0
while [ $# -gt 0 ]; do
    case $1 in
    --quick) runs="--steps 3 --repeats 1 --warmup 1" quick=1 ;;
    --pairs)
        if [ $# -lt 2 ] || ! [ "$2" -ge 0 ] 2> /dev/null; then echo "$usage" >&2; exit 2; fi
        pairs=$2
        shift ;;
    --models)
        [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
        models=$2
        shift ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
    shift
done
for m in $(echo "$models" | tr ',' ' '); do
    case $m in
    dcgan | resgan | cyclegan | lstm) ;;
    *) echo "compare.sh: unknown model '$m' in --models; $usage" >&2; exit 2 ;;
    esac
done
wants() { case ",$models," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
bench="$build/examples/bench_dcgan"
[ -x "$bench" ] || { echo "compare.sh: no $bench; build libgan first" >&2; exit 1; }
# shellcheck source=examples/bench/compare_common.sh
. "$(cd "$(dirname "$0")" && pwd)/compare_common.sh"
torch_script="$here/dcgan_torch.py"

# Fields of the programs' output.
rate() { awk '/^batch [0-9]+: [0-9.]+ images\/s/ { print $3; exit }'; }
rss() { sed -n 's/^peak RSS[^:]*: \([0-9.]*\) MB.*/\1/p'; }
libgan_threads() { echo "--threads $1"; }
# What search() shows of each run besides its rate.
details() { grep -E '^(OpenBLAS core type|peak RSS|sgemm peak|FMA peak)' | sed 's/^/    /' || true; }

COMPARE_SUMMARY=$(mktemp)
export COMPARE_SUMMARY
trap 'rm -f "$COMPARE_SUMMARY"' EXIT

print_machine
cores="default Haswell"
if [ "$avx512" = yes ] && [ -z "$quick" ]; then cores="default Haswell SkylakeX"; fi

for core in $cores; do
    for model in dcgan resgan cyclegan; do
        wants "$model" || continue
        echo
        echo "== core type $core, $model"
        # The sgemm peak (a second) with the DCGAN's runs only.
        peak=--no-peak
        if [ "$model" = dcgan ]; then peak=""; fi
        compare_sides "$core" images/s rate "$bench" "--model $model $runs $peak" --no-peak \
            "$torch_script" "--model $model $runs"
        summary_row "$core" "$model step" images/s "$libgan" "$libgan_setting" "$torch" "$torch_setting" "$pair_ratio"
    done
done

if wants lstm; then
    echo
    if [ -n "$quick" ]; then
        sh "$here/compare_lstm.sh" "$build" --quick --pairs "$pairs"
    else
        sh "$here/compare_lstm.sh" "$build" --pairs "$pairs"
    fi
fi

echo
echo "== summary: each side at its best setting, same core type, ratio libgan / PyTorch (> 1: libgan faster)"
echo "| OPENBLAS_CORETYPE | model | unit | libgan | libgan's setting | PyTorch | PyTorch's setting | ratio |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for core in $cores; do
    grep "^$core|" "$COMPARE_SUMMARY" | while IFS='|' read -r c m u l ls t ts r; do
        echo "| $c | $m | $u | $l | $ls | $t | $ts | ${r}x |"
    done
done

wants dcgan || exit 0
# shellcheck disable=SC2086
out=$(with_core default "$bench" --batch 64 --threads 2 --blas-threads --no-peak $runs)
echo
echo "libgan DCGAN, default core type, 2 threads inside OpenBLAS instead of libgan's pool: $(printf '%s\n' "$out" | rate) images/s"

echo
echo "== libgan DCGAN batch sweep (default core type, 2 threads)"
for batch in 16 64 256; do
    # shellcheck disable=SC2086
    out=$(with_core default "$bench" --batch "$batch" --threads 2 --no-peak $runs)
    echo "batch $batch: $(printf '%s\n' "$out" | rate) images/s, peak RSS $(printf '%s\n' "$out" | rss) MB"
done
echo
echo "load average at the end: $(load)"
