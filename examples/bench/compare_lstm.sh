#!/bin/sh
# libgan against PyTorch on the LSTM and SeqGAN's rollouts: bench_lstm and its twin
# examples/bench/bench_lstm.py, run one after the other in this script under each OpenBLAS
# core type (the one OpenBLAS detects, and Haswell's AVX2 kernels; both programs load the
# same OpenBLAS, so both run the same kernels). Per core type:
#   1. the LSTM's passes (5 repeats of 5 passes) with libgan at 1 thread and at 2
#      threads in the BLAS, and PyTorch at every pair (torch.set_num_threads,
#      OPENBLAS_NUM_THREADS) in {1, 2}, then each side's best and the ratio;
#   2. a rollout probe (1 rollout per prefix, once) at each of those settings, to find
#      each side's best (PyTorch at 2 threads can be slower by 10x on a busy machine,
#      which would make the full measurement take an hour); a setting with more
#      threads wins only if it is faster by more than 5 % than the best with fewer,
#      since on a shared machine a tie at 2 threads turns into a collapse when the
#      load rises;
#   3. the full rollouts (16 per prefix, 5 repeats) at each side's best, and the ratio.
# The load average is printed before every run: the machine may be shared. Then the
# rollouts in the wide layout (the 16 rollouts of a prefix in one 1024-row batch), 1
# thread each, default core type. About 15 minutes on 2 quiet cores; --quick runs 1 repeat
# and 2-rollout batches, a smoke test whose figures mean little.
#
#   examples/bench/compare_lstm.sh BUILD_DIR [--quick]
set -eu
usage="usage: examples/bench/compare_lstm.sh BUILD_DIR [--quick]"
if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "$usage" >&2; exit 2; fi
build=$1
lstm_runs="--repeats 5 --passes 5"
rollout_runs="--repeats 5"
probe_runs="--rollouts 1 --repeats 1 --warmup 0"
if [ $# -eq 2 ]; then
    case $2 in
    --quick) lstm_runs="--repeats 1 --warmup 0 --passes 3"
             rollout_runs="--repeats 1 --warmup 0 --rollouts 2"
             quick=1 ;;
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

# lstm_report SIDE CONFIG LOAD OUTPUT: one line of figures; the bests into $tmp/SIDE.*
lstm_report() {
    side=$1 config=$2 load_now=$3 out=$4
    line="$side $config (load $load_now):"
    for m in $metrics; do
        h=${m%%:*} what=${m#*:}
        r=$(printf '%s\n' "$out" | lstm_rate "$h" "$what")
        line="$line H$h $what $r,"
        f="$tmp/$side.$h.$what"
        b=$(cat "$f" 2>/dev/null || echo -)
        best max "$b" "$r" > "$f"
        [ "$(cat "$f")" = "$r" ] && echo "$config" > "$f.config"
    done
    echo "${line%,} tokens/s"
}

# probe_report SIDE CONFIG LOAD OUTPUT ARGS...: the probe's time; the fastest's
# arguments into $tmp/SIDE.probe.args, where a later setting (more threads) must beat
# the best so far by more than 5 %.
probe_report() {
    side=$1 config=$2 load_now=$3 out=$4
    shift 4
    ms=$(printf '%s\n' "$out" | rollout_ms)
    echo "$side $config (load $load_now): $ms ms per batch at 1 rollout per prefix"
    f="$tmp/$side.probe"
    b=$(cat "$f" 2>/dev/null || echo -)
    if [ "$b" = - ] || awk -v a="$ms" -v b="$b" 'BEGIN { exit !(a < 0.95 * b) }'; then
        echo "$ms" > "$f"
        echo "$config" > "$f.config"
        echo "$*" > "$f.args"
    fi
}

libgan_args() { if [ "$1" = 1 ]; then echo "--threads 1"; else echo "--threads $1 --blas-threads"; fi; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== machine"
model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
echo "cores: $(nproc), CPU: ${model:-unknown}; load average at start: $(load)"
echo "OPENBLAS_CORETYPE in the environment: ${OPENBLAS_CORETYPE:-unset} (the default runs unset it)"
[ "$have_torch" = yes ] || echo "$python cannot import torch: PyTorch skipped"

for core in default Haswell; do
    rm -f "$tmp"/*
    echo
    echo "== core type $core: LSTM, batch 64, T 20, input 32 (tokens/s, median of the repeats)"
    for threads in 1 2; do
        load_now=$(load)
        # shellcheck disable=SC2086,SC2046 # word lists
        out=$(with_core "$core" "$bench" --part lstm $(libgan_args "$threads") $lstm_runs)
        [ "$threads" = 1 ] && printf '%s\n' "$out" | sed -n 's/^OpenBLAS core type \([^ ]*\) .*/(OpenBLAS runs \1)/p'
        lstm_report libgan "threads=$threads" "$load_now" "$out"
    done
    if [ "$have_torch" = yes ]; then
        for tt in 1 2; do
            for bt in 1 2; do
                load_now=$(load)
                # shellcheck disable=SC2086
                out=$(with_core "$core" "$python" "$torch_script" --part lstm --threads "$tt" --blas-threads "$bt" $lstm_runs)
                lstm_report torch "torch=$tt/blas=$bt" "$load_now" "$out"
            done
        done
        echo "-- each side's best, libgan / PyTorch (> 1: libgan faster)"
        for m in $metrics; do
            h=${m%%:*} what=${m#*:}
            l=$(cat "$tmp/libgan.$h.$what") t=$(cat "$tmp/torch.$h.$what")
            echo "H$h $what: libgan $l ($(cat "$tmp/libgan.$h.$what.config")), PyTorch $t ($(cat "$tmp/torch.$h.$what.config")), ratio $(ratio "$l" "$t")"
        done
    fi

    echo
    echo "== core type $core: rollouts, V 5000, E 32, H 32, T 20, batch 64, layout branch"
    if [ -z "${quick:-}" ]; then
        for threads in 1 2; do
            load_now=$(load)
            # shellcheck disable=SC2086,SC2046
            out=$(with_core "$core" "$bench" --part rollout $(libgan_args "$threads") $probe_runs)
            # shellcheck disable=SC2046 # the arguments are words
            probe_report libgan "threads=$threads" "$load_now" "$out" $(libgan_args "$threads")
        done
        if [ "$have_torch" = yes ]; then
            for tt in 1 2; do
                for bt in 1 2; do
                    load_now=$(load)
                    # shellcheck disable=SC2086
                    out=$(with_core "$core" "$python" "$torch_script" --part rollout --threads "$tt" --blas-threads "$bt" $probe_runs)
                    probe_report torch "torch=$tt/blas=$bt" "$load_now" "$out" --threads "$tt" --blas-threads "$bt"
                done
            done
        fi
    else
        libgan_args 1 > "$tmp/libgan.probe.args"; echo "threads=1" > "$tmp/libgan.probe.config"
        echo "--threads 1 --blas-threads 1" > "$tmp/torch.probe.args"; echo "torch=1/blas=1" > "$tmp/torch.probe.config"
    fi
    load_now=$(load)
    # shellcheck disable=SC2086,SC2046
    out=$(with_core "$core" "$bench" --part rollout $(cat "$tmp/libgan.probe.args") $rollout_runs)
    l=$(printf '%s\n' "$out" | rollout_ms)
    echo "libgan $(cat "$tmp/libgan.probe.config") (load $load_now): $l ms per batch of 64 sequences"
    printf '%s\n' "$out" | grep '^rollout .* parts' | sed 's/^/    /'
    if [ "$have_torch" = yes ]; then
        load_now=$(load)
        # shellcheck disable=SC2086,SC2046
        out=$(with_core "$core" "$python" "$torch_script" --part rollout $(cat "$tmp/torch.probe.args") $rollout_runs)
        t=$(printf '%s\n' "$out" | rollout_ms)
        echo "torch $(cat "$tmp/torch.probe.config") (load $load_now): $t ms per batch of 64 sequences"
        printf '%s\n' "$out" | grep '^rollout .* parts' | sed 's/^/    /'
        echo "speed ratio libgan / PyTorch (> 1: libgan faster): $(ratio "$t" "$l")"
    fi
done

echo
echo "== rollouts, layout wide (1024-row batches), 1 thread each, default core type"
load_now=$(load)
# shellcheck disable=SC2086
out=$(with_core default "$bench" --part rollout --layout wide --threads 1 $rollout_runs)
l=$(printf '%s\n' "$out" | rollout_ms)
echo "libgan threads=1 (load $load_now): $l ms per batch"
printf '%s\n' "$out" | grep '^rollout .* parts' | sed 's/^/    /'
if [ "$have_torch" = yes ]; then
    load_now=$(load)
    # shellcheck disable=SC2086
    out=$(with_core default "$python" "$torch_script" --part rollout --layout wide --threads 1 --blas-threads 1 $rollout_runs)
    t=$(printf '%s\n' "$out" | rollout_ms)
    echo "torch=1/blas=1 (load $load_now): $t ms per batch"
    printf '%s\n' "$out" | grep '^rollout .* parts' | sed 's/^/    /'
    echo "speed ratio libgan / PyTorch: $(ratio "$t" "$l")"
fi
echo
echo "load average at the end: $(load)"
