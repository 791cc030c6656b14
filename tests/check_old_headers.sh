#!/bin/sh
# A program built against the last release's headers runs with this build's libraries:
# examples/consumer/consumer.c (C11, libgan) and consumer.cpp (C++17, libgan and
# libgan-io) are compiled against the headers frozen at that release in
# abi/<version>/include (tests/update_abi_baseline.sh), linked with BUILD_DIR's
# libgan.so.0 and libgan-io.so.0, and run. doc/DESIGN.md, "ABI".
# usage: check_old_headers.sh BUILD_DIR [CC [CXX]]
# CC is cc by default and CXX c++; an empty CXX, or no libgan-io in BUILD_DIR, leaves out
# the C++ program. Not for a sanitizer build (the programs are built without one).
set -eu
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [CC [CXX]]" >&2; exit 2; }
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
cc=${2:-cc}
cxx=${3-c++}
set -- "$src"/abi/*/include
if [ $# -ne 1 ] || [ ! -f "$1/gan/gan.h" ] || [ ! -f "$1/gan/version.h" ]; then
    echo "expected one abi/<version>/include/gan with gan.h and version.h: $*"
    exit 1
fi
old=$1
release=${old%/include}
release=${release##*/}
[ -e "$build/lib/libgan.so" ] || { echo "$build/lib/libgan.so not found"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LD_LIBRARY_PATH="$build/lib:$build/lib/io${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# The programs' own flags (examples/consumer/Makefile); only the old headers on the
# include path. $cc and $cxx may hold a command with arguments.
run_consumer() { # NAME, then the command that builds it
    name=$1
    shift
    if ! "$@" > "$work/build-$name.log" 2>&1; then
        cat "$work/build-$name.log"
        echo "$name: no longer builds against the $release headers"
        exit 1
    fi
    if ! (cd "$work" && "./$name" "$work/grid.png") > "$work/$name.log" 2>&1; then
        cat "$work/$name.log"
        echo "$name, built against the $release headers, failed with this build's libraries"
        exit 1
    fi
    sed -n '1p;$p' "$work/$name.log" | sed 's/^/    /'
    versions=$(objdump -T "$work/$name" | sed -n 's/.*(\(LIBGAN[A-Z_]*_[0-9.]*\)) .*/\1/p' |
               sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep = ", "}')
    echo "$name, built against the $release headers (symbols: $versions), ran"
}

run_consumer consumer $cc -std=c11 -Wall -Wextra -Werror -I"$old" \
    "$src/examples/consumer/consumer.c" -o "$work/consumer" -L"$build/lib" -lgan -lm
if [ -n "$cxx" ] && [ -e "$build/lib/io/libgan-io.so" ]; then
    run_consumer consumer_cpp $cxx -std=c++17 -Wall -Wextra -Werror -I"$old" \
        "$src/examples/consumer/consumer.cpp" -o "$work/consumer_cpp" \
        -L"$build/lib/io" -L"$build/lib" -lgan-io -lgan
    [ -s "$work/grid.png" ] || { echo "consumer_cpp wrote no PNG"; exit 1; }
fi
echo "the consumer programs built against the $release headers run with $build's libraries"
