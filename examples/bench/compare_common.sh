# shellcheck shell=sh
# What compare.sh and compare_lstm.sh share; sourced by both (POSIX sh, after set -eu).
# It sets $python, $here (this folder) and $have_torch; search() sets $found and
# $found_setting for its caller.
# shellcheck disable=SC2034 # the variables are the callers'

python=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
have_torch=no
if "$python" -c 'import torch' > /dev/null 2>&1; then have_torch=yes; fi

load() { awk '{ print $1 }' /proc/loadavg; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "?" }'; }
# median NUMBER...: the middle one (the mean of the two middle ones for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
    else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# best max|min SO_FAR NEW: the larger or the smaller, "-" for none so far.
best() { awk -v a="$2" -v b="$3" -v mode="$1" 'BEGIN {
    if (a == "-") print b; else if (mode == "max") print (b > a ? b : a); else print (b < a ? b : a) }'; }

# with_core CORE COMMAND...: COMMAND under an OpenBLAS core type ("default":
# OPENBLAS_CORETYPE unset, OpenBLAS detects the CPU).
with_core() {
    with_core_type=$1
    shift
    if [ "$with_core_type" = default ]; then
        (unset OPENBLAS_CORETYPE; "$@")
    else
        OPENBLAS_CORETYPE=$with_core_type "$@"
    fi
}

print_machine() {
    echo "== machine"
    model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
    # "AMD EPYC" names several generations with different FMA widths: family and model
    # tell them apart (25/17 is Zen 4, whose AVX-512 runs on 256-bit units).
    family=$(sed -n 's/^cpu family[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
    number=$(sed -n 's/^model[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
    if grep -qw avx512f /proc/cpuinfo; then avx512=yes; else avx512=no; fi
    echo "cores: $(nproc), CPU: ${model:-unknown} (family ${family:-?}, model ${number:-?}), avx512f: $avx512; load average at start: $(load)"
    echo "OPENBLAS_CORETYPE in the environment: ${OPENBLAS_CORETYPE:-unset} (the default runs unset it)"
    [ "$have_torch" = yes ] || echo "$python cannot import torch: PyTorch skipped"
}

# What search() shows of each run besides its figure, from its output on stdin; a
# caller may define its own after sourcing this file.
details() { cat > /dev/null; }

# search SIDE CORE UNIT PARSER COMMAND...: run COMMAND under CORE once per setting of
# SIDE, its arguments appended ("libgan": 2 threads then 1, spelled by the caller's
# libgan_threads N; "torch": --threads T --blas-threads B for every pair in {1, 2}^2),
# print a line per run with the load average before it, and leave the largest figure
# that PARSER reads from the outputs in $found, its setting in $found_setting and the
# arguments that select it in $found_args.
search() {
    side=$1 where=$2 unit=$3 parser=$4
    shift 4
    found="-" found_setting="-" found_args=""
    if [ "$side" = libgan ]; then settings=${libgan_settings:-2 1}; else settings="1/1 1/2 2/1 2/2"; fi
    for s in $settings; do
        if [ "$side" = libgan ]; then
            args=$(libgan_threads "$s") label="threads=$s"
        else
            args="--threads ${s%/*} --blas-threads ${s#*/}" label="torch=${s%/*}/blas=${s#*/}"
        fi
        load_now=$(load)
        # shellcheck disable=SC2086 # $args are words
        out=$(with_core "$where" "$@" $args)
        r=$(printf '%s\n' "$out" | $parser)
        echo "$side $label (load $load_now): $r $unit"
        printf '%s\n' "$out" | details
        if [ "$(best max "$found" "$r")" != "$found" ]; then
            found=$r found_setting=$label found_args=$args
        fi
    done
}

# pair_runs N CORE PARSER LIBGAN_PROGRAM LIBGAN_ARGS TORCH_PROGRAM TORCH_SCRIPT TORCH_ARGS:
# N runs of each side (its program with the words of its ARGS, torch's through python),
# alternating, a line per pair; leaves the medians in $pair_libgan and $pair_torch and
# the median of the pairs' ratios in $pair_ratio.
pair_runs() {
    n=$1 where=$2 parser=$3 lprog=$4 largs=$5 tprog=$6 tscript=$7 targs=$8
    l_all="" t_all="" r_all=""
    i=1
    while [ "$i" -le "$n" ]; do
        # shellcheck disable=SC2086 # the ARGS are words
        l=$(with_core "$where" "$lprog" $largs | $parser)
        # shellcheck disable=SC2086
        t=$(with_core "$where" "$tprog" "$tscript" $targs | $parser)
        echo "pair $i (load $(load)): libgan $l, PyTorch $t: $(ratio "$l" "$t")x"
        l_all="$l_all $l" t_all="$t_all $t" r_all="$r_all $(ratio "$l" "$t")"
        i=$((i + 1))
    done
    # shellcheck disable=SC2086 # lists of numbers
    pair_libgan=$(median $l_all) pair_torch=$(median $t_all) pair_ratio=$(median $r_all)
    echo "median of $n pairs: libgan $pair_libgan, PyTorch $pair_torch; median ratio ${pair_ratio}x"
}

# compare_sides CORE UNIT PARSER LIBGAN_PROGRAM LIBGAN_ARGS PAIR_ARGS TORCH_SCRIPT
# TORCH_ARGS: search both sides (libgan's program, torch's script through python; the
# ARGS are words), print the best of each and their ratio, then, if $pairs (the
# caller's) is above 0, pair_runs at the best settings (libgan's with PAIR_ARGS too).
# Leaves $libgan, $libgan_setting, $torch, $torch_setting, and $pair_ratio (empty
# without pairs).
compare_sides() {
    cs_core=$1 cs_unit=$2 cs_parser=$3 cs_lprog=$4 cs_largs=$5 cs_pargs=$6 cs_tscript=$7
    cs_targs=$8
    # shellcheck disable=SC2086 # the ARGS are words
    search libgan "$cs_core" "$cs_unit" "$cs_parser" "$cs_lprog" $cs_largs
    libgan=$found libgan_setting=$found_setting
    torch="-" torch_setting="-" pair_ratio=""
    [ "$have_torch" = yes ] || return 0
    # shellcheck disable=SC2086
    search torch "$cs_core" "$cs_unit" "$cs_parser" "$python" "$cs_tscript" $cs_targs
    torch=$found torch_setting=$found_setting cs_torch_args=$found_args
    echo "best: libgan $libgan ($libgan_setting), PyTorch $torch ($torch_setting): libgan / PyTorch $(ratio "$libgan" "$torch")x"
    [ "${pairs:-0}" -gt 0 ] || return 0
    pair_runs "$pairs" "$cs_core" "$cs_parser" "$cs_lprog" \
        "$cs_largs $cs_pargs $(libgan_threads "${libgan_setting#threads=}")" \
        "$python" "$cs_tscript" "$cs_targs $cs_torch_args"
    libgan=$pair_libgan torch=$pair_torch
    libgan_setting="$libgan_setting, median of $pairs" torch_setting="$torch_setting, median of $pairs"
}

# summary_row CORE MODEL UNIT LIBGAN LIBGAN_SETTING TORCH TORCH_SETTING [RATIO]: one row
# of the final table into $COMPARE_SUMMARY, when the caller (compare.sh) set it; the
# ratio is LIBGAN / TORCH unless RATIO (a median of paired ratios) is given.
summary_row() {
    [ -n "${COMPARE_SUMMARY:-}" ] || return 0
    r=${8:-}
    [ -n "$r" ] || r=$(ratio "$4" "$6")
    echo "$1|$2|$3|$4|$5|$6|$7|$r" >> "$COMPARE_SUMMARY"
}
