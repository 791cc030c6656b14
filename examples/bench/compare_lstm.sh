#!/bin/sh
# libgan against PyTorch on the LSTM and SeqGAN's rollouts: bench_lstm and its twin
# examples/bench/bench_lstm.py, run one after the other in this script under each OpenBLAS
# core type (the one OpenBLAS detects, and Haswell's AVX2 kernels; both programs load the
# same OpenBLAS, so both run the same kernels), libgan at 1 thread and at 2 threads in
# the BLAS, PyTorch at every pair of (torch.set_num_threads, OPENBLAS_NUM_THREADS) in
# {1, 2}; then each side's best and the ratio. The load average (uptime) is printed
# before every run: the machine may be shared. Then the rollouts in the wide layout
# (the 16 rollouts of a prefix in one 1024-row batch), 1 thread each, default core type.
# Takes about 20 minutes on 2 idle cores; --quick runs 1 repeat of a 2-rollout batch, a
# smoke test whose figures mean little.
#
#   examples/bench/compare_lstm.sh BUILD_DIR [--quick]
set -eu
usage="usage: examples/bench/compare_lstm.sh BUILD_DIR [--quick]"
if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "$usage" >&2; exit 2; fi
build=$1
runs="--repeats 5"
if [ $# -eq 2 ]; then
    case $2 in
    --quick) runs="--repeats 1 --warmup 0 --passes 3 --rollouts 2" ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
fi
bench="$build/examples/bench_lstm"
[ -x "$bench" ] || { echo "compare_lstm.sh: no $bench; build libgan first" >&2; exit 1; }
torch_script="$(cd "$(dirname "$0")" && pwd)/bench_lstm.py"
python=/usr/bin/python3
have_torch=no
if "$python" -c 'import torch' > /dev/null 2>&1; then have_torch=yes; fi

# Fields of the programs' output: "lstm hidden H forward: X tokens/s ...",
# "rollout LAYOUT: X ms per batch ...".
lstm_rate() { awk -v h="$1" -v what="$2:" '$1 == "lstm" && $3 == h && $4 == what { print $5; exit }'; }
rollout_ms() { awk '$1 == "rollout" && $4 == "ms" { print $3; exit }'; }
load() { awk '{ print $1 }' /proc/loadavg; }
# best VALUE_SO_FAR NEW: the larger (mode max) or the smaller (mode min), "-" for none.
best() { awk -v a="$2" -v b="$3" -v mode="$1" 'BEGIN {
    if (a == "-") print b; else if (mode == "max") print (b > a ? b : a); else print (b < a ? b : a) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }

# Run a command under a core type ("default": OPENBLAS_CORETYPE unset).
with_core() {
    core=$1
    shift
    if [ "$core" = default ]; then
        (unset OPENBLAS_CORETYPE; "$@")
    else
        OPENBLAS_CORETYPE=$core "$@"
    fi
}

metrics="32:forward 32:forward+backward 256:forward 256:forward+backward"

# report SIDE CONFIG OUTPUT: one line per figure, and the bests in files $tmp/SIDE.*
report() {
    side=$1 config=$2 out=$3
    line="$side $config (load $4):"
    for m in $metrics; do
        h=${m%%:*} what=${m#*:}
        r=$(printf '%s\n' "$out" | lstm_rate "$h" "$what")
        line="$line H$h $what $r tok/s,"
        f="$tmp/$side.$h.$what"
        b=$(cat "$f" 2>/dev/null || echo -)
        best max "$b" "$r" > "$f"
        [ "$(cat "$f")" = "$r" ] && echo "$config" > "$f.config"
    done
    ms=$(printf '%s\n' "$out" | rollout_ms)
    f="$tmp/$side.rollout"
    b=$(cat "$f" 2>/dev/null || echo -)
    best min "$b" "$ms" > "$f"
    [ "$(cat "$f")" = "$ms" ] && echo "$config" > "$f.config"
    echo "$line rollout $ms ms per batch"
    printf '%s\n' "$out" | grep '^rollout .* parts' | sed 's/^/    /'
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== machine"
model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
echo "cores: $(nproc), CPU: ${model:-unknown}; load average at start: $(load)"
echo "OPENBLAS_CORETYPE in the environment: ${OPENBLAS_CORETYPE:-unset} (the default runs unset it)"
[ "$have_torch" = yes ] || echo "$python cannot import torch: PyTorch skipped"

for core in default Haswell; do
    echo
    echo "== core type $core (batch 64, T 20, E 32; rollouts: V 5000, H 32, 16 per prefix, layout branch)"
    rm -f "$tmp"/*
    for threads in 1 2; do
        load_now=$(load)
        if [ "$threads" = 1 ]; then
            # shellcheck disable=SC2086 # $runs is words
            out=$(with_core "$core" "$bench" --threads 1 $runs)
        else
            # shellcheck disable=SC2086
            out=$(with_core "$core" "$bench" --threads 2 --blas-threads $runs)
        fi
        [ "$threads" = 1 ] && printf '%s\n' "$out" | sed -n 's/^OpenBLAS core type \([^ ]*\) .*/(OpenBLAS runs \1)/p'
        report libgan "threads=$threads" "$out" "$load_now"
    done
    if [ "$have_torch" = yes ]; then
        for tt in 1 2; do
            for bt in 1 2; do
                load_now=$(load)
                # shellcheck disable=SC2086
                out=$(with_core "$core" "$python" "$torch_script" --threads "$tt" --blas-threads "$bt" $runs)
                report torch "torch=$tt/blas=$bt" "$out" "$load_now"
            done
        done
        echo "-- best of each side and libgan / PyTorch (> 1: libgan faster)"
        for m in $metrics; do
            h=${m%%:*} what=${m#*:}
            l=$(cat "$tmp/libgan.$h.$what") t=$(cat "$tmp/torch.$h.$what")
            echo "H$h $what: libgan $l tok/s ($(cat "$tmp/libgan.$h.$what.config")), PyTorch $t tok/s ($(cat "$tmp/torch.$h.$what.config")), ratio $(ratio "$l" "$t")"
        done
        l=$(cat "$tmp/libgan.rollout") t=$(cat "$tmp/torch.rollout")
        echo "rollout: libgan $l ms ($(cat "$tmp/libgan.rollout.config")), PyTorch $t ms ($(cat "$tmp/torch.rollout.config")), speed ratio $(ratio "$t" "$l")"
    fi
done

echo
echo "== rollouts, layout wide (1024-row batches), 1 thread each, default core type"
load_now=$(load)
# shellcheck disable=SC2086
out=$(with_core default "$bench" --part rollout --layout wide --threads 1 $runs)
l=$(printf '%s\n' "$out" | rollout_ms)
echo "libgan threads=1 (load $load_now): $l ms per batch"
printf '%s\n' "$out" | grep '^rollout .* parts' | sed 's/^/    /'
if [ "$have_torch" = yes ]; then
    load_now=$(load)
    # shellcheck disable=SC2086
    out=$(with_core default "$python" "$torch_script" --part rollout --layout wide --threads 1 --blas-threads 1 $runs)
    t=$(printf '%s\n' "$out" | rollout_ms)
    echo "torch=1/blas=1 (load $load_now): $t ms per batch"
    printf '%s\n' "$out" | grep '^rollout .* parts' | sed 's/^/    /'
    echo "speed ratio libgan / PyTorch: $(ratio "$t" "$l")"
fi
echo
echo "load average at the end: $(load)"
