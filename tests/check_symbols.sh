#!/bin/sh
# The shared library exports exactly the symbols the version script lists, nothing else.
# usage: check_symbols.sh LIBRARY_SO VERSION_SCRIPT (libgan.so with lib/libgan.map,
# libgan-io.so with lib/io/libgan-io.map; a node name is not a symbol)
set -eu
lib=$1
map=$2
exported=$(mktemp)
listed=$(mktemp)
trap 'rm -f "$exported" "$listed"' EXIT
nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' |
    grep -v '^LIBGAN_' | sort > "$exported"
sed -n 's/^[[:space:]]*\(gan_[a-z0-9_]*\);.*/\1/p' "$map" | sort > "$listed"
count=$(wc -l < "$exported")
if ! diff -u "$listed" "$exported"; then
    echo "exported symbols differ from $map (- listed only, + exported only)"
    exit 1
fi
outside=$(grep -v '^gan_' "$exported" || true)
if [ -n "$outside" ]; then
    echo "symbols outside the gan_ namespace are exported: $outside"
    exit 1
fi
internal=$(grep '^gan__' "$exported" || true)
if [ -n "$internal" ]; then
    echo "internal gan__ symbols are exported: $internal"
    exit 1
fi
echo "$count exported symbols match $map"
