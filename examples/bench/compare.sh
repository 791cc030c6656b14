#!/bin/sh
# libgan against PyTorch on the mnist_dcgan training step: bench_dcgan under each OpenBLAS
# core type worth trying here (the one OpenBLAS detects, Haswell's AVX2 kernels, and
# SkylakeX on AVX-512 machines), at 2 threads and 1, then examples/bench/dcgan_torch.py (the same step in
# PyTorch) at 1 and 2 threads if /usr/bin/python3 has torch, the ratios of libgan to
# PyTorch's best, and a batch sweep. Takes about ten minutes on 2 idle cores; --quick runs
# 3 steps once per measurement, a smoke test whose figures mean little.
#
#   examples/bench/compare.sh BUILD_DIR [--quick]
set -eu
usage="usage: examples/bench/compare.sh BUILD_DIR [--quick]"
if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "$usage" >&2; exit 2; fi
build=$1
runs=""
if [ $# -eq 2 ]; then
    case $2 in
    --quick) runs="--steps 3 --repeats 1" ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
fi
bench="$build/examples/bench_dcgan"
[ -x "$bench" ] || { echo "compare.sh: no $bench; build libgan first" >&2; exit 1; }
torch_script="$(cd "$(dirname "$0")" && pwd)/dcgan_torch.py"
python=/usr/bin/python3

# Fields of the programs' output.
rate() { awk '/^batch [0-9]+: [0-9.]+ images\/s/ { print $3; exit }'; }
rss() { sed -n 's/^peak RSS[^:]*: \([0-9.]*\) MB.*/\1/p'; }
corename() { awk '/^OpenBLAS core type / { print $4 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }

# bench_dcgan under a core type ("default": OPENBLAS_CORETYPE unset, OpenBLAS detects).
run_bench() {
    core=$1
    shift
    if [ "$core" = default ]; then
        (unset OPENBLAS_CORETYPE; "$bench" "$@")
    else
        OPENBLAS_CORETYPE=$core "$bench" "$@"
    fi
}

echo "== machine"
model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
if grep -qw avx512f /proc/cpuinfo; then avx512=yes; else avx512=no; fi
echo "cores: $(nproc), CPU: ${model:-unknown}, avx512f: $avx512"
echo "OPENBLAS_CORETYPE in the environment: ${OPENBLAS_CORETYPE:-unset} (the default runs unset it)"
cores="default Haswell"
if [ "$avx512" = yes ]; then cores="default Haswell SkylakeX"; fi

echo
echo "== libgan, batch 64"
first=1
libgan_rates=""
for core in $cores; do
    for threads in 2 1; do
        if [ "$first" = 1 ]; then peak=""; else peak=--no-peak; fi
        first=0
        # shellcheck disable=SC2086 # $runs and $peak are words or nothing
        out=$(run_bench "$core" --batch 64 --threads "$threads" $runs $peak)
        r=$(printf '%s\n' "$out" | rate)
        echo "libgan $core (OpenBLAS $(printf '%s\n' "$out" | corename)), $threads thread(s): $r images/s, peak RSS $(printf '%s\n' "$out" | rss) MB"
        printf '%s\n' "$out" | grep '^sgemm peak' || true
        if [ "$threads" = 2 ]; then libgan_rates="$libgan_rates$core $r
"; fi
    done
done

# shellcheck disable=SC2086
out=$(run_bench default --batch 64 --threads 2 --blas-threads --no-peak $runs)
echo "libgan default, 2 threads inside OpenBLAS instead of libgan's pool: $(printf '%s\n' "$out" | rate) images/s"

if "$python" -c 'import torch' > /dev/null 2>&1; then
    echo
    echo "== PyTorch, batch 64 (OPENBLAS_CORETYPE unset)"
    best=0
    for threads in 1 2; do
        # shellcheck disable=SC2086
        out=$(unset OPENBLAS_CORETYPE; "$python" "$torch_script" --batch 64 --threads "$threads" $runs)
        r=$(printf '%s\n' "$out" | rate)
        printf '%s\n' "$out" | head -n 1
        echo "PyTorch, $threads thread(s): $r images/s, peak RSS $(printf '%s\n' "$out" | rss) MB"
        best=$(awk -v a="$r" -v b="$best" 'BEGIN { print (a > b ? a : b) }')
    done
    echo "PyTorch best: $best images/s"
    printf '%s' "$libgan_rates" | while read -r core r; do
        echo "libgan ($core, 2 threads) / PyTorch best: $(ratio "$r" "$best")x"
    done
else
    echo
    echo "== PyTorch: $python cannot import torch, skipped"
fi

echo
echo "== libgan batch sweep (default core type, 2 threads)"
for batch in 16 64 256; do
    # shellcheck disable=SC2086
    out=$(run_bench default --batch "$batch" --threads 2 --no-peak $runs)
    echo "batch $batch: $(printf '%s\n' "$out" | rate) images/s, peak RSS $(printf '%s\n' "$out" | rss) MB"
done
