#!/bin/sh
# At a release, on purpose: make this tree's ABI the baseline that CI checks against.
# Builds the libraries afresh in build-abi/ (tests/check_abi.sh), writes
# abi/libgan.so.0.abi and abi/libgan-io.so.0.abi from them, and freezes the public
# headers, the generated version.h included, as abi/<version>/include/gan/ in place of
# the previous release's (tests/check_old_headers.sh builds the consumer programs
# against them). Review `git diff --stat abi/` and commit with the release.
# doc/DESIGN.md, "ABI".
# usage: tests/update_abi_baseline.sh
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
sh "$src/tests/check_abi.sh" --update
version=$(sed -n 's/^#define GAN_VERSION_STRING "\(.*\)"$/\1/p' \
    "$src/build-abi/include/gan/version.h")
[ -n "$version" ] || { echo "build-abi/include/gan/version.h: no GAN_VERSION_STRING"; exit 1; }
for old in "$src"/abi/*/include; do
    [ -d "$old" ] && rm -rf "${old%/include}"
done
headers="$src/abi/$version/include/gan"
mkdir -p "$headers"
cp "$src"/include/gan/*.h "$src/build-abi/include/gan/version.h" "$headers/"
echo "froze $(ls "$headers" | wc -l) public headers of $version in abi/$version/include/gan"
