#!/bin/sh
# Every public header compiles alone as C11 and as C++17, warnings as errors.
# usage: check_headers.sh SRC_INCLUDE BUILD_INCLUDE "CC" ["CXX"]
set -eu
src_inc=$1
build_inc=$2
cc=$3
cxx=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
checked=0
for header in "$src_inc"/gan/*.h "$build_inc"/gan/*.h; do
    [ -f "$header" ] || continue
    name=$(basename "$header")
    printf '#include <gan/%s>\nint gan_header_test_%s;\n' "$name" "$(echo "$name" | tr -c 'a-z0-9\n' _)" > "$work/t.c"
    if ! $cc -std=c11 -Wall -Wextra -Wpedantic -Werror -I"$src_inc" -I"$build_inc" \
            -c "$work/t.c" -o "$work/t.o"; then
        echo "FAIL: gan/$name as C11"
        fail=1
    fi
    checked=$((checked + 1))
    if [ -n "$cxx" ]; then
        cp "$work/t.c" "$work/t.cpp"
        if ! $cxx -std=c++17 -Wall -Wextra -Wpedantic -Werror -I"$src_inc" -I"$build_inc" \
                -c "$work/t.cpp" -o "$work/t.o"; then
            echo "FAIL: gan/$name as C++17"
            fail=1
        fi
    fi
done
[ "$checked" -gt 0 ] || { echo "no headers found under $src_inc/gan"; exit 1; }
if [ -z "$cxx" ]; then
    echo "no C++ compiler: C++17 checks skipped"
fi
[ "$fail" -eq 0 ] && echo "$checked headers compile alone${cxx:+ as C11 and C++17}"
exit $fail
