#!/bin/sh
# libgan against PyTorch at its best on the mnist_dcgan training step (batch 64), under
# each OpenBLAS core type worth trying here (the one OpenBLAS detects, Haswell's AVX2
# kernels, and SkylakeX on AVX-512 machines), both programs under the same core type in
# the same block: bench_dcgan at 2 threads and 1, then, if /usr/bin/python3 has torch,
# examples/bench/dcgan_torch.py (the same step in PyTorch) at every pair of its two
# thread knobs (torch.set_num_threads x OPENBLAS_NUM_THREADS, 1-2 each: its convolutions
# go partly through oneDNN, partly through OpenBLAS), and the ratio of libgan to the best
# pair. Then a summary table, libgan with OpenBLAS's threads instead of its pool, and a
# batch sweep. The load average is printed before each run: the machine may be shared.
# About fifteen minutes on 2 idle cores; --quick runs 3 steps once per measurement, a
# smoke test whose figures mean little.
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

have_torch=no
if "$python" -c 'import torch' > /dev/null 2>&1; then have_torch=yes; fi
[ "$have_torch" = yes ] || echo "$python cannot import torch: PyTorch skipped"
load() { awk '{ print $1 }' /proc/loadavg; }
# the larger of two rates, "-" for none yet
larger() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b > a) print b; else print a }'; }

summary=""
first=1
for core in $cores; do
    echo
    echo "== core type $core, batch 64"
    libgan2="-"
    for threads in 2 1; do
        if [ "$first" = 1 ]; then peak=""; else peak=--no-peak; fi
        first=0
        load_now=$(load)
        # shellcheck disable=SC2086 # $runs and $peak are words or nothing
        out=$(run_bench "$core" --batch 64 --threads "$threads" $runs $peak)
        r=$(printf '%s\n' "$out" | rate)
        kernel=$(printf '%s\n' "$out" | corename)
        echo "libgan (OpenBLAS $kernel), $threads thread(s) (load $load_now): $r images/s, peak RSS $(printf '%s\n' "$out" | rss) MB"
        printf '%s\n' "$out" | grep '^sgemm peak' || true
        if [ "$threads" = 2 ]; then libgan2=$r; fi
    done
    if [ "$have_torch" = no ]; then
        summary="$summary$core $kernel $libgan2 - - -
"
        continue
    fi
    best="-" best_pair="-"
    for tt in 1 2; do
        for bt in 1 2; do
            load_now=$(load)
            # shellcheck disable=SC2086
            out=$(if [ "$core" = default ]; then unset OPENBLAS_CORETYPE; else export OPENBLAS_CORETYPE=$core; fi
                  "$python" "$torch_script" --batch 64 --threads "$tt" --blas-threads "$bt" $runs)
            r=$(printf '%s\n' "$out" | rate)
            echo "PyTorch torch=$tt/blas=$bt (load $load_now): $r images/s, peak RSS $(printf '%s\n' "$out" | rss) MB"
            if [ "$(larger "$best" "$r")" != "$best" ]; then best=$r best_pair="torch=$tt/blas=$bt"; fi
        done
    done
    echo "PyTorch best: $best images/s ($best_pair); libgan at 2 threads / PyTorch best: $(ratio "$libgan2" "$best")x"
    summary="$summary$core $kernel $libgan2 $best $best_pair $(ratio "$libgan2" "$best")
"
done

echo
echo "== summary (batch 64; libgan at 2 threads; PyTorch at its best pair, same core type)"
echo "| OPENBLAS_CORETYPE | OpenBLAS kernels | libgan images/s | PyTorch best images/s | PyTorch's pair | ratio |"
echo "| --- | --- | --- | --- | --- | --- |"
printf '%s' "$summary" | while read -r core kernel l t pair r; do
    echo "| $core | $kernel | $l | $t | $pair | ${r}x |"
done

# shellcheck disable=SC2086
out=$(run_bench default --batch 64 --threads 2 --blas-threads --no-peak $runs)
echo
echo "libgan default, 2 threads inside OpenBLAS instead of libgan's pool: $(printf '%s\n' "$out" | rate) images/s"

echo
echo "== libgan batch sweep (default core type, 2 threads)"
for batch in 16 64 256; do
    # shellcheck disable=SC2086
    out=$(run_bench default --batch "$batch" --threads 2 --no-peak $runs)
    echo "batch $batch: $(printf '%s\n' "$out" | rate) images/s, peak RSS $(printf '%s\n' "$out" | rss) MB"
done
