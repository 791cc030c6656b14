#!/bin/sh
# gandoc: libgan's reference manuals from the doc comments of its public headers.
#   gandoc.sh list HEADER...                      the function names (one page each)
#   gandoc.sh check HEADER...                     what the comments lack; exit 1 if anything
#   gandoc.sh man OUTDIR VERSION TEMPLATEDIR HEADER...   NAME.3 per function, libgan.3, libgan-io.3
#   gandoc.sh html OUTDIR VERSION HEADER...       index.html, one page per header, gandoc.css
# HEADER... is every public header, gan.h included (it says which headers it includes).
# The page date is SOURCE_DATE_EPOCH's day when it is set (reproducible builds), else today.
# Needs only sh, sed and awk. See doc/MANUALS.md.
set -eu
here=$(dirname "$0")
mode=$1; shift
umbrella=""
for h in "$@"; do
    case $h in
    */gan.h) umbrella=$(sed -n 's|^#include <gan/\(.*\.h\)>.*|\1|p' "$h" | tr '\n' ' ') ;;
    esac
done
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
    date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d 2>/dev/null ||
           date -u -r "$SOURCE_DATE_EPOCH" +%Y-%m-%d)
else
    date=$(date -u +%Y-%m-%d)
fi
gandoc() { LC_ALL=C awk -f "$here/gandoc.awk" -v umbrella="$umbrella" -v date="$date" "$@"; }

case $mode in
list|check)
    gandoc -v mode="$mode" "$@" ;;
man)
    outdir=$1 version=$2 templates=$3; shift 3
    mkdir -p "$outdir"
    gandoc -v mode=man -v outdir="$outdir" -v version="$version" "$@"
    for lib in libgan libgan-io; do
        gandoc -v mode=index -v which="$lib" "$@" > "$outdir/$lib.functions"
        gandoc -v mode=statuses "$@" > "$outdir/$lib.statuses"
        # @FUNCTIONS@ and @STATUSES@ are lines of their own in the template.
        awk -v fns="$outdir/$lib.functions" -v sts="$outdir/$lib.statuses" \
            -v version="$version" -v date="$date" '
            /^@FUNCTIONS@$/ { while ((getline l < fns) > 0) print l; next }
            /^@STATUSES@$/ { while ((getline l < sts) > 0) print l; next }
            { gsub(/@VERSION@/, version); gsub(/@DATE@/, date); print }
        ' "$templates/$lib.3.in" > "$outdir/$lib.3"
        rm -f "$outdir/$lib.functions" "$outdir/$lib.statuses"
    done ;;
html)
    outdir=$1 version=$2; shift 2
    mkdir -p "$outdir"
    gandoc -v mode=html -v outdir="$outdir" -v version="$version" "$@"
    cp "$here/gandoc.css" "$outdir/gandoc.css" ;;
*)
    echo "usage: gandoc.sh list|check|man|html ..." >&2; exit 2 ;;
esac
