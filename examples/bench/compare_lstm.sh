#!/bin/sh
# libgan against PyTorch on the LSTM, SeqGAN's maximum-likelihood step and SeqGAN's
# rollouts: bench_lstm and its twin examples/bench/bench_lstm.py, run one after the
# other in this script under each OpenBLAS core type (the one OpenBLAS detects, and
# Haswell's AVX2 kernels; both programs load the same OpenBLAS, so both run the same
# kernels). Per core type:
#   1. the LSTM's passes (5 repeats of 5 passes) with libgan at 1 thread, at 2
#      threads in the BLAS and at 2 in its own pool (which is what splits the products
#      where libgan's own sgemm runs them, see gan_blas_kernels()), and PyTorch at every pair (torch.set_num_threads,
#      OPENBLAS_NUM_THREADS) in {1, 2}, then each side's best and the ratio;
#   2. SeqGAN's maximum-likelihood step with words_seqgan's generator (5 repeats of 20
#      steps, sequences/s) at the same settings, each side's best and the ratio;
#   3. a rollout probe (1 rollout per prefix, once) at each of those settings, to find
#      each side's best (PyTorch at 2 threads can be slower by 10x on a busy machine,
#      which would make the full measurement take an hour); a setting with more
#      threads wins only if it is faster by more than 5 % than the best with fewer,
#      since on a shared machine a tie at 2 threads turns into a collapse when the
#      load rises;
#   4. the full rollouts (16 per prefix, 5 repeats) at each side's best, and the ratio.
# The load average is printed before every run: the machine may be shared. Then the
# rollouts in the wide layout (the 16 rollouts of a prefix in one 1024-row batch), 1
# thread each, default core type. About 15 minutes on 2 quiet cores; --quick runs 1 repeat
# and 2-rollout batches, a smoke test whose figures mean little. compare.sh runs this
# script and puts its MLE and rollout figures in its summary table. --pairs N runs the
# MLE step's best settings N more times, alternating, as compare.sh does.
#
#   examples/bench/compare_lstm.sh BUILD_DIR [--quick] [--pairs N]
set -eu
usage="usage: examples/bench/compare_lstm.sh BUILD_DIR [--quick] [--pairs N]"
if [ $# -lt 1 ]; then echo "$usage" >&2; exit 2; fi
build=$1
shift
lstm_runs="--repeats 5 --passes 5"
mle_runs="--repeats 5 --passes 20"
rollouts=16
rollout_runs="--repeats 5"
probe_runs="--rollouts 1 --repeats 1 --warmup 0"
pairs=0
while [ $# -gt 0 ]; do
    case $1 in
    --quick) lstm_runs="--repeats 1 --warmup 0 --passes 3"
             mle_runs="--repeats 1 --warmup 1 --passes 3"
             rollouts=2
             rollout_runs="--repeats 1 --warmup 0 --rollouts $rollouts"
             quick=1 ;;
    --pairs)
        if [ $# -lt 2 ] || ! [ "$2" -ge 0 ] 2> /dev/null; then echo "$usage" >&2; exit 2; fi
        pairs=$2
        shift ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
    shift
done
bench="$build/examples/bench_lstm"
[ -x "$bench" ] || { echo "compare_lstm.sh: no $bench; build libgan first" >&2; exit 1; }
quick=${quick:-}
# shellcheck source=examples/bench/compare_common.sh
. "$(cd "$(dirname "$0")" && pwd)/compare_common.sh"
torch_script="$here/bench_lstm.py"

# Fields of the programs' output: "lstm hidden H forward: X tokens/s ...",
# "rollout LAYOUT: X ms per batch ...".
lstm_rate() { awk -v h="$1" -v what="$2:" '$1 == "lstm" && $3 == h && $4 == what { print $5; exit }'; }
rollout_ms() { awk '$1 == "rollout" && $4 == "ms" { print $3; exit }'; }
mle_rate() { awk '$1 == "mle:" && $3 == "sequences/s" { print $2; exit }'; }
# sequences/s of a rollout batch of 64 that took MS milliseconds
per_second() { awk -v ms="$1" 'BEGIN { if (ms > 0) printf "%.1f", 64000 / ms; else print "?" }'; }

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

# libgan's settings: 1 thread; 2 in the BLAS (OpenBLAS's threads run each product); 2pool,
# 2 in libgan's pool (where libgan's own sgemm runs the products, gan_blas_kernels(),
# they split large ones over the pool: the BLAS's threads would do nothing there).
libgan_threads() {
    case $1 in
    1) echo "--threads 1" ;;
    2pool) echo "--threads 2" ;;
    *) echo "--threads ${1%blas} --blas-threads" ;;
    esac
}
libgan_settings="2 2pool 1"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

print_machine

for core in default Haswell; do
    rm -f "$tmp"/*
    echo
    echo "== core type $core: LSTM, batch 64, T 20, input 32 (tokens/s, median of the repeats)"
    for threads in 1 2 2pool; do
        load_now=$(load)
        # shellcheck disable=SC2086,SC2046 # word lists
        out=$(with_core "$core" "$bench" --part lstm $(libgan_threads "$threads") $lstm_runs)
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
    echo "== core type $core: SeqGAN's maximum-likelihood step, words_seqgan's generator, batch 64"
    compare_sides "$core" sequences/s mle_rate "$bench" "--part mle $mle_runs" "" \
        "$torch_script" "--part mle $mle_runs"
    summary_row "$core" "SeqGAN MLE step" sequences/s "$libgan" "$libgan_setting" "$torch" "$torch_setting" "$pair_ratio"

    echo
    echo "== core type $core: rollouts, V 5000, E 32, H 32, T 20, batch 64, layout branch"
    if [ -z "${quick:-}" ]; then
        for threads in 1 2 2pool; do
            load_now=$(load)
            # shellcheck disable=SC2086,SC2046
            out=$(with_core "$core" "$bench" --part rollout $(libgan_threads "$threads") $probe_runs)
            # shellcheck disable=SC2046 # the arguments are words
            probe_report libgan "threads=$threads" "$load_now" "$out" $(libgan_threads "$threads")
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
        libgan_threads 1 > "$tmp/libgan.probe.args"; echo "threads=1" > "$tmp/libgan.probe.config"
        echo "--threads 1 --blas-threads 1" > "$tmp/torch.probe.args"; echo "torch=1/blas=1" > "$tmp/torch.probe.config"
    fi
    load_now=$(load)
    # shellcheck disable=SC2086,SC2046
    out=$(with_core "$core" "$bench" --part rollout $(cat "$tmp/libgan.probe.args") $rollout_runs)
    l=$(printf '%s\n' "$out" | rollout_ms)
    echo "libgan $(cat "$tmp/libgan.probe.config") (load $load_now): $l ms per batch of 64 sequences"
    printf '%s\n' "$out" | grep '^rollout .* parts' | sed 's/^/    /'
    t="-" torch_setting="-"
    if [ "$have_torch" = yes ]; then
        load_now=$(load)
        # shellcheck disable=SC2086,SC2046
        out=$(with_core "$core" "$python" "$torch_script" --part rollout $(cat "$tmp/torch.probe.args") $rollout_runs)
        t=$(printf '%s\n' "$out" | rollout_ms)
        torch_setting=$(cat "$tmp/torch.probe.config")
        echo "torch $torch_setting (load $load_now): $t ms per batch of 64 sequences"
        printf '%s\n' "$out" | grep '^rollout .* parts' | sed 's/^/    /'
        echo "speed ratio libgan / PyTorch (> 1: libgan faster): $(ratio "$t" "$l")"
        t=$(per_second "$t")
    fi
    summary_row "$core" "SeqGAN rollouts ($rollouts per prefix)" sequences/s "$(per_second "$l")" \
        "$(cat "$tmp/libgan.probe.config")" "$t" "$torch_setting"
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
